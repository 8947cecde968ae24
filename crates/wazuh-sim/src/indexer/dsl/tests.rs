//! Request-level tests: each case runs a real `_search` body over a small alert fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{count, search};
use crate::world::Doc;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-05T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn ts(ago: Duration) -> String {
    (now() - ago)
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

fn alert(id: &str, source: Value) -> Doc {
    Doc {
        index: Arc::from("wazuh-alerts-4.x-2024.03.05"),
        id: id.to_string(),
        source,
    }
}

fn fixture() -> Vec<Doc> {
    vec![
        alert(
            "a1",
            json!({
                "timestamp": ts(Duration::hours(1)),
                "rule": {"id": "5710", "level": 5, "description": "sshd: Attempt to login using a non-existent user",
                         "groups": ["syslog", "sshd", "authentication_failed"]},
                "agent": {"id": "001", "name": "web-01"},
                "full_log": "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2",
                "data": {"srcip": "10.0.0.1"}
            }),
        ),
        alert(
            "a2",
            json!({
                "timestamp": ts(Duration::hours(2)),
                "rule": {"id": "5715", "level": 3, "description": "sshd: authentication success.",
                         "groups": ["syslog", "sshd", "authentication_success"]},
                "agent": {"id": "002", "name": "db-01"},
                "full_log": "Accepted password for root from 10.0.0.2 port 22 ssh2"
            }),
        ),
        alert(
            "a3",
            json!({
                "timestamp": ts(Duration::hours(30)),
                "rule": {"id": "60122", "level": 5, "description": "Logon Failure - Unknown user or bad password",
                         "groups": ["windows", "authentication_failed"]},
                "agent": {"id": "003", "name": "win-01"},
                "data": {"win": {"eventdata": {"commandLine": "C:\\Windows\\System32\\cmd.exe /c whoami"}}}
            }),
        ),
        alert(
            "a4",
            json!({
                "timestamp": ts(Duration::days(3)),
                "rule": {"id": "5710", "level": 5, "description": "sshd: Attempt to login using a non-existent user",
                         "groups": ["syslog", "sshd", "authentication_failed"]},
                "agent": {"id": "001", "name": "web-01"},
                "full_log": "Failed password for invalid user oracle from 10.0.0.3 port 22 ssh2"
            }),
        ),
        alert(
            "a5",
            json!({
                "timestamp": ts(Duration::days(8)),
                "rule": {"id": "550", "level": 7, "description": "Integrity checksum changed.",
                         "groups": ["ossec", "syscheck"]},
                "agent": {"id": "002", "name": "db-01"},
                "syscheck": {"path": "/etc/passwd", "event": "modified"}
            }),
        ),
        alert(
            "a6",
            json!({
                "timestamp": ts(Duration::minutes(5)),
                "rule": {"id": "100001", "level": 12, "description": "Custom critical rule",
                         "groups": ["custom"]},
                "agent": {"id": "004"}
            }),
        ),
    ]
}

fn run(docs: &[Doc], body: Value) -> Result<Value, super::DslError> {
    search(docs.iter().map(Cow::Borrowed), &body, now())
}

fn ids_of(resp: &Value) -> Vec<String> {
    resp["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["_id"].as_str().unwrap().to_string())
        .collect()
}

fn matching(query: Value) -> Vec<String> {
    let resp = run(&fixture(), json!({"query": query, "size": 100})).unwrap();
    let mut ids = ids_of(&resp);
    ids.sort();
    assert_eq!(
        resp["hits"]["total"]["value"].as_u64().unwrap() as usize,
        ids.len()
    );
    ids
}

#[test]
fn queries_match_like_opensearch() {
    let cases: Vec<(&str, Value, &[&str])> = vec![
        (
            "match_all",
            json!({"match_all": {}}),
            &["a1", "a2", "a3", "a4", "a5", "a6"],
        ),
        ("match_none", json!({"match_none": {}}), &[]),
        (
            "term keyword",
            json!({"term": {"rule.id": "5710"}}),
            &["a1", "a4"],
        ),
        (
            "term keyword object form",
            json!({"term": {"rule.id": {"value": "550"}}}),
            &["a5"],
        ),
        (
            "term keyword is case sensitive",
            json!({"term": {"agent.name": "WEB-01"}}),
            &[],
        ),
        (
            "term case_insensitive",
            json!({"term": {"agent.name": {"value": "WEB-01", "case_insensitive": true}}}),
            &["a1", "a4"],
        ),
        (
            "term long with number",
            json!({"term": {"rule.level": 5}}),
            &["a1", "a3", "a4"],
        ),
        (
            "term long with string",
            json!({"term": {"rule.level": "5"}}),
            &["a1", "a3", "a4"],
        ),
        (
            "term array field",
            json!({"term": {"rule.groups": "sshd"}}),
            &["a1", "a2", "a4"],
        ),
        (
            "term text is not analyzed",
            json!({"term": {"full_log": "Failed"}}),
            &[],
        ),
        (
            "term text matches a token",
            json!({"term": {"full_log": "failed"}}),
            &["a1", "a4"],
        ),
        (
            "terms",
            json!({"terms": {"rule.id": ["5710", "550"]}}),
            &["a1", "a4", "a5"],
        ),
        (
            "match text or",
            json!({"match": {"full_log": "FAILED admin"}}),
            &["a1", "a4"],
        ),
        (
            "match text and",
            json!({"match": {"full_log": {"query": "failed admin", "operator": "and"}}}),
            &["a1"],
        ),
        (
            "match minimum_should_match",
            json!({"match": {"full_log": {"query": "accepted root admin", "minimum_should_match": 2}}}),
            &["a2"],
        ),
        (
            "match keyword is exact",
            json!({"match": {"rule.description": "sshd"}}),
            &[],
        ),
        (
            "match keyword whole value",
            json!({"match": {"rule.description": "sshd: authentication success."}}),
            &["a2"],
        ),
        (
            "match ip token",
            json!({"match": {"full_log": "10.0.0.2"}}),
            &["a2"],
        ),
        (
            "match_phrase",
            json!({"match_phrase": {"full_log": "invalid user admin"}}),
            &["a1"],
        ),
        (
            "match_phrase order",
            json!({"match_phrase": {"full_log": "user invalid"}}),
            &[],
        ),
        (
            "match_phrase slop",
            json!({"match_phrase": {"full_log": {"query": "failed invalid", "slop": 2}}}),
            &["a1", "a4"],
        ),
        (
            "multi_match",
            json!({"multi_match": {"query": "web-01", "fields": ["agent.name", "rule.description"]}}),
            &["a1", "a4"],
        ),
        (
            "multi_match wildcard fields",
            json!({"multi_match": {"query": "db-01", "fields": ["agent.*"]}}),
            &["a2", "a5"],
        ),
        (
            "range long",
            json!({"range": {"rule.level": {"gt": 5, "lte": 12}}}),
            &["a5", "a6"],
        ),
        (
            "range long from/to",
            json!({"range": {"rule.level": {"from": 3, "to": 5, "include_lower": false}}}),
            &["a1", "a3", "a4"],
        ),
        (
            "range now-24h",
            json!({"range": {"timestamp": {"gte": "now-24h"}}}),
            &["a1", "a2", "a6"],
        ),
        (
            "range rounded date math",
            json!({"range": {"timestamp": {"gte": "now-7d/d", "lt": "now-1d"}}}),
            &["a3", "a4"],
        ),
        (
            "range format",
            json!({"range": {"timestamp": {"gte": "05/03/2024", "format": "dd/MM/yyyy"}}}),
            &["a1", "a2", "a6"],
        ),
        (
            "range lte rounds a date up",
            json!({"range": {"timestamp": {"lte": "2024-03-04"}}}),
            &["a3", "a4", "a5"],
        ),
        (
            "range absolute iso",
            json!({"range": {"timestamp": {"gt": "2024-03-05T10:30:00Z"}}}),
            &["a1", "a6"],
        ),
        (
            "range keyword",
            json!({"range": {"agent.id": {"gte": "002", "lt": "004"}}}),
            &["a2", "a3", "a5"],
        ),
        (
            "wildcard",
            json!({"wildcard": {"agent.name": "web*"}}),
            &["a1", "a4"],
        ),
        (
            "wildcard ?",
            json!({"wildcard": {"agent.name": {"value": "w?b-01"}}}),
            &["a1", "a4"],
        ),
        (
            "wildcard case_insensitive",
            json!({"wildcard": {"agent.name": {"value": "WEB*", "case_insensitive": true}}}),
            &["a1", "a4"],
        ),
        (
            "wildcard suffix",
            json!({"wildcard": {"agent.name": "*-01"}}),
            &["a1", "a2", "a3", "a4", "a5"],
        ),
        (
            "wildcard deep field",
            json!({"wildcard": {"data.win.eventdata.commandLine": "*cmd.exe*"}}),
            &["a3"],
        ),
        (
            "prefix",
            json!({"prefix": {"rule.id": "57"}}),
            &["a1", "a2", "a4"],
        ),
        (
            "regexp",
            json!({"regexp": {"rule.id": "57[0-9]0"}}),
            &["a1", "a4"],
        ),
        (
            "exists leaf",
            json!({"exists": {"field": "agent.name"}}),
            &["a1", "a2", "a3", "a4", "a5"],
        ),
        (
            "exists object",
            json!({"exists": {"field": "syscheck"}}),
            &["a5"],
        ),
        (
            "ids",
            json!({"ids": {"values": ["a1", "a5", "zz"]}}),
            &["a1", "a5"],
        ),
        (
            "bool must + must_not",
            json!({"bool": {"must": [{"term": {"agent.id": "001"}}], "must_not": [{"term": {"rule.id": "5710"}}]}}),
            &[],
        ),
        (
            "bool filter + must_not",
            json!({"bool": {"filter": {"range": {"rule.level": {"gte": 5}}}, "must_not": {"term": {"agent.id": "001"}}}}),
            &["a3", "a5", "a6"],
        ),
        (
            "bool only must_not",
            json!({"bool": {"must_not": {"exists": {"field": "agent.name"}}}}),
            &["a6"],
        ),
        (
            "bool should alone needs one",
            json!({"bool": {"should": [{"term": {"rule.id": "5710"}}, {"term": {"rule.id": "550"}}]}}),
            &["a1", "a4", "a5"],
        ),
        (
            "bool should optional with must",
            json!({"bool": {"must": {"term": {"agent.id": "002"}}, "should": {"term": {"rule.id": "550"}}}}),
            &["a2", "a5"],
        ),
        (
            "bool should optional with filter",
            json!({"bool": {"filter": {"term": {"agent.id": "002"}}, "should": {"term": {"rule.id": "nope"}}}}),
            &["a2", "a5"],
        ),
        (
            "bool should msm with filter",
            json!({"bool": {"filter": {"term": {"agent.id": "002"}}, "should": {"term": {"rule.id": "550"}}, "minimum_should_match": 1}}),
            &["a5"],
        ),
        (
            "bool msm 2",
            json!({"bool": {"should": [{"term": {"agent.id": "001"}}, {"term": {"rule.level": 5}}, {"term": {"rule.id": "5710"}}], "minimum_should_match": 2}}),
            &["a1", "a4"],
        ),
        (
            "bool msm percentage",
            json!({"bool": {"should": [{"term": {"agent.id": "001"}}, {"term": {"rule.level": 5}}, {"term": {"rule.id": "60122"}}], "minimum_should_match": "66%"}}),
            &["a1", "a3", "a4"],
        ),
        (
            "bool msm above clause count",
            json!({"bool": {"should": [{"term": {"agent.id": "001"}}], "minimum_should_match": 2}}),
            &[],
        ),
        (
            "bool empty",
            json!({"bool": {}}),
            &["a1", "a2", "a3", "a4", "a5", "a6"],
        ),
        (
            "nested bool",
            json!({"bool": {"must": [{"bool": {"should": [{"term": {"agent.id": "001"}}, {"term": {"agent.id": "003"}}]}}],
                            "filter": [{"range": {"timestamp": {"gte": "now-2d"}}}]}}),
            &["a1", "a3"],
        ),
        (
            "constant_score",
            json!({"constant_score": {"filter": {"term": {"rule.id": "550"}}}}),
            &["a5"],
        ),
        (
            "query_string and",
            json!({"query_string": {"query": "rule.id:5710 AND agent.name:web-01"}}),
            &["a1", "a4"],
        ),
        (
            "query_string group and not",
            json!({"query_string": {"query": "rule.id:(5710 OR 550) AND NOT agent.id:002"}}),
            &["a1", "a4"],
        ),
        (
            "query_string classic precedence",
            json!({"query_string": {"query": "rule.id:5710 OR rule.id:550 AND agent.id:002"}}),
            &["a5"],
        ),
        (
            "query_string phrase",
            json!({"query_string": {"query": "full_log:\"invalid user admin\""}}),
            &["a1"],
        ),
        (
            "query_string wildcard",
            json!({"query_string": {"query": "agent.name:web*"}}),
            &["a1", "a4"],
        ),
        (
            "query_string all fields",
            json!({"query_string": {"query": "failed"}}),
            &["a1", "a4"],
        ),
        (
            "query_string all fields keyword",
            json!({"query_string": {"query": "win-01"}}),
            &["a3"],
        ),
        (
            "query_string comparison",
            json!({"query_string": {"query": "rule.level:>=7"}}),
            &["a5", "a6"],
        ),
        (
            "query_string range",
            json!({"query_string": {"query": "rule.level:[5 TO 7}"}}),
            &["a1", "a3", "a4"],
        ),
        (
            "query_string exists",
            json!({"query_string": {"query": "_exists_:syscheck.path"}}),
            &["a5"],
        ),
        (
            "query_string field:*",
            json!({"query_string": {"query": "agent.name:*"}}),
            &["a1", "a2", "a3", "a4", "a5"],
        ),
        (
            "query_string negation only",
            json!({"query_string": {"query": "-agent.id:001"}}),
            &["a2", "a3", "a5", "a6"],
        ),
        (
            "query_string +/-",
            json!({"query_string": {"query": "+rule.groups:sshd -agent.id:002"}}),
            &["a1", "a4"],
        ),
        (
            "query_string default_field",
            json!({"query_string": {"query": "sshd", "default_field": "rule.groups"}}),
            &["a1", "a2", "a4"],
        ),
        (
            "query_string default_operator and",
            json!({"query_string": {"query": "failed oracle", "default_field": "full_log", "default_operator": "AND"}}),
            &["a4"],
        ),
        (
            "query_string escaped",
            json!({"query_string": {"query": "data.win.eventdata.commandLine:C\\:\\\\Windows*"}}),
            &["a3"],
        ),
        (
            "simple_query_string",
            json!({"simple_query_string": {"query": "failed + admin", "fields": ["full_log"]}}),
            &["a1"],
        ),
        (
            "simple_query_string or",
            json!({"simple_query_string": {"query": "oracle | accepted", "fields": ["full_log"]}}),
            &["a2", "a4"],
        ),
    ];
    for (name, query, want) in cases {
        assert_eq!(matching(query), want, "{name}");
    }
}

#[test]
fn scores_and_default_order() {
    let docs = fixture();
    // More matching terms score higher; ties keep index order.
    let resp = run(
        &docs,
        json!({"query": {"match": {"full_log": "failed invalid admin"}}}),
    )
    .unwrap();
    assert_eq!(ids_of(&resp), ["a1", "a4"]);
    let s1 = resp["hits"]["hits"][0]["_score"].as_f64().unwrap();
    let s4 = resp["hits"]["hits"][1]["_score"].as_f64().unwrap();
    assert!(s1 > s4, "{s1} > {s4}");
    assert_eq!(resp["hits"]["max_score"].as_f64(), Some(s1));

    let cases = [
        (json!({"match_all": {}}), 1.0),
        (json!({"match_all": {"boost": 2.5}}), 2.5),
        (
            json!({"bool": {"filter": {"term": {"rule.id": "550"}}}}),
            0.0,
        ),
        (
            json!({"constant_score": {"filter": {"term": {"rule.id": "550"}}, "boost": 3}}),
            3.0,
        ),
        (json!({"term": {"rule.id": "550"}}), 1.0),
    ];
    for (query, want) in cases {
        let resp = run(&docs, json!({"query": query, "size": 1})).unwrap();
        assert_eq!(
            resp["hits"]["hits"][0]["_score"].as_f64(),
            Some(want),
            "{query}"
        );
    }
    // size 0: no hits, no max_score, but the total.
    let resp = run(&docs, json!({"size": 0})).unwrap();
    assert_eq!(resp["hits"]["max_score"], Value::Null);
    assert_eq!(resp["hits"]["total"], json!({"value": 6, "relation": "eq"}));
    assert_eq!(resp["hits"]["hits"], json!([]));
}

#[test]
fn response_shape() {
    let resp = run(&fixture(), json!({"query": {"ids": {"values": ["a6"]}}})).unwrap();
    let keys: Vec<&str> = resp
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["took", "timed_out", "_shards", "hits"]);
    assert_eq!(
        resp["_shards"],
        json!({"total": 1, "successful": 1, "skipped": 0, "failed": 0})
    );
    let hit = &resp["hits"]["hits"][0];
    let keys: Vec<&str> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["_index", "_id", "_score", "_source"]);
    assert_eq!(hit["_index"], "wazuh-alerts-4.x-2024.03.05");
}

