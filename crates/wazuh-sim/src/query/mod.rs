//! The manager API's list parameters, applied to items the way Wazuh's framework does:
//! `q` (WQL), `search`, `sort`, `select`, `distinct`, `offset` and `limit`.

use serde_json::Value;

/// List parameters of a request, already taken from the query string.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub offset: usize,
    /// Wazuh's default is 500.
    pub limit: usize,
    /// `+field,-field`.
    pub sort: Option<String>,
    /// Free text; a leading `-` negates it.
    pub search: Option<String>,
    /// Comma-separated (dotted) field names.
    pub select: Option<String>,
    /// WQL.
    pub q: Option<String>,
    pub distinct: bool,
}

/// A rejected list parameter, with the Wazuh error code it answers with (HTTP 400).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Wazuh error code, e.g. 1407 (invalid `q`), 1724 (invalid `select` field), 1403 (invalid `sort` field).
    pub code: u32,
    pub message: String,
    pub remediation: String,
}

/// One page of results.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<Value>,
    /// Number of items that matched before paging.
    pub total: usize,
}

/// Applies `params` to `items`.
pub fn apply(items: Vec<Value>, params: &ListParams) -> Result<Page, QueryError> {
    let total = items.len();
    let items = items
        .into_iter()
        .skip(params.offset)
        .take(params.limit)
        .collect();
    Ok(Page { items, total })
}
