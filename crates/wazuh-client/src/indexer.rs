//! The Wazuh indexer (OpenSearch) client: alerts (`wazuh-alerts-4.x-*`), vulnerability and
//! inventory states (`wazuh-states-*`).
//!
//! Same transport as the manager client (TLS, pool, retries) with HTTP Basic auth. Searches and
//! counts are POSTs that only read, so they are retried like GETs. OpenSearch errors keep their
//! `error.type` and `error.reason` in [`ApiError::kind`](crate::ApiError) and
//! [`ApiError::detail`](crate::ApiError).

use reqwest::Method;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::IndexerConfig;
use crate::error::{Error, Result, Service};
use crate::http::{Call, ClientStats, Credentials, Expect, Transport};
use crate::query::{Query, segment};
use crate::validate;

/// A client of the Wazuh indexer.
#[derive(Debug)]
pub struct IndexerClient {
    transport: Transport,
    username: String,
    password: SecretString,
}

/// The total of a search: `value` and whether it is exact (`eq`) or a lower bound (`gte`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalHits {
    /// Number of matching documents.
    pub value: u64,
    /// `eq` or `gte`.
    pub relation: String,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Index of the document.
    pub index: String,
    /// Document id.
    pub id: String,
    /// Relevance score, when computed.
    pub score: Option<f64>,
    /// The document.
    pub source: Value,
    /// Sort values, when the search sorted (for `search_after`).
    pub sort: Option<Value>,
    /// Highlight fragments, when asked for.
    pub highlight: Option<Value>,
}

/// What a search answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// Milliseconds the search took.
    pub took: Option<u64>,
    /// Whether it timed out (partial results).
    pub timed_out: bool,
    /// Matching documents in all; `None` when `track_total_hits` was false.
    pub total: Option<TotalHits>,
    /// Best score.
    pub max_score: Option<f64>,
    /// The hits of this page.
    pub hits: Vec<Hit>,
    /// Aggregation results, as OpenSearch returned them.
    pub aggregations: Option<Value>,
    /// `_shards` (total, successful, failed, failures).
    pub shards: Option<Value>,
}

/// One row of `_cat/indices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    /// Index name.
    pub index: String,
    /// `green`, `yellow` or `red`.
    pub health: Option<String>,
    /// `open` or `close`.
    pub status: Option<String>,
    /// Documents.
    pub docs_count: Option<u64>,
    /// Size on disk, e.g. `12.3mb`.
    pub store_size: Option<String>,
}

