//! RBAC over real sockets: run_as logins and their roles, group-restricted users, and the
//! answers of the manager to operations on agents a token may not see.

use base64::Engine;
use serde_json::{Value, json};
use wazuh_sim::RunningSim;

use crate::common::{client, get, login, start_default};

/// The claims of a JWT (not verified).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// `POST /security/user/authenticate/run_as` with `context`; status and body.
async fn run_as(
    sim: &RunningSim,
    user: &str,
    password: &str,
    context: &Value,
    raw: bool,
) -> (u16, String) {
    let response = client()
        .post(format!(
            "{}/security/user/authenticate/run_as{}",
            sim.manager_url(),
            if raw { "?raw=true" } else { "" }
        ))
        .basic_auth(user, Some(password))
        .json(context)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn run_as_token(sim: &RunningSim, user: &str, context: &Value) -> String {
    let (status, body) = run_as(sim, user, user, context, false).await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"], 0, "{body}");
    body["data"]["token"].as_str().unwrap().to_string()
}

fn ids(body: &Value) -> Vec<String> {
    body["data"]["affected_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

fn in_group(agent: &Value, group: &str) -> bool {
    agent["group"]
        .as_array()
        .is_some_and(|g| g.iter().any(|g| g == group))
}

/// Every agent, as the administrator sees it.
async fn all_agents(sim: &RunningSim) -> Vec<Value> {
    let admin = login(sim, "wazuh", "wazuh").await;
    let (status, body) = get(sim, &admin, "/agents?limit=100000").await;
    assert_eq!(status, 200);
    body["data"]["affected_items"].as_array().unwrap().clone()
}

fn first_id(agents: &[Value], pick: impl Fn(&Value) -> bool) -> String {
    agents
        .iter()
        .find(|a| pick(a))
        .and_then(|a| a["id"].as_str())
        .expect("such an agent in the fleet")
        .to_string()
}

#[tokio::test]
async fn run_as_login_gets_the_roles_of_the_matching_rules() {
    let sim = start_default().await;

    let token = run_as_token(&sim, "wazuh", &json!({"user": "ann", "groups": ["linux"]})).await;
    let c = claims(&token);
    assert_eq!(
        (&c["sub"], &c["run_as"], &c["rbac_roles"]),
        (&json!("wazuh"), &json!(true), &json!([100]))
    );
    assert_eq!(c["rbac_mode"], "white");
    assert_eq!(c["hash_auth_context"].as_str().map(str::len), Some(32));

    // raw=true answers the token as text, like the plain login.
    let (status, raw) = run_as(&sim, "wazuh", "wazuh", &json!({"groups": "windows"}), true).await;
    assert_eq!(status, 200);
    assert_eq!(claims(&raw)["rbac_roles"], json!([101]));

    // Wazuh's default rules only apply to wazuh-wui (upstream test_security_POST_endpoints).
    let elastic = json!({"username": "elastic"});
    let wui = run_as_token(&sim, "wazuh-wui", &elastic).await;
    assert_eq!(claims(&wui)["rbac_roles"], json!([1]));
    let opensearch = run_as_token(&sim, "wazuh-wui", &json!({"user_name": "admin"})).await;
    assert_eq!(claims(&opensearch)["rbac_roles"], json!([1]));
    let plain = run_as_token(&sim, "wazuh", &elastic).await;
    assert_eq!(claims(&plain)["rbac_roles"], json!([]));
    let none = run_as_token(&sim, "wazuh-wui", &json!({"username": "no_matching_rule"})).await;
    assert_eq!(claims(&none)["rbac_roles"], json!([]));
    // An empty context keeps the user's own roles.
    let own = run_as_token(&sim, "wazuh", &json!({})).await;
    assert_eq!(
        (&claims(&own)["rbac_roles"], &claims(&own)["run_as"]),
        (&json!([1]), &json!(true))
    );

    // The plain login says run_as false.
    let normal = login(&sim, "wazuh", "wazuh").await;
    assert_eq!(claims(&normal)["run_as"], false);
    sim.shutdown().await;
}

#[tokio::test]
async fn run_as_is_refused_without_allow_run_as_or_credentials() {
    let sim = start_default().await;
    let context = json!({"user_name": "admin"});
    for user in ["analyst", "linux-analyst"] {
        let (status, body) = run_as(&sim, user, user, &context, false).await;
        assert_eq!(status, 403, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"], 6004);
        assert_eq!(body["title"], "Permission Denied");
        assert_eq!(
            body["detail"],
            "The current user does not have authentication enabled through authorization context"
        );
        assert!(
            body["remediation"]
                .as_str()
                .unwrap()
                .ends_with("security_controller.edit_run_as")
        );
    }
    let (status, body) = run_as(&sim, "wazuh", "nope", &context, false).await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["detail"], "Invalid credentials");

    // The context must be a JSON object.
    let (status, _) = run_as(&sim, "wazuh", "wazuh", &json!(["linux"]), false).await;
    assert_eq!(status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn group_restricted_users_list_and_count_only_their_agents() {
    let sim = start_default().await;
    let agents = all_agents(&sim).await;
    let linux: Vec<String> = agents
        .iter()
        .filter(|a| in_group(a, "linux"))
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!linux.is_empty() && linux.len() < agents.len());

    let by_user = login(&sim, "linux-analyst", "linux-analyst").await;
    let by_context = run_as_token(&sim, "wazuh", &json!({"groups": ["linux"]})).await;
    for token in [&by_user, &by_context] {
        let (status, body) = get(&sim, token, "/agents?limit=100000").await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body), linux);
        assert_eq!(body["data"]["total_affected_items"], linux.len());
        assert_eq!(body["data"]["total_failed_items"], 0);

        // Paging and totals agree: the total is the restricted one, not the fleet's.
        let (_, page) = get(&sim, token, "/agents?limit=2&offset=1").await;
        assert_eq!(page["data"]["total_affected_items"], linux.len());
        assert_eq!(ids(&page), linux[1..3].to_vec());

        let (status, summary) = get(&sim, token, "/agents/summary/status").await;
        assert_eq!(status, 200);
        assert_eq!(summary["data"]["connection"]["total"], linux.len());
        assert_eq!(summary["data"]["configuration"]["total"], linux.len());

        let (_, os) = get(&sim, token, "/agents/summary/os").await;
        for platform in os["data"]["affected_items"].as_array().unwrap() {
            assert_ne!(platform, "windows", "{os}");
            assert_ne!(platform, "darwin", "{os}");
        }

        let (_, groups) = get(&sim, token, "/groups").await;
        let names: Vec<&str> = groups["data"]["affected_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["linux"]);

        // Rules, decoders and the manager are not agent-scoped.
        assert_eq!(get(&sim, token, "/rules?limit=1").await.0, 200);
        assert_eq!(get(&sim, token, "/decoders?limit=1").await.0, 200);
        assert_eq!(get(&sim, token, "/manager/info").await.0, 200);
    }

    // The administrator and the plain read-only user still see everything.
    let analyst = login(&sim, "analyst", "analyst").await;
    let (_, body) = get(&sim, &analyst, "/agents?limit=100000").await;
    assert_eq!(body["data"]["total_affected_items"], agents.len());
    sim.shutdown().await;
}

#[tokio::test]
async fn agents_outside_the_group_are_denied_per_operation() {
    let sim = start_default().await;
    let agents = all_agents(&sim).await;
    let connected = |a: &Value| a["status"] == "active" || a["status"] == "disconnected";
    let linux = first_id(&agents, |a| in_group(a, "linux") && connected(a));
    let windows = first_id(&agents, |a| in_group(a, "windows") && connected(a));
    let token = login(&sim, "linux-analyst", "linux-analyst").await;

    let admin = login(&sim, "wazuh", "wazuh").await;
    let (_, policies) = get(&sim, &admin, &format!("/sca/{windows}")).await;
    let policy = policies["data"]["affected_items"][0]["policy_id"]
        .as_str()
        .unwrap()
        .to_string();

    for path in [
        "/syscollector/{id}/os",
        "/syscollector/{id}/packages",
        "/syscollector/{id}/processes",
        "/sca/{id}",
        "/syscheck/{id}",
        "/rootcheck/{id}",
    ] {
        let (status, body) = get(&sim, &token, &path.replace("{id}", &linux)).await;
        assert_eq!(status, 200, "{path} on {linux}: {body}");
        let (status, body) = get(&sim, &token, &path.replace("{id}", &windows)).await;
        assert_eq!(status, 403, "{path} on {windows}: {body}");
        assert_eq!(body["error"], 4000);
        assert_eq!(body["title"], "Permission Denied");
        assert_eq!(body["detail"], "Permission denied: Resource type: agent:id");
    }
    let (status, body) = get(&sim, &token, &format!("/sca/{windows}/checks/{policy}")).await;
    assert_eq!((status, &body["error"]), (403, &json!(4000)), "{body}");
    // An agent that does not exist is not in the group either: 403, not 1701.
    assert_eq!(get(&sim, &token, "/syscollector/999/os").await.0, 403);
    // The manager (000) is in no group.
    assert_eq!(get(&sim, &token, "/syscollector/000/os").await.0, 403);

    // agents_list: the denied ids are failed items with code 4000, or a 403 if all are.
    let (status, body) = get(
        &sim,
        &token,
        &format!("/agents?agents_list={linux},{windows}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["error"], 2, "{body}");
    assert_eq!(ids(&body), [linux.as_str()]);
    assert_eq!(body["data"]["total_affected_items"], 1);
    assert_eq!(body["data"]["total_failed_items"], 1);
    let failed = &body["data"]["failed_items"][0];
    assert_eq!(failed["error"]["code"], 4000);
    assert_eq!(
        failed["error"]["message"],
        "Permission denied: Resource type: agent:id"
    );
    assert_eq!(failed["id"], json!([windows]));
    let (status, body) = get(&sim, &token, &format!("/agents?agents_list={windows}")).await;
    assert_eq!((status, &body["error"]), (403, &json!(4000)), "{body}");

    // Writes stay forbidden to read-only tokens, as before.
    let response = client()
        .put(format!("{}/agents/{linux}/restart", sim.manager_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["detail"], "Permission denied: Resource type: *:*");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_context_without_roles_sees_nothing_and_an_admin_context_everything() {
    let sim = start_default().await;
    let agents = all_agents(&sim).await;
    let nobody = run_as_token(&sim, "wazuh", &json!({"groups": ["nobody"]})).await;
    let (status, body) = get(&sim, &nobody, "/agents").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["total_affected_items"], 0);
    assert_eq!(get(&sim, &nobody, "/rules?limit=1").await.0, 403);
    assert_eq!(get(&sim, &nobody, "/").await.0, 200);

    let admin = run_as_token(&sim, "wazuh", &json!({"groups": ["admins"]})).await;
    let (_, body) = get(&sim, &admin, "/agents?limit=100000").await;
    assert_eq!(body["data"]["total_affected_items"], agents.len());
    let active = first_id(&agents, |a| a["status"] == "active" && a["id"] != "000");
    let response = client()
        .put(format!("{}/agents/{active}/restart", sim.manager_url()))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    sim.shutdown().await;
}
