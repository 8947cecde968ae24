//! Expectations taken from the upstream API integration tests (`test_agent_GET_endpoints`,
//! `test_decoder_endpoints`, `test_rule_endpoints` tavern files) over a fleet shaped like theirs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;

/// 13 agents shaped like the upstream integration environment.
fn agents() -> Vec<Value> {
    #[allow(clippy::type_complexity)]
    let rows: &[(&str, &str, &[&str], &str, &str, &str, &str, &str)] = &[
        // id, status, groups, os.name, os.major, dateAdd, lastKeepAlive, version
        (
            "000",
            "active",
            &[],
            "Ubuntu",
            "24",
            "2021-07-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "Wazuh v4.14.7",
        ),
        (
            "001",
            "active",
            &["default", "group1"],
            "CentOS Linux",
            "16",
            "2021-07-01T00:00:00Z",
            "2021-07-10T11:00:00Z",
            "Wazuh v4.14.7",
        ),
        (
            "002",
            "active",
            &["default", "group2"],
            "Ubuntu",
            "18",
            "2021-07-01T00:00:00Z",
            "2021-07-10T11:00:00Z",
            "Wazuh v4.14.7",
        ),
        (
            "003",
            "disconnected",
            &["default", "group3"],
            "CentOS Linux",
            "16",
            "2021-07-01T00:00:00Z",
            "2021-07-01T11:00:00Z",
            "Wazuh v4.14.7",
        ),
        (
            "004",
            "disconnected",
            &["default"],
            "Ubuntu",
            "24",
            "2021-07-01T00:00:00Z",
            "2021-07-01T11:00:00Z",
            "Wazuh v4.14.7",
        ),
        (
            "005",
            "active",
            &["default", "group1", "group2"],
            "Ubuntu",
            "20",
            "2021-07-01T00:00:00Z",
            "2021-07-10T11:00:00Z",
            "Wazuh v3.13.2",
        ),
        (
            "006",
            "active",
            &["default", "group2"],
            "Ubuntu",
            "20",
            "2021-07-01T00:00:00Z",
            "2021-07-10T11:00:00Z",
            "Wazuh v3.13.2",
        ),
        (
            "007",
            "active",
            &["default", "group1"],
            "Ubuntu",
            "20",
            "2021-07-01T00:00:00Z",
            "2021-07-10T11:00:00Z",
            "Wazuh v3.13.2",
        ),
        (
            "008",
            "active",
            &["default", "group1", "group2"],
            "Ubuntu",
            "20",
            "2021-07-01T00:00:00Z",
            "2021-07-10T11:00:00Z",
            "Wazuh v3.13.2",
        ),
        (
            "009",
            "disconnected",
            &["default", "group1"],
            "Ubuntu",
            "22",
            "2021-07-04T00:00:00Z",
            "2021-07-09T00:00:00Z",
            "Wazuh v4.14.7",
        ),
        (
            "010",
            "active",
            &["group3"],
            "Ubuntu",
            "22",
            "2021-07-08T00:00:00Z",
            "2021-07-09T00:00:00Z",
            "Wazuh v4.14.7",
        ),
    ];
    let mut out: Vec<Value> = rows
        .iter()
        .map(|(id, status, groups, os, major, added, alive, version)| {
            let mut a = json!({
                "id": id,
                "name": if *id == "000" { "wazuh-master".to_string() } else { format!("wazuh-agent{}", id.trim_start_matches('0')) },
                "status": status,
                "os": {"name": os, "major": major, "platform": if os.starts_with("Ubuntu") { "ubuntu" } else { "centos" }},
                "dateAdd": added,
                "lastKeepAlive": alive,
                "manager": "wazuh-master",
                "version": version,
            });
            if !groups.is_empty() {
                a["group"] = json!(groups);
            }
            a
        })
        .collect();
    for id in ["011", "012"] {
        out.push(json!({
            "id": id, "name": format!("nc-agent{id}"), "status": "never_connected",
            "dateAdd": "2021-07-01T00:00:00Z", "manager": "wazuh-master",
        }));
    }
    out
}

