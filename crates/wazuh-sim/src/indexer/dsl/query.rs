//! Queries: compiled once from the request body into a tree, then evaluated per document.

use std::collections::HashSet;
use std::net::IpAddr;

use regex::Regex;
use serde_json::{Map, Value};

use super::analysis;
use super::datemath::{self, DEFAULT_FORMAT};
use super::mapping::{self, FieldType};
use super::{DslError, MAX_DEPTH};
use crate::world::Doc;

/// What compiling a query needs besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// `now` for date math, in epoch millis.
    pub now_ms: i64,
}

/// A compiled query.
#[derive(Debug)]
pub enum Query {
    MatchAll(f64),
    MatchNone,
    Bool(Box<BoolQuery>),
    ConstantScore(Box<Query>, f64),
    DisMax(Vec<Query>, f64, f64),
    Ids(HashSet<String>, f64),
    /// A predicate on the values of one or more fields.
    Field(Box<FieldQuery>),
}

/// A compiled `bool` query.
#[derive(Debug, Default)]
pub struct BoolQuery {
    pub must: Vec<Query>,
    pub filter: Vec<Query>,
    pub should: Vec<Query>,
    pub must_not: Vec<Query>,
    /// How many `should` clauses must match.
    pub min_should: usize,
    pub boost: f64,
}

/// The fields a leaf query looks at.
#[derive(Debug)]
pub enum Fields {
    One(String, FieldType),
    /// Field-name patterns (with `*`), each with a boost; scores combine as `dis_max`.
    Many(Vec<(Wildcard, f64)>),
}

/// A leaf query: a predicate on the values of some fields.
#[derive(Debug)]
pub struct FieldQuery {
    pub fields: Fields,
    pub pred: Pred,
    pub boost: f64,
}

/// A query value in every form a field type may need.
#[derive(Debug, Clone)]
pub struct TermVal {
    pub s: String,
    pub lower: String,
    pub num: Option<f64>,
    /// Inclusive millis range (a date term matches its whole rounding unit).
    pub date: Option<(i64, i64)>,
    pub ip: Option<(IpAddr, u8)>,
    pub boolean: Option<bool>,
}

/// One side of a range.
#[derive(Debug, Clone)]
pub struct RangeBound {
    pub val: TermVal,
    pub inclusive: bool,
}

/// The predicate of a leaf query.
#[derive(Debug)]
pub enum Pred {
    Term(TermVal, bool),
    Terms(Vec<TermVal>, HashSet<String>),
    Range(Option<RangeBound>, Option<RangeBound>),
    Match {
        exact: TermVal,
        tokens: Vec<String>,
        and: bool,
        msm: Option<String>,
        zero_terms_all: bool,
    },
    Phrase {
        exact: TermVal,
        tokens: Vec<String>,
        slop: usize,
    },
    /// The pattern for keywords, and the one for text terms (lower-cased by `query_string`).
    Wildcard(Wildcard, Option<Wildcard>),
    Prefix(String, bool),
    Regexp(Regex),
    Exists,
}

/// A compiled wildcard pattern (`*`, `?`, `\` escapes).
#[derive(Debug, Clone)]
pub struct Wildcard {
    toks: Vec<WTok>,
    case_insensitive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum WTok {
    Lit(char),
    One,
    Star,
}

impl Wildcard {
    /// Compiles `pattern`; with `case_insensitive` both sides are lower-cased.
    pub fn new(pattern: &str, case_insensitive: bool) -> Self {
        let mut toks = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let tok = match c {
                '*' => WTok::Star,
                '?' => WTok::One,
                '\\' => WTok::Lit(chars.next().unwrap_or('\\')),
                c => WTok::Lit(c),
            };
            if case_insensitive && let WTok::Lit(c) = tok {
                toks.extend(c.to_lowercase().map(WTok::Lit));
                continue;
            }
            toks.push(tok);
        }
        Wildcard {
            toks,
            case_insensitive,
        }
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        if self.toks == [WTok::Star] {
            return true;
        }
        if self.case_insensitive {
            let lower = text.to_lowercase();
            return self.matches_exact(&lower);
        }
        self.matches_exact(text)
    }

    fn matches_exact(&self, text: &str) -> bool {
        let pat = &self.toks;
        let (mut p, mut t) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            let Some(c) = text[t..].chars().next() else {
                return false;
            };
            match pat.get(p) {
                Some(WTok::One) => {
                    p += 1;
                    t += c.len_utf8();
                    continue;
                }
                Some(WTok::Lit(l)) if *l == c => {
                    p += 1;
                    t += c.len_utf8();
                    continue;
                }
                Some(WTok::Star) => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((sp, st)) => {
                    let len = text[st..].chars().next().map_or(1, char::len_utf8);
                    star = Some((sp, st + len));
                    p = sp + 1;
                    t = st + len;
                }
                None => return false,
            }
        }
        pat[p.min(pat.len())..].iter().all(|t| *t == WTok::Star)
    }
}

/// Whether `text` matches the wildcard `pattern`.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    Wildcard::new(pattern, false).matches(text)
}