#[test]
fn sorting() {
    let docs = fixture();
    let cases: Vec<(Value, &[&str])> = vec![
        (
            json!([{"timestamp": "desc"}]),
            &["a6", "a1", "a2", "a3", "a4", "a5"],
        ),
        (
            json!({"timestamp": {"order": "asc"}}),
            &["a5", "a4", "a3", "a2", "a1", "a6"],
        ),
        (json!("rule.level"), &["a2", "a1", "a3", "a4", "a5", "a6"]),
        (
            json!([{"rule.level": "desc"}, {"timestamp": "asc"}]),
            &["a6", "a5", "a4", "a3", "a1", "a2"],
        ),
        // Missing values sort last in both directions, unless asked otherwise.
        (
            json!([{"agent.name": "asc"}, "_doc"]),
            &["a2", "a5", "a1", "a4", "a3", "a6"],
        ),
        (
            json!([{"agent.name": "desc"}, "_doc"]),
            &["a3", "a1", "a4", "a2", "a5", "a6"],
        ),
        (
            json!([{"agent.name": {"order": "asc", "missing": "_first"}}, "_doc"]),
            &["a6", "a2", "a5", "a1", "a4", "a3"],
        ),
        (
            json!([{"_doc": "desc"}]),
            &["a6", "a5", "a4", "a3", "a2", "a1"],
        ),
        // Multi-valued: min for asc.
        (
            json!([{"rule.groups": "asc"}, "_doc"]),
            &["a1", "a3", "a4", "a2", "a6", "a5"],
        ),
    ];
    for (sort, want) in cases {
        let resp = run(&docs, json!({"sort": sort, "size": 10})).unwrap();
        assert_eq!(ids_of(&resp), want, "{sort}");
        assert_eq!(resp["hits"]["max_score"], Value::Null);
        assert_eq!(resp["hits"]["hits"][0]["_score"], Value::Null);
    }
    let resp = run(&docs, json!({"sort": [{"timestamp": "desc"}], "size": 1})).unwrap();
    let expected_ms = (now() - Duration::minutes(5)).timestamp_millis();
    assert_eq!(resp["hits"]["hits"][0]["sort"], json!([expected_ms]));
    let resp = run(
        &docs,
        json!({"sort": [{"rule.level": "asc"}], "query": {"ids": {"values": ["a6"]}}}),
    )
    .unwrap();
    assert_eq!(resp["hits"]["hits"][0]["sort"], json!([12]));
    // A missing long sorts with OpenSearch's sentinel.
    let resp = run(
        &docs,
        json!({"sort": [{"data.srcip": "asc"}], "query": {"ids": {"values": ["a2"]}}}),
    )
    .unwrap();
    assert_eq!(resp["hits"]["hits"][0]["sort"], json!([null]));
    let resp = run(
        &docs,
        json!({"sort": ["_score", {"timestamp": "asc"}], "query": {"match_all": {}}, "size": 1}),
    )
    .unwrap();
    assert_eq!(resp["hits"]["hits"][0]["_score"].as_f64(), Some(1.0));
    assert_eq!(resp["hits"]["max_score"].as_f64(), Some(1.0));
}

