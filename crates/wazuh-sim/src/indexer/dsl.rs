//! The OpenSearch query DSL subset that alert, vulnerability and inventory searches use.
//!
//! [`search`] and [`count`] answer `_search` and `_count` request bodies over a stream of
//! documents, with OpenSearch 2.x semantics and response shapes. The request is compiled once
//! (query tree, sort, aggregations); the documents are then scanned once, keeping only the
//! `from + size` best hits and the aggregation state, so memory does not grow with the index.
//!
//! Field types come from the Wazuh index templates ([`mapping`]); text fields are analyzed with
//! a standard-analyzer approximation ([`analysis`]), dates follow OpenSearch's formats and date
//! math ([`datemath`]).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::world::Doc;

mod aggs;
mod analysis;
mod datemath;
mod mapping;
mod query;
mod query_string;

use mapping::FieldType;
use query::{Ctx, Query, Wildcard, err, parsing};

/// The deepest nesting of queries or aggregations a request may have.
pub(crate) const MAX_DEPTH: usize = 32;

/// OpenSearch's default `index.max_result_window`.
pub const MAX_RESULT_WINDOW: usize = 10_000;

/// The default `track_total_hits` bound.
const DEFAULT_TRACK_TOTAL_HITS: u64 = 10_000;

/// A search request the engine cannot answer: OpenSearch answers these with HTTP 400.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{kind}: {reason}")]
pub struct DslError {
    /// OpenSearch's error type, e.g. `parsing_exception`, `x_content_parse_exception`,
    /// `illegal_argument_exception`.
    pub kind: String,
    /// OpenSearch's error message.
    pub reason: String,
}

fn shards() -> Value {
    json!({"total": 1, "successful": 1, "skipped": 0, "failed": 0})
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

fn int_param(name: &str, v: &Value) -> Result<i64, DslError> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        err(
            "x_content_parse_exception",
            format!("[{name}] failed to parse field [{name}]"),
        )
    })
}

/// `track_total_hits`: count exactly up to this many hits, or not at all.
#[derive(Debug, Clone, Copy)]
enum TrackTotal {
    Off,
    UpTo(u64),
}

#[derive(Debug, Clone, PartialEq)]
enum SortVal {
    Long(i64),
    Double(f64),
    Str(String),
    /// A missing keyword value (numeric missing values are sentinels, as in OpenSearch).
    Null,
}

impl SortVal {
    fn rank(&self) -> u8 {
        match self {
            SortVal::Long(_) | SortVal::Double(_) => 0,
            SortVal::Str(_) => 1,
            SortVal::Null => 2,
        }
    }

