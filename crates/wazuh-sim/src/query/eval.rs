//! Evaluation of `q`, `search` and `sort` in the two dialects.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

use super::select::lookup;
use super::wql::{self, Cond, Expr, Op, ParseFail};
use super::{ListOptions, QueryError};

/// Parses `q` and checks it as `WazuhDBQuery._parse_query` and `_process_filter` do.
pub(crate) fn parse_checked(
    q: &str,
    opts: &ListOptions<'_>,
    known: &[String],
    check: bool,
    items: &[Value],
) -> Result<Expr, QueryError> {
    let expr = match wql::parse(q) {
        Ok(e) => e,
        Err(ParseFail::Format) => return Err(wql::format_error(q)),
        Err(ParseFail::Operator(op)) => {
            return Err(QueryError::new(
                1409,
                "Invalid query operator",
                Some(&format!(
                    "Valid operators: =, !=, <, >, ~. Used operator: {op}"
                )),
                None,
            ));
        }
    };
    for c in expr.conds() {
        if check && !known.iter().any(|k| k == &c.field) {
            return Err(QueryError::new(
                1408,
                "Field does not exist.",
                Some(&format!(
                    "Available fields: {}. Field: {}",
                    known.join(", "),
                    c.field
                )),
                None,
            ));
        }
        let is_list = items
            .iter()
            .any(|i| lookup(i, &c.field).iter().any(|v| v.is_array()));
        if is_list && matches!(c.op, Op::Lt | Op::Gt) && c.value != "null" {
            return Err(QueryError::new(
                1409,
                "Invalid query operator",
                Some(&format!(
                    "Valid operators for '{}' field: =, !=, ~. Used operator: {}",
                    c.field,
                    c.op.as_str()
                )),
                None,
            ));
        }
        if opts.date_fields.contains(&c.field.as_str()) && c.value != "null" {
            date_filter(&c.value)?;
        }
    }
    Ok(expr)
}

/// A date filter value: a timeframe in seconds, or a date.
enum DateFilter {
    Timeframe(i64),
    /// `None` when SQLite's `strftime` would not understand it (never matches).
    Date(Option<DateTime<Utc>>),
}

/// `WazuhDBQuery._filter_date` and `get_timeframe_in_seconds`.
fn date_filter(value: &str) -> Result<DateFilter, QueryError> {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let n = digits(value);
    let timeframe = n > 0 && (n == value.len() || value[n..].starts_with(['d', 'h', 'm', 's']));
    if timeframe {
        if n == value.len() {
            return value
                .parse::<i64>()
                .map(DateFilter::Timeframe)
                .map_err(|_| timeframe_error(value));
        }
        // Sum of every `<digits><unit>` pair, as `re.findall(r'(\d+)(\w)')`.
        let mut total: i64 = 0;
        let mut rest = value;
        while !rest.is_empty() {
            let k = digits(rest);
            let unit = rest[k..].chars().next();
            let mult = match unit {
                Some('d') => 86_400,
                Some('h') => 3_600,
                Some('m') => 60,
                Some('s') => 1,
                _ => return Err(timeframe_error(value)),
            };
            let num: i64 = rest[..k].parse().map_err(|_| timeframe_error(value))?;
            total = total.saturating_add(num.saturating_mul(mult));
            rest = &rest[k + 1..];
        }
        return Ok(DateFilter::Timeframe(total));
    }
    let b = value.as_bytes();
    let shape = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    if shape {
        return Ok(DateFilter::Date(parse_sqlite_date(value)));
    }
    Err(QueryError::new(
        1412,
        "Date filter not valid. Valid formats are YYYY-MM-DD HH:mm:ss, YYYY-MM-DDTHH:mm:ssZ or YYYY-MM-DD",
        Some(value),
        None,
    ))
}

fn timeframe_error(value: &str) -> QueryError {
    QueryError::new(1411, "TimeFrame is not valid", Some(value), None)
}

/// What SQLite's `strftime('%s', v)` accepts, roughly: a date, optionally a time, optional
/// fraction and `Z`.
fn parse_sqlite_date(v: &str) -> Option<DateTime<Utc>> {
    let v = v.strip_suffix('Z').unwrap_or(v);
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
            return Some(t.and_utc());
        }
    }
    None
}

/// A date in an item: RFC 3339, the framework's formats, or a Unix timestamp.
fn item_date(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)),
        Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .ok()
            .or_else(|| parse_sqlite_date(s)),
        _ => None,
    }
}

/// A JSON scalar as SQL would see it, or `None` for NULL.
fn sql_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Array(a) => Some(a.iter().filter_map(sql_text).collect::<Vec<_>>().join(",")),
        other => Some(other.to_string()),
    }
}

fn as_num(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `COLLATE NOCASE` (ASCII only, as SQLite).
fn cmp_nocase(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// SQL `LIKE` (case-insensitive for ASCII, `%` and `_` wildcards), iterative.
pub(crate) fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == t[ti])) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '%')
}