fn numbered(n: usize) -> Vec<Doc> {
    (0..n)
        .map(|i| {
            let mut source = json!({"seq": i, "name": format!("host-{:03}", i % 13)});
            if i % 50 != 0 {
                source["level"] = json!(i % 7);
            }
            alert(&format!("d{i}"), source)
        })
        .collect()
}

#[test]
fn search_after_pages_reconstruct_the_full_order() {
    let docs = numbered(1000);
    for sort in [
        json!([{"level": "asc"}, {"seq": "desc"}]),
        json!([{"level": "desc"}, {"name": "asc"}, {"seq": "asc"}]),
        json!([{"name": "desc"}, {"seq": "asc"}]),
    ] {
        let full = run(&docs, json!({"sort": sort, "size": 1000})).unwrap();
        let want = ids_of(&full);
        assert_eq!(want.len(), 1000);
        let mut got = Vec::new();
        let mut after: Option<Value> = None;
        loop {
            let mut body = json!({"sort": sort, "size": 37});
            if let Some(a) = &after {
                body["search_after"] = a.clone();
            }
            let page = run(&docs, body).unwrap();
            let hits = page["hits"]["hits"].as_array().unwrap();
            if hits.is_empty() {
                break;
            }
            after = Some(hits.last().unwrap()["sort"].clone());
            got.extend(ids_of(&page));
            assert_eq!(page["hits"]["total"]["value"], 1000);
        }
        assert_eq!(got, want, "{sort}");
    }
    // from/size paging agrees with the full order too.
    let full = ids_of(&run(&docs, json!({"sort": [{"seq": "desc"}], "size": 1000})).unwrap());
    let page = ids_of(
        &run(
            &docs,
            json!({"sort": [{"seq": "desc"}], "from": 990, "size": 10}),
        )
        .unwrap(),
    );
    assert_eq!(page, full[990..]);
}

