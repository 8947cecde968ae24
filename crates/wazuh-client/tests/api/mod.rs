//! The manager API surface against the simulator: shapes, filters, failed items, validation.

use serde_json::Value;
use wazuh_client::{
    ActiveResponseRequest, AgentQuery, AgentStatus, Error, ListQuery, LogsQuery, Outcome, Query,
    RuleFileContent, RuleQuery, ScaCheckQuery, ScaResult, SyscollectorKind,
};

use crate::common::{manager, shared};

#[tokio::test]
async fn api_info_and_agents() {
    let sim = shared();
    let client = manager(sim);
    let info = client.api_info().await.expect("api info");
    assert_eq!(info.api_version.as_deref(), Some("4.14.7"));

    let page = client
        .agents(&AgentQuery {
            list: ListQuery {
                limit: Some(5),
                sort: Some("+id".into()),
                ..ListQuery::default()
            },
            ..AgentQuery::default()
        })
        .await
        .expect("agents");
    assert!(page.items.len() <= 5);
    assert!(page.total_affected_items >= page.items.len() as u64);
    assert_eq!(page.outcome, Outcome::Complete);
    if let Some(first) = page.first() {
        assert_eq!(first.id.as_deref(), Some("000"), "sorted by id: {first:?}");
    }
}

#[tokio::test]
async fn agent_filters_and_wql_travel_as_values() {
    let sim = shared();
    let client = manager(sim);
    let active = client
        .agents(&AgentQuery {
            status: vec![AgentStatus::Active],
            list: ListQuery {
                select: vec!["id".into(), "status".into(), "os.platform".into()],
                ..ListQuery::default()
            },
            ..AgentQuery::default()
        })
        .await
        .expect("active agents");
    assert!(
        active
            .items
            .iter()
            .all(|a| a.status.as_deref() == Some("active"))
    );

    // A WQL with `;`, `,` and `=` is one encoded value, not extra parameters.
    let wql = client
        .agents(&AgentQuery {
            list: ListQuery {
                q: Some("(status=active,status=disconnected);id!=000".into()),
                ..ListQuery::default()
            },
            ..AgentQuery::default()
        })
        .await
        .expect("wql");
    assert!(wql.items.iter().all(|a| {
        a.id.as_deref() != Some("000")
            && matches!(a.status.as_deref(), Some("active" | "disconnected"))
    }));
    // A search term with `&` cannot smuggle a parameter in: the API sees the whole value (and
    // refuses it as a search term, which shows it arrived in one piece).
    let err = client
        .agents(&AgentQuery {
            list: ListQuery {
                search: Some("x&limit=abc".into()),
                ..ListQuery::default()
            },
            ..AgentQuery::default()
        })
        .await
        .unwrap_err();
    let Error::BadRequest(api) = &err else {
        panic!("expected bad request, got {err:?}");
    };
    assert!(api.detail.contains("x&limit=abc"), "{api:?}");
}

#[tokio::test]
async fn failed_items_are_surfaced() {
    let sim = shared();
    let client = manager(sim);
    let all_failed = client
        .agents(&AgentQuery {
            agents_list: vec!["999".into()],
            ..AgentQuery::default()
        })
        .await
        .expect("HTTP 200 even when every id failed");
    assert_eq!(all_failed.outcome, Outcome::Failed);
    assert!(all_failed.items.is_empty());
    assert_eq!(all_failed.total_failed_items, 1);
    let failed = &all_failed.failed_items[0];
    assert_eq!(failed.code, Some(1701));
    assert_eq!(failed.ids, vec!["999"]);
    assert!(failed.remediation.is_some());

    let partial = client
        .agents(&AgentQuery {
            agents_list: vec!["001".into(), "999".into()],
            ..AgentQuery::default()
        })
        .await
        .expect("partial");
    assert_eq!(partial.outcome, Outcome::Partial);
    assert_eq!(partial.items.len(), 1);
    assert_eq!(partial.failed_items[0].ids, vec!["999"]);

    let inventory = client
        .syscollector("999", SyscollectorKind::Packages, &ListQuery::default())
        .await
        .expect("unknown agent answers 200");
    assert!(inventory.has_failures());
    assert_eq!(inventory.failed_items[0].code, Some(1701));
}