    fn cmp_val(&self, other: &SortVal) -> Ordering {
        match (self, other) {
            (SortVal::Long(a), SortVal::Long(b)) => a.cmp(b),
            (SortVal::Long(a), SortVal::Double(b)) => (*a as f64).total_cmp(b),
            (SortVal::Double(a), SortVal::Long(b)) => a.total_cmp(&(*b as f64)),
            (SortVal::Double(a), SortVal::Double(b)) => a.total_cmp(b),
            (SortVal::Str(a), SortVal::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            SortVal::Long(n) => json!(n),
            SortVal::Double(f) if f.is_infinite() => {
                json!(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            SortVal::Double(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            SortVal::Str(s) => json!(s),
            SortVal::Null => Value::Null,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Min,
    Max,
    Sum,
    Avg,
}

#[derive(Debug)]
enum SortKind {
    Score,
    Doc,
    Field {
        field: String,
        ty: FieldType,
        mode: Mode,
        missing_first: bool,
        missing: Option<SortVal>,
    },
}

#[derive(Debug)]
struct SortSpec {
    kind: SortKind,
    asc: bool,
}

fn parse_sort(v: &Value) -> Result<Vec<SortSpec>, DslError> {
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::String(name) => out.push(sort_spec(name, None)?),
            Value::Object(map) => {
                for (name, opts) in map {
                    out.push(sort_spec(name, Some(opts))?);
                }
            }
            other => {
                return Err(parsing(format!(
                    "[sort] unexpected token [{}]",
                    token_name(other)
                )));
            }
        }
    }
    Ok(out)
}

fn parse_order(v: &Value) -> Result<bool, DslError> {
    match v.as_str().map(str::to_ascii_lowercase).as_deref() {
        Some("asc") => Ok(true),
        Some("desc") => Ok(false),
        _ => Err(err(
            "illegal_argument_exception",
            format!("Unknown SortOrder [{}]", v.as_str().unwrap_or_default()),
        )),
    }
}

fn sort_spec(name: &str, opts: Option<&Value>) -> Result<SortSpec, DslError> {
    let (mut asc, mut mode, mut missing_first, mut missing) = (None, None, false, None);
    let mut unmapped: Option<FieldType> = None;
    match opts {
        None => {}
        Some(v @ Value::String(_)) => asc = Some(parse_order(v)?),
        Some(Value::Object(params)) => {
            for (k, v) in params {
                match k.as_str() {
                    "order" => asc = Some(parse_order(v)?),
                    "mode" => {
                        mode = Some(match v.as_str().unwrap_or_default() {
                            "min" => Mode::Min,
                            "max" => Mode::Max,
                            "sum" => Mode::Sum,
                            "avg" | "median" => Mode::Avg,
                            other => {
                                return Err(err(
                                    "illegal_argument_exception",
                                    format!("Unknown SortMode [{other}]"),
                                ));
                            }
                        })
                    }
                    "missing" => match v {
                        Value::String(s) if s == "_last" => missing_first = false,
                        Value::String(s) if s == "_first" => missing_first = true,
                        other => missing = Some(other.clone()),
                    },
                    "unmapped_type" => {
                        unmapped = Some(match v.as_str().unwrap_or_default() {
                            "long" | "integer" | "short" | "byte" => FieldType::Long,
                            "double" | "float" => FieldType::Double,
                            "date" => FieldType::Date,
                            "boolean" => FieldType::Boolean,
                            _ => FieldType::Keyword,
                        })
                    }
                    "format" | "numeric_type" | "nested" => {}
                    _ => {
                        return Err(parsing(format!("[field_sort] unknown field [{k}]")));
                    }
                }
            }
        }
        Some(other) => {
            return Err(parsing(format!(
                "[sort] unexpected token [{}] for [{name}]",
                token_name(other)
            )));
        }
    }
    let kind = match name {
        "_score" => SortKind::Score,
        "_doc" => SortKind::Doc,
        field => {
            let mut ty = mapping::field_type(field);
            if ty == FieldType::Dynamic
                && let Some(u) = unmapped
            {
                ty = u;
            }
            match ty {
                FieldType::Text => {
                    return Err(err(
                        "illegal_argument_exception",
                        format!(
                            "Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory."
                        ),
                    ));
                }
                FieldType::GeoPoint => {
                    return Err(err(
                        "illegal_argument_exception",
                        format!(
                            "can't sort on geo_point field without using specific sorting feature, like geo_distance [{field}]"
                        ),
                    ));
                }
                _ => {}
            }
            let asc_v = asc.unwrap_or(true);
            let missing = match missing {
                Some(v) => Some(value_to_sort(ty, &v).ok_or_else(|| {
                    err(
                        "illegal_argument_exception",
                        format!("invalid [missing] value for [{field}]"),
                    )
                })?),
                None => None,
            };
            SortKind::Field {
                field: field.to_string(),
                ty,
                mode: mode.unwrap_or(if asc_v { Mode::Min } else { Mode::Max }),
                missing_first,
                missing,
            }
        }
    };
    let asc = asc.unwrap_or(!matches!(kind, SortKind::Score));
    Ok(SortSpec { kind, asc })
}

/// A field value as a sort value of a field of type `ty`.
fn value_to_sort(ty: FieldType, v: &Value) -> Option<SortVal> {
    let ty = if ty == FieldType::Dynamic {
        mapping::dynamic_type(v)
    } else {
        ty
    };
    match ty {
        FieldType::Long => mapping::number_of(v, ty).map(|n| SortVal::Long(n as i64)),
        FieldType::Double => mapping::number_of(v, ty).map(SortVal::Double),
        FieldType::Date => mapping::date_of(v).map(SortVal::Long),
        FieldType::Boolean => mapping::bool_of(v).map(|b| SortVal::Long(i64::from(b))),
        FieldType::Ip => mapping::ip_of(v).map(|ip| SortVal::Str(ip.to_string())),
        _ => mapping::keyword_of(v).map(|k| SortVal::Str(k.into_owned())),
    }
}

impl SortSpec {
    fn key(&self, doc: &Doc, seq: u64, score: f64) -> SortVal {
        match &self.kind {
            SortKind::Score => SortVal::Double(score),
            SortKind::Doc => SortVal::Long(seq as i64),
            SortKind::Field {
                field,
                ty,
                mode,
                missing_first,
                missing,
            } => {
                let mut acc: Option<SortVal> = None;
                let (mut sum, mut n) = (0.0, 0u32);
                mapping::any_value(&doc.source, field, &mut |v| {
                    if let Some(sv) = value_to_sort(*ty, v) {
                        match &sv {
                            SortVal::Long(x) => sum += *x as f64,
                            SortVal::Double(x) => sum += x,
                            _ => {}
                        }
                        n += 1;
                        let better = match (&acc, mode) {
                            (None, _) => true,
                            (Some(cur), Mode::Max) => sv.cmp_val(cur) == Ordering::Greater,
                            (Some(cur), _) => sv.cmp_val(cur) == Ordering::Less,
                        };
                        if better {
                            acc = Some(sv);
                        }
                    }
                    false
                });
                if n > 0
                    && let (Mode::Sum | Mode::Avg, Some(SortVal::Long(_) | SortVal::Double(_))) =
                        (mode, &acc)
                {
                    let v = if *mode == Mode::Sum {
                        sum
                    } else {
                        sum / f64::from(n)
                    };
                    return match (ty, acc) {
                        (FieldType::Long | FieldType::Date, _) => SortVal::Long(v as i64),
                        _ => SortVal::Double(v),
                    };
                }
                match acc {
                    Some(v) => v,
                    None => match missing {
                        Some(m) => m.clone(),
                        None => self.missing_sentinel(*ty, *missing_first),
                    },
                }
            }
        }
    }

    /// OpenSearch's stand-in for a missing numeric value: it sorts last (or first).
    fn missing_sentinel(&self, ty: FieldType, first: bool) -> SortVal {
        let high = self.asc != first;
        match ty {
            FieldType::Long | FieldType::Date | FieldType::Boolean => {
                SortVal::Long(if high { i64::MAX } else { i64::MIN })
            }
            FieldType::Double => SortVal::Double(if high {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            }),
            _ => SortVal::Null,
        }
    }

    fn compare(&self, a: &SortVal, b: &SortVal) -> Ordering {
        let missing_first = matches!(
            self.kind,
            SortKind::Field {
                missing_first: true,
                ..
            }
        );
        match (a, b) {
            (SortVal::Null, SortVal::Null) => Ordering::Equal,
            (SortVal::Null, _) => {
                if missing_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, SortVal::Null) => {
                if missing_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let ord = a.cmp_val(b);
                if self.asc { ord } else { ord.reverse() }
            }
        }
    }

    fn parse_after(&self, v: &Value) -> Result<SortVal, DslError> {
        let bad = || {
            err(
                "illegal_argument_exception",
                format!("Failed to parse search_after value [{v}] for the sort"),
            )
        };
        match &self.kind {
            SortKind::Score => v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                .map(SortVal::Double)
                .ok_or_else(bad),
            SortKind::Doc => v.as_i64().map(SortVal::Long).ok_or_else(bad),
            SortKind::Field { ty, .. } => {
                if v.is_null() {
                    return Ok(SortVal::Null);
                }
                match (ty, v) {
                    (_, Value::String(s)) if s == "Infinity" => Ok(SortVal::Double(f64::INFINITY)),
                    (_, Value::String(s)) if s == "-Infinity" => {
                        Ok(SortVal::Double(f64::NEG_INFINITY))
                    }
                    (FieldType::Long | FieldType::Date | FieldType::Boolean, Value::Number(n)) => {
                        Ok(n.as_i64().map_or_else(
                            || SortVal::Double(n.as_f64().unwrap_or(0.0)),
                            SortVal::Long,
                        ))
                    }
                    (FieldType::Long | FieldType::Date, Value::String(s)) => s
                        .parse::<i64>()
                        .ok()
                        .or_else(|| datemath::parse_default(s))
                        .map(SortVal::Long)
                        .ok_or_else(bad),
                    (FieldType::Dynamic, Value::Number(n)) => Ok(n
                        .as_i64()
                        .map_or_else(|| SortVal::Double(n.as_f64().unwrap_or(0.0)), SortVal::Long)),
                    (ty, v) => value_to_sort(*ty, v).ok_or_else(bad),
                }
            }
        }
    }
}

fn compare_keys(specs: &[SortSpec], a: &[SortVal], b: &[SortVal]) -> Ordering {
    for (spec, (x, y)) in specs.iter().zip(a.iter().zip(b)) {
        let ord = spec.compare(x, y);
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// `_source` filtering.
#[derive(Debug)]
enum SourceFilter {
    All,
    None,
    Filter {
        includes: Vec<String>,
        excludes: Vec<String>,
    },
}

fn string_list(name: &str, v: &Value) -> Result<Vec<String>, DslError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_string).ok_or_else(|| {
                    parsing(format!("Unknown key for a {} in [{name}].", token_name(i)))
                })
            })
            .collect(),
        other => Err(parsing(format!(
            "Unknown key for a {} in [{name}].",
            token_name(other)
        ))),
    }
}

fn parse_source(v: &Value) -> Result<SourceFilter, DslError> {
    match v {
        Value::Bool(true) => Ok(SourceFilter::All),
        Value::Bool(false) => Ok(SourceFilter::None),
        Value::String(_) | Value::Array(_) => Ok(SourceFilter::Filter {
            includes: string_list("_source", v)?,
            excludes: Vec::new(),
        }),
        Value::Object(map) => {
            let (mut includes, mut excludes) = (Vec::new(), Vec::new());
            for (k, v) in map {
                match k.as_str() {
                    "includes" | "include" => includes = string_list(k, v)?,
                    "excludes" | "exclude" => excludes = string_list(k, v)?,
                    _ => {
                        return Err(parsing(format!(
                            "Unknown key for a {} in [{k}].",
                            token_name(v)
                        )));
                    }
                }
            }
            Ok(SourceFilter::Filter { includes, excludes })
        }
        other => Err(parsing(format!(
            "Unknown key for a {} in [_source].",
            token_name(other)
        ))),
    }
}

/// Whether a pattern could match some path under `path.`.
fn may_match_below(pattern: &str, path: &str) -> bool {
    let literal = pattern.split('*').next().unwrap_or("");
    let below = format!("{path}.");
    if pattern.contains('*') {
        below.starts_with(literal) || literal.starts_with(&below)
    } else {
        pattern.starts_with(&below)
    }
}

fn filter_value(
    v: &Value,
    path: &str,
    includes: &[String],
    excludes: &[String],
    included: bool,
) -> Option<Value> {
    if excludes.iter().any(|p| mapping::glob(p, path)) {
        return None;
    }
    let included =
        included || includes.is_empty() || includes.iter().any(|p| mapping::glob(p, path));
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, child) in map {
                let child_path = format!("{path}.{k}");
                if !included
                    && !includes
                        .iter()
                        .any(|p| mapping::glob(p, &child_path) || may_match_below(p, &child_path))
                {
                    continue;
                }
                if let Some(c) = filter_value(child, &child_path, includes, excludes, included) {
                    out.insert(k.clone(), c);
                }
            }
            (!out.is_empty() || (included && map.is_empty())).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|i| filter_value(i, path, includes, excludes, included))
                .collect();
            (!kept.is_empty() || (included && items.is_empty())).then_some(Value::Array(kept))
        }
        other => included.then(|| other.clone()),
    }
}

