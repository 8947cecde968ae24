//! The manager API's list parameters, applied to items the way Wazuh's framework does:
//! `q` (WQL), `search`, `sort`, `select`, `distinct`, `offset` and `limit`.
//!
//! The framework has two implementations, and endpoints use one or the other
//! (wazuh/wazuh `framework/wazuh/core/utils.py`):
//! - [`Dialect::Database`], `WazuhDBQuery`: SQL over wazuh-db (agents, groups, syscollector,
//!   syscheck, rootcheck, SCA, MITRE, tasks). Fields are checked (1408, 1403, 1724), `=` and `~`
//!   are case-insensitive, `~` is `LIKE '%v%'`, `null` means `IS NULL`, dates and timeframes are
//!   understood, and `;` binds tighter than `,` with real parentheses.
//! - [`Dialect::Array`], `process_array`: in-memory lists (rules, decoders, CDB lists, manager
//!   logs, cluster nodes, security). Comparisons are case-sensitive, unknown fields simply do not
//!   match, and parentheses are ignored (the query is split on `,` then `;`).

mod eval;
mod select;
mod wql;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use wql::{Cond, Expr, Op, wql_escape};

/// Largest `limit` the API accepts (`MAXIMUM_DATABASE_LIMIT`).
pub const MAX_LIMIT: usize = 100_000;

/// List parameters of a request, already taken from the query string.
#[derive(Debug, Clone)]
pub struct ListParams {
    /// First item to return.
    pub offset: usize,
    /// Wazuh's default is 500; 0 is refused (1406), more than [`MAX_LIMIT`] too (1405).
    pub limit: usize,
    /// `+field,-field`.
    pub sort: Option<String>,
    /// Free text; a leading `-` negates it.
    pub search: Option<String>,
    /// Comma-separated (dotted) field names.
    pub select: Option<String>,
    /// WQL.
    pub q: Option<String>,
    /// Return unique items only.
    pub distinct: bool,
}

impl Default for ListParams {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 500,
            sort: None,
            search: None,
            select: None,
            q: None,
            distinct: false,
        }
    }
}

/// A rejected list parameter, with the Wazuh error code it answers with (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Wazuh error code, e.g. 1407 (invalid `q`), 1724 (invalid `select` field), 1403 (invalid `sort` field).
    pub code: u32,
    /// The message, built as the framework's `WazuhException` builds it (`"{message}: {extra}"`).
    pub message: String,
    /// The remediation; empty when the real API sends none.
    pub remediation: String,
}

impl QueryError {
    fn new(code: u32, base: &str, extra: Option<&str>, remediation: Option<&str>) -> Self {
        let message = match extra {
            Some(e) if !e.is_empty() => format!("{base}: {e}"),
            _ => base.to_string(),
        };
        Self {
            code,
            message,
            remediation: remediation.unwrap_or_default().to_string(),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The items of this page.
    pub items: Vec<Value>,
    /// Number of items that matched before paging.
    pub total: usize,
}

/// Which of the framework's two implementations an endpoint uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Dialect {
    /// `WazuhDBQuery` (SQL over wazuh-db): agents, groups, syscollector, syscheck, rootcheck, SCA, MITRE.
    #[default]
    Database,
    /// `process_array` (in memory): rules, decoders, lists, logs, cluster, security.
    Array,
}

/// Per-endpoint settings of [`apply_with`].
#[derive(Debug, Clone, Default)]
pub struct ListOptions<'a> {
    /// Which implementation to mimic.
    pub dialect: Dialect,
    /// Fields always returned whatever `select` says (`min_select_fields` / `required_fields`;
    /// `id` for agents, `name` for groups).
    pub required: &'a [&'a str],
    /// The endpoint's fields (dotted), checked by `q` (1408), `sort` (1403) and `select` (1724).
    /// `None`: every path present in the items (leaves and the objects above them).
    pub fields: Option<&'a [&'a str]>,
    /// Fields holding dates, filtered as the framework filters `lastKeepAlive` and `dateAdd`
    /// (database dialect): a timeframe (`1d`, `3600`) or a date.
    pub date_fields: &'a [&'a str],
    /// Agents only: a date filter also requires `id != 0` (`WazuhDBQueryAgents._filter_date`).
    pub date_filters_skip_manager: bool,
    /// Order when no `sort` is given (database dialect: `default_sort_field`, ascending).
    pub default_sort: Option<&'a str>,
    /// "Now", for timeframes; `None` is the current time.
    pub now: Option<DateTime<Utc>>,
}