impl IndexerClient {
    /// Builds a client. Nothing is sent until the first call.
    pub fn new(config: IndexerConfig) -> Result<IndexerClient> {
        let transport = Transport::new(Service::Indexer, &config.transport())?;
        Ok(IndexerClient {
            transport,
            username: config.username,
            password: config.password,
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.transport.base_url()
    }

    /// Counters: requests, retries.
    pub fn stats(&self) -> ClientStats {
        self.transport.counters.snapshot()
    }

    fn credentials(&self) -> Credentials<'_> {
        Credentials::Basic {
            username: &self.username,
            password: &self.password,
        }
    }

    async fn json(&self, call: &Call<'_>) -> Result<(Value, u16, String)> {
        let answer = self.transport.execute(call, self.credentials()).await?;
        let (status, url) = (answer.status, answer.url.clone());
        Ok((answer.json(Service::Indexer)?, status, url))
    }

    /// `GET /`: cluster name and version.
    pub async fn info(&self) -> Result<Value> {
        let query = Query::new();
        Ok(self.json(&Call::get("/".into(), &query)).await?.0)
    }

    /// `POST /{index_pattern}/_search` with a query DSL body.
    pub async fn search(&self, index_pattern: &str, body: Value) -> Result<SearchResponse> {
        let pattern = validate::index_pattern(index_pattern)?;
        check_body(&body)?;
        let query = Query::new();
        let call = Call {
            method: Method::POST,
            path: format!("/{}/_search", segment_pattern(pattern)),
            query: &query,
            body: Some(&body),
            idempotent: true,
            expect: Expect::Json,
        };
        let (answer, _, _) = self.json(&call).await?;
        Ok(parse_search(answer))
    }

    /// `POST /{index_pattern}/_count`; `body` may hold a `query` (anything else is dropped, as
    /// `_count` accepts only `query`).
    pub async fn count(&self, index_pattern: &str, body: Value) -> Result<u64> {
        let pattern = validate::index_pattern(index_pattern)?;
        check_body(&body)?;
        let body = match body.get("query") {
            Some(q) => serde_json::json!({ "query": q }),
            None => serde_json::json!({}),
        };
        let query = Query::new();
        let call = Call {
            method: Method::POST,
            path: format!("/{}/_count", segment_pattern(pattern)),
            query: &query,
            body: Some(&body),
            idempotent: true,
            expect: Expect::Json,
        };
        let (answer, status, url) = self.json(&call).await?;
        answer
            .get("count")
            .and_then(|c| {
                c.as_u64()
                    .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| Error::Decode {
                service: Service::Indexer,
                status,
                url,
                message: "the _count answer has no count".into(),
            })
    }

    /// `GET /_cat/indices[/{pattern}]?format=json`: indices with health and document counts,
    /// sorted by name.
    pub async fn cat_indices(&self, pattern: Option<&str>) -> Result<Vec<IndexInfo>> {
        let path = match pattern {
            Some(p) => format!(
                "/_cat/indices/{}",
                segment_pattern(validate::index_pattern(p)?)
            ),
            None => "/_cat/indices".into(),
        };
        let mut query = Query::new();
        query.push("format", "json");
        let (answer, status, url) = self.json(&Call::get(path, &query)).await?;
        let Value::Array(rows) = answer else {
            return Err(Error::Decode {
                service: Service::Indexer,
                status,
                url,
                message: "_cat/indices did not answer a JSON array".into(),
            });
        };
        let mut indices: Vec<IndexInfo> = rows.iter().filter_map(index_info).collect();
        indices.sort_by(|a, b| a.index.cmp(&b.index));
        Ok(indices)
    }
}

/// Encodes a validated pattern, keeping `*` and `,` readable.
fn segment_pattern(pattern: &str) -> String {
    pattern
        .split(',')
        .map(|part| segment(part).replace("%2A", "*"))
        .collect::<Vec<_>>()
        .join(",")
}

fn check_body(body: &Value) -> Result<()> {
    if body.is_object() {
        Ok(())
    } else {
        Err(Error::validation(
            "body",
            body.to_string(),
            "the search body must be a JSON object, like {\"query\": {\"match_all\": {}}}",
        ))
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn index_info(row: &Value) -> Option<IndexInfo> {
    Some(IndexInfo {
        index: text(row.get("index"))?,
        health: text(row.get("health")),
        status: text(row.get("status")),
        docs_count: text(row.get("docs.count")).and_then(|s| s.parse().ok()),
        store_size: text(row.get("store.size")),
    })
}

/// Reads a search answer leniently: missing parts are empty, odd hits are skipped.
pub(crate) fn parse_search(mut answer: Value) -> SearchResponse {
    let hits_obj = answer
        .get_mut("hits")
        .map(Value::take)
        .unwrap_or(Value::Null);
    let total = match hits_obj.get("total") {
        Some(Value::Number(n)) => n.as_u64().map(|value| TotalHits {
            value,
            relation: "eq".into(),
        }),
        Some(Value::Object(t)) => t
            .get("value")
            .and_then(Value::as_u64)
            .map(|value| TotalHits {
                value,
                relation: text(t.get("relation")).unwrap_or_else(|| "eq".into()),
            }),
        _ => None,
    };
    let hits = match hits_obj.get("hits") {
        Some(Value::Array(hits)) => hits.iter().filter_map(hit).collect(),
        _ => Vec::new(),
    };
    SearchResponse {
        took: answer.get("took").and_then(Value::as_u64),
        timed_out: answer
            .get("timed_out")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        total,
        max_score: hits_obj.get("max_score").and_then(Value::as_f64),
        hits,
        aggregations: answer.get_mut("aggregations").map(Value::take),
        shards: answer.get_mut("_shards").map(Value::take),
    }
}

fn hit(value: &Value) -> Option<Hit> {
    let map: &Map<String, Value> = value.as_object()?;
    Some(Hit {
        index: text(map.get("_index")).unwrap_or_default(),
        id: text(map.get("_id")).unwrap_or_default(),
        score: map.get("_score").and_then(Value::as_f64),
        source: map.get("_source").cloned().unwrap_or(Value::Null),
        sort: map.get("sort").cloned(),
        highlight: map.get("highlight").cloned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn search_answers_parse() {
        let r = parse_search(json!({
            "took": 5, "timed_out": false,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": 10000, "relation": "gte"}, "max_score": 1.0,
                     "hits": [{"_index": "wazuh-alerts-4.x-2024.01.01", "_id": "a1", "_score": 1.0,
                               "_source": {"rule": {"id": "5710", "level": 5}}},
                              "garbage",
                              {"_index": "x", "_id": 7, "sort": [1700000000000i64]}]},
            "aggregations": {"by_rule": {"buckets": [{"key": "5710", "doc_count": 3}]}}
        }));
        assert_eq!(r.took, Some(5));
        assert_eq!(
            r.total,
            Some(TotalHits {
                value: 10000,
                relation: "gte".into()
            })
        );
        assert_eq!(r.hits.len(), 2);
        assert_eq!(r.hits[0].source["rule"]["id"], "5710");
        assert_eq!(r.hits[1].id, "7");
        assert!(r.hits[1].sort.is_some());
        assert_eq!(
            r.aggregations.expect("aggs")["by_rule"]["buckets"][0]["doc_count"],
            3
        );
    }

    #[test]
    fn odd_search_answers_do_not_fail() {
        let r = parse_search(json!({"hits": {"total": 3}}));
        assert_eq!(r.total.map(|t| t.value), Some(3));
        assert!(r.hits.is_empty());
        let r = parse_search(json!("nonsense"));
        assert!(r.total.is_none() && r.hits.is_empty() && r.aggregations.is_none());
    }

    #[test]
    fn cat_rows_parse() {
        let row = json!({"health": "green", "status": "open", "index": "wazuh-alerts-4.x-2024.01.01",
                         "docs.count": "1234", "store.size": "1mb"});
        let info = index_info(&row).expect("row");
        assert_eq!(info.docs_count, Some(1234));
        assert!(index_info(&json!({"health": "green"})).is_none());
    }

    #[test]
    fn patterns_keep_wildcards() {
        assert_eq!(segment_pattern("wazuh-alerts-4.x-*"), "wazuh-alerts-4.x-*");
        assert_eq!(segment_pattern("a-*,b-*"), "a-*,b-*");
    }
}