fn apply_source_filter(source: &Value, includes: &[String], excludes: &[String]) -> Value {
    let Value::Object(map) = source else {
        return source.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        let top_ok = includes.is_empty()
            || includes
                .iter()
                .any(|p| mapping::glob(p, k) || may_match_below(p, k));
        if !top_ok {
            continue;
        }
        if let Some(c) = filter_value(v, k, includes, excludes, false) {
            out.insert(k.clone(), c);
        }
    }
    Value::Object(out)
}

/// The `fields` / `docvalue_fields` of a request.
#[derive(Debug)]
struct FieldSpec {
    pattern: Wildcard,
    format: Option<String>,
}

fn parse_fields(v: &Value) -> Result<Vec<FieldSpec>, DslError> {
    let Value::Array(items) = v else {
        return Err(parsing(format!(
            "Unknown key for a {} in [fields].",
            token_name(v)
        )));
    };
    items
        .iter()
        .map(|i| match i {
            Value::String(s) => Ok(FieldSpec {
                pattern: Wildcard::new(s, false),
                format: None,
            }),
            Value::Object(m) => {
                let field = m
                    .get("field")
                    .and_then(Value::as_str)
                    .ok_or_else(|| parsing("[fields] entries need a [field]"))?;
                Ok(FieldSpec {
                    pattern: Wildcard::new(field, false),
                    format: m.get("format").and_then(Value::as_str).map(str::to_string),
                })
            }
            other => Err(parsing(format!(
                "Unknown key for a {} in [fields].",
                token_name(other)
            ))),
        })
        .collect()
}