#[test]
fn track_total_hits() {
    let docs = numbered(10_050);
    let cases = [
        (json!({}), Some(json!({"value": 10000, "relation": "gte"}))),
        (
            json!({"track_total_hits": true}),
            Some(json!({"value": 10050, "relation": "eq"})),
        ),
        (
            json!({"track_total_hits": 100}),
            Some(json!({"value": 100, "relation": "gte"})),
        ),
        (
            json!({"track_total_hits": 20000}),
            Some(json!({"value": 10050, "relation": "eq"})),
        ),
        (json!({"track_total_hits": false}), None),
        (
            json!({"query": {"range": {"seq": {"lt": 10000}}}}),
            Some(json!({"value": 10000, "relation": "eq"})),
        ),
    ];
    for (body, want) in cases {
        let resp = run(&docs, body.clone()).unwrap();
        assert_eq!(resp["hits"].get("total").cloned(), want, "{body}");
    }
}

#[test]
fn source_filtering() {
    let docs = fixture();
    let one = |source: Value| {
        let resp = run(
            &docs,
            json!({"query": {"ids": {"values": ["a1"]}}, "_source": source}),
        )
        .unwrap();
        resp["hits"]["hits"][0].get("_source").cloned()
    };
    let cases = [
        (json!(false), None),
        (json!("rule.id"), Some(json!({"rule": {"id": "5710"}}))),
        (
            json!(["rule.id", "agent"]),
            Some(json!({"rule": {"id": "5710"}, "agent": {"id": "001", "name": "web-01"}})),
        ),
        (
            json!({"includes": ["rule.*", "agent.*"], "excludes": ["agent.id", "rule.groups", "rule.description"]}),
            Some(json!({"rule": {"id": "5710", "level": 5}, "agent": {"name": "web-01"}})),
        ),
        (
            json!({"excludes": ["full_log", "rule", "data", "timestamp"]}),
            Some(json!({"agent": {"id": "001", "name": "web-01"}})),
        ),
        (json!(["nothing.here"]), Some(json!({}))),
        (
            json!(["*.srcip"]),
            Some(json!({"data": {"srcip": "10.0.0.1"}})),
        ),
    ];
    for (source, want) in cases {
        assert_eq!(one(source.clone()), want, "{source}");
    }
}