/// Database dialect: does `item` satisfy `expr`?
pub(crate) fn matches_db(
    expr: &Expr,
    item: &Value,
    opts: &ListOptions<'_>,
    now: DateTime<Utc>,
) -> Result<bool, QueryError> {
    Ok(match expr {
        Expr::Cond(c) => cond_db(c, item, opts, now)?,
        Expr::And(v) => {
            for e in v {
                if !matches_db(e, item, opts, now)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Or(v) => {
            for e in v {
                if matches_db(e, item, opts, now)? {
                    return Ok(true);
                }
            }
            false
        }
    })
}

fn cond_db(
    c: &Cond,
    item: &Value,
    opts: &ListOptions<'_>,
    now: DateTime<Utc>,
) -> Result<bool, QueryError> {
    let values: Vec<&Value> = lookup(item, &c.field)
        .into_iter()
        .filter(|v| !v.is_null())
        .collect();
    if c.value == "null" {
        // `IS null`, whatever the operator.
        return Ok(values.is_empty());
    }
    if values.is_empty() {
        return Ok(false); // NULL compares to nothing
    }
    if opts.date_fields.contains(&c.field.as_str()) {
        if opts.date_filters_skip_manager
            && lookup(item, "id")
                .iter()
                .any(|v| sql_text(v).and_then(|s| as_num(&s)) == Some(0.0))
        {
            return Ok(false);
        }
        let Some(when) = values.iter().find_map(|v| item_date(v)) else {
            return Ok(false);
        };
        return Ok(match date_filter(&c.value)? {
            DateFilter::Timeframe(secs) => {
                let limit = now - chrono::Duration::seconds(secs);
                match c.op {
                    Op::Lt | Op::Eq => when > limit,
                    _ => when < limit,
                }
            }
            DateFilter::Date(None) => false,
            DateFilter::Date(Some(d)) => match c.op {
                Op::Eq => when == d,
                Op::Ne => when != d,
                Op::Lt => when < d,
                Op::Gt => when > d,
                Op::Like => like(&when.to_rfc3339(), &format!("%{}%", c.value)),
            },
        });
    }
    for v in values {
        if let Value::Array(list) = v {
            // `group`: `,a,b,` LIKE `%,v,%`; `~` over the joined list.
            let joined = sql_text(v).unwrap_or_default();
            let member = list
                .iter()
                .filter_map(sql_text)
                .any(|e| cmp_nocase(&e, &c.value) == Ordering::Equal);
            return Ok(match c.op {
                Op::Eq => member,
                Op::Ne => !member,
                Op::Like => like(&joined, &format!("%{}%", c.value)),
                Op::Lt | Op::Gt => false,
            });
        }
        let Some(text) = sql_text(v) else { continue };
        let ord = match (as_num(&text), as_num(&c.value)) {
            (Some(a), Some(b)) if !matches!(c.op, Op::Like) => {
                a.partial_cmp(&b).unwrap_or(Ordering::Equal)
            }
            _ => cmp_nocase(&text, &c.value),
        };
        let ok = match c.op {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Gt => ord == Ordering::Greater,
            Op::Like => like(&text, &format!("%{}%", c.value)),
        };
        if ok {
            return Ok(true);
        }
    }
    Ok(false)
}

fn leaves<'a>(v: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    match v {
        Value::Object(m) if depth < 32 => m.values().for_each(|x| leaves(x, out, depth + 1)),
        Value::Array(a) if depth < 32 => a.iter().for_each(|x| leaves(x, out, depth + 1)),
        Value::Object(_) | Value::Array(_) => {}
        other => out.push(other),
    }
}

/// Database dialect `search`: some column `LIKE '%text%'` (quotes become `_`).
pub(crate) fn search_db(item: &Value, text: &str) -> bool {
    let pattern = format!("%{}%", text.replace(['\'', '"'], "_"));
    let mut vals = Vec::new();
    leaves(item, &mut vals, 0);
    vals.iter()
        .filter_map(|v| sql_text(v))
        .any(|s| like(&s, &pattern))
}

/// SQLite ordering of one column: NULL < numbers < text (BINARY).
fn sql_cmp(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Number(_)) | Some(Value::Bool(_)) => 1,
            _ => 2,
        }
    }
    match (rank(a), rank(b)) {
        (1, 1) => {
            let f = |v: Option<&Value>| match v {
                Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
                Some(Value::Bool(b)) => f64::from(u8::from(*b)),
                _ => 0.0,
            };
            f(a).partial_cmp(&f(b)).unwrap_or(Ordering::Equal)
        }
        (2, 2) => {
            let s = |v: Option<&Value>| v.and_then(sql_text).unwrap_or_default();
            s(a).cmp(&s(b))
        }
        (x, y) => x.cmp(&y),
    }
}

