//! The indexer: an OpenSearch-compatible subset serving Wazuh's indices (port 9200).
//!
//! `GET /`, `GET /_cat/indices`, and `_search` / `_count` over index patterns (comma lists,
//! wildcards, `-exclusions`) of `wazuh-alerts-4.x-YYYY.MM.DD`,
//! `wazuh-states-vulnerabilities-wazuh` and, from 4.13, `wazuh-states-inventory-*-wazuh`.
//! Basic auth as the indexer's default `admin` user.

pub mod dsl;

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{Value, json};

use crate::SimState;
use crate::world::{Doc, InventoryKind};

/// The indexer's user and password.
pub const INDEXER_USER: (&str, &str) = ("admin", "admin");

/// Name of the simulated cluster, the suffix of the state indices.
pub const CLUSTER: &str = "wazuh";

const INVENTORY: [(InventoryKind, &str); 5] = [
    (InventoryKind::Packages, "packages"),
    (InventoryKind::Ports, "ports"),
    (InventoryKind::Processes, "processes"),
    (InventoryKind::System, "system"),
    (InventoryKind::Hotfixes, "hotfixes"),
];

/// The indexer router.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/", get(info))
        .route("/_cat/indices", get(cat_indices))
        .route("/_search", get(search_all).post(search_all))
        .route("/{index}/_search", get(search).post(search))
        .route("/{index}/_count", get(count).post(count))
        .fallback(unknown)
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

async fn guard(
    State(state): State<Arc<SimState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if !basic_ok(request.headers()) {
        let mut response = (StatusCode::UNAUTHORIZED, "Unauthorized").into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"OpenSearch Security\""),
        );
        return response;
    }
    next.run(request).await
}

fn basic_ok(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(value.trim()) else {
        return false;
    };
    decoded == format!("{}:{}", INDEXER_USER.0, INDEXER_USER.1).as_bytes()
}

async fn info() -> Json<Value> {
    Json(json!({
        "name": "wazuh-indexer",
        "cluster_name": "wazuh-cluster",
        "cluster_uuid": "u4KWc5ZmTl2nWQ-Oe8xJbw",
        "version": {
            "number": "7.10.2",
            "build_type": "rpm",
            "build_hash": "0000000000000000000000000000000000000000",
            "build_date": "2025-01-01T00:00:00.000000Z",
            "build_snapshot": false,
            "lucene_version": "9.12.1",
            "minimum_wire_compatibility_version": "7.10.0",
            "minimum_index_compatibility_version": "7.0.0",
            "distribution": "opensearch",
        },
        "tagline": "The OpenSearch Project: https://opensearch.org/"
    }))
}

async fn unknown() -> Response {
    os_error(
        StatusCode::BAD_REQUEST,
        "illegal_argument_exception",
        "this simulator serves GET /, GET /_cat/indices, and {index}/_search and {index}/_count",
    )
}

/// An OpenSearch error body.
fn os_error(status: StatusCode, kind: &str, reason: &str) -> Response {
    let cause = json!({"type": kind, "reason": reason});
    (
        status,
        Json(json!({
            "error": {"root_cause": [cause.clone()], "type": kind, "reason": reason},
            "status": status.as_u16(),
        })),
    )
        .into_response()
}

fn index_not_found(index: &str) -> Response {
    let cause = json!({
        "type": "index_not_found_exception",
        "reason": format!("no such index [{index}]"),
        "index": index,
        "resource.id": index,
        "resource.type": "index_or_alias",
        "index_uuid": "_na_",
    });
    (
        StatusCode::NOT_FOUND,
        Json(json!({
            "error": {
                "root_cause": [cause.clone()],
                "type": "index_not_found_exception",
                "reason": format!("no such index [{index}]"),
                "index": index,
                "resource.id": index,
                "resource.type": "index_or_alias",
                "index_uuid": "_na_",
            },
            "status": 404,
        })),
    )
        .into_response()
}

/// A parsed index expression: `a,b*,-c*`.
struct IndexPattern {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl IndexPattern {
    fn parse(expr: &str) -> IndexPattern {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for part in expr.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.strip_prefix('-') {
                Some(rest) if !include.is_empty() => exclude.push(rest.to_string()),
                _ => include.push(part.to_string()),
            }
        }
        if include.is_empty() {
            include.push("*".into());
        }
        IndexPattern { include, exclude }
    }

    fn matches(&self, index: &str) -> bool {
        self.include.iter().any(|p| glob(p, index)) && !self.exclude.iter().any(|p| glob(p, index))
    }