#[test]
fn fields_and_version() {
    let resp = run(
        &fixture(),
        json!({"query": {"ids": {"values": ["a1"]}}, "fields": ["rule.id", {"field": "timestamp", "format": "epoch_millis"}], "version": true, "_source": false}),
    )
    .unwrap();
    let hit = &resp["hits"]["hits"][0];
    assert_eq!(hit["_version"], 1);
    assert_eq!(hit["fields"]["rule.id"], json!(["5710"]));
    let ms = (now() - Duration::hours(1)).timestamp_millis().to_string();
    assert_eq!(hit["fields"]["timestamp"], json!([ms]));
}

fn aggs_of(body: Value) -> Value {
    run(&fixture(), body).unwrap()["aggregations"].clone()
}

#[test]
fn terms_aggregation() {
    let a = aggs_of(json!({"size": 0, "aggs": {"rules": {"terms": {"field": "rule.id"}}}}));
    assert_eq!(
        a["rules"],
        json!({"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "5710", "doc_count": 2},
            {"key": "100001", "doc_count": 1},
            {"key": "550", "doc_count": 1},
            {"key": "5715", "doc_count": 1},
            {"key": "60122", "doc_count": 1}
        ]})
    );
    let a =
        aggs_of(json!({"size": 0, "aggs": {"rules": {"terms": {"field": "rule.id", "size": 2}}}}));
    assert_eq!(a["rules"]["sum_other_doc_count"], 3);
    assert_eq!(a["rules"]["buckets"].as_array().unwrap().len(), 2);

    let a = aggs_of(
        json!({"size": 0, "aggs": {"levels": {"terms": {"field": "rule.level", "order": {"_key": "desc"}}}}}),
    );
    let keys: Vec<i64> = a["levels"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_i64().unwrap())
        .collect();
    assert_eq!(keys, [12, 7, 5, 3]);

    // Multi-valued fields count a document in each of its values.
    let a =
        aggs_of(json!({"size": 0, "aggs": {"g": {"terms": {"field": "rule.groups", "size": 2}}}}));
    assert_eq!(
        a["g"]["buckets"],
        json!([{"key": "authentication_failed", "doc_count": 3}, {"key": "sshd", "doc_count": 3}])
    );
    // min_doc_count, order by sub-aggregation, sub-aggregations in buckets.
    let a = aggs_of(json!({"size": 0, "aggs": {"agents": {
        "terms": {"field": "agent.id", "min_doc_count": 2, "order": {"max_level": "desc"}},
        "aggs": {"max_level": {"max": {"field": "rule.level"}}}
    }}}));
    assert_eq!(
        a["agents"]["buckets"],
        json!([
            {"key": "002", "doc_count": 2, "max_level": {"value": 7.0}},
            {"key": "001", "doc_count": 2, "max_level": {"value": 5.0}}
        ])
    );
    // The query restricts the aggregation.
    let a = aggs_of(
        json!({"size": 0, "query": {"term": {"agent.id": "001"}}, "aggs": {"r": {"terms": {"field": "rule.id"}}}}),
    );
    assert_eq!(a["r"]["buckets"], json!([{"key": "5710", "doc_count": 2}]));
    // include / exclude.
    let a = aggs_of(
        json!({"size": 0, "aggs": {"r": {"terms": {"field": "rule.id", "include": "57.*", "exclude": ["5715"]}}}}),
    );
    assert_eq!(a["r"]["buckets"], json!([{"key": "5710", "doc_count": 2}]));
}

