//! Field paths, `select` and `distinct`.

use serde_json::{Map, Value};

use super::QueryError;

/// Every dotted path in the items, first seen first: leaves and the objects above them.
pub(crate) fn known_paths(items: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in items {
        if let Value::Object(m) = item {
            walk(m, "", &mut out, &mut seen, 0);
        }
    }
    out
}

fn walk(
    m: &Map<String, Value>,
    prefix: &str,
    out: &mut Vec<String>,
    seen: &mut std::collections::HashSet<String>,
    depth: usize,
) {
    for (k, v) in m {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if seen.insert(path.clone()) {
            out.push(path.clone());
        }
        if let (Value::Object(sub), true) = (v, depth < 16) {
            walk(sub, &path, out, seen, depth + 1);
        }
    }
}

/// The values at a dotted path; lists of objects on the way fan out (`get_match_candidates`).
pub(crate) fn lookup<'a>(item: &'a Value, path: &str) -> Vec<&'a Value> {
    let keys: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    descend(item, &keys, &mut out);
    out
}

fn descend<'a>(v: &'a Value, keys: &[&str], out: &mut Vec<&'a Value>) {
    match keys.split_first() {
        None => out.push(v),
        Some((k, rest)) => match v {
            Value::Object(m) => {
                if let Some(next) = m.get(*k) {
                    descend(next, rest, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|e| descend(e, keys, out)),
            _ => {}
        },
    }
}

/// Keeps only `paths` of `item` (nested structure and key order preserved). Paths go through
/// objects only, as the framework's `get_nested_fields`.
pub(crate) fn project(item: &Value, paths: &[&str]) -> Value {
    let split: Vec<Vec<&str>> = paths.iter().map(|p| p.split('.').collect()).collect();
    let refs: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
    project_obj(item, &refs).unwrap_or_else(|| Value::Object(Map::new()))
}

fn project_obj(v: &Value, paths: &[&[&str]]) -> Option<Value> {
    let Value::Object(m) = v else { return None };
    let mut out = Map::new();
    for (k, sub) in m {
        if paths.iter().any(|p| p.len() == 1 && p[0] == k) {
            out.insert(k.clone(), sub.clone());
            continue;
        }
        let deeper: Vec<&[&str]> = paths
            .iter()
            .filter(|p| p.len() > 1 && p[0] == k)
            .map(|p| &p[1..])
            .collect();
        if deeper.is_empty() {
            continue;
        }
        if let Some(Value::Object(o)) =
            project_obj(sub, &deeper).filter(|o| o.as_object().is_some_and(|m| !m.is_empty()))
        {
            out.insert(k.clone(), Value::Object(o));
        }
    }
    Some(Value::Object(out))
}

/// Unique items, first occurrence kept.
pub(crate) fn dedup(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    let mut seen = std::collections::HashSet::new();
    for i in items {
        if seen.insert(i.to_string()) {
            out.push(i);
        }
    }
    out
}

/// `select_array`: with allowed fields, the top-level ones must be among them; without, an item
/// for which nothing is selected is an error. Required fields are added to every item.
pub(crate) fn select_array(
    items: Vec<Value>,
    select: &[&str],
    required: &[&str],
    allowed: Option<&[&str]>,
) -> Result<Vec<Value>, QueryError> {
    if let Some(allowed) = allowed {
        let top: Vec<&str> = select
            .iter()
            .copied()
            .filter(|s| !s.contains('.'))
            .collect();
        if top.iter().any(|s| !allowed.contains(s)) {
            return Err(error_1724(&top.join(", ")));
        }
    }
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        let picked = project(item, select);
        if allowed.is_none() && picked.as_object().is_none_or(Map::is_empty) {
            return Err(error_1724(&select.join(", ")));
        }
        let mut paths: Vec<&str> = select.to_vec();
        paths.extend(required.iter().copied());
        out.push(project(item, &paths));
    }
    Ok(out)
}

fn error_1724(extra: &str) -> QueryError {
    QueryError::new(
        1724,
        "Not a valid select field",
        Some(extra),
        Some("Please, use only allowed select fields"),
    )
}