fn render_fields(source: &Value, specs: &[FieldSpec]) -> Map<String, Value> {
    let mut out: Map<String, Value> = Map::new();
    mapping::any_leaf(source, &mut |path, v| {
        if let Some(spec) = specs.iter().find(|s| s.pattern.matches(path)) {
            let ty = mapping::field_type(path);
            let rendered = match (ty, mapping::date_of(v)) {
                (FieldType::Date, Some(ms)) => json!(datemath::format_millis(
                    ms,
                    spec.format.as_deref().unwrap_or(datemath::DEFAULT_FORMAT),
                    0
                )),
                _ => v.clone(),
            };
            if let Value::Array(list) = out
                .entry(path.to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                list.push(rendered);
            }
        }
        false
    });
    out
}

/// A parsed `_search` body.
struct Request {
    query: Query,
    post_filter: Option<Query>,
    from: usize,
    size: usize,
    sort: Option<Vec<SortSpec>>,
    search_after: Option<Vec<SortVal>>,
    source: SourceFilter,
    track_total: TrackTotal,
    track_scores: bool,
    min_score: Option<f64>,
    terminate_after: Option<u64>,
    aggs: Vec<aggs::Agg>,
    version: bool,
    seq_no: bool,
    fields: Vec<FieldSpec>,
}