#[tokio::test]
async fn bad_arguments_fail_before_anything_is_sent() {
    let sim = shared();
    let client = manager(sim);
    let cases: Vec<(&str, Error)> = vec![
        (
            "agent id `1`",
            client
                .syscollector("1", SyscollectorKind::Os, &ListQuery::default())
                .await
                .unwrap_err(),
        ),
        (
            "agent id `abc`",
            client.sca("abc", &ListQuery::default()).await.unwrap_err(),
        ),
        (
            "agent id `../001`",
            client.restart_agent("../001").await.unwrap_err(),
        ),
        (
            "traversal file name",
            client
                .rule_file_content("../../etc/ossec.conf", true)
                .await
                .unwrap_err(),
        ),
        (
            "file name with a slash",
            client
                .rule_file_content("rules/x.xml", false)
                .await
                .unwrap_err(),
        ),
        (
            "bad level",
            client
                .rules(&RuleQuery {
                    level: Some("10-5".into()),
                    ..RuleQuery::default()
                })
                .await
                .unwrap_err(),
        ),
        (
            "generic path traversal",
            client
                .get_items::<Value>("/agents/../security/users", &Query::new())
                .await
                .unwrap_err(),
        ),
        (
            "bad policy id",
            client
                .sca_checks("001", "../x", &ScaCheckQuery::default())
                .await
                .unwrap_err(),
        ),
        (
            "active response to every agent by accident",
            client
                .active_response(&ActiveResponseRequest {
                    command: "restart-wazuh".into(),
                    ..ActiveResponseRequest::default()
                })
                .await
                .unwrap_err(),
        ),
    ];
    for (what, err) in &cases {
        let Error::Validation { reason, .. } = err else {
            panic!("{what}: expected a validation error, got {err:?}");
        };
        assert!(!reason.is_empty(), "{what}");
    }
    let stats = client.stats();
    assert_eq!(
        (stats.requests, stats.logins),
        (0, 0),
        "nothing was sent: {stats:?}"
    );
}