/// `ORDER BY f1 <order>, f2 <order>` (stable).
pub(crate) fn sort_db(items: &mut [Value], fields: &[String], desc: bool) {
    items.sort_by(|a, b| {
        for f in fields {
            let (x, y) = (lookup(a, f), lookup(b, f));
            let o = sql_cmp(x.first().copied(), y.first().copied());
            let o = if desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

/// Array dialect: the query as OR of AND clauses (`q.split(',')`, then `split(';')`; parentheses
/// are dropped, as the framework's regex makes them optional around each clause).
pub(crate) fn parse_array(q: &str) -> Result<Vec<Vec<Cond>>, QueryError> {
    let fail = |clause: &str| {
        QueryError::new(
            1407,
            "Query does not match expected format",
            Some(&format!("Parameter 'q' is not valid: '{clause}'")),
            None,
        )
    };
    match wql::parse(q) {
        Ok(expr) => {
            let mut ors = Vec::new();
            flatten(&expr, &mut ors);
            Ok(ors)
        }
        Err(_) => {
            // Name the first clause that does not parse, as the framework does.
            let bad = q
                .split(',')
                .flat_map(|o| o.split(';'))
                .find(|c| wql::parse(c.trim_matches(|x| x == '(' || x == ')')).is_err())
                .unwrap_or(q);
            Err(fail(bad))
        }
    }
}

/// Flattens a parsed query into the naive split of the framework: every `,` starts a new OR
/// group whatever the parentheses.
fn flatten(expr: &Expr, ors: &mut Vec<Vec<Cond>>) {
    fn go(e: &Expr, ors: &mut Vec<Vec<Cond>>) {
        match e {
            Expr::Cond(c) => match ors.last_mut() {
                Some(last) => last.push(c.clone()),
                None => ors.push(vec![c.clone()]),
            },
            Expr::And(v) => v.iter().for_each(|x| go(x, ors)),
            Expr::Or(v) => {
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        ors.push(Vec::new());
                    }
                    go(x, ors);
                }
            }
        }
    }
    ors.push(Vec::new());
    go(expr, ors);
    ors.retain(|g| !g.is_empty());
}

/// The framework's `check_date_format` formats.
fn py_date(s: &str) -> Option<NaiveDateTime> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.fZ",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t);
        }
    }
    None
}

fn falsy(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// `check_clause` of `filter_array_by_query`.
fn clause_array(v: &Value, op: Op, value: &str) -> bool {
    let vals: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    vals.into_iter().any(|val| {
        if op == Op::Like {
            return match val {
                Value::String(s) => s.contains(value),
                Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string().contains(value),
                _ => false,
            };
        }
        let ord = if let Some(d) = py_date(value) {
            match val.as_str().and_then(py_date) {
                Some(x) => x.cmp(&d),
                None => return false,
            }
        } else {
            match val {
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    let (Some(a), Ok(b)) = (n.as_i64(), value.parse::<i64>()) else {
                        return false;
                    };
                    a.cmp(&b)
                }
                Value::String(s) => s.as_str().cmp(value),
                _ => return op == Op::Ne,
            }
        };
        match op {
            Op::Eq => ord == Ordering::Equal,
            Op::Ne => ord != Ordering::Equal,
            Op::Lt => ord == Ordering::Less,
            Op::Gt => ord == Ordering::Greater,
            Op::Like => false,
        }
    })
}

/// Array dialect: does `item` satisfy the OR of AND groups?
pub(crate) fn matches_array(groups: &[Vec<Cond>], item: &Value) -> bool {
    groups.iter().any(|ands| {
        ands.iter().all(|c| {
            let (head, rest) = match c.field.split_once('.') {
                Some((h, r)) => (h, Some(r)),
                None => (c.field.as_str(), None),
            };
            let Some(top) = item.get(head) else {
                return false;
            };
            match rest.filter(|r| !r.is_empty()) {
                Some(r) => lookup(top, r)
                    .into_iter()
                    .filter(|v| !falsy(v))
                    .any(|v| clause_array(v, c.op, &c.value)),
                None => clause_array(top, c.op, &c.value),
            }
        })
    })
}

/// `get_values`: strings lowercased, other scalars as Python's `str()`.
fn py_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// Array dialect `search`: some value contains the (lowercased) text.
pub(crate) fn search_array(item: &Value, needle: &str) -> bool {
    let mut vals = Vec::new();
    leaves(item, &mut vals, 0);
    vals.iter().any(|v| py_str(v).contains(needle))
}

/// `sort_array`: strings compared lowercased; items missing a key go last (first when descending).
pub(crate) fn sort_array(items: &mut [Value], fields: &[String], desc: bool) {
    fn key(v: Option<&Value>) -> (u8, f64, String) {
        match v {
            None | Some(Value::Null) => (2, 0.0, String::new()),
            Some(Value::Number(n)) => (0, n.as_f64().unwrap_or(0.0), String::new()),
            Some(Value::Bool(b)) => (0, f64::from(u8::from(*b)), String::new()),
            Some(Value::String(s)) => (1, 0.0, s.to_lowercase()),
            Some(other) => (1, 0.0, other.to_string()),
        }
    }
    items.sort_by(|a, b| {
        let mut o = Ordering::Equal;
        if fields.is_empty() {
            let (x, y) = (key(Some(a)), key(Some(b)));
            o = x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2));
        }
        for f in fields {
            let (x, y) = (
                key(lookup(a, f).first().copied()),
                key(lookup(b, f).first().copied()),
            );
            o = x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2));
            if o != Ordering::Equal {
                break;
            }
        }
        if desc { o.reverse() } else { o }
    });
}