fn parse_request(body: &Value, ctx: Ctx) -> Result<Request, DslError> {
    let empty = Map::new();
    let map = match body {
        Value::Object(m) => m,
        Value::Null => &empty,
        other => {
            return Err(parsing(format!(
                "Unexpected token {} in the request body, expected START_OBJECT",
                token_name(other)
            )));
        }
    };
    let mut req = Request {
        query: Query::MatchAll(1.0),
        post_filter: None,
        from: 0,
        size: 10,
        sort: None,
        search_after: None,
        source: SourceFilter::All,
        track_total: TrackTotal::UpTo(DEFAULT_TRACK_TOTAL_HITS),
        track_scores: false,
        min_score: None,
        terminate_after: None,
        aggs: Vec::new(),
        version: false,
        seq_no: false,
        fields: Vec::new(),
    };
    let mut raw_after: Option<&Vec<Value>> = None;
    let mut seen_aggs = false;
    for (k, v) in map {
        match k.as_str() {
            "query" => req.query = query::compile(v, ctx)?,
            "post_filter" => req.post_filter = Some(query::compile(v, ctx)?),
            "from" => {
                let n = int_param(k, v)?;
                if n < 0 {
                    return Err(err(
                        "illegal_argument_exception",
                        format!("[from] parameter cannot be negative, found [{n}]"),
                    ));
                }
                req.from = usize::try_from(n).unwrap_or(usize::MAX);
            }
            "size" => {
                let n = int_param(k, v)?;
                if n < 0 {
                    return Err(err(
                        "illegal_argument_exception",
                        format!("[size] parameter cannot be negative, found [{n}]"),
                    ));
                }
                req.size = usize::try_from(n).unwrap_or(usize::MAX);
            }
            "sort" => req.sort = Some(parse_sort(v)?),
            "search_after" => match v {
                Value::Array(items) => raw_after = Some(items),
                other => {
                    return Err(parsing(format!(
                        "Unknown key for a {} in [search_after].",
                        token_name(other)
                    )));
                }
            },
            "_source" => req.source = parse_source(v)?,
            "track_total_hits" => {
                req.track_total = match v {
                    Value::Bool(true) => TrackTotal::UpTo(u64::MAX),
                    Value::Bool(false) => TrackTotal::Off,
                    other => {
                        let n = int_param(k, other)?;
                        match n {
                            -1 => TrackTotal::UpTo(u64::MAX),
                            n if n < 0 => {
                                return Err(err(
                                    "illegal_argument_exception",
                                    format!(
                                        "[track_total_hits] parameter must be positive or equals to -1, got {n}"
                                    ),
                                ));
                            }
                            n => TrackTotal::UpTo(n as u64),
                        }
                    }
                }
            }
            "track_scores" => req.track_scores = v.as_bool().unwrap_or(false),
            "min_score" => {
                req.min_score = Some(v.as_f64().ok_or_else(|| {
                    err("x_content_parse_exception", "[min_score] must be a number")
                })?)
            }
            "terminate_after" => {
                let n = int_param(k, v)?;
                if n <= 0 {
                    return Err(err(
                        "illegal_argument_exception",
                        "terminateAfter must be > 0",
                    ));
                }
                req.terminate_after = Some(n as u64);
            }
            "aggs" | "aggregations" => {
                if seen_aggs {
                    return Err(parsing(
                        "Found two aggregation definitions: [aggs] and [aggregations]",
                    ));
                }
                seen_aggs = true;
                req.aggs = aggs::parse_aggs(v, ctx, 0)?;
            }
            "version" => req.version = v.as_bool().unwrap_or(false),
            "seq_no_primary_term" => req.seq_no = v.as_bool().unwrap_or(false),
            "fields" | "docvalue_fields" => req.fields.extend(parse_fields(v)?),
            "timeout"
            | "stored_fields"
            | "highlight"
            | "explain"
            | "profile"
            | "stats"
            | "indices_boost"
            | "ext"
            | "_name"
            | "allow_partial_search_results"
            | "request_cache"
            | "batched_reduce_size"
            | "ccs_minimize_roundtrips"
            | "include_named_queries_score" => {}
            other => {
                return Err(parsing(format!(
                    "Unknown key for a {} in [{other}].",
                    token_name(v)
                )));
            }
        }
    }
    let window = req.from.saturating_add(req.size);
    if window > MAX_RESULT_WINDOW {
        return Err(err(
            "illegal_argument_exception",
            format!(
                "Result window is too large, from + size must be less than or equal to: [{MAX_RESULT_WINDOW}] but was [{window}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting."
            ),
        ));
    }
    if let Some(items) = raw_after {
        if req.from > 0 {
            return Err(err(
                "illegal_argument_exception",
                "`from` parameter must be set to 0 when `search_after` is used.",
            ));
        }
        let specs = req.sort.get_or_insert_with(|| {
            vec![SortSpec {
                kind: SortKind::Score,
                asc: false,
            }]
        });
        if items.len() != specs.len() {
            return Err(err(
                "illegal_argument_exception",
                format!(
                    "search_after has {} value(s) but sort has {}.",
                    items.len(),
                    specs.len()
                ),
            ));
        }
        req.search_after = Some(
            specs
                .iter()
                .zip(items)
                .map(|(s, v)| s.parse_after(v))
                .collect::<Result<_, _>>()?,
        );
    }
    Ok(req)
}

