//! Every tool over the in-process transport against the simulator, with meaningful arguments,
//! checking the content, the output schema and the summary line.

use serde_json::{Value, json};

use crate::common::{AGENTS, call_ok, connect, items, shared_app, text, try_call};

fn ids(value: &Value) -> Vec<String> {
    items(value)
        .iter()
        .map(|a| a["id"].as_str().expect("an agent has an id").to_string())
        .collect()
}

#[tokio::test]
async fn get_agents_filters_and_selects() {
    let client = connect(&shared_app()).await;

    let all = call_ok(&client, "get_agents", json!({"limit": 500})).await;
    assert_eq!(
        all["total"],
        json!(AGENTS + 1),
        "the agents and the manager"
    );
    assert_eq!(items(&all).len(), AGENTS + 1);
    assert!(all.get("next_offset").is_none(), "one page holds them all");

    let active = call_ok(
        &client,
        "get_agents",
        json!({"status": "active", "limit": 500}),
    )
    .await;
    let n = items(&active).len();
    assert!(n > 0 && n <= AGENTS + 1, "{active}");
    assert_eq!(active["total"], json!(n));
    for agent in items(&active) {
        assert_eq!(agent["status"], "active", "{agent}");
    }

    // A list of statuses, as an array; `select` keeps only the named fields (and the id).
    let selected = call_ok(
        &client,
        "get_agents",
        json!({"status": ["active", "disconnected"], "select": "name,os.platform", "limit": 5}),
    )
    .await;
    for agent in items(&selected) {
        let keys: Vec<&str> = agent
            .as_object()
            .expect("an agent is an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert!(keys.contains(&"name"), "{agent}");
        assert!(
            !keys.contains(&"ip") && !keys.contains(&"version"),
            "select drops other fields: {agent}"
        );
        assert!(agent["os"]["platform"].is_string(), "{agent}");
    }

    // The planted hosts.
    let two = call_ok(
        &client,
        "get_agents",
        json!({"agent_ids": ["001", "002"], "select": ["name"]}),
    )
    .await;
    assert_eq!(ids(&two), vec!["001", "002"]);
    assert_eq!(items(&two)[0]["name"], "web-01");
    assert_eq!(items(&two)[1]["name"], "WIN-DC01");

    let windows = call_ok(
        &client,
        "get_agents",
        json!({"os_platform": "windows", "limit": 500}),
    )
    .await;
    assert!(ids(&windows).contains(&"002".to_string()), "{windows}");
    for agent in items(&windows) {
        assert_eq!(agent["os"]["platform"], "windows", "{agent}");
    }

    // A WQL filter and a sort.
    let q = call_ok(
        &client,
        "get_agents",
        json!({"q": "id!=000;status=active", "sort": "-id", "select": "status"}),
    )
    .await;
    let q_ids = ids(&q);
    assert!(!q_ids.contains(&"000".to_string()));
    let mut sorted = q_ids.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(q_ids, sorted, "sorted by id, descending");

    // Unknown ids are reported, not silently dropped.
    let missing = call_ok(&client, "get_agents", json!({"agent_ids": "001,999"})).await;
    assert_eq!(ids(&missing), vec!["001"]);
    let failed = missing["failed_items"].as_array().expect("failed_items");
    assert_eq!(failed[0]["ids"], json!(["999"]), "{missing}");
}

#[tokio::test]
async fn paging_walks_the_whole_list() {
    let client = connect(&shared_app()).await;
    let mut offset = 0u64;
    let mut seen = Vec::new();
    let mut total = None;
    for _ in 0..20 {
        let page = call_ok(
            &client,
            "get_agents",
            json!({"limit": 4, "offset": offset, "select": "name"}),
        )
        .await;
        let page_total = page["total"].as_u64().expect("total");
        assert_eq!(*total.get_or_insert(page_total), page_total, "stable total");
        assert_eq!(page["offset"], json!(offset));
        assert_eq!(page["limit"], json!(4));
        let n = items(&page).len();
        assert!(n <= 4);
        seen.extend(ids(&page));
        match page["next_offset"].as_u64() {
            Some(next) => {
                assert_eq!(next, offset + n as u64);
                offset = next;
            }
            None => break,
        }
    }
    let total = total.expect("at least one page");
    assert_eq!(
        seen.len() as u64,
        total,
        "the pages cover the list: {seen:?}"
    );
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no item twice: {seen:?}");

    // Numbers sent as strings are accepted.
    let page = call_ok(
        &client,
        "get_rule_files",
        json!({"limit": "3", "offset": "2"}),
    )
    .await;
    assert_eq!(items(&page).len(), 3);
    assert_eq!(page["next_offset"], json!(5));

    // Past the end: an empty page, no next_offset.
    let past = call_ok(&client, "get_agents", json!({"offset": 10_000})).await;
    assert!(items(&past).is_empty());
    assert!(past.get("next_offset").is_none());
}

#[tokio::test]
async fn agent_inventory() {
    let client = connect(&shared_app()).await;

    // 002 (WIN-DC01) runs an encoded PowerShell command.
    let processes = call_ok(
        &client,
        "get_agent_processes",
        json!({"agent_id": "002", "search": "EncodedCommand"}),
    )
    .await;
    assert!(
        items(&processes)
            .iter()
            .any(|p| p["name"] == "powershell.exe"
                && p["cmd"]
                    .as_str()
                    .is_some_and(|c| c.contains("-EncodedCommand"))),
        "{processes}"
    );
    let by_name = call_ok(
        &client,
        "get_agent_processes",
        json!({"agent_id": "002", "name": "powershell.exe", "select": "name,cmd"}),
    )
    .await;
    assert!(!items(&by_name).is_empty());
    for p in items(&by_name) {
        assert_eq!(p["name"], "powershell.exe");
    }

    // 001 (web-01) has a reverse shell to the attacker.
    let ports = call_ok(
        &client,
        "get_agent_ports",
        json!({"agent_id": "001", "remote_ip": "192.168.1.100"}),
    )
    .await;
    assert!(!items(&ports).is_empty(), "{ports}");
    for port in items(&ports) {
        assert_eq!(port["remote"]["ip"], "192.168.1.100", "{port}");
    }
    let listening = call_ok(
        &client,
        "get_agent_ports",
        json!({"agent_id": "001", "state": "listening", "protocol": "tcp"}),
    )
    .await;
    assert!(!items(&listening).is_empty(), "web-01 listens");
    for port in items(&listening) {
        assert_eq!(port["state"], "listening");
        assert_eq!(port["protocol"], "tcp");
    }

    // Packages: an exact name, and a partial one with search.
    let all = call_ok(
        &client,
        "get_agent_packages",
        json!({"agent_id": "001", "limit": 1000}),
    )
    .await;
    assert!(items(&all).len() > 5, "{}", all["total"]);
    let name = items(&all)[0]["name"]
        .as_str()
        .expect("a package has a name")
        .to_string();
    let one = call_ok(
        &client,
        "get_agent_packages",
        json!({"agent_id": "001", "name": name}),
    )
    .await;
    assert!(!items(&one).is_empty());
    for p in items(&one) {
        assert_eq!(p["name"], json!(name));
    }
    let nginx = call_ok(
        &client,
        "get_agent_packages",
        json!({"agent_id": "001", "search": "nginx", "select": "name,version"}),
    )
    .await;
    assert!(
        items(&nginx)
            .iter()
            .any(|p| p["name"].as_str().is_some_and(|n| n.contains("nginx"))),
        "web-01 runs nginx: {nginx}"
    );
}

#[tokio::test]
async fn rules() {
    let client = connect(&shared_app()).await;

    let one = call_ok(&client, "list_rules", json!({"rule_ids": [5710]})).await;
    assert_eq!(one["total"], 1);
    let rule = &items(&one)[0];
    assert_eq!(rule["id"], 5710);
    assert_eq!(rule["level"], 5);
    assert_eq!(rule["filename"], "0095-sshd_rules.xml");

    let two = call_ok(&client, "list_rules", json!({"rule_ids": "5710,5712"})).await;
    assert_eq!(two["total"], 2);

    let high = call_ok(
        &client,
        "list_rules",
        json!({"level": "12-16", "limit": 200}),
    )
    .await;
    assert!(!items(&high).is_empty());
    for rule in items(&high) {
        let level = rule["level"].as_u64().expect("a level");
        assert!((12..=16).contains(&level), "{rule}");
    }

    let group = call_ok(
        &client,
        "list_rules",
        json!({"group": "authentication_failed", "limit": 200}),
    )
    .await;
    assert!(!items(&group).is_empty());
    for rule in items(&group) {
        assert!(
            rule["groups"]
                .as_array()
                .is_some_and(|g| g.contains(&json!("authentication_failed"))),
            "{rule}"
        );
    }

    let mitre = call_ok(
        &client,
        "list_rules",
        json!({"mitre": "T1110", "limit": 200}),
    )
    .await;
    assert!(!items(&mitre).is_empty());
    for rule in items(&mitre) {
        assert!(
            rule["mitre"]
                .as_array()
                .is_some_and(|ids| ids.contains(&json!("T1110"))),
            "{rule}"
        );
    }

    let in_file = call_ok(
        &client,
        "list_rules",
        json!({"filename": "0095-sshd_rules.xml", "limit": 1}),
    )
    .await;
    assert!(in_file["total"].as_u64().expect("total") > 10);
    assert_eq!(in_file["next_offset"], 1);

    let files = call_ok(&client, "get_rule_files", json!({"limit": 1000})).await;
    assert!(
        items(&files).len() > 50,
        "the stock ruleset: {}",
        files["total"]
    );
    assert!(
        items(&files)
            .iter()
            .any(|f| f["filename"] == "0095-sshd_rules.xml"),
        "{}",
        files["total"]
    );
    let sshd = call_ok(
        &client,
        "get_rule_files",
        json!({"filename": "0095-sshd_rules.xml", "status": "enabled"}),
    )
    .await;
    assert_eq!(sshd["total"], 1);
    assert_eq!(items(&sshd)[0]["status"], "enabled");

    let raw = call_ok(
        &client,
        "get_rule_file_content",
        json!({"filename": "0095-sshd_rules.xml"}),
    )
    .await;
    assert_eq!(raw["format"], "xml");
    let xml = raw["content"].as_str().expect("XML text");
    assert!(
        xml.contains("<rule id=\"5710\""),
        "{}",
        &xml[..200.min(xml.len())]
    );

    let parsed = call_ok(
        &client,
        "get_rule_file_content",
        json!({"filename": "0095-sshd_rules.xml", "raw": false}),
    )
    .await;
    assert_eq!(parsed["format"], "json");
    assert!(parsed["content"].is_object() || parsed["content"].is_array());
    assert!(parsed["content"].to_string().contains("5710"));

    // A large file is read whole, part after part, never cut.
    let mut next = Some(1u64);
    let mut lines = Vec::new();
    let mut total = 0;
    for _ in 0..100 {
        let Some(start) = next else { break };
        let part = call_ok(
            &client,
            "get_rule_file_content",
            json!({"filename": "0580-win-security_rules.xml", "start_line": start, "max_lines": 500}),
        )
        .await;
        assert_eq!(part["start_line"], start);
        total = part["total_lines"].as_u64().expect("total_lines");
        let text = part["content"].as_str().expect("XML text");
        assert!(!text.contains("characters cut"));
        lines.extend(text.lines().map(str::to_string));
        next = part["next_start_line"].as_u64();
    }
    assert!(total > 500, "a file of several parts: {total} lines");
    assert_eq!(lines.len() as u64, total);
    assert!(lines.iter().any(|l| l.contains("<rule id=\"60104\"")));
    let past = try_call(
        &client,
        "get_rule_file_content",
        json!({"filename": "0580-win-security_rules.xml", "start_line": total + 1}),
    )
    .await
    .expect("a result");
    assert_eq!(past.is_error, Some(true));
    assert!(text(&past).contains(&format!("the file has {total} lines")));
}

#[tokio::test]
async fn sca() {
    let client = connect(&shared_app()).await;
    let policies = call_ok(&client, "get_agent_sca", json!({"agent_id": "001"})).await;
    let policy = items(&policies)
        .iter()
        .find(|p| p["policy_id"] == "cis_ubuntu22-04")
        .unwrap_or_else(|| panic!("web-01 runs the Ubuntu CIS policy: {policies}"));
    let failed_count = policy["fail"].as_u64().expect("fail count");
    assert!(failed_count > 0, "{policy}");

    let failed = call_ok(
        &client,
        "get_sca_policy_checks",
        json!({"agent_id": "001", "policy_id": "cis_ubuntu22-04", "result": "failed", "limit": 1000}),
    )
    .await;
    assert_eq!(
        failed["total"],
        json!(failed_count),
        "the policy's fail count"
    );
    for check in items(&failed) {
        assert_eq!(check["result"], "failed", "{check}");
        assert!(check["remediation"].is_string() || check["title"].is_string());
    }

    let all = call_ok(
        &client,
        "get_sca_policy_checks",
        json!({"agent_id": "001", "policy_id": "cis_ubuntu22-04", "limit": 1}),
    )
    .await;
    assert!(all["total"].as_u64().expect("total") >= failed_count);
}

#[tokio::test]
async fn authenticate() {
    let client = connect(&shared_app()).await;
    let auth = call_ok(&client, "authenticate", json!({})).await;
    assert_eq!(auth["authenticated"], true);
    assert_eq!(auth["user"], "wazuh");
    assert_eq!(auth["api_version"], "4.14.7");
    assert!(auth["token_expires_in"].as_u64().expect("expiry") > 0);
    assert!(!auth.to_string().contains("eyJ"), "never the token: {auth}");
}

#[tokio::test]
async fn every_tool_is_exercised() {
    // Keeps this file honest when a tool is added: each one needs a test above.
    let covered = [
        "authenticate",
        "get_agents",
        "get_agent_ports",
        "get_agent_packages",
        "get_agent_processes",
        "list_rules",
        "get_rule_files",
        "get_rule_file_content",
        "get_agent_sca",
        "get_sca_policy_checks",
    ];
    let client = connect(&shared_app()).await;
    let listed = client.list_all_tools().await.expect("tools/list");
    let mut names: Vec<&str> = listed.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    let mut covered = covered.to_vec();
    covered.sort();
    assert_eq!(names, covered, "a new tool needs a test in tools.rs");
}