pub(crate) fn err(kind: &str, reason: impl Into<String>) -> DslError {
    DslError {
        kind: kind.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn parsing(reason: impl Into<String>) -> DslError {
    err("parsing_exception", reason)
}

fn token_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "START_OBJECT",
        Value::Array(_) => "START_ARRAY",
        Value::String(_) => "VALUE_STRING",
        Value::Number(_) => "VALUE_NUMBER",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Null => "VALUE_NULL",
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn scalar_string(query: &str, v: &Value) -> Result<String, DslError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Array(_) => Err(parsing(format!(
            "[{query}] query does not support array of values"
        ))),
        other => Err(parsing(format!(
            "[{query}] unknown token [{}] after [value]",
            token_name(other)
        ))),
    }
}

fn parse_ip_or_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let ip: IpAddr = addr.trim().parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((ip, bits))
}

fn ip_in(ip: IpAddr, net: (IpAddr, u8)) -> bool {
    match (ip, net.0) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if net.1 == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(net.1))
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if net.1 == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(net.1))
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

impl TermVal {
    /// Builds every typed form of `s`; date values follow date math (rounded to their unit).
    pub fn new(s: String, ctx: Ctx, format: Option<&str>) -> Self {
        let fmt = format.unwrap_or(DEFAULT_FORMAT);
        let date = match (
            datemath::eval(&s, ctx.now_ms, fmt, false, 0),
            datemath::eval(&s, ctx.now_ms, fmt, true, 0),
        ) {
            (Ok(lo), Ok(hi)) => Some((lo, hi)),
            _ => None,
        };
        TermVal {
            lower: s.to_lowercase(),
            num: s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            ip: parse_ip_or_cidr(&s),
            boolean: match s.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            date,
            s,
        }
    }

    /// The error OpenSearch gives when this value cannot be a value of `ty` (`None` if it can).
    pub(crate) fn type_error(&self, field: &str, ty: FieldType) -> Option<DslError> {
        let shard = |reason: String| err("query_shard_exception", reason);
        match ty {
            FieldType::Long | FieldType::Double if self.num.is_none() => Some(shard(format!(
                "failed to create query: For input string: \"{}\"",
                self.s
            ))),
            FieldType::Date if self.date.is_none() => Some(err(
                "parse_exception",
                format!(
                    "failed to parse date field [{}] with format [{DEFAULT_FORMAT}]: [failed to parse date field [{}] with format [{DEFAULT_FORMAT}]]",
                    self.s, self.s
                ),
            )),
            FieldType::Ip if self.ip.is_none() => Some(shard(format!(
                "failed to create query: '{}' is not an IP string literal.",
                self.s
            ))),
            FieldType::Boolean if self.boolean.is_none() => Some(shard(format!(
                "failed to create query: Can't parse boolean value [{}], expected [true] or [false]",
                self.s
            ))),
            FieldType::GeoPoint => Some(shard(format!(
                "failed to create query: Geo fields do not support exact searching, use dedicated geo queries instead: [{field}]"
            ))),
            _ => None,
        }
    }
}

/// Resolves the type a value is indexed with.
fn value_type(ty: FieldType, v: &Value) -> FieldType {
    if ty == FieldType::Dynamic {
        mapping::dynamic_type(v)
    } else {
        ty
    }
}

fn term_matches(tv: &TermVal, ty: FieldType, v: &Value, ci: bool) -> bool {
    match value_type(ty, v) {
        FieldType::Keyword | FieldType::Dynamic => mapping::keyword_of(v).is_some_and(|k| {
            if ci {
                k.to_lowercase() == tv.lower
            } else {
                *k == *tv.s
            }
        }),
        FieldType::Text => v.as_str().is_some_and(|text| {
            analysis::any_token(text, &mut |t| {
                if ci { t == tv.lower } else { t == tv.s }
            })
        }),
        ty @ (FieldType::Long | FieldType::Double) => {
            matches!((mapping::number_of(v, ty), tv.num), (Some(a), Some(b)) if a == b)
        }
        FieldType::Date => matches!(
            (mapping::date_of(v), tv.date),
            (Some(d), Some((lo, hi))) if lo <= d && d <= hi
        ),
        FieldType::Ip => {
            matches!((mapping::ip_of(v), tv.ip), (Some(ip), Some(net)) if ip_in(ip, net))
        }
        FieldType::Boolean => matches!(
            (mapping::bool_of(v), tv.boolean),
            (Some(a), Some(b)) if a == b
        ),
        FieldType::GeoPoint => false,
    }
}

fn cmp_bound(ty: FieldType, v: &Value, b: &TermVal, upper: bool) -> Option<std::cmp::Ordering> {
    match value_type(ty, v) {
        FieldType::Keyword | FieldType::Dynamic => {
            mapping::keyword_of(v).map(|k| k.as_bytes().cmp(b.s.as_bytes()))
        }
        ty @ (FieldType::Long | FieldType::Double) => {
            mapping::number_of(v, ty)?.partial_cmp(&b.num?)
        }
        FieldType::Date => {
            let (lo, hi) = b.date?;
            Some(mapping::date_of(v)?.cmp(if upper { &hi } else { &lo }))
        }
        FieldType::Ip => {
            let ip = mapping::ip_of(v)?;
            let bound = b.ip?.0;
            match (ip, bound) {
                (IpAddr::V4(a), IpAddr::V4(b)) => Some(a.cmp(&b)),
                (IpAddr::V6(a), IpAddr::V6(b)) => Some(a.cmp(&b)),
                _ => None,
            }
        }
        FieldType::Boolean => Some(mapping::bool_of(v)?.cmp(&b.boolean?)),
        FieldType::Text | FieldType::GeoPoint => None,
    }
}