fn opts() -> ListOptions<'static> {
    ListOptions {
        now: Utc.with_ymd_and_hms(2021, 7, 10, 12, 0, 0).single(),
        ..ListOptions::agents()
    }
}

fn params() -> ListParams {
    ListParams::default()
}

fn ids(page: &Page) -> Vec<String> {
    page.items
        .iter()
        .map(|i| i["id"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn run(p: ListParams) -> Result<Page, QueryError> {
    apply_with(agents(), &p, &opts())
}

#[test]
fn q_filters_agents_like_the_upstream_tests() {
    let cases: &[(&str, &[&str])] = &[
        (
            "group=group2;lastKeepAlive<1d",
            &["002", "005", "006", "008"],
        ),
        ("group=noexists", &[]),
        ("group=group1", &["001", "005", "007", "008", "009"]),
        ("group!=group1", &["002", "003", "004", "006", "010"]),
        (
            "group~group",
            &[
                "001", "002", "003", "005", "006", "007", "008", "009", "010",
            ],
        ),
        (
            "dateAdd>2021-07-03 00:00:00;lastKeepAlive>2021-07-02",
            &["009", "010"],
        ),
        (
            "dateAdd>2021-07-03 00:00:00;dateAdd<2021-07-05 00:00:00",
            &["009"],
        ),
        (
            "dateAdd>2021-07-07 00:00:00,dateAdd>2021-07-04 00:00:00",
            &["010"],
        ),
        (
            "id<5;id!=2;manager~waz;(os.major=16,os.major=24)",
            &["000", "001", "003", "004"],
        ),
        (
            "id!=001;(status=active;(group=group1,group=group2))",
            &["002", "005", "006", "007", "008"],
        ),
        (
            "(status=never_connected,(id<4;(group=group1,group=group2)))",
            &["001", "002", "011", "012"],
        ),
        (
            "os.platform=ubuntu;status=active",
            &["000", "002", "005", "006", "007", "008", "010"],
        ),
        (
            "(status=active,status=never_connected);os.name~ubuntu",
            &["000", "002", "005", "006", "007", "008", "010"],
        ),
        // `=` and `~` are case-insensitive (COLLATE NOCASE, LIKE).
        ("status=ACTIVE;os.name~CENT", &["001"]),
        // `~` is LIKE: `_` is a one-character wildcard.
        ("name~agent_0", &["010"]),
        // `null` is `IS NULL`; NULL never satisfies `!=`.
        ("os.major=null", &["011", "012"]),
        ("os.major!=24;id>9", &["010"]),
        // timeframes: `>` is "older than"; the manager is left out of date filters.
        ("lastKeepAlive>1d", &["003", "004", "009", "010"]),
        ("id<3;lastKeepAlive<2h", &["001", "002"]),
    ];
    for (q, want) in cases {
        let page = run(ListParams {
            q: Some((*q).into()),
            ..params()
        })
        .unwrap_or_else(|e| panic!("{q}: {e:?}"));
        assert_eq!(ids(&page), *want, "q={q}");
        assert_eq!(page.total, want.len(), "q={q}");
    }
}

#[test]
fn q_errors_have_the_framework_codes_and_messages() {
    let cases: &[(&str, u32, &str)] = &[
        (
            "status",
            1407,
            "Query does not match expected format: status",
        ),
        (
            "group=default;lastKeep%<1d",
            1407,
            "Query does not match expected format: group=default;lastKeep%<1d",
        ),
        (
            "group=default;lastKeepAe<1d",
            1408,
            "Field does not exist.: Available fields: ",
        ),
        (
            "group<whatever",
            1409,
            "Invalid query operator: Valid operators for 'group' field: =, !=, ~. Used operator: <",
        ),
        (
            "id<=5",
            1409,
            "Invalid query operator: Valid operators: =, !=, <, >, ~. Used operator: <=",
        ),
        (
            "lastKeepAlive<yesterday",
            1412,
            "Date filter not valid. Valid formats are YYYY-MM-DD HH:mm:ss, YYYY-MM-DDTHH:mm:ssZ or YYYY-MM-DD: yesterday",
        ),
        ("lastKeepAlive<1dx", 1411, "TimeFrame is not valid: 1dx"),
    ];
    for (q, code, msg) in cases {
        let err = run(ListParams {
            q: Some((*q).into()),
            ..params()
        })
        .expect_err(q);
        assert_eq!(err.code, *code, "q={q}: {err:?}");
        assert!(err.message.starts_with(msg), "q={q}: {}", err.message);
    }
    // With the endpoint's field list, a field outside it (internal_key) is refused.
    let fields: &[&str] = &["id", "name", "status"];
    let err = apply_with(
        agents(),
        &ListParams {
            q: Some("internal_key=test".into()),
            ..params()
        },
        &ListOptions {
            fields: Some(fields),
            ..opts()
        },
    )
    .expect_err("internal_key");
    assert_eq!(err.code, 1408);
    assert_eq!(
        err.message,
        "Field does not exist.: Available fields: id, name, status. Field: internal_key"
    );
}

#[test]
fn escaped_values_match_literally() {
    let items = vec![
        json!({"id": "001", "name": "a,b;c(d)"}),
        json!({"id": "002", "name": "a"}),
    ];
    let q = format!("name={}", wql_escape("a,b;c(d)"));
    let page = apply(
        items.clone(),
        &ListParams {
            q: Some(q),
            ..params()
        },
    )
    .expect("escaped query");
    assert_eq!(ids(&page), ["001"]);
    let page = apply(
        items,
        &ListParams {
            q: Some(format!("name~{},id=002", wql_escape("(d)"))),
            ..params()
        },
    )
    .expect("escaped like");
    assert_eq!(ids(&page), ["001", "002"]);
}

#[test]
fn sort_uses_one_order_for_every_field() {
    // `sort=-version,id&select=version,id` from test_agent_GET_endpoints.
    let page = run(ListParams {
        sort: Some("-version,id".into()),
        select: Some("version,id".into()),
        q: Some("id<9".into()),
        ..params()
    })
    .expect("sort");
    assert_eq!(
        ids(&page),
        [
            "004", "003", "002", "001", "000", "008", "007", "006", "005"
        ]
    );
    assert_eq!(
        page.items[0],
        json!({"id": "004", "version": "Wazuh v4.14.7"})
    );

    let page = run(ListParams {
        sort: Some("+os.name,os.major".into()),
        // `null` means IS NULL whatever the operator, so `os.major!=null` would not do here.
        q: Some("status!=never_connected".into()),
        ..params()
    })
    .expect("multi-key sort");
    assert_eq!(
        ids(&page),
        [
            "001", "003", "002", "005", "006", "007", "008", "009", "010", "000", "004"
        ]
    );

    let err = run(ListParams {
        sort: Some("-wrong_sort".into()),
        ..params()
    })
    .expect_err("bad sort");
    assert_eq!(err.code, 1403);
    assert!(
        err.message
            .starts_with("Not a valid sort field : Allowed sort fields: ['dateAdd', ")
    );
    assert!(
        err.message.ends_with(". Fields: wrong_sort"),
        "{}",
        err.message
    );
    assert_eq!(err.remediation, "Please, use only allowed sort fields");

    // `+a,-b`: only the first sign counts, so `-b` is not a field.
    let err = run(ListParams {
        sort: Some("+id,-name".into()),
        ..params()
    })
    .expect_err("second sign");
    assert_eq!(err.code, 1403);
}

#[test]
fn select_keeps_nested_fields_and_the_required_id() {
    let page = run(ListParams {
        select: Some("os.platform".into()),
        limit: 2,
        ..params()
    })
    .expect("select");
    assert_eq!(
        page.items,
        vec![
            json!({"id": "000", "os": {"platform": "ubuntu"}}),
            json!({"id": "001", "os": {"platform": "centos"}}),
        ]
    );
    assert_eq!(page.total, 13);

    let page = run(ListParams {
        select: Some("os.name,os.major,name".into()),
        q: Some("id=1".into()),
        ..params()
    })
    .expect("select two nested");
    assert_eq!(
        page.items,
        vec![
            json!({"id": "001", "name": "wazuh-agent1", "os": {"name": "CentOS Linux", "major": "16"}})
        ]
    );

    let err = run(ListParams {
        select: Some("param_test".into()),
        ..params()
    })
    .expect_err("bad select");
    assert_eq!(err.code, 1724);
    assert!(
        err.message
            .starts_with("Not a valid select field: Allowed select fields: id, name, ")
    );
    assert!(
        err.message.ends_with(". Fields param_test"),
        "{}",
        err.message
    );
    assert_eq!(err.remediation, "Please, use only allowed select fields");
}

#[test]
fn search_is_case_insensitive_and_can_be_negated() {
    let page = run(ListParams {
        search: Some("WAZUH-agent6".into()),
        ..params()
    })
    .expect("search");
    assert_eq!(ids(&page), ["006"]);
    // Nested values and list members are searched too.
    let page = run(ListParams {
        search: Some("group3".into()),
        ..params()
    })
    .expect("search list");
    assert_eq!(ids(&page), ["003", "010"]);
    let page = run(ListParams {
        search: Some("-ubuntu".into()),
        ..params()
    })
    .expect("negated");
    assert_eq!(ids(&page), ["001", "003", "011", "012"]);
}

#[test]
fn distinct_and_paging() {
    let items = vec![
        json!({"uname": "root", "perm": "rw", "file": "/a"}),
        json!({"uname": "root", "perm": "rw", "file": "/b"}),
        json!({"uname": "bob", "perm": "r", "file": "/c"}),
        json!({"uname": "", "perm": "r", "file": "/d"}),
    ];
    let page = apply(
        items,
        &ListParams {
            select: Some("uname,perm".into()),
            distinct: true,
            ..params()
        },
    )
    .expect("distinct");
    assert_eq!(
        page.items,
        vec![
            json!({"uname": "root", "perm": "rw"}),
            json!({"uname": "bob", "perm": "r"})
        ]
    );
    assert_eq!(page.total, 2);

    let page = run(ListParams {
        offset: 3,
        limit: 4,
        ..params()
    })
    .expect("paging");
    assert_eq!(ids(&page), ["003", "004", "005", "006"]);
    assert_eq!(page.total, 13);
    let page = run(ListParams {
        offset: 20,
        ..params()
    })
    .expect("past the end");
    assert!(page.items.is_empty());
    assert_eq!(page.total, 13);

    for (limit, code) in [(0, 1406), (MAX_LIMIT + 1, 1405)] {
        let err = run(ListParams { limit, ..params() }).expect_err("limit");
        assert_eq!(err.code, code);
    }
}

fn decoders() -> Vec<Value> {
    vec![
        json!({"name": "agent-buffer", "status": "enabled", "position": 0, "filename": "0005-wazuh_decoders.xml", "details": {"prematch": {"pattern": "^wazuh: Agent buffer:"}}}),
        json!({"name": "agent-upgrade", "status": "enabled", "position": 2, "filename": "0005-wazuh_decoders.xml", "details": {"prematch": {"pattern": "^wazuh: Upgrade"}}}),
        json!({"name": "wazuh", "status": "disabled", "position": 1, "filename": "0005-wazuh_decoders.xml", "details": {"prematch": {"pattern": "^ossec: "}}}),
        json!({"name": "sshd", "status": "enabled", "position": 0, "filename": "0310-ssh_decoders.xml", "details": {"program_name": "sshd"}}),
    ]
}

fn array_opts() -> ListOptions<'static> {
    ListOptions {
        dialect: Dialect::Array,
        ..ListOptions::default()
    }
}

fn names(page: &Page) -> Vec<&str> {
    page.items
        .iter()
        .map(|i| i["name"].as_str().unwrap_or("?"))
        .collect()
}

#[test]
fn array_dialect_follows_process_array() {
    let cases: &[(&str, &[&str])] = &[
        ("name=agent-upgrade;position=2", &["agent-upgrade"]),
        (
            "details.prematch.pattern~wazuh;filename=0005-wazuh_decoders.xml;position<5",
            &["agent-buffer", "agent-upgrade"],
        ),
        ("details.prematch~wazuh;position>5", &[]),
        // Parentheses are dropped: this is (enabled AND agent-buffer) OR wazuh.
        (
            "status=enabled;(name=agent-buffer,name=wazuh)",
            &["agent-buffer", "wazuh"],
        ),
        // Case-sensitive, and an unknown field is no error, just no match.
        ("name=SSHD", &[]),
        ("nosuchfield=1,name=sshd", &["sshd"]),
    ];
    for (q, want) in cases {
        let page = apply_with(
            decoders(),
            &ListParams {
                q: Some((*q).into()),
                ..params()
            },
            &array_opts(),
        )
        .unwrap_or_else(|e| panic!("{q}: {e:?}"));
        assert_eq!(names(&page), *want, "q={q}");
    }

    let err = apply_with(
        decoders(),
        &ListParams {
            q: Some("status".into()),
            ..params()
        },
        &array_opts(),
    )
    .expect_err("q=status");
    assert_eq!(err.code, 1407);
    assert_eq!(
        err.message,
        "Query does not match expected format: Parameter 'q' is not valid: 'status'"
    );

    let err = apply_with(
        decoders(),
        &ListParams {
            sort: Some("wrong".into()),
            ..params()
        },
        &array_opts(),
    )
    .expect_err("sort=wrong");
    assert_eq!(err.code, 1403);
    assert_eq!(err.message, "Not a valid sort field ");
    assert_eq!(
        err.remediation,
        "Please, use only allowed sort fields: Allowed sort fields: name, status, position, filename, details. Wrong fields: wrong"
    );

    let err = apply_with(
        decoders(),
        &ListParams {
            select: Some("noexists".into()),
            ..params()
        },
        &array_opts(),
    )
    .expect_err("select=noexists");
    assert_eq!(err.code, 1724);
    assert_eq!(err.message, "Not a valid select field: noexists");

    let page = apply_with(
        decoders(),
        &ListParams {
            sort: Some("-position,name".into()),
            select: Some("name".into()),
            search: Some("-SSH".into()),
            ..params()
        },
        &array_opts(),
    )
    .expect("sort+search+select");
    assert_eq!(
        page.items,
        vec![
            json!({"name": "agent-upgrade"}),
            json!({"name": "wazuh"}),
            json!({"name": "agent-buffer"})
        ]
    );

    let page = apply_with(
        decoders(),
        &ListParams {
            select: Some("filename".into()),
            distinct: true,
            ..params()
        },
        &ListOptions {
            required: &["name"],
            ..array_opts()
        },
    )
    .expect("distinct drops required fields");
    assert_eq!(page.total, 2);
}

#[test]
fn no_panic_on_hostile_input() {
    let long = "(".repeat(50_000);
    for q in [
        long.as_str(),
        "\\",
        "a=\\",
        "a=(",
        "a=[",
        "é=ü",
        ")))",
        "a=b,(",
        ";;;",
    ] {
        for o in [opts(), array_opts()] {
            let _ = apply_with(
                agents(),
                &ListParams {
                    q: Some(q.into()),
                    search: Some(q.into()),
                    sort: Some(q.into()),
                    select: Some(q.into()),
                    ..params()
                },
                &o,
            );
        }
    }
}