impl ListOptions<'static> {
    /// The settings of `GET /agents` (`WazuhDBQueryAgents`).
    pub fn agents() -> Self {
        Self {
            dialect: Dialect::Database,
            required: &["id"],
            fields: None,
            date_fields: &["lastKeepAlive", "dateAdd"],
            date_filters_skip_manager: true,
            default_sort: Some("id"),
            now: None,
        }
    }
}

/// Applies `params` to `items` with the default options (database dialect, nothing required).
pub fn apply(items: Vec<Value>, params: &ListParams) -> Result<Page, QueryError> {
    apply_with(items, params, &ListOptions::default())
}

/// Applies `params` to `items` as the framework would for an endpoint described by `opts`.
pub fn apply_with(
    items: Vec<Value>,
    params: &ListParams,
    opts: &ListOptions<'_>,
) -> Result<Page, QueryError> {
    match opts.dialect {
        Dialect::Database => apply_database(items, params, opts),
        Dialect::Array => apply_array(items, params, opts),
    }
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// `_parse_sort_param` (api/api/util.py): the first character gives the order of every field.
fn parse_sort(sort: &str) -> (Vec<String>, bool) {
    let (rest, desc) = match sort.chars().next() {
        Some('-') => (&sort[1..], true),
        Some('+') => (&sort[1..], false),
        _ => (sort, false),
    };
    (rest.split(',').map(str::to_string).collect(), desc)
}

/// `_parse_search_param`: a leading `-` negates.
fn parse_search(search: &str) -> (String, bool) {
    match search.strip_prefix('-') {
        Some(rest) => (rest.to_string(), true),
        None => (search.to_string(), false),
    }
}

fn check_limit(limit: usize) -> Result<(), QueryError> {
    if limit > MAX_LIMIT {
        return Err(QueryError::new(
            1405,
            "Specified limit exceeds maximum allowed",
            Some(&limit.to_string()),
            Some("Please select a limit between 1 and 1000"),
        ));
    }
    if limit == 0 {
        return Err(QueryError::new(
            1406,
            "0 is not a valid limit",
            None,
            Some("Please select a limit between 1 and 1000"),
        ));
    }
    Ok(())
}

fn cut(items: Vec<Value>, offset: usize, limit: usize) -> Vec<Value> {
    items.into_iter().skip(offset).take(limit).collect()
}

/// `WazuhDBQuery.general_run`: select check, filters (q, search), count, sort, limit.
fn apply_database(
    items: Vec<Value>,
    params: &ListParams,
    opts: &ListOptions<'_>,
) -> Result<Page, QueryError> {
    let known: Vec<String> = match opts.fields {
        Some(f) => f.iter().map(|s| s.to_string()).collect(),
        None => select::known_paths(&items),
    };
    let check = opts.fields.is_some() || !items.is_empty();

    // _add_select_to_query
    let selected: Option<Vec<String>> = params
        .select
        .as_deref()
        .map(|s| s.split(',').map(str::to_string).collect());
    if let (Some(sel), true) = (&selected, check) {
        let bad: Vec<&str> = sel
            .iter()
            .filter(|f| !known.contains(f))
            .map(String::as_str)
            .collect();
        if !bad.is_empty() || sel.iter().all(|s| s.is_empty()) {
            return Err(QueryError::new(
                1724,
                "Not a valid select field",
                Some(&format!(
                    "Allowed select fields: {}. Fields {}",
                    known.join(", "),
                    bad.join(", ")
                )),
                Some("Please, use only allowed select fields"),
            ));
        }
    }

    // _add_filters_to_query (q)
    let expr = match nonempty(&params.q) {
        Some(q) => Some(eval::parse_checked(q, opts, &known, check, &items)?),
        None => None,
    };
    let now = opts.now.unwrap_or_else(Utc::now);
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let keep = match &expr {
            Some(e) => eval::matches_db(e, &item, opts, now)?,
            None => true,
        };
        if !keep {
            continue;
        }
        out.push(item);
    }

    // _add_search_to_query
    if let Some(s) = nonempty(&params.search) {
        let (text, negate) = parse_search(s);
        out.retain(|item| eval::search_db(item, &text) != negate);
    }

    // select + distinct (SELECT DISTINCT over the selected and required columns, non-empty only)
    let mut out = match &selected {
        Some(sel) => {
            let mut paths: Vec<&str> = sel.iter().map(String::as_str).collect();
            paths.extend(opts.required.iter().copied());
            out.iter().map(|i| select::project(i, &paths)).collect()
        }
        None => out,
    };
    if params.distinct {
        let cols: Vec<String> = selected.clone().unwrap_or_else(|| known.clone());
        out.retain(|i| {
            cols.iter().all(|c| {
                select::lookup(i, c)
                    .iter()
                    .any(|v| !v.is_null() && v.as_str() != Some(""))
            })
        });
        out = select::dedup(out);
    }
    let total = out.len();

    // _add_sort_to_query
    match nonempty(&params.sort) {
        Some(s) => {
            let (fields, desc) = parse_sort(s);
            if check {
                let bad: Vec<&str> = fields
                    .iter()
                    .filter(|f| !known.contains(f))
                    .map(String::as_str)
                    .collect();
                if !bad.is_empty() {
                    let mut allowed: Vec<&str> = known.iter().map(String::as_str).collect();
                    allowed.sort_unstable();
                    let allowed: Vec<String> = allowed.iter().map(|a| format!("'{a}'")).collect();
                    return Err(QueryError::new(
                        1403,
                        "Not a valid sort field ",
                        Some(&format!(
                            "Allowed sort fields: [{}]. Fields: {}",
                            allowed.join(", "),
                            bad.join(", ")
                        )),
                        Some("Please, use only allowed sort fields"),
                    ));
                }
            }
            eval::sort_db(&mut out, &fields, desc);
        }
        None => {
            if let Some(f) = opts.default_sort {
                eval::sort_db(&mut out, &[f.to_string()], false);
            }
        }
    }

    // _add_limit_to_query
    check_limit(params.limit)?;
    Ok(Page {
        items: cut(out, params.offset, params.limit),
        total,
    })
}