struct Hit<'a> {
    doc: Cow<'a, Doc>,
    key: Vec<SortVal>,
    seq: u64,
    score: f64,
}

/// Keeps the best `k` hits seen so far (amortized linear).
struct TopK<'a> {
    k: usize,
    hits: Vec<Hit<'a>>,
    /// The key of the k-th best hit once `k` hits are kept: later hits must beat it.
    worst: Option<Vec<SortVal>>,
}

impl<'a> TopK<'a> {
    fn push(&mut self, hit: Hit<'a>, specs: &[SortSpec]) {
        if self.k == 0 {
            return;
        }
        // Later documents lose ties (doc order), so only a strictly better key gets in.
        if let Some(worst) = &self.worst
            && compare_keys(specs, &hit.key, worst) != Ordering::Less
        {
            return;
        }
        self.hits.push(hit);
        if self.hits.len() >= self.k.saturating_mul(2).max(64) {
            self.prune(specs);
        }
    }

    fn prune(&mut self, specs: &[SortSpec]) {
        let cmp = |a: &Hit, b: &Hit| compare_keys(specs, &a.key, &b.key).then(a.seq.cmp(&b.seq));
        if self.hits.len() > self.k {
            self.hits.select_nth_unstable_by(self.k, cmp);
            self.hits.truncate(self.k);
        }
        self.hits.sort_by(cmp);
        if self.hits.len() == self.k {
            self.worst = self.hits.last().map(|h| h.key.clone());
        }
    }
}

