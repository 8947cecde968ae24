//! The manager's response envelope, read leniently.
//!
//! ```json
//! {"data": {"affected_items": [...], "total_affected_items": 2, "total_failed_items": 1,
//!           "failed_items": [{"error": {"code": 1701, "message": "...", "remediation": "..."},
//!                             "id": ["999"]}]},
//!  "message": "Some agents information was not returned", "error": 2}
//! ```
//!
//! `error` is 0 when nothing failed, 1 when every item failed and 2 when some failed (as in
//! upstream's integration tests); a call that fails for every id still answers HTTP 200, so
//! failed items are returned to the caller, never dropped. Unknown fields are ignored and
//! missing ones get defaults; only a body that is not an envelope at all is an error.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How much of a request succeeded, from the envelope's `error` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing failed (`error: 0`).
    Complete,
    /// Some items failed (`error: 2`).
    Partial,
    /// Every item failed (`error: 1`).
    Failed,
}

/// Items that Wazuh could not return or act on, grouped by error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedItem {
    /// Wazuh error code (e.g. 1701 "Agent does not exist").
    pub code: Option<i64>,
    /// Wazuh's message.
    pub message: String,
    /// Wazuh's advice, when given.
    pub remediation: Option<String>,
    /// The ids (agents, files...) that failed with this error.
    pub ids: Vec<String>,
}

/// One page of an affected-items answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemsPage<T> {
    /// The items returned (`data.affected_items`).
    pub items: Vec<T>,
    /// How many items match in all, beyond this page (`data.total_affected_items`).
    pub total_affected_items: u64,
    /// How many ids failed (`data.total_failed_items`).
    pub total_failed_items: u64,
    /// What failed and why (`data.failed_items`).
    pub failed_items: Vec<FailedItem>,
    /// Wazuh's summary message.
    pub message: Option<String>,
    /// Whether everything, some or nothing succeeded.
    pub outcome: Outcome,
}

impl<T> ItemsPage<T> {
    /// Whether some or all items failed.
    pub fn has_failures(&self) -> bool {
        !self.failed_items.is_empty() || self.total_failed_items > 0
    }

    /// The first item, if any.
    pub fn first(&self) -> Option<&T> {
        self.items.first()
    }

    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ItemsPage<U> {
        ItemsPage {
            items: self.items.into_iter().map(f).collect(),
            total_affected_items: self.total_affected_items,
            total_failed_items: self.total_failed_items,
            failed_items: self.failed_items,
            message: self.message,
            outcome: self.outcome,
        }
    }
}