    /// Concrete names (no wildcard) that must exist.
    fn concrete(&self) -> impl Iterator<Item = &str> {
        self.include
            .iter()
            .filter(|p| !p.contains('*') && p.as_str() != "_all")
            .map(String::as_str)
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    if pattern == "_all" || pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Every index of the simulated cluster, with its document count.
fn indices(state: &SimState) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for doc in state.world.alerts() {
        match out.last_mut() {
            Some((name, count)) if name.as_str() == &*doc.index => *count += 1,
            _ => {
                if let Some(entry) = out.iter_mut().find(|(n, _)| n.as_str() == &*doc.index) {
                    entry.1 += 1;
                } else {
                    out.push((doc.index.to_string(), 1));
                }
            }
        }
    }
    let version = state.config.api_version;
    if version.has_vulnerability_index() {
        out.push((
            format!("wazuh-states-vulnerabilities-{CLUSTER}"),
            state.world.vulnerability_states().len(),
        ));
    }
    if version.has_inventory_indices() {
        for (kind, name) in INVENTORY {
            out.push((
                format!("wazuh-states-inventory-{name}-{CLUSTER}"),
                state.world.inventory_states(kind).count(),
            ));
        }
    }
    out
}

/// The documents of every index `pattern` matches.
fn docs<'a>(
    state: &'a SimState,
    pattern: &'a IndexPattern,
) -> Box<dyn Iterator<Item = Cow<'a, Doc>> + 'a> {
    let version = state.config.api_version;
    let alerts = state
        .world
        .alerts()
        .iter()
        .filter(move |d| pattern.matches(&d.index))
        .map(Cow::Borrowed);
    let vulns_name = format!("wazuh-states-vulnerabilities-{CLUSTER}");
    let vulns: Box<dyn Iterator<Item = Cow<'a, Doc>>> =
        if version.has_vulnerability_index() && pattern.matches(&vulns_name) {
            Box::new(state.world.vulnerability_states().iter().map(Cow::Borrowed))
        } else {
            Box::new(std::iter::empty())
        };
    let inventory = INVENTORY
        .into_iter()
        .filter(move |(_, name)| {
            version.has_inventory_indices()
                && pattern.matches(&format!("wazuh-states-inventory-{name}-{CLUSTER}"))
        })
        .flat_map(move |(kind, _)| state.world.inventory_states(kind));
    Box::new(alerts.chain(vulns).chain(inventory))
}

fn missing_concrete(state: &SimState, pattern: &IndexPattern) -> Option<String> {
    let mut concrete = pattern.concrete().peekable();
    concrete.peek()?;
    let names = index_names(state);
    concrete
        .find(|c| !names.iter().any(|n| n == c))
        .map(str::to_string)
}

/// Names of every index, without counting documents (inventory states are generated on
/// demand, so counting them means generating them).
fn index_names(state: &SimState) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for doc in state.world.alerts() {
        if names.last().is_none_or(|n| n.as_str() != &*doc.index)
            && !names.iter().any(|n| n.as_str() == &*doc.index)
        {
            names.push(doc.index.to_string());
        }
    }
    let version = state.config.api_version;
    if version.has_vulnerability_index() {
        names.push(format!("wazuh-states-vulnerabilities-{CLUSTER}"));
    }
    if version.has_inventory_indices() {
        for (_, name) in INVENTORY {
            names.push(format!("wazuh-states-inventory-{name}-{CLUSTER}"));
        }
    }
    names
}

fn parse_body(body: &Bytes) -> Result<Value, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(os_error(
            StatusCode::BAD_REQUEST,
            "x_content_parse_exception",
            &format!("failed to parse request body: {e}"),
        ))
    })
}

/// Query-string options that override the body (`size`, `from`, `q` is not supported).
fn merge_query_string(body: &mut Value, raw: Option<&str>) {
    let Some(raw) = raw else { return };
    for pair in raw.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if matches!(k, "size" | "from")
            && let Ok(n) = v.parse::<u64>()
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert(k.to_string(), json!(n));
        }
        if k == "track_total_hits"
            && let Some(obj) = body.as_object_mut()
        {
            let value = match v {
                "true" | "" => json!(true),
                "false" => json!(false),
                n => n.parse::<u64>().map(|n| json!(n)).unwrap_or(json!(true)),
            };
            obj.insert(k.to_string(), value);
        }
    }
}