fn in_range(
    ty: FieldType,
    v: &Value,
    lower: &Option<RangeBound>,
    upper: &Option<RangeBound>,
) -> bool {
    use std::cmp::Ordering::*;
    if value_type(ty, v) == FieldType::Text {
        // A range over a text field compares its terms.
        return v.as_str().is_some_and(|text| {
            analysis::any_token(text, &mut |t| {
                let tv = Value::String(t.to_string());
                in_range(FieldType::Keyword, &tv, lower, upper)
            })
        });
    }
    if let Some(lb) = lower {
        match cmp_bound(ty, v, &lb.val, false) {
            Some(Greater) => {}
            Some(Equal) if lb.inclusive => {}
            _ => return false,
        }
    }
    if let Some(ub) = upper {
        match cmp_bound(ty, v, &ub.val, true) {
            Some(Less) => {}
            Some(Equal) if ub.inclusive => {}
            _ => return false,
        }
    }
    true
}

/// Parses `minimum_should_match` against `total` optional clauses (OpenSearch's rules: integers,
/// negative integers, percentages, and `N<spec` combinations).
pub fn min_should_match(spec: &str, total: usize) -> usize {
    let spec = spec.trim();
    if spec.contains('<') {
        let mut result = total;
        for part in spec.split_whitespace() {
            if let Some((n, s)) = part.split_once('<')
                && let Ok(n) = n.trim().parse::<usize>()
                && total > n
            {
                result = min_should_match(s, total);
            }
        }
        return result;
    }
    let t = total as i64;
    let n = if let Some(p) = spec.strip_suffix('%') {
        let p: f64 = p.trim().parse().unwrap_or(0.0);
        let part = ((t as f64) * p.abs() / 100.0).floor() as i64;
        if p < 0.0 { t - part } else { part }
    } else {
        let n: i64 = spec.parse().unwrap_or(0);
        if n < 0 { t + n } else { n }
    };
    n.clamp(0, t.max(0)) as usize
}

fn parse_msm(v: &Value) -> Result<String, DslError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(parsing(
            "[minimum_should_match] must be a string or a number",
        )),
    }
}

fn clauses(v: &Value, ctx: Ctx, depth: usize) -> Result<Vec<Query>, DslError> {
    match v {
        Value::Array(items) => items
            .iter()
            .filter(|q| !q.as_object().is_some_and(Map::is_empty))
            .map(|q| compile_depth(q, ctx, depth + 1))
            .collect(),
        Value::Object(m) if m.is_empty() => Ok(Vec::new()),
        Value::Object(_) => Ok(vec![compile_depth(v, ctx, depth + 1)?]),
        other => Err(parsing(format!(
            "[bool] query does not support [{}]",
            token_name(other)
        ))),
    }
}

/// Splits `{"field": value}` / `{"field": {params}}` of a single-field query.
fn single_field<'v>(name: &str, body: &'v Value) -> Result<(&'v str, &'v Value), DslError> {
    let Value::Object(map) = body else {
        return Err(parsing(format!(
            "[{name}] query malformed, no start_object after query name"
        )));
    };
    let mut field: Option<(&str, &Value)> = None;
    for (k, v) in map {
        if k == "boost" || k == "_name" {
            continue;
        }
        if let Some((first, _)) = field {
            return Err(parsing(format!(
                "[{name}] query doesn't support multiple fields, found [{first}] and [{k}]"
            )));
        }
        field = Some((k.as_str(), v));
    }
    field.ok_or_else(|| parsing(format!("[{name}] query malformed, no field")))
}

fn boost_of(v: &Value) -> Result<f64, DslError> {
    as_f64(v).ok_or_else(|| parsing("[boost] must be a number"))
}

fn field_query(field: &str, pred: Pred, boost: f64) -> Query {
    Query::Field(Box::new(FieldQuery {
        fields: Fields::One(field.to_string(), mapping::field_type(field)),
        pred,
        boost,
    }))
}

/// Compiles a query body.
pub fn compile(body: &Value, ctx: Ctx) -> Result<Query, DslError> {
    compile_depth(body, ctx, 0)
}