#[test]
fn date_histogram_aggregation() {
    let a = aggs_of(
        json!({"size": 0, "aggs": {"per_day": {"date_histogram": {"field": "timestamp", "calendar_interval": "1d"}}}}),
    );
    let buckets = a["per_day"]["buckets"].as_array().unwrap();
    // 2024-02-26 .. 2024-03-05, empty days included.
    assert_eq!(buckets.len(), 9);
    assert_eq!(
        buckets[0],
        json!({"key_as_string": "2024-02-26T00:00:00.000Z", "key": 1_708_905_600_000_i64, "doc_count": 1})
    );
    assert_eq!(buckets[1]["doc_count"], 0);
    let counts: Vec<u64> = buckets
        .iter()
        .map(|b| b["doc_count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 0, 0, 0, 0, 1, 0, 1, 3]);

    let a = aggs_of(
        json!({"size": 0, "query": {"range": {"timestamp": {"gte": "now-24h"}}}, "aggs": {"h": {"date_histogram": {
        "field": "timestamp", "fixed_interval": "1h", "min_doc_count": 1, "format": "yyyy-MM-dd HH:mm"
    }, "aggs": {"agents": {"cardinality": {"field": "agent.id"}}}}}}),
    );
    assert_eq!(
        a["h"]["buckets"],
        json!([
            {"key_as_string": "2024-03-05 10:00", "key": 1_709_632_800_000_i64, "doc_count": 1, "agents": {"value": 1}},
            {"key_as_string": "2024-03-05 11:00", "key": 1_709_636_400_000_i64, "doc_count": 2, "agents": {"value": 2}}
        ])
    );
    let a = aggs_of(
        json!({"size": 0, "aggs": {"m": {"date_histogram": {"field": "timestamp", "calendar_interval": "month", "format": "yyyy-MM"}}}}),
    );
    assert_eq!(
        a["m"]["buckets"],
        json!([
            {"key_as_string": "2024-02", "key": 1_706_745_600_000_i64, "doc_count": 1},
            {"key_as_string": "2024-03", "key": 1_709_251_200_000_i64, "doc_count": 5}
        ])
    );
    // extended_bounds add empty buckets around the data.
    let a = aggs_of(
        json!({"size": 0, "query": {"ids": {"values": ["a6"]}}, "aggs": {"d": {"date_histogram": {
            "field": "timestamp", "calendar_interval": "day", "extended_bounds": {"min": "now-2d/d", "max": "now/d"}
        }}}}),
    );
    let counts: Vec<u64> = a["d"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["doc_count"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [0, 0, 1]);
}

#[test]
fn metric_and_filter_aggregations() {
    let a = aggs_of(json!({"size": 0, "aggs": {
        "min": {"min": {"field": "rule.level"}},
        "max": {"max": {"field": "rule.level"}},
        "avg": {"avg": {"field": "rule.level"}},
        "sum": {"sum": {"field": "rule.level"}},
        "count": {"value_count": {"field": "rule.groups"}},
        "agents": {"cardinality": {"field": "agent.id"}},
        "none": {"avg": {"field": "no.such.field"}},
        "stats": {"stats": {"field": "rule.level"}},
        "first": {"min": {"field": "timestamp"}},
        "ssh": {"filter": {"term": {"rule.groups": "sshd"}}, "aggs": {"agents": {"terms": {"field": "agent.name"}}}},
        "no_name": {"missing": {"field": "agent.name"}},
        "kinds": {"filters": {"filters": {"fim": {"exists": {"field": "syscheck"}}, "ssh": {"term": {"rule.groups": "sshd"}}}}}
    }}));
    assert_eq!(a["min"], json!({"value": 3.0}));
    assert_eq!(a["max"], json!({"value": 12.0}));
    assert_eq!(a["avg"], json!({"value": 37.0 / 6.0}));
    assert_eq!(a["sum"], json!({"value": 37.0}));
    assert_eq!(a["count"], json!({"value": 14}));
    assert_eq!(a["agents"], json!({"value": 4}));
    assert_eq!(a["none"], json!({"value": null}));
    assert_eq!(
        a["stats"],
        json!({"count": 6, "min": 3.0, "max": 12.0, "avg": 37.0 / 6.0, "sum": 37.0})
    );
    let first_ms = (now() - Duration::days(8)).timestamp_millis();
    assert_eq!(a["first"]["value"].as_f64(), Some(first_ms as f64));
    assert_eq!(a["first"]["value_as_string"], "2024-02-26T12:00:00.000Z");
    assert_eq!(
        a["ssh"],
        json!({"doc_count": 3, "agents": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "web-01", "doc_count": 2}, {"key": "db-01", "doc_count": 1}
        ]}})
    );
    assert_eq!(a["no_name"], json!({"doc_count": 1}));
    assert_eq!(
        a["kinds"],
        json!({"buckets": {"fim": {"doc_count": 1}, "ssh": {"doc_count": 3}}})
    );
}