async fn run_search(
    state: Arc<SimState>,
    index: String,
    raw: Option<String>,
    body: Bytes,
    count_only: bool,
) -> Response {
    let mut body = match parse_body(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    merge_query_string(&mut body, raw.as_deref());
    let result = tokio::task::spawn_blocking(move || {
        let pattern = IndexPattern::parse(&index);
        if let Some(missing) = missing_concrete(&state, &pattern) {
            return Err(Box::new(index_not_found(&missing)));
        }
        let now = chrono::Utc::now();
        let docs = docs(&state, &pattern);
        let result = if count_only {
            count_body(&body)
                .and_then(|b| dsl::search(docs, &b, now))
                .map(|r| {
                    json!({
                        "count": r["hits"]["total"]["value"],
                        "_shards": r["_shards"],
                    })
                })
        } else {
            dsl::search(docs, &body, now)
        };
        result.map_err(|e| Box::new(os_error(StatusCode::BAD_REQUEST, &e.kind, &e.reason)))
    })
    .await;
    match result {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(response)) => *response,
        Err(_) => os_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "exception",
            "search task failed",
        ),
    }
}

/// A `_count` body as the equivalent search: only `query` is allowed.
fn count_body(body: &Value) -> Result<Value, dsl::DslError> {
    let mut search = json!({"size": 0, "track_total_hits": true});
    if let Some(obj) = body.as_object() {
        for (key, value) in obj {
            if key != "query" {
                return Err(dsl::DslError {
                    kind: "parsing_exception".into(),
                    reason: format!("request does not support [{key}]"),
                });
            }
            search["query"] = value.clone();
        }
    }
    Ok(search)
}

async fn search(
    State(state): State<Arc<SimState>>,
    Path(index): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    run_search(state, index, raw, body, false).await
}

async fn search_all(
    State(state): State<Arc<SimState>>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    run_search(state, "*".into(), raw, body, false).await
}

async fn count(
    State(state): State<Arc<SimState>>,
    Path(index): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    run_search(state, index, raw, body, true).await
}

async fn cat_indices(State(state): State<Arc<SimState>>, RawQuery(raw): RawQuery) -> Response {
    let json_format = raw
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "format=json"));
    let verbose = raw
        .as_deref()
        .is_some_and(|q| q.split('&').any(|p| p == "v" || p == "v=true"));
    let indices = tokio::task::spawn_blocking(move || indices(&state))
        .await
        .unwrap_or_default();
    let rows: Vec<Value> = indices
        .iter()
        .map(|(name, count)| {
            let size = format!("{}kb", (count * 2).max(1));
            json!({
                "health": "green",
                "status": "open",
                "index": name,
                "uuid": format!("{:022x}", crc(name)),
                "pri": "1",
                "rep": "0",
                "docs.count": count.to_string(),
                "docs.deleted": "0",
                "store.size": size,
                "pri.store.size": size,
            })
        })
        .collect();
    if json_format {
        return Json(Value::Array(rows)).into_response();
    }
    let mut text = String::new();
    if verbose {
        text.push_str(
            "health status index uuid pri rep docs.count docs.deleted store.size pri.store.size\n",
        );
    }
    for row in &rows {
        let cols: Vec<&str> = [
            "health",
            "status",
            "index",
            "uuid",
            "pri",
            "rep",
            "docs.count",
            "docs.deleted",
            "store.size",
            "pri.store.size",
        ]
        .iter()
        .map(|k| row[*k].as_str().unwrap_or(""))
        .collect();
        text.push_str(&cols.join(" "));
        text.push('\n');
    }
    (StatusCode::OK, text).into_response()
}

fn crc(s: &str) -> u128 {
    s.bytes()
        .fold(0x6c62272e07bb014262b821756295c58du128, |h, b| {
            (h ^ u128::from(b)).wrapping_mul(0x0000000001000000000000000000013B)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_patterns() {
        let p = IndexPattern::parse("wazuh-alerts-4.x-*,-wazuh-alerts-4.x-2026.11.01");
        assert!(p.matches("wazuh-alerts-4.x-2026.11.02"));
        assert!(!p.matches("wazuh-alerts-4.x-2026.11.01"));
        assert!(!p.matches("wazuh-states-vulnerabilities-wazuh"));
        let all = IndexPattern::parse("_all");
        assert!(all.matches("anything"));
        assert!(glob(
            "wazuh-states-*-wazuh",
            "wazuh-states-inventory-packages-wazuh"
        ));
        assert!(!glob(
            "wazuh-states-*-x",
            "wazuh-states-inventory-packages-wazuh"
        ));
        assert_eq!(
            IndexPattern::parse("a,b*").concrete().collect::<Vec<_>>(),
            vec!["a"]
        );
    }
}