/// Runs a `_search` request body over `docs` and returns the OpenSearch response body.
///
/// `now` anchors date math (`now-24h`). Errors are the 400s OpenSearch would answer with.
pub fn search<'a>(
    docs: impl Iterator<Item = Cow<'a, Doc>>,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, DslError> {
    let started = Instant::now();
    let ctx = Ctx {
        now_ms: now.timestamp_millis(),
    };
    let req = parse_request(body, ctx)?;
    let sorted_by_field = req.sort.is_some();
    let score_specs = vec![SortSpec {
        kind: SortKind::Score,
        asc: false,
    }];
    let specs: &[SortSpec] = req.sort.as_deref().unwrap_or(&score_specs);
    let sort_has_score = specs.iter().any(|s| matches!(s.kind, SortKind::Score));
    let need_score =
        !sorted_by_field || sort_has_score || req.track_scores || req.min_score.is_some();
    let mut states = aggs::new_states(&req.aggs);
    let mut top = TopK {
        k: req.from + req.size,
        hits: Vec::new(),
        worst: None,
    };
    let mut total: u64 = 0;
    let mut matched: u64 = 0;
    let mut max_score: Option<f64> = None;
    let mut terminated = false;
    for (seq, doc) in docs.enumerate() {
        if let Some(limit) = req.terminate_after
            && matched >= limit
        {
            terminated = true;
            break;
        }
        let score = if need_score {
            match req.query.score(&doc) {
                Some(s) => s,
                None => continue,
            }
        } else if req.query.matches(&doc) {
            1.0
        } else {
            continue;
        };
        if req.min_score.is_some_and(|min| score < min) {
            continue;
        }
        matched += 1;
        aggs::collect(&req.aggs, &mut states, &doc);
        if let Some(pf) = &req.post_filter
            && !pf.matches(&doc)
        {
            continue;
        }
        total += 1;
        if need_score {
            max_score = Some(max_score.map_or(score, |m: f64| m.max(score)));
        }
        if top.k == 0 {
            continue;
        }
        let seq = seq as u64;
        let key: Vec<SortVal> = specs.iter().map(|s| s.key(&doc, seq, score)).collect();
        if let Some(after) = &req.search_after
            && compare_keys(specs, &key, after) != Ordering::Greater
        {
            continue;
        }
        top.push(
            Hit {
                doc,
                key,
                seq,
                score,
            },
            specs,
        );
    }
    top.prune(specs);
    let show_score = !sorted_by_field || sort_has_score || req.track_scores;
    let hits: Vec<Value> = top
        .hits
        .iter()
        .skip(req.from)
        .map(|h| render_hit(h, &req, show_score, sorted_by_field))
        .collect();
    let mut hits_obj = Map::new();
    if let TrackTotal::UpTo(limit) = req.track_total {
        let (value, relation) = if total > limit {
            (limit, "gte")
        } else {
            (total, "eq")
        };
        hits_obj.insert(
            "total".into(),
            json!({"value": value, "relation": relation}),
        );
    }
    let max_score = if req.size == 0 || !show_score {
        Value::Null
    } else {
        max_score.map_or(Value::Null, score_json)
    };
    hits_obj.insert("max_score".into(), max_score);
    hits_obj.insert("hits".into(), Value::Array(hits));
    let mut out = Map::new();
    out.insert("took".into(), json!(started.elapsed().as_millis() as u64));
    out.insert("timed_out".into(), json!(false));
    if terminated {
        out.insert("terminated_early".into(), json!(true));
    }
    out.insert("_shards".into(), shards());
    out.insert("hits".into(), Value::Object(hits_obj));
    if !req.aggs.is_empty() {
        out.insert("aggregations".into(), aggs::render(&req.aggs, &states)?);
    }
    Ok(Value::Object(out))
}