#[test]
fn post_filter_min_score_and_terminate_after() {
    let docs = fixture();
    let resp = run(&docs, json!({"post_filter": {"term": {"agent.id": "001"}}, "aggs": {"a": {"value_count": {"field": "agent.id"}}}})).unwrap();
    assert_eq!(resp["hits"]["total"]["value"], 2);
    assert_eq!(resp["aggregations"]["a"]["value"], 6);
    let resp = run(
        &docs,
        json!({"query": {"match": {"full_log": "failed invalid admin"}}, "min_score": 3}),
    )
    .unwrap();
    assert_eq!(ids_of(&resp), ["a1"]);
    let resp = run(&docs, json!({"terminate_after": 2})).unwrap();
    assert_eq!(resp["terminated_early"], true);
    assert_eq!(resp["hits"]["total"]["value"], 2);
}

#[test]
fn count_api() {
    let docs = fixture();
    let c = |body: Value| count(docs.iter().map(Cow::Borrowed), &body, now());
    assert_eq!(c(Value::Null).unwrap()["count"], 6);
    assert_eq!(
        c(json!({"query": {"term": {"rule.id": "5710"}}})).unwrap(),
        json!({"count": 2, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}})
    );
    assert_eq!(c(json!({"size": 3})).unwrap_err().kind, "parsing_exception");
}

#[test]
fn errors() {
    let docs = fixture();
    let mut deep = json!({"match_all": {}});
    for _ in 0..100 {
        deep = json!({"bool": {"must": [deep]}});
    }
    let mut deep_aggs = json!({"terms": {"field": "rule.id"}});
    for _ in 0..100 {
        deep_aggs = json!({"filter": {"match_all": {}}, "aggs": {"x": deep_aggs}});
    }
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"query": {"foo": {}}}),
            "parsing_exception",
            "unknown query [foo]",
        ),
        (
            json!({"query": {"term": {"a": 1}, "match": {"b": 2}}}),
            "parsing_exception",
            "malformed query",
        ),
        (json!({"query": {}}), "parsing_exception", "empty clause"),
        (
            json!({"query": {"term": {"a": 1, "b": 2}}}),
            "parsing_exception",
            "doesn't support multiple fields",
        ),
        (
            json!({"query": {"term": {"rule.id": {"value": "1", "x": 1}}}}),
            "parsing_exception",
            "does not support [x]",
        ),
        (
            json!({"query": {"terms": {"rule.id": "5710"}}}),
            "parsing_exception",
            "[terms] query does not support [rule.id]",
        ),
        (
            json!({"query": {"bool": {"must": {"term": {"a": 1}}, "foo": []}}}),
            "parsing_exception",
            "[bool] query does not support [foo]",
        ),
        (
            json!({"query": {"term": {"rule.level": "abc"}}}),
            "query_shard_exception",
            "For input string: \"abc\"",
        ),
        (
            json!({"query": {"range": {"timestamp": {"gte": "yesterday"}}}}),
            "parse_exception",
            "failed to parse date field [yesterday]",
        ),
        (
            json!({"query": {"range": {"timestamp": {"gte": "now-3x"}}}}),
            "parse_exception",
            "date math",
        ),
        (
            json!({"query": {"wildcard": {"rule.level": "5*"}}}),
            "query_shard_exception",
            "Can only use wildcard queries on keyword and text fields",
        ),
        (
            json!({"query": {"query_string": {"query": "(a OR b"}}}),
            "parsing_exception",
            "Cannot parse",
        ),
        (
            json!({"query": {"query_string": {"query": "a:\"open"}}}),
            "parsing_exception",
            "Cannot parse",
        ),
        (
            json!({"query": deep}),
            "parsing_exception",
            "nested too deeply",
        ),
        (
            json!({"size": 10001}),
            "illegal_argument_exception",
            "Result window is too large, from + size must be less than or equal to: [10000] but was [10001]",
        ),
        (
            json!({"from": 9995, "size": 10}),
            "illegal_argument_exception",
            "but was [10005]",
        ),
        (
            json!({"size": -1}),
            "illegal_argument_exception",
            "[size] parameter cannot be negative",
        ),
        (
            json!({"size": "ten"}),
            "x_content_parse_exception",
            "[size]",
        ),
        (
            json!({"search_after": [1], "from": 5, "sort": [{"rule.level": "asc"}]}),
            "illegal_argument_exception",
            "`from` parameter must be set to 0",
        ),
        (
            json!({"search_after": [1, 2], "sort": [{"rule.level": "asc"}]}),
            "illegal_argument_exception",
            "search_after has 2 value(s) but sort has 1.",
        ),
        (
            json!({"sort": [{"full_log": "asc"}]}),
            "illegal_argument_exception",
            "Text fields are not optimised",
        ),
        (
            json!({"sort": [{"rule.level": "up"}]}),
            "illegal_argument_exception",
            "Unknown SortOrder [up]",
        ),
        (
            json!({"foo": 1}),
            "parsing_exception",
            "Unknown key for a VALUE_NUMBER in [foo].",
        ),
        (
            json!({"foo": {}}),
            "parsing_exception",
            "Unknown key for a START_OBJECT in [foo].",
        ),
        (json!([1]), "parsing_exception", "START_ARRAY"),
        (
            json!({"aggs": {"x": {"foo": {}}}}),
            "parsing_exception",
            "Unknown aggregation type [foo]",
        ),
        (
            json!({"aggs": {"x": {}}}),
            "parsing_exception",
            "Missing definition for aggregation [x]",
        ),
        (
            json!({"aggs": {"x": {"terms": {"field": "a"}, "avg": {"field": "b"}}}}),
            "parsing_exception",
            "Found two aggregation type definitions in [x]: [terms] and [avg]",
        ),
        (
            json!({"aggs": {"x": {"terms": {"field": "full_log"}}}}),
            "illegal_argument_exception",
            "set fielddata=true on [full_log]",
        ),
        (
            json!({"aggs": {"x": {"avg": {"field": "rule.level"}, "aggs": {"y": {"max": {"field": "rule.level"}}}}}}),
            "aggregation_initialization_exception",
            "cannot accept sub-aggregations",
        ),
        (
            json!({"aggs": {"x": {"date_histogram": {"field": "timestamp", "calendar_interval": "2d"}}}}),
            "illegal_argument_exception",
            "could not be parsed as a calendar interval",
        ),
        (
            json!({"aggs": {"x": {"date_histogram": {"field": "timestamp"}}}}),
            "illegal_argument_exception",
            "Invalid interval specified",
        ),
        (
            json!({"aggs": {"x": {"terms": {}}}}),
            "illegal_argument_exception",
            "Required one of fields [field, script]",
        ),
        (
            json!({"aggs": {"x": {"avg": {"field": "agent.host.ip"}}}}),
            "illegal_argument_exception",
            "Field [agent.host.ip] of type [ip] is not supported for aggregation [avg]",
        ),
        (
            json!({"aggs": {"x": deep_aggs}}),
            "parsing_exception",
            "nested too deeply",
        ),
        (
            json!({"aggs": {"x": {"date_histogram": {"field": "timestamp", "fixed_interval": "1ms", "extended_bounds": {"min": "now-1y", "max": "now"}}}}}),
            "too_many_buckets_exception",
            "search.max_buckets",
        ),
    ];
    for (body, kind, reason) in cases {
        let e = run(&docs, body.clone()).expect_err(&body.to_string());
        assert_eq!(e.kind, kind, "{body}: {e}");
        assert!(e.reason.contains(reason), "{body}: {}", e.reason);
    }
}