#[tokio::test]
async fn upstream_refusals_are_typed() {
    let sim = shared();
    let client = manager(sim);
    // Unknown parameter: the API's strict schema answers 400 with a detail.
    let err = client
        .get_items::<Value>("/agents", &[("no_such_param", "1")].into_iter().collect())
        .await
        .unwrap_err();
    let Error::BadRequest(api) = &err else {
        panic!("expected bad request, got {err:?}");
    };
    assert!(!api.detail.is_empty());
    let err = client
        .get_data("/no/such/endpoint", &Query::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn inventory_of_every_kind() {
    let sim = shared();
    let client = manager(sim);
    for kind in SyscollectorKind::ALL {
        let page = client
            .syscollector("001", kind, &ListQuery::with_limit(3))
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(page.items.len() <= 3, "{kind:?}");
        assert!(!page.has_failures(), "{kind:?}: {:?}", page.failed_items);
    }
}

#[tokio::test]
async fn rules_and_rule_files() {
    let sim = shared();
    let client = manager(sim);
    let rules = client
        .rules(&RuleQuery {
            level: Some("5-10".into()),
            group: Some("sshd".into()),
            list: ListQuery::with_limit(20),
            ..RuleQuery::default()
        })
        .await
        .expect("rules");
    assert!(!rules.items.is_empty(), "the stock ruleset has sshd rules");
    for rule in &rules.items {
        let level = rule["level"].as_u64().expect("level");
        assert!((5..=10).contains(&level), "{rule}");
    }

    let files = client
        .rule_files(&ListQuery::with_limit(5))
        .await
        .expect("rule files");
    assert!(!files.items.is_empty());

    let RuleFileContent::Raw(xml) = client
        .rule_file_content("0095-sshd_rules.xml", true)
        .await
        .expect("raw file")
    else {
        panic!("raw content expected");
    };
    assert!(xml.contains("<rule id="), "{}", &xml[..xml.len().min(200)]);
    let RuleFileContent::Parsed(parsed) = client
        .rule_file_content("0095-sshd_rules.xml", false)
        .await
        .expect("parsed file")
    else {
        panic!("parsed content expected");
    };
    assert!(parsed.is_object(), "{parsed}");
}

#[tokio::test]
async fn sca_syscheck_rootcheck() {
    let sim = shared();
    let client = manager(sim);
    let policies = client.sca("001", &ListQuery::default()).await.expect("sca");
    if let Some(policy_id) = policies.first().and_then(|p| p["policy_id"].as_str()) {
        let failed = client
            .sca_checks(
                "001",
                policy_id,
                &ScaCheckQuery {
                    result: Some(ScaResult::Failed),
                    list: ListQuery::with_limit(10),
                    ..ScaCheckQuery::default()
                },
            )
            .await
            .expect("checks");
        assert!(
            failed.items.iter().all(|c| c["result"] == "failed"),
            "{:?}",
            failed.items
        );
    } else {
        eprintln!("the simulator has no SCA policy for 001 yet");
    }
    client
        .syscheck("001", &ListQuery::with_limit(5))
        .await
        .expect("syscheck");
    client
        .rootcheck("001", &ListQuery::with_limit(5))
        .await
        .expect("rootcheck");
}

#[tokio::test]
async fn manager_endpoints_and_summary() {
    let sim = shared();
    let client = manager(sim);
    let info = client.manager_info().await.expect("info");
    assert_eq!(info.items.len(), 1);
    let status = client.manager_status().await.expect("status");
    assert!(status.first().is_some_and(Value::is_object));
    client
        .manager_logs(&LogsQuery {
            level: Some("error".into()),
            list: ListQuery::with_limit(5),
            ..LogsQuery::default()
        })
        .await
        .expect("logs");
    let summary = client.agents_summary_status().await.expect("summary");
    assert!(summary.connection.total >= summary.connection.active);
}

#[tokio::test]
async fn logtest_restart_and_active_response() {
    let sim = shared();
    let client = manager(sim);
    let result = client
        .logtest(
            "Jul  3 21:44:07 vmi189193 sshd[26279]: Failed password for invalid user sammy from 82.202.219.155 port 51676 ssh2",
            "syslog",
            "/var/log/auth.log",
        )
        .await
        .expect("logtest");
    assert!(result.token.is_some());
    assert!(result.output.is_object());
    eprintln!("logtest rule: {}", result.output["rule"]);

    let unknown = client
        .restart_agent("999")
        .await
        .expect("200 with failed items");
    assert_eq!(unknown.outcome, Outcome::Failed);
    assert_eq!(unknown.failed_items[0].code, Some(1701));

    let active = client
        .agents(&AgentQuery {
            status: vec![AgentStatus::Active],
            list: ListQuery {
                q: Some("id!=000".into()),
                limit: Some(1),
                ..ListQuery::default()
            },
            ..AgentQuery::default()
        })
        .await
        .expect("agents");
    if let Some(id) = active.first().and_then(|a| a.id.clone()) {
        let restarted = client.restart_agent(&id).await.expect("restart");
        assert_eq!(restarted.outcome, Outcome::Complete, "{restarted:?}");
        let ar = client
            .active_response(&ActiveResponseRequest {
                command: "!firewall-drop".into(),
                arguments: vec!["-".into()],
                agents: vec![id.clone(), "999".into()],
                ..ActiveResponseRequest::default()
            })
            .await
            .expect("active response");
        assert_eq!(ar.outcome, Outcome::Partial, "{ar:?}");
        assert_eq!(ar.items, vec![Value::String(id)]);
    }
}

#[tokio::test]
async fn generic_escape_hatch() {
    let sim = shared();
    let client = manager(sim);
    let mut query = Query::new();
    query.push("limit", "2");
    let groups = client
        .get_items::<Value>("/groups", &query)
        .await
        .expect("groups");
    assert!(groups.items.len() <= 2);
    let cluster = client
        .get_data("/cluster/status", &Query::new())
        .await
        .expect("cluster status");
    assert!(cluster.is_object());
}