fn score_json(s: f64) -> Value {
    // Scores are floats in OpenSearch; round to f32 precision so they print the same way.
    let f = f64::from(s as f32);
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn render_hit(h: &Hit, req: &Request, show_score: bool, sorted: bool) -> Value {
    let mut m = Map::new();
    m.insert("_index".into(), json!(&*h.doc.index));
    m.insert("_id".into(), json!(h.doc.id));
    if req.version {
        m.insert("_version".into(), json!(1));
    }
    if req.seq_no {
        m.insert("_seq_no".into(), json!(h.seq));
        m.insert("_primary_term".into(), json!(1));
    }
    m.insert(
        "_score".into(),
        if show_score {
            score_json(h.score)
        } else {
            Value::Null
        },
    );
    match &req.source {
        SourceFilter::All => {
            m.insert("_source".into(), h.doc.source.clone());
        }
        SourceFilter::None => {}
        SourceFilter::Filter { includes, excludes } => {
            m.insert(
                "_source".into(),
                apply_source_filter(&h.doc.source, includes, excludes),
            );
        }
    }
    if !req.fields.is_empty() {
        let fields = render_fields(&h.doc.source, &req.fields);
        if !fields.is_empty() {
            m.insert("fields".into(), Value::Object(fields));
        }
    }
    if sorted {
        m.insert(
            "sort".into(),
            Value::Array(h.key.iter().map(SortVal::to_json).collect()),
        );
    }
    Value::Object(m)
}

/// Runs a `_count` request body (`{"query": ...}` or empty) over `docs`:
/// `{"count": N, "_shards": {...}}`.
pub fn count<'a>(
    docs: impl Iterator<Item = Cow<'a, Doc>>,
    body: &Value,
    now: DateTime<Utc>,
) -> Result<Value, DslError> {
    let ctx = Ctx {
        now_ms: now.timestamp_millis(),
    };
    let query = match body {
        Value::Null => Query::MatchAll(1.0),
        Value::Object(map) => {
            let mut q = Query::MatchAll(1.0);
            for (k, v) in map {
                match k.as_str() {
                    "query" => q = query::compile(v, ctx)?,
                    other => {
                        return Err(parsing(format!("request does not support [{other}]")));
                    }
                }
            }
            q
        }
        other => {
            return Err(parsing(format!(
                "Unexpected token {} in the request body, expected START_OBJECT",
                token_name(other)
            )));
        }
    };
    let n = docs.filter(|d| query.matches(d)).count();
    Ok(json!({"count": n, "_shards": shards()}))
}

#[cfg(test)]
mod tests;