/// Reads an affected-items envelope; the error text says what did not fit.
pub(crate) fn parse_items<T: DeserializeOwned>(root: Value) -> Result<ItemsPage<T>, String> {
    let Value::Object(mut root) = root else {
        return Err(format!("expected a JSON object, got {}", kind(&root)));
    };
    let message = match root.remove("message") {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let error_flag = root.get("error").and_then(as_i64);
    let mut data = match root.remove("data") {
        Some(Value::Object(data)) => data,
        Some(Value::Null) | None => Map::new(),
        Some(other) => return Err(format!("`data` is {}, not an object", kind(&other))),
    };
    let raw_items = match data.remove("affected_items") {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(single) => vec![single],
    };
    let mut items = Vec::with_capacity(raw_items.len());
    for (i, item) in raw_items.into_iter().enumerate() {
        let item = serde_json::from_value::<T>(item)
            .map_err(|e| format!("affected_items[{i}] has an unexpected shape: {e}"))?;
        items.push(item);
    }
    let failed_items: Vec<FailedItem> = match data.remove("failed_items") {
        Some(Value::Array(failed)) => failed.iter().map(failed_item).collect(),
        _ => Vec::new(),
    };
    let failed_ids: u64 = failed_items.iter().map(|f| f.ids.len().max(1) as u64).sum();
    let total_affected_items = data
        .get("total_affected_items")
        .and_then(as_u64)
        .unwrap_or(items.len() as u64);
    let total_failed_items = data
        .get("total_failed_items")
        .and_then(as_u64)
        .unwrap_or(failed_ids);
    let outcome = match error_flag {
        Some(0) => Outcome::Complete,
        Some(1) => Outcome::Failed,
        Some(2) => Outcome::Partial,
        _ if failed_items.is_empty() && total_failed_items == 0 => Outcome::Complete,
        _ if items.is_empty() => Outcome::Failed,
        _ => Outcome::Partial,
    };
    Ok(ItemsPage {
        items,
        total_affected_items,
        total_failed_items,
        failed_items,
        message,
        outcome,
    })
}

/// Reads `data` of a `{data, error}` answer (falls back to the whole body when there is no
/// `data`, as the spec's example of `GET /` shows).
pub(crate) fn parse_data(root: Value) -> Result<Value, String> {
    match root {
        Value::Object(mut map) => match map.remove("data") {
            Some(data) => Ok(data),
            None => Ok(Value::Object(map)),
        },
        other => Err(format!("expected a JSON object, got {}", kind(&other))),
    }
}

fn failed_item(value: &Value) -> FailedItem {
    let error = value.get("error");
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let ids = match value.get("id").or_else(|| value.get("ids")) {
        Some(Value::Array(ids)) => ids.iter().filter_map(id_text).collect(),
        Some(single) => id_text(single).into_iter().collect(),
        None => Vec::new(),
    };
    FailedItem {
        code: error.and_then(|e| e.get("code")).and_then(as_i64),
        message: text(error.and_then(|e| e.get("message")))
            .or_else(|| text(error.filter(|e| !e.is_object())))
            .unwrap_or_else(|| "unknown error".into()),
        remediation: text(error.and_then(|e| e.get("remediation"))),
        ids,
    }
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Lenient field deserializers for the typed models.
pub(crate) mod lenient {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// A string, or a number/bool rendered as one; anything else is `None`.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
    }

    /// A list of strings, a single string, or nothing.
    pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect(),
            Value::String(s) => vec![s],
            _ => Vec::new(),
        })
    }

    /// An integer, or a string holding one.
    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(super::as_i64(&Value::deserialize(d)?))
    }

    /// A boolean, or `"true"`/`"false"`, or 0/1.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => Some(b),
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            _ => None,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spec_agents_example_parses() {
        // Shape of examples/spec-examples/get_agents.json (trimmed).
        let body = json!({
            "data": {
                "affected_items": [
                    {"os": {"arch": "x86_64", "name": "Ubuntu", "platform": "ubuntu"},
                     "id": "001", "name": "ac7cb188d538", "status": "active",
                     "group": ["default"], "status_code": 0, "a_future_field": {"x": 1}},
                    {"id": "002", "name": "91642a418627", "status": "active"}
                ],
                "total_affected_items": 9,
                "total_failed_items": 0,
                "failed_items": []
            },
            "message": "All selected agents information was returned",
            "error": 0
        });
        let page: ItemsPage<Value> = parse_items(body).expect("envelope");
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.total_affected_items, 9);
        assert_eq!(page.outcome, Outcome::Complete);
        assert!(!page.has_failures());
        assert_eq!(
            page.message.as_deref(),
            Some("All selected agents information was returned")
        );
    }

    #[test]
    fn partial_failure_keeps_failed_items() {
        // Shape of the tavern test "Send a message to a list of agents" (error 2).
        let body = json!({
            "data": {
                "affected_items": ["002", "004"],
                "total_affected_items": 2,
                "total_failed_items": 2,
                "failed_items": [{
                    "error": {"code": 1707, "message": "Cannot send request, agent is not active",
                              "remediation": "Please, check non-active agents connection"},
                    "id": ["010", 12]
                }]
            },
            "message": "AR command was not sent to some agents",
            "error": 2
        });
        let page: ItemsPage<String> = parse_items(body).expect("envelope");
        assert_eq!(page.outcome, Outcome::Partial);
        assert_eq!(page.items, vec!["002", "004"]);
        assert_eq!(page.failed_items.len(), 1);
        let failed = &page.failed_items[0];
        assert_eq!(failed.code, Some(1707));
        assert_eq!(failed.ids, vec!["010", "12"]);
        assert!(failed.remediation.is_some());
    }

    #[test]
    fn total_failure_is_error_1() {
        let body = json!({
            "data": {"affected_items": [], "total_affected_items": 0, "total_failed_items": 1,
                     "failed_items": [{"error": {"code": 1701, "message": "Agent does not exist"},
                                       "id": ["999"]}]},
            "message": "No agent information was returned",
            "error": 1
        });
        let page: ItemsPage<Value> = parse_items(body).expect("envelope");
        assert_eq!(page.outcome, Outcome::Failed);
        assert_eq!(page.failed_items[0].code, Some(1701));
    }

    #[test]
    fn missing_and_odd_fields_are_tolerated() {
        let page: ItemsPage<Value> = parse_items(json!({"data": {}})).expect("envelope");
        assert!(page.items.is_empty());
        assert_eq!(page.total_affected_items, 0);
        assert_eq!(page.outcome, Outcome::Complete);

        let page: ItemsPage<Value> = parse_items(json!({
            "data": {"affected_items": {"only": "one"}, "total_affected_items": "7",
                     "failed_items": [{"error": "boom"}, 3]}
        }))
        .expect("envelope");
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.total_affected_items, 7);
        assert_eq!(page.failed_items.len(), 2);
        assert_eq!(page.failed_items[0].message, "boom");
        assert_eq!(page.failed_items[1].message, "unknown error");
        assert_eq!(page.total_failed_items, 2);
        assert_eq!(page.outcome, Outcome::Partial);

        assert!(parse_items::<Value>(json!([1, 2])).is_err());
        assert!(parse_items::<Value>(json!({"data": "x"})).is_err());
        assert!(parse_items::<u32>(json!({"data": {"affected_items": ["x"]}})).is_err());
    }

    #[test]
    fn every_spec_example_envelope_parses() {
        // The spec's examples, when the reference directory is there (it is in CI and dev).
        let Some(dir) = crate::test_support::spec_examples_dir() else {
            return;
        };
        let mut parsed = 0;
        for entry in std::fs::read_dir(dir).expect("examples dir").flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable example");
            let value: Value = serde_json::from_str(&text).expect("examples are JSON");
            let is_items = value
                .get("data")
                .and_then(|d| d.get("affected_items"))
                .is_some();
            if is_items {
                parse_items::<Value>(value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                parsed += 1;
            } else {
                parse_data(value).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        assert!(parsed > 50, "only {parsed} envelopes");
    }

    #[test]
    fn data_answers() {
        assert_eq!(
            parse_data(json!({"data": {"a": 1}, "error": 0})).ok(),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            parse_data(json!({"title": "Wazuh API"})).ok(),
            Some(json!({"title": "Wazuh API"}))
        );
        assert!(parse_data(json!("x")).is_err());
    }
}