/// `process_array`: sort, search, q, select, distinct, cut.
fn apply_array(
    items: Vec<Value>,
    params: &ListParams,
    opts: &ListOptions<'_>,
) -> Result<Page, QueryError> {
    if items.is_empty() {
        return Ok(Page::default());
    }
    let mut out = items;

    if let Some(s) = nonempty(&params.sort) {
        let (fields, desc) = parse_sort(s);
        if fields != [""] {
            let allowed: Vec<String> = match opts.fields {
                Some(f) => f.iter().map(|s| s.to_string()).collect(),
                None => match out.first() {
                    Some(Value::Object(m)) => m.keys().cloned().collect(),
                    _ => Vec::new(),
                },
            };
            let bad: Vec<&str> = fields
                .iter()
                .filter(|f| !allowed.contains(f))
                .map(String::as_str)
                .collect();
            if !bad.is_empty() {
                return Err(QueryError::new(
                    1403,
                    "Not a valid sort field ",
                    None,
                    Some(&format!(
                        "Please, use only allowed sort fields: Allowed sort fields: {}. Wrong fields: {}",
                        allowed.join(", "),
                        bad.join(", ")
                    )),
                ));
            }
            eval::sort_array(&mut out, &fields, desc);
        } else if desc {
            // `sort_array` without keys leaves a list of objects as it is; scalars are sorted.
            if out.iter().all(|v| !v.is_object()) {
                eval::sort_array(&mut out, &[], true);
            }
        } else if out.iter().all(|v| !v.is_object()) {
            eval::sort_array(&mut out, &[], false);
        }
    }

    if let Some(s) = nonempty(&params.search) {
        let (text, negate) = parse_search(s);
        if !text.is_empty() {
            let needle = text.to_lowercase();
            out.retain(|item| eval::search_array(item, &needle) != negate);
        }
    }

    if let Some(q) = nonempty(&params.q) {
        let clauses = eval::parse_array(q)?;
        out.retain(|item| eval::matches_array(&clauses, item));
    }

    if let Some(sel) = params.select.as_deref() {
        let sel: Vec<&str> = sel.split(',').collect();
        let required: &[&str] = if params.distinct { &[] } else { opts.required };
        out = select::select_array(out, &sel, required, opts.fields)?;
    }

    if params.distinct {
        out = select::dedup(out);
    }

    let total = out.len();
    check_limit(params.limit)?;
    Ok(Page {
        items: cut(out, params.offset, params.limit),
        total,
    })
}

#[cfg(test)]
mod tests;