pub(crate) fn compile_depth(body: &Value, ctx: Ctx, depth: usize) -> Result<Query, DslError> {
    if depth > MAX_DEPTH {
        return Err(parsing(format!(
            "query is nested too deeply (more than {MAX_DEPTH} levels)"
        )));
    }
    let Value::Object(map) = body else {
        return Err(parsing(format!(
            "[_na] query malformed, must start with start_object, found [{}]",
            token_name(body)
        )));
    };
    let mut it = map.iter();
    let Some((name, inner)) = it.next() else {
        return Err(parsing("query malformed, empty clause found"));
    };
    if let Some((next, _)) = it.next() {
        return Err(parsing(format!(
            "[{name}] malformed query, expected [END_OBJECT] but found [FIELD_NAME] ([{next}])"
        )));
    }
    match name.as_str() {
        "match_all" => {
            let mut boost = 1.0;
            for (k, v) in object_params(name, inner)? {
                match k.as_str() {
                    "boost" => boost = boost_of(v)?,
                    "_name" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
            Ok(Query::MatchAll(boost))
        }
        "match_none" => Ok(Query::MatchNone),
        "bool" => compile_bool(inner, ctx, depth),
        "constant_score" => {
            let mut filter = None;
            let mut boost = 1.0;
            for (k, v) in object_params(name, inner)? {
                match k.as_str() {
                    "filter" => filter = Some(compile_depth(v, ctx, depth + 1)?),
                    "boost" => boost = boost_of(v)?,
                    "_name" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
            let filter =
                filter.ok_or_else(|| parsing("[constant_score] requires a 'filter' element"))?;
            Ok(Query::ConstantScore(Box::new(filter), boost))
        }
        "dis_max" => {
            let (mut queries, mut tie, mut boost) = (Vec::new(), 0.0, 1.0);
            for (k, v) in object_params(name, inner)? {
                match k.as_str() {
                    "queries" => queries = clauses(v, ctx, depth)?,
                    "tie_breaker" => {
                        tie = as_f64(v).ok_or_else(|| parsing("[tie_breaker] must be a number"))?
                    }
                    "boost" => boost = boost_of(v)?,
                    "_name" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
            if queries.is_empty() {
                return Err(parsing(
                    "[dis_max] requires 'queries' field with at least one clause",
                ));
            }
            Ok(Query::DisMax(queries, tie, boost))
        }
        "ids" => {
            let (mut ids, mut boost) = (HashSet::new(), 1.0);
            for (k, v) in object_params(name, inner)? {
                match k.as_str() {
                    "values" => {
                        let Value::Array(items) = v else {
                            return Err(parsing("[ids] values must be an array"));
                        };
                        for item in items {
                            ids.insert(scalar_string(name, item)?);
                        }
                    }
                    "boost" => boost = boost_of(v)?,
                    "_name" | "type" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
            Ok(Query::Ids(ids, boost))
        }
        "term" => compile_term(inner, ctx),
        "terms" => compile_terms(inner, ctx),
        "range" => compile_range(inner, ctx),
        "exists" => {
            let mut field = None;
            let mut boost = 1.0;
            for (k, v) in object_params(name, inner)? {
                match k.as_str() {
                    "field" => field = Some(scalar_string(name, v)?),
                    "boost" => boost = boost_of(v)?,
                    "_name" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
            let field = field.ok_or_else(|| parsing("[exists] must be provided with a [field]"))?;
            Ok(Query::Field(Box::new(FieldQuery {
                fields: fields_for(&field),
                pred: Pred::Exists,
                boost,
            })))
        }
        "wildcard" | "prefix" | "regexp" => compile_pattern(name, inner),
        "match" => compile_match(inner, ctx, false),
        "match_phrase" => compile_match(inner, ctx, true),
        "multi_match" => compile_multi_match(inner, ctx),
        "query_string" => super::query_string::compile_query_string(inner, ctx, depth),
        "simple_query_string" => super::query_string::compile_simple(inner, ctx, depth),
        other => Err(DslError {
            kind: "parsing_exception".into(),
            reason: format!("unknown query [{other}]"),
        }),
    }
}

fn unsupported(query: &str, param: &str) -> DslError {
    parsing(format!("[{query}] query does not support [{param}]"))
}

fn object_params<'v>(name: &str, v: &'v Value) -> Result<&'v Map<String, Value>, DslError> {
    v.as_object().ok_or_else(|| {
        parsing(format!(
            "[{name}] query malformed, no start_object after query name"
        ))
    })
}

/// `Fields::One` for a plain name, `Fields::Many` for a pattern with `*`.
pub fn fields_for(field: &str) -> Fields {
    if field.contains('*') {
        Fields::Many(vec![(Wildcard::new(field, false), 1.0)])
    } else {
        Fields::One(field.to_string(), mapping::field_type(field))
    }
}

fn compile_bool(inner: &Value, ctx: Ctx, depth: usize) -> Result<Query, DslError> {
    let mut q = BoolQuery {
        boost: 1.0,
        ..Default::default()
    };
    let mut msm: Option<String> = None;
    for (k, v) in object_params("bool", inner)? {
        match k.as_str() {
            "must" => q.must.extend(clauses(v, ctx, depth)?),
            "filter" => q.filter.extend(clauses(v, ctx, depth)?),
            "should" => q.should.extend(clauses(v, ctx, depth)?),
            "must_not" | "mustNot" => q.must_not.extend(clauses(v, ctx, depth)?),
            "minimum_should_match" => msm = Some(parse_msm(v)?),
            "boost" => q.boost = boost_of(v)?,
            "adjust_pure_negative" | "_name" => {}
            _ => return Err(unsupported("bool", k)),
        }
    }
    let total = q.should.len();
    q.min_should = match msm {
        Some(spec) => {
            let n = min_should_match(&spec, total);
            // A spec that asks for more clauses than there are makes the query match nothing.
            let raw: Option<i64> = spec.trim().parse().ok();
            match raw {
                Some(r) if r > total as i64 => total + 1,
                _ => n,
            }
        }
        None if total > 0 && q.must.is_empty() && q.filter.is_empty() => 1,
        None => 0,
    };
    Ok(Query::Bool(Box::new(q)))
}

fn compile_term(inner: &Value, ctx: Ctx) -> Result<Query, DslError> {
    let (field, spec) = single_field("term", inner)?;
    let (mut value, mut boost, mut ci) = (None, 1.0, false);
    match spec {
        Value::Object(params) => {
            for (k, v) in params {
                match k.as_str() {
                    "value" => value = Some(scalar_string("term", v)?),
                    "boost" => boost = boost_of(v)?,
                    "case_insensitive" => {
                        ci = as_bool(v)
                            .ok_or_else(|| parsing("[case_insensitive] must be a boolean"))?
                    }
                    "_name" => {}
                    _ => return Err(unsupported("term", k)),
                }
            }
        }
        other => value = Some(scalar_string("term", other)?),
    }
    let value = value.ok_or_else(|| parsing("[term] query requires a value"))?;
    let ty = mapping::field_type(field);
    let tv = TermVal::new(value, ctx, None);
    if let Some(e) = tv.type_error(field, ty) {
        return Err(e);
    }
    Ok(field_query(field, Pred::Term(tv, ci), boost))
}

fn compile_terms(inner: &Value, ctx: Ctx) -> Result<Query, DslError> {
    let Value::Object(map) = inner else {
        return Err(parsing(
            "[terms] query malformed, no start_object after query name",
        ));
    };
    let mut boost = 1.0;
    let mut found: Option<(&str, &Vec<Value>)> = None;
    for (k, v) in map {
        match (k.as_str(), v) {
            ("boost", v) => boost = boost_of(v)?,
            ("_name", _) => {}
            (field, Value::Array(items)) => {
                if let Some((first, _)) = found {
                    return Err(parsing(format!(
                        "[terms] query does not support multiple fields, found [{first}] and [{field}]"
                    )));
                }
                found = Some((field, items));
            }
            (field, Value::Object(_)) => {
                return Err(parsing(format!(
                    "[terms] query does not support terms lookup on [{field}] in this simulator"
                )));
            }
            (field, _) => return Err(unsupported("terms", field)),
        }
    }
    let (field, items) =
        found.ok_or_else(|| parsing("[terms] query requires a field with an array of values"))?;
    if items.len() > 65_536 {
        return Err(err(
            "illegal_argument_exception",
            format!(
                "The number of terms [{}] used in the Terms Query request has exceeded the allowed maximum of [65536]. This maximum can be set by changing the [index.max_terms_count] index level setting.",
                items.len()
            ),
        ));
    }
    let ty = mapping::field_type(field);
    let mut vals = Vec::with_capacity(items.len());
    let mut set = HashSet::new();
    for item in items {
        let s = scalar_string("terms", item)?;
        let tv = TermVal::new(s, ctx, None);
        if let Some(e) = tv.type_error(field, ty) {
            return Err(e);
        }
        set.insert(tv.s.clone());
        vals.push(tv);
    }
    Ok(field_query(field, Pred::Terms(vals, set), boost))
}

fn compile_range(inner: &Value, ctx: Ctx) -> Result<Query, DslError> {
    let (field, spec) = single_field("range", inner)?;
    let Value::Object(params) = spec else {
        return Err(parsing(format!(
            "[range] query malformed, after field missing start_object ([{field}])"
        )));
    };
    let mut boost = 1.0;
    let mut format: Option<String> = None;
    let mut tz = 0;
    let (mut from, mut to): (Option<&Value>, Option<&Value>) = (None, None);
    let (mut incl_lower, mut incl_upper) = (true, true);
    for (k, v) in params {
        match k.as_str() {
            "gt" => (from, incl_lower) = (Some(v), false),
            "gte" => (from, incl_lower) = (Some(v), true),
            "lt" => (to, incl_upper) = (Some(v), false),
            "lte" => (to, incl_upper) = (Some(v), true),
            "from" => from = Some(v),
            "to" => to = Some(v),
            "include_lower" => incl_lower = as_bool(v).unwrap_or(true),
            "include_upper" => incl_upper = as_bool(v).unwrap_or(true),
            "format" => {
                let f = scalar_string("range", v)?;
                if !datemath::valid_format(&f) {
                    return Err(err(
                        "illegal_argument_exception",
                        format!("Invalid format: [{f}]: Unknown pattern letter"),
                    ));
                }
                format = Some(f);
            }
            "time_zone" => {
                let z = scalar_string("range", v)?;
                tz = datemath::parse_tz(&z).map_err(|e| err("illegal_argument_exception", e))?;
            }
            "boost" => boost = boost_of(v)?,
            "relation" | "_name" => {}
            _ => return Err(unsupported("range", k)),
        }
    }
    let ty = mapping::field_type(field);
    let bound =
        |v: Option<&Value>, inclusive: bool, upper: bool| -> Result<Option<RangeBound>, DslError> {
            let Some(v) = v.filter(|v| !v.is_null()) else {
                return Ok(None);
            };
            let s = scalar_string("range", v)?;
            let fmt = format.as_deref().unwrap_or(DEFAULT_FORMAT);
            // gt and lte round up, gte and lt round down.
            let round_up = upper == inclusive;
            let date = datemath::eval(&s, ctx.now_ms, fmt, round_up, tz).ok();
            let mut val = TermVal::new(s, ctx, None);
            val.date = date.map(|d| (d, d));
            if ty == FieldType::Date && val.date.is_none() {
                let reason = datemath::eval(&val.s, ctx.now_ms, fmt, round_up, tz)
                    .err()
                    .unwrap_or_default();
                return Err(err("parse_exception", reason));
            }
            if ty != FieldType::Date
                && let Some(e) = val.type_error(field, ty)
            {
                return Err(e);
            }
            Ok(Some(RangeBound { val, inclusive }))
        };
    let lower = bound(from, incl_lower, false)?;
    let upper = bound(to, incl_upper, true)?;
    Ok(field_query(field, Pred::Range(lower, upper), boost))
}

fn compile_pattern(name: &str, inner: &Value) -> Result<Query, DslError> {
    let (field, spec) = single_field(name, inner)?;
    let (mut value, mut boost, mut ci) = (None, 1.0, false);
    match spec {
        Value::Object(params) => {
            for (k, v) in params {
                match k.as_str() {
                    "value" | "wildcard" => value = Some(scalar_string(name, v)?),
                    "boost" => boost = boost_of(v)?,
                    "case_insensitive" => ci = as_bool(v).unwrap_or(false),
                    "rewrite" | "_name" | "flags" | "max_determinized_states" | "flags_value" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
        }
        other => value = Some(scalar_string(name, other)?),
    }
    let value = value.ok_or_else(|| parsing(format!("[{name}] query requires a value")))?;
    let ty = mapping::field_type(field);
    if !matches!(
        ty,
        FieldType::Keyword | FieldType::Text | FieldType::Dynamic
    ) {
        let ty_name = format!("{ty:?}").to_lowercase();
        return Err(err(
            "query_shard_exception",
            format!(
                "Can only use {name} queries on keyword and text fields - not on [{field}] which is of type [{ty_name}]"
            ),
        ));
    }
    let pred = match name {
        "wildcard" => Pred::Wildcard(Wildcard::new(&value, ci), None),
        "prefix" => Pred::Prefix(if ci { value.to_lowercase() } else { value }, ci),
        _ => {
            let re = regex::RegexBuilder::new(&format!("^(?:{value})$"))
                .case_insensitive(ci)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    err(
                        "query_shard_exception",
                        format!("failed to create query: {e}"),
                    )
                })?;
            Pred::Regexp(re)
        }
    };
    Ok(field_query(field, pred, boost))
}

/// Builds a `match` (or `match_phrase`) predicate for `text`.
pub fn match_pred(text: String, ctx: Ctx, phrase: bool, and: bool, msm: Option<String>) -> Pred {
    let tokens = analysis::tokens(&text);
    let exact = TermVal::new(text, ctx, None);
    if phrase {
        Pred::Phrase {
            exact,
            tokens,
            slop: 0,
        }
    } else {
        Pred::Match {
            exact,
            tokens,
            and,
            msm,
            zero_terms_all: false,
        }
    }
}

fn compile_match(inner: &Value, ctx: Ctx, phrase: bool) -> Result<Query, DslError> {
    let name = if phrase { "match_phrase" } else { "match" };
    let (field, spec) = single_field(name, inner)?;
    let mut text = None;
    let (mut boost, mut and, mut msm, mut lenient, mut zero_all, mut slop) =
        (1.0, false, None, false, false, 0usize);
    match spec {
        Value::Object(params) => {
            for (k, v) in params {
                match k.as_str() {
                    "query" => text = Some(scalar_string(name, v)?),
                    "operator" => {
                        let op = scalar_string(name, v)?;
                        and = match op.to_ascii_lowercase().as_str() {
                            "and" => true,
                            "or" => false,
                            _ => {
                                return Err(parsing(format!(
                                    "[{name}] query does not support operator [{op}]"
                                )));
                            }
                        }
                    }
                    "minimum_should_match" => msm = Some(parse_msm(v)?),
                    "lenient" => lenient = as_bool(v).unwrap_or(false),
                    "zero_terms_query" => {
                        zero_all = scalar_string(name, v)?.eq_ignore_ascii_case("all")
                    }
                    "slop" => slop = as_f64(v).unwrap_or(0.0).max(0.0) as usize,
                    "boost" => boost = boost_of(v)?,
                    "analyzer"
                    | "fuzziness"
                    | "prefix_length"
                    | "max_expansions"
                    | "fuzzy_transpositions"
                    | "fuzzy_rewrite"
                    | "auto_generate_synonyms_phrase_query"
                    | "cutoff_frequency"
                    | "_name" => {}
                    _ => return Err(unsupported(name, k)),
                }
            }
        }
        other => text = Some(scalar_string(name, other)?),
    }
    let text = text.ok_or_else(|| parsing(format!("[{name}] requires query value")))?;
    let ty = mapping::field_type(field);
    let mut pred = match_pred(text, ctx, phrase, and, msm);
    match &mut pred {
        Pred::Match {
            exact,
            zero_terms_all,
            ..
        } => {
            *zero_terms_all = zero_all;
            if !lenient && let Some(e) = exact.type_error(field, ty) {
                return Err(e);
            }
        }
        Pred::Phrase { exact, slop: s, .. } => {
            *s = slop;
            if !lenient && let Some(e) = exact.type_error(field, ty) {
                return Err(e);
            }
        }
        _ => {}
    }
    Ok(field_query(field, pred, boost))
}

/// Parses `"name^2"` into the name and its boost.
pub fn field_with_boost(spec: &str) -> (String, f64) {
    match spec.rsplit_once('^') {
        Some((name, b)) => match b.parse::<f64>() {
            Ok(b) => (name.to_string(), b),
            Err(_) => (spec.to_string(), 1.0),
        },
        None => (spec.to_string(), 1.0),
    }
}

fn compile_multi_match(inner: &Value, ctx: Ctx) -> Result<Query, DslError> {
    let params = object_params("multi_match", inner)?;
    let mut text = None;
    let mut fields: Vec<(Wildcard, f64)> = Vec::new();
    let (mut boost, mut and, mut msm, mut phrase, mut tie) = (1.0, false, None, false, 0.0);
    for (k, v) in params {
        match k.as_str() {
            "query" => text = Some(scalar_string("multi_match", v)?),
            "fields" => {
                let list: Vec<&Value> = match v {
                    Value::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for f in list {
                    let (name, b) = field_with_boost(&scalar_string("multi_match", f)?);
                    fields.push((Wildcard::new(&name, false), b));
                }
            }
            "operator" => and = scalar_string("multi_match", v)?.eq_ignore_ascii_case("and"),
            "minimum_should_match" => msm = Some(parse_msm(v)?),
            "type" => {
                let t = scalar_string("multi_match", v)?;
                phrase = match t.as_str() {
                    "phrase" => true,
                    "best_fields" | "most_fields" | "cross_fields" | "bool_prefix"
                    | "phrase_prefix" => false,
                    _ => {
                        return Err(parsing(format!(
                            "[multi_match] query does not support type {t}"
                        )));
                    }
                }
            }
            "tie_breaker" => tie = as_f64(v).unwrap_or(0.0),
            "boost" => boost = boost_of(v)?,
            "lenient"
            | "analyzer"
            | "fuzziness"
            | "prefix_length"
            | "max_expansions"
            | "slop"
            | "zero_terms_query"
            | "auto_generate_synonyms_phrase_query"
            | "fuzzy_transpositions"
            | "_name" => {}
            _ => return Err(unsupported("multi_match", k)),
        }
    }
    let text = text.ok_or_else(|| parsing("No text specified for multi_match query"))?;
    if fields.is_empty() {
        fields.push((Wildcard::new("*", false), 1.0));
    }
    let _ = tie;
    Ok(Query::Field(Box::new(FieldQuery {
        fields: Fields::Many(fields),
        pred: match_pred(text, ctx, phrase, and, msm),
        boost,
    })))
}

impl Query {
    /// The score of `doc` if it matches.
    pub fn score(&self, doc: &Doc) -> Option<f64> {
        match self {
            Query::MatchAll(b) => Some(*b),
            Query::MatchNone => None,
            Query::ConstantScore(q, b) => q.score(doc).map(|_| *b),
            Query::DisMax(qs, tie, boost) => {
                let mut best: Option<f64> = None;
                let mut sum = 0.0;
                for q in qs {
                    if let Some(s) = q.score(doc) {
                        sum += s;
                        best = Some(best.map_or(s, |b: f64| b.max(s)));
                    }
                }
                best.map(|b| (b + tie * (sum - b)) * boost)
            }
            Query::Ids(ids, b) => ids.contains(&doc.id).then_some(*b),
            Query::Bool(q) => q.score(doc),
            Query::Field(f) => f.score(&doc.source),
        }
    }

    /// Whether `doc` matches (no scores).
    pub fn matches(&self, doc: &Doc) -> bool {
        match self {
            Query::Bool(q) => q.matches(doc),
            _ => self.score(doc).is_some(),
        }
    }
}

impl BoolQuery {
    fn matches(&self, doc: &Doc) -> bool {
        self.must.iter().all(|q| q.matches(doc))
            && self.filter.iter().all(|q| q.matches(doc))
            && !self.must_not.iter().any(|q| q.matches(doc))
            && (self.min_should == 0 || {
                let mut n = 0;
                self.should.iter().any(|q| {
                    if q.matches(doc) {
                        n += 1;
                    }
                    n >= self.min_should
                })
            })
    }

    fn score(&self, doc: &Doc) -> Option<f64> {
        if !self.filter.iter().all(|q| q.matches(doc))
            || self.must_not.iter().any(|q| q.matches(doc))
        {
            return None;
        }
        let mut score = 0.0;
        for q in &self.must {
            score += q.score(doc)?;
        }
        let mut n = 0;
        for q in &self.should {
            if let Some(s) = q.score(doc) {
                n += 1;
                score += s;
            }
        }
        if n < self.min_should {
            return None;
        }
        let empty = self.must.is_empty()
            && self.filter.is_empty()
            && self.should.is_empty()
            && self.must_not.is_empty();
        Some(if empty { 1.0 } else { score } * self.boost)
    }
}

impl FieldQuery {
    fn score(&self, source: &Value) -> Option<f64> {
        match &self.fields {
            Fields::One(path, ty) => self.pred.eval(source, path, *ty).map(|s| s * self.boost),
            Fields::Many(patterns) if self.pred.decided_per_value() => {
                let mut best: Option<f64> = None;
                mapping::any_leaf(source, &mut |path, v| {
                    let boost = patterns
                        .iter()
                        .find(|(p, _)| p.matches(path))
                        .map(|(_, b)| *b);
                    if let Some(b) = boost
                        && let Some(s) = self.pred.eval(v, "", mapping::field_type(path))
                    {
                        let s = s * b;
                        best = Some(best.map_or(s, |x: f64| x.max(s)));
                    }
                    false
                });
                best.map(|s| s * self.boost)
            }
            Fields::Many(patterns) => {
                let mut paths: Vec<(String, f64)> = Vec::new();
                mapping::any_leaf(source, &mut |path, _| {
                    if let Some((_, b)) = patterns.iter().find(|(p, _)| p.matches(path))
                        && !paths.iter().any(|(p, _)| p == path)
                    {
                        paths.push((path.to_string(), *b));
                    }
                    false
                });
                let mut best: Option<f64> = None;
                for (path, b) in &paths {
                    let ty = mapping::field_type(path);
                    if let Some(s) = self.pred.eval(source, path, ty) {
                        let s = s * b;
                        best = Some(best.map_or(s, |x: f64| x.max(s)));
                    }
                }
                best.map(|s| s * self.boost)
            }
        }
    }
}

impl Pred {
    /// Whether one value decides the match on its own (no need to group a field's values).
    fn decided_per_value(&self) -> bool {
        match self {
            Pred::Match {
                tokens, and, msm, ..
            } => tokens.len() <= 1 || (!and && msm.is_none()),
            Pred::Phrase { .. } => true,
            _ => true,
        }
    }

    /// The score of the values of `path` in `source` if they match.
    pub fn eval(&self, source: &Value, path: &str, ty: FieldType) -> Option<f64> {
        let any = |f: &mut dyn FnMut(&Value) -> bool| mapping::any_value(source, path, f);
        let hit = |b: bool| b.then_some(1.0);
        match self {
            Pred::Exists => hit(any(&mut |v| match v {
                Value::Object(_) => mapping::any_leaf(v, &mut |_, _| true),
                _ => true,
            })),
            Pred::Term(tv, ci) => hit(any(&mut |v| term_matches(tv, ty, v, *ci))),
            Pred::Terms(vals, set) => hit(any(&mut |v| match value_type(ty, v) {
                FieldType::Keyword | FieldType::Dynamic => {
                    mapping::keyword_of(v).is_some_and(|k| set.contains(k.as_ref()))
                }
                _ => vals.iter().any(|tv| term_matches(tv, ty, v, false)),
            })),
            Pred::Range(lo, hi) => hit(any(&mut |v| in_range(ty, v, lo, hi))),
            Pred::Wildcard(w, text_w) => hit(any(&mut |v| {
                let w = match (value_type(ty, v), text_w) {
                    (FieldType::Text, Some(tw)) => tw,
                    _ => w,
                };
                string_terms(ty, v, &mut |t| w.matches(t))
            })),
            Pred::Prefix(p, ci) => hit(any(&mut |v| {
                string_terms(ty, v, &mut |t| {
                    if *ci {
                        t.to_lowercase().starts_with(p.as_str())
                    } else {
                        t.starts_with(p.as_str())
                    }
                })
            })),
            Pred::Regexp(re) => hit(any(&mut |v| string_terms(ty, v, &mut |t| re.is_match(t)))),
            Pred::Match {
                exact,
                tokens,
                and,
                msm,
                zero_terms_all,
            } => {
                let mut seen = vec![false; tokens.len()];
                let mut exact_hit = false;
                any(&mut |v| {
                    if value_type(ty, v) == FieldType::Text {
                        if let Some(text) = v.as_str() {
                            analysis::any_token(text, &mut |t| {
                                for (i, q) in tokens.iter().enumerate() {
                                    if q == t {
                                        seen[i] = true;
                                    }
                                }
                                false
                            });
                        }
                        false
                    } else if term_matches(exact, ty, v, false) {
                        exact_hit = true;
                        true
                    } else {
                        false
                    }
                });
                if exact_hit {
                    return Some(1.0);
                }
                if tokens.is_empty() {
                    return zero_terms_all.then_some(1.0);
                }
                let n = seen.iter().filter(|s| **s).count();
                let need = if *and {
                    tokens.len()
                } else {
                    match msm {
                        Some(spec) => min_should_match(spec, tokens.len()).max(1),
                        None => 1,
                    }
                };
                (n >= need).then_some(n as f64)
            }
            Pred::Phrase {
                exact,
                tokens,
                slop,
            } => {
                let mut hit_score = None;
                any(&mut |v| {
                    if value_type(ty, v) == FieldType::Text {
                        let Some(text) = v.as_str() else {
                            return false;
                        };
                        if tokens.is_empty() {
                            return false;
                        }
                        let doc_tokens = analysis::tokens(text);
                        if phrase_in(&doc_tokens, tokens, *slop) {
                            hit_score = Some(tokens.len() as f64);
                            return true;
                        }
                        false
                    } else if term_matches(exact, ty, v, false) {
                        hit_score = Some(1.0);
                        true
                    } else {
                        false
                    }
                });
                hit_score
            }
        }
    }
}

/// Calls `f` on the indexed terms of a string value: the whole string for keywords, each token
/// for text.
fn string_terms(ty: FieldType, v: &Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match value_type(ty, v) {
        FieldType::Text => v.as_str().is_some_and(|s| analysis::any_token(s, f)),
        FieldType::Keyword | FieldType::Dynamic => {
            mapping::keyword_of(v).is_some_and(|k| f(k.as_ref()))
        }
        _ => false,
    }
}

/// Whether `phrase` occurs in `doc` in order, with at most `slop` extra positions in total.
fn phrase_in(doc: &[String], phrase: &[String], slop: usize) -> bool {
    let Some(first) = phrase.first() else {
        return false;
    };
    doc.iter().enumerate().any(|(start, t)| {
        if t != first {
            return false;
        }
        let mut pos = start;
        let mut used = 0;
        for want in &phrase[1..] {
            let mut found = false;
            for (next, tok) in doc.iter().enumerate().skip(pos + 1) {
                let gap = next - pos - 1;
                if used + gap > slop {
                    break;
                }
                if tok == want {
                    used += gap;
                    pos = next;
                    found = true;
                    break;
                }
            }
            if !found {
                return false;
            }
        }
        true
    })
}