#[test]
fn hostile_inputs_do_not_panic() {
    let docs = fixture();
    let bodies = [
        json!({"query": {"query_string": {"query": "((((((((((a"}}}),
        json!({"query": {"query_string": {"query": ")))"}}}),
        json!({"query": {"query_string": {"query": "AND OR NOT"}}}),
        json!({"query": {"query_string": {"query": "a:[1 TO"}}}),
        json!({"query": {"query_string": {"query": "\\"}}}),
        json!({"query": {"query_string": {"query": "*:*"}}}),
        json!({"query": {"query_string": {"query": "rule.level:>"}}}),
        json!({"query": {"query_string": {"query": "x:/[/"}}}),
        json!({"query": {"regexp": {"rule.id": "(((("}}}),
        json!({"query": {"wildcard": {"rule.id": "**?**\\"}}}),
        json!({"query": {"range": {"timestamp": {"gte": "now-99999999999y"}}}}),
        json!({"query": {"range": {"timestamp": {"gte": "now/q"}}}}),
        json!({"sort": [{"timestamp": {"missing": "x"}}]}),
        json!({"search_after": ["x"], "sort": [{"timestamp": "asc"}]}),
        json!({"aggs": {"x": {"date_histogram": {"field": "timestamp", "fixed_interval": "0h"}}}}),
        json!({"aggs": {"x": {"terms": {"field": "rule.id", "size": 0}}}}),
        json!({"query": {"simple_query_string": {"query": "\"unterminated (( | +"}}}),
        json!({"size": 9_223_372_036_854_775_807_i64}),
    ];
    for body in bodies {
        let _ = run(&docs, body);
    }
}

/// A timing smoke test over a million generated alerts: `cargo test --release -- --ignored`.
#[test]
#[ignore = "timing; run in release"]
fn million_docs_timing() {
    let base = fixture();
    let make = |i: usize| {
        let mut d = base[i % base.len()].clone();
        d.id = format!("g{i}");
        d.source["timestamp"] = json!(ts(Duration::seconds((i % 864_000) as i64)));
        d.source["agent"]["id"] = json!(format!("{:03}", i % 500));
        d
    };
    let bodies = [
        json!({"query": {"match_none": {}}}),
        json!({}),
        json!({"query": {"bool": {"filter": [{"range": {"timestamp": {"gte": "now-24h"}}}, {"term": {"rule.groups": "sshd"}}]}}}),
        json!({"size": 0, "aggs": {"a": {"terms": {"field": "agent.id", "size": 20}}, "h": {"date_histogram": {"field": "timestamp", "fixed_interval": "1h"}}}}),
        json!({"sort": [{"timestamp": "desc"}], "size": 100}),
        json!({"query": {"query_string": {"query": "failed AND rule.level:>=5"}}}),
    ];
    for body in bodies {
        let start = std::time::Instant::now();
        let resp = search((0..1_000_000).map(|i| Cow::Owned(make(i))), &body, now()).unwrap();
        eprintln!(
            "{:>6} ms  total={} {}",
            start.elapsed().as_millis(),
            resp["hits"]["total"]["value"],
            body
        );
    }
}
