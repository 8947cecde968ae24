//! Aggregations: parsed once, collected in one pass over the matching documents, then rendered
//! in OpenSearch's response shapes.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::datemath::{self, DEFAULT_FORMAT, Tz, Unit};
use super::mapping::{self, FieldType};
use super::query::{self, Ctx, Query, err, parsing};
use super::{DslError, MAX_DEPTH};
use crate::world::Doc;

/// OpenSearch's default `search.max_buckets`.
pub const MAX_BUCKETS: usize = 65_535;

/// A parsed aggregation.
#[derive(Debug)]
pub struct Agg {
    name: String,
    kind: Kind,
    meta: Option<Value>,
    subs: Vec<Agg>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Min,
    Max,
    Avg,
    Sum,
    ValueCount,
    Cardinality,
    Stats,
}

#[derive(Debug, Clone)]
enum OrderKey {
    Count,
    Key,
    /// A sub-aggregation's value: its name and, for `stats`, the statistic.
    Sub(String, Option<String>),
}

#[derive(Debug)]
enum Interval {
    Calendar(Unit, u32),
    Fixed(i64),
}

#[derive(Debug)]
enum Kind {
    Terms {
        field: String,
        ty: FieldType,
        size: usize,
        min_doc_count: u64,
        order: Vec<(OrderKey, bool)>,
        missing: Option<Value>,
        include: Option<Filter>,
        exclude: Option<Filter>,
    },
    DateHistogram {
        field: String,
        interval: Interval,
        tz: Tz,
        offset: i64,
        format: String,
        min_doc_count: u64,
        bounds: Option<(Option<i64>, Option<i64>)>,
        order: (OrderKey, bool),
        keyed: bool,
    },
    Metric {
        metric: Metric,
        field: String,
        ty: FieldType,
        missing: Option<Value>,
    },
    Filter(Query),
    Filters {
        named: Vec<(String, Query)>,
        keyed: bool,
        other: Option<String>,
    },
    Missing(String),
}

#[derive(Debug)]
enum Filter {
    Regex(regex::Regex),
    Set(HashSet<String>),
}

impl Filter {
    fn accepts(&self, key: &str) -> bool {
        match self {
            Filter::Regex(re) => re.is_match(key),
            Filter::Set(set) => set.contains(key),
        }
    }
}

fn field_param(agg: &str, params: &Map<String, Value>) -> Result<String, DslError> {
    match params.get("field") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(parsing(format!("[{agg}] field must be a string"))),
        None => Err(err(
            "illegal_argument_exception",
            "Required one of fields [field, script], but none were specified. ",
        )),
    }
}

fn uint_param(agg: &str, name: &str, v: &Value) -> Result<u64, DslError> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        parsing(format!(
            "[{agg}] failed to parse field [{name}]: expected a non-negative integer"
        ))
    })
}

fn ty_name(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Keyword | FieldType::Dynamic => "keyword",
        FieldType::Text => "text",
        FieldType::Long => "long",
        FieldType::Double => "double",
        FieldType::Date => "date",
        FieldType::Ip => "ip",
        FieldType::Boolean => "boolean",
        FieldType::GeoPoint => "geo_point",
    }
}

fn fielddata_error(field: &str) -> DslError {
    err(
        "illegal_argument_exception",
        format!(
            "Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory."
        ),
    )
}

fn parse_order(agg: &str, v: &Value) -> Result<Vec<(OrderKey, bool)>, DslError> {
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Object(map) = item else {
            return Err(parsing(format!("[{agg}] order must be an object")));
        };
        for (k, dir) in map {
            let asc = match dir.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("asc") => true,
                Some("desc") => false,
                _ => {
                    return Err(parsing(format!(
                        "Unknown terms order direction [{dir}] in terms aggregation [{agg}]"
                    )));
                }
            };
            let key = match k.as_str() {
                "_count" => OrderKey::Count,
                "_key" | "_term" | "_time" => OrderKey::Key,
                path => match path.split_once('.') {
                    Some((name, stat)) => OrderKey::Sub(name.to_string(), Some(stat.to_string())),
                    None => OrderKey::Sub(path.to_string(), None),
                },
            };
            out.push((key, asc));
        }
    }
    Ok(out)
}

fn include_exclude(v: &Value) -> Result<Filter, DslError> {
    match v {
        Value::String(s) => regex::RegexBuilder::new(&format!("^(?:{s})$"))
            .size_limit(1 << 20)
            .build()
            .map(Filter::Regex)
            .map_err(|e| err("illegal_argument_exception", format!("invalid regex: {e}"))),
        Value::Array(items) => Ok(Filter::Set(
            items
                .iter()
                .filter_map(|i| mapping::keyword_of(i).map(|k| k.into_owned()))
                .collect(),
        )),
        _ => Err(parsing("[include]/[exclude] must be a string or an array")),
    }
}

fn parse_interval(v: &Value, calendar: Option<bool>) -> Result<Interval, DslError> {
    let s = v
        .as_str()
        .map(str::to_string)
        .or_else(|| v.as_i64().map(|n| format!("{n}ms")));
    let s = s.ok_or_else(|| parsing("[date_histogram] interval must be a string"))?;
    let cal = match s.as_str() {
        "minute" | "1m" => Some((Unit::Minute, 1)),
        "hour" | "1h" => Some((Unit::Hour, 1)),
        "day" | "1d" => Some((Unit::Day, 1)),
        "week" | "1w" => Some((Unit::Week, 1)),
        "month" | "1M" => Some((Unit::Month, 1)),
        "quarter" | "1q" => Some((Unit::Month, 3)),
        "year" | "1y" => Some((Unit::Year, 1)),
        _ => None,
    };
    match (calendar, cal) {
        (Some(true), None) => Err(err(
            "illegal_argument_exception",
            format!("The supplied interval [{s}] could not be parsed as a calendar interval."),
        )),
        (Some(true) | None, Some((unit, n))) => Ok(Interval::Calendar(unit, n)),
        _ => parse_duration(&s).filter(|ms| *ms > 0).map(Interval::Fixed).ok_or_else(|| {
            err(
                "illegal_argument_exception",
                format!(
                    "failed to parse setting [date_histogram.fixedInterval] with value [{s}] as a time value: unit is missing or unrecognized"
                ),
            )
        }),
    }
}

/// Parses a fixed duration such as `90m`, `1h`, `-6h`, `500ms` into millis.
fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, s) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let n: i64 = s[..split].parse().ok()?;
    let unit = match &s[split..] {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    let ms = n.checked_mul(unit)?;
    (ms > 0 || sign < 0 || n == 0).then_some(sign * ms)
}

/// Parses the `aggs` / `aggregations` object of a request or of a bucket aggregation.
pub fn parse_aggs(v: &Value, ctx: Ctx, depth: usize) -> Result<Vec<Agg>, DslError> {
    if depth > MAX_DEPTH {
        return Err(parsing("aggregations are nested too deeply"));
    }
    let Value::Object(map) = v else {
        return Err(parsing(format!(
            "Unexpected token {} in [aggs].",
            if v.is_array() { "START_ARRAY" } else { "VALUE" }
        )));
    };
    let mut out = Vec::new();
    for (name, def) in map {
        if name.contains(['[', ']', '>']) {
            return Err(parsing(format!(
                "Invalid aggregation name [{name}]. Aggregation names can contain any character except '[', ']', and '>'"
            )));
        }
        let Value::Object(def) = def else {
            return Err(parsing(format!(
                "Aggregation definition for [{name} starts with a [{}], expected a [START_OBJECT].",
                if def.is_array() {
                    "START_ARRAY"
                } else {
                    "VALUE_STRING"
                }
            )));
        };
        let mut kind: Option<(&str, &Value)> = None;
        let mut subs = Vec::new();
        let mut meta = None;
        for (k, body) in def {
            match k.as_str() {
                "aggs" | "aggregations" => subs = parse_aggs(body, ctx, depth + 1)?,
                "meta" => meta = Some(body.clone()),
                t => {
                    if let Some((first, _)) = kind {
                        return Err(parsing(format!(
                            "Found two aggregation type definitions in [{name}]: [{first}] and [{t}]"
                        )));
                    }
                    kind = Some((t, body));
                }
            }
        }
        let (t, body) =
            kind.ok_or_else(|| parsing(format!("Missing definition for aggregation [{name}]")))?;
        let kind = parse_kind(name, t, body, ctx, depth)?;
        if matches!(kind, Kind::Metric { .. }) && !subs.is_empty() {
            return Err(err(
                "aggregation_initialization_exception",
                format!("Aggregator [{name}] of type [{t}] cannot accept sub-aggregations"),
            ));
        }
        out.push(Agg {
            name: name.clone(),
            kind,
            meta,
            subs,
        });
    }
    Ok(out)
}

fn parse_kind(name: &str, t: &str, body: &Value, ctx: Ctx, depth: usize) -> Result<Kind, DslError> {
    let params = || {
        body.as_object().ok_or_else(|| {
            parsing(format!(
                "Aggregation definition for [{name}] of type [{t}] must be an object"
            ))
        })
    };
    let metric = match t {
        "min" => Some(Metric::Min),
        "max" => Some(Metric::Max),
        "avg" => Some(Metric::Avg),
        "sum" => Some(Metric::Sum),
        "value_count" => Some(Metric::ValueCount),
        "cardinality" => Some(Metric::Cardinality),
        "stats" => Some(Metric::Stats),
        _ => None,
    };
    if let Some(metric) = metric {
        let p = params()?;
        for k in p.keys() {
            if !matches!(
                k.as_str(),
                "field" | "missing" | "format" | "precision_threshold" | "script"
            ) {
                return Err(parsing(format!("[{t}] unknown field [{k}]")));
            }
        }
        let field = field_param(t, p)?;
        let ty = mapping::field_type(&field);
        let numeric = matches!(
            metric,
            Metric::Min | Metric::Max | Metric::Avg | Metric::Sum | Metric::Stats
        );
        if ty == FieldType::Text && metric != Metric::ValueCount {
            return Err(fielddata_error(&field));
        }
        if numeric && matches!(ty, FieldType::Keyword | FieldType::Ip | FieldType::GeoPoint) {
            return Err(err(
                "illegal_argument_exception",
                format!(
                    "Field [{field}] of type [{}] is not supported for aggregation [{t}]",
                    ty_name(ty)
                ),
            ));
        }
        return Ok(Kind::Metric {
            metric,
            field,
            ty,
            missing: p.get("missing").cloned(),
        });
    }
    match t {
        "terms" => {
            let p = params()?;
            let field = field_param(t, p)?;
            let ty = mapping::field_type(&field);
            if ty == FieldType::Text {
                return Err(fielddata_error(&field));
            }
            let mut size = 10;
            let mut min_doc_count = 1;
            let mut order = vec![(OrderKey::Count, false)];
            let (mut include, mut exclude) = (None, None);
            for (k, v) in p {
                match k.as_str() {
                    "size" => size = uint_param(t, k, v)? as usize,
                    "min_doc_count" => min_doc_count = uint_param(t, k, v)?,
                    "order" => order = parse_order(name, v)?,
                    "include" => include = Some(include_exclude(v)?),
                    "exclude" => exclude = Some(include_exclude(v)?),
                    "field"
                    | "missing"
                    | "shard_size"
                    | "show_term_doc_count_error"
                    | "execution_hint"
                    | "collect_mode"
                    | "shard_min_doc_count"
                    | "format"
                    | "value_type" => {}
                    _ => return Err(parsing(format!("[terms] unknown field [{k}]"))),
                }
            }
            if size == 0 {
                return Err(err(
                    "illegal_argument_exception",
                    format!("[size] must be greater than 0. Found [0] in [{name}]"),
                ));
            }
            if !order.iter().any(|(k, _)| matches!(k, OrderKey::Key)) {
                order.push((OrderKey::Key, true));
            }
            Ok(Kind::Terms {
                field,
                ty,
                size,
                min_doc_count,
                order,
                missing: p.get("missing").cloned(),
                include,
                exclude,
            })
        }
        "date_histogram" => {
            let p = params()?;
            let field = field_param(t, p)?;
            let ty = mapping::field_type(&field);
            if matches!(ty, FieldType::Keyword | FieldType::Text | FieldType::Ip) {
                return Err(err(
                    "illegal_argument_exception",
                    format!(
                        "Field [{field}] of type [{}] is not supported for aggregation [date_histogram]",
                        ty_name(ty)
                    ),
                ));
            }
            let mut interval = None;
            let mut tz = 0;
            let mut offset = 0;
            let mut format = DEFAULT_FORMAT.to_string();
            let mut min_doc_count = 0;
            let mut bounds = None;
            let mut order = (OrderKey::Key, true);
            let mut keyed = false;
            for (k, v) in p {
                match k.as_str() {
                    "calendar_interval" => interval = Some(parse_interval(v, Some(true))?),
                    "fixed_interval" => interval = Some(parse_interval(v, Some(false))?),
                    "interval" => interval = Some(parse_interval(v, None)?),
                    "time_zone" => {
                        let z = v.as_str().unwrap_or_default();
                        tz = datemath::parse_tz(z)
                            .map_err(|e| err("illegal_argument_exception", e))?;
                    }
                    "offset" => {
                        offset = v
                            .as_str()
                            .and_then(parse_duration)
                            .or_else(|| v.as_i64())
                            .ok_or_else(|| parsing("[date_histogram] invalid [offset]"))?
                    }
                    "format" => {
                        let f = v.as_str().unwrap_or_default().to_string();
                        if !datemath::valid_format(&f) {
                            return Err(err(
                                "illegal_argument_exception",
                                format!("Invalid format: [{f}]"),
                            ));
                        }
                        format = f;
                    }
                    "min_doc_count" => min_doc_count = uint_param(t, k, v)?,
                    "extended_bounds" => {
                        let b = v.as_object().ok_or_else(|| {
                            parsing("[extended_bounds] must be an object with min and max")
                        })?;
                        let bound = |key: &str| -> Result<Option<i64>, DslError> {
                            match b.get(key) {
                                None | Some(Value::Null) => Ok(None),
                                Some(Value::Number(n)) => Ok(n.as_i64()),
                                Some(Value::String(s)) => {
                                    datemath::eval(s, ctx.now_ms, &format, false, tz)
                                        .map(Some)
                                        .map_err(|e| err("parse_exception", e))
                                }
                                Some(_) => Err(parsing("[extended_bounds] bad value")),
                            }
                        };
                        bounds = Some((bound("min")?, bound("max")?));
                    }
                    "order" => {
                        order = parse_order(name, v)?
                            .into_iter()
                            .next()
                            .unwrap_or((OrderKey::Key, true))
                    }
                    "keyed" => keyed = v.as_bool().unwrap_or(false),
                    "field" | "missing" | "hard_bounds" => {}
                    _ => return Err(parsing(format!("[date_histogram] unknown field [{k}]"))),
                }
            }
            let interval = interval.ok_or_else(|| {
                err(
                    "illegal_argument_exception",
                    "Invalid interval specified, must be non-null and non-empty",
                )
            })?;
            Ok(Kind::DateHistogram {
                field,
                interval,
                tz,
                offset,
                format,
                min_doc_count,
                bounds,
                order,
                keyed,
            })
        }
        "filter" => Ok(Kind::Filter(query::compile_depth(body, ctx, depth + 1)?)),
        "filters" => {
            let p = params()?;
            let mut named = Vec::new();
            let mut keyed = true;
            let mut other = None;
            let mut other_key = "_other_".to_string();
            for (k, v) in p {
                match k.as_str() {
                    "filters" => match v {
                        Value::Object(m) => {
                            for (n, q) in m {
                                named.push((n.clone(), query::compile_depth(q, ctx, depth + 1)?));
                            }
                        }
                        Value::Array(items) => {
                            keyed = false;
                            for (i, q) in items.iter().enumerate() {
                                named.push((
                                    i.to_string(),
                                    query::compile_depth(q, ctx, depth + 1)?,
                                ));
                            }
                        }
                        _ => return Err(parsing("[filters] must be an object or an array")),
                    },
                    "other_bucket" => {
                        if v.as_bool() == Some(true) {
                            other = Some(String::new());
                        }
                    }
                    "other_bucket_key" => {
                        other_key = v.as_str().unwrap_or("_other_").to_string();
                        other = Some(String::new());
                    }
                    _ => return Err(parsing(format!("[filters] unknown field [{k}]"))),
                }
            }
            Ok(Kind::Filters {
                named,
                keyed,
                other: other.map(|_| other_key),
            })
        }
        "missing" => Ok(Kind::Missing(field_param(t, params()?)?)),
        _ => Err(parsing(format!("Unknown aggregation type [{t}]"))),
    }
}

/// A bucket key.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Str(String),
    Long(i64),
    Double(f64),
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Key::Str(s) => s.hash(h),
            Key::Long(n) => n.hash(h),
            Key::Double(f) => f.to_bits().hash(h),
        }
    }
}

impl Key {
    fn cmp_key(&self, other: &Key) -> std::cmp::Ordering {
        match (self, other) {
            (Key::Str(a), Key::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Key::Long(a), Key::Long(b)) => a.cmp(b),
            (a, b) => a.as_f64().total_cmp(&b.as_f64()),
        }
    }

    fn as_f64(&self) -> f64 {
        match self {
            Key::Str(_) => 0.0,
            Key::Long(n) => *n as f64,
            Key::Double(f) => *f,
        }
    }

    fn text(&self) -> String {
        match self {
            Key::Str(s) => s.clone(),
            Key::Long(n) => n.to_string(),
            Key::Double(f) => f.to_string(),
        }
    }
}

/// The key of one value of a field, as terms and cardinality see it.
fn key_of(ty: FieldType, v: &Value) -> Option<Key> {
    let ty = if ty == FieldType::Dynamic {
        mapping::dynamic_type(v)
    } else {
        ty
    };
    match ty {
        FieldType::Keyword | FieldType::Dynamic | FieldType::Text => {
            mapping::keyword_of(v).map(|k| Key::Str(k.into_owned()))
        }
        FieldType::Ip => mapping::ip_of(v).map(|ip| Key::Str(ip.to_string())),
        FieldType::Long => mapping::number_of(v, ty).map(|n| Key::Long(n as i64)),
        FieldType::Double => mapping::number_of(v, ty).map(Key::Double),
        FieldType::Date => mapping::date_of(v).map(Key::Long),
        FieldType::Boolean => mapping::bool_of(v).map(|b| Key::Long(i64::from(b))),
        FieldType::GeoPoint => None,
    }
}

fn numeric_of(ty: FieldType, v: &Value) -> Option<f64> {
    let ty = if ty == FieldType::Dynamic {
        mapping::dynamic_type(v)
    } else {
        ty
    };
    match ty {
        FieldType::Long | FieldType::Double => mapping::number_of(v, ty),
        FieldType::Date => mapping::date_of(v).map(|d| d as f64),
        FieldType::Boolean => mapping::bool_of(v).map(|b| f64::from(u8::from(b))),
        _ => None,
    }
}

/// Distinct values of `field` in `doc` (a multi-valued doc counts once per distinct value).
fn doc_keys(doc: &Doc, field: &str, ty: FieldType, missing: Option<&Value>) -> Vec<Key> {
    let mut keys: Vec<Key> = Vec::new();
    mapping::any_value(&doc.source, field, &mut |v| {
        if let Some(k) = key_of(ty, v)
            && !keys.contains(&k)
        {
            keys.push(k);
        }
        false
    });
    if keys.is_empty()
        && let Some(k) = missing.and_then(|m| key_of(ty, m))
    {
        keys.push(k);
    }
    keys
}

#[derive(Debug, Default)]
struct MetricState {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    distinct: HashSet<Key>,
}

#[derive(Debug)]
struct Bucket {
    doc_count: u64,
    subs: Vec<State>,
}

/// The collection state of one aggregation.
#[derive(Debug)]
pub struct State(StateKind);

#[derive(Debug)]
enum StateKind {
    Keys(HashMap<Key, Bucket>),
    Dates(BTreeMap<i64, Bucket>),
    Metric(MetricState),
    One(Bucket),
    Many(Vec<Bucket>),
}

fn new_bucket(subs: &[Agg]) -> Bucket {
    Bucket {
        doc_count: 0,
        subs: new_states(subs),
    }
}

/// Empty states for `aggs`.
pub fn new_states(aggs: &[Agg]) -> Vec<State> {
    aggs.iter()
        .map(|a| {
            State(match &a.kind {
                Kind::Terms { .. } => StateKind::Keys(HashMap::new()),
                Kind::DateHistogram { .. } => StateKind::Dates(BTreeMap::new()),
                Kind::Metric { .. } => StateKind::Metric(MetricState {
                    min: f64::INFINITY,
                    max: f64::NEG_INFINITY,
                    ..Default::default()
                }),
                Kind::Filter(_) | Kind::Missing(_) => StateKind::One(new_bucket(&a.subs)),
                Kind::Filters { named, other, .. } => StateKind::Many(
                    (0..named.len() + usize::from(other.is_some()))
                        .map(|_| new_bucket(&a.subs))
                        .collect(),
                ),
            })
        })
        .collect()
}

fn bucket_key(ms: i64, interval: &Interval, tz: Tz, offset: i64) -> Option<i64> {
    let shifted = ms.checked_sub(offset)?;
    let key = match interval {
        Interval::Calendar(Unit::Month, 3) => {
            let month_start = datemath::floor(shifted, Unit::Month, tz)?;
            let mut k = month_start;
            // Walk back to the first month of the quarter.
            for _ in 0..3 {
                let local = chrono::DateTime::from_timestamp_millis(k + i64::from(tz) * 1000)?;
                if chrono::Datelike::month0(&local) % 3 == 0 {
                    break;
                }
                k = datemath::add(k, -1, Unit::Month, tz)?;
            }
            k
        }
        Interval::Calendar(unit, _) => datemath::floor(shifted, *unit, tz)?,
        Interval::Fixed(step) => {
            let local = shifted + i64::from(tz) * 1000;
            local.div_euclid(*step) * step - i64::from(tz) * 1000
        }
    };
    key.checked_add(offset)
}

fn next_key(key: i64, interval: &Interval, tz: Tz) -> Option<i64> {
    match interval {
        Interval::Calendar(unit, n) => datemath::add(key, i64::from(*n), *unit, tz),
        Interval::Fixed(step) => key.checked_add(*step),
    }
}

/// Feeds one matching document into `states`.
pub fn collect(aggs: &[Agg], states: &mut [State], doc: &Doc) {
    for (agg, state) in aggs.iter().zip(states.iter_mut()) {
        match (&agg.kind, &mut state.0) {
            (
                Kind::Terms {
                    field, ty, missing, ..
                },
                StateKind::Keys(map),
            ) => {
                for key in doc_keys(doc, field, *ty, missing.as_ref()) {
                    let b = map.entry(key).or_insert_with(|| new_bucket(&agg.subs));
                    b.doc_count += 1;
                    collect(&agg.subs, &mut b.subs, doc);
                }
            }
            (
                Kind::DateHistogram {
                    field,
                    interval,
                    tz,
                    offset,
                    ..
                },
                StateKind::Dates(map),
            ) => {
                let mut keys: Vec<i64> = Vec::new();
                mapping::any_value(&doc.source, field, &mut |v| {
                    let ms = mapping::date_of(v);
                    if let Some(k) = ms.and_then(|ms| bucket_key(ms, interval, *tz, *offset))
                        && !keys.contains(&k)
                    {
                        keys.push(k);
                    }
                    false
                });
                for k in keys {
                    let b = map.entry(k).or_insert_with(|| new_bucket(&agg.subs));
                    b.doc_count += 1;
                    collect(&agg.subs, &mut b.subs, doc);
                }
            }
            (
                Kind::Metric {
                    metric,
                    field,
                    ty,
                    missing,
                },
                StateKind::Metric(m),
            ) => {
                let mut seen = false;
                let add = |v: &Value, m: &mut MetricState| match metric {
                    Metric::Cardinality => {
                        if let Some(k) = key_of(*ty, v) {
                            m.distinct.insert(k);
                        }
                    }
                    Metric::ValueCount => {
                        if key_of(*ty, v).is_some() {
                            m.count += 1;
                        }
                    }
                    _ => {
                        if let Some(x) = numeric_of(*ty, v) {
                            m.count += 1;
                            m.sum += x;
                            m.min = m.min.min(x);
                            m.max = m.max.max(x);
                        }
                    }
                };
                mapping::any_value(&doc.source, field, &mut |v| {
                    seen = true;
                    add(v, m);
                    false
                });
                if !seen && let Some(v) = missing {
                    add(v, m);
                }
            }
            (Kind::Filter(q), StateKind::One(b)) if q.matches(doc) => {
                b.doc_count += 1;
                collect(&agg.subs, &mut b.subs, doc);
            }
            (Kind::Missing(field), StateKind::One(b)) => {
                let ty = mapping::field_type(field);
                let present = mapping::any_value(&doc.source, field, &mut |v| {
                    key_of(ty, v).is_some() || v.is_object()
                });
                if !present {
                    b.doc_count += 1;
                    collect(&agg.subs, &mut b.subs, doc);
                }
            }
            (Kind::Filters { named, other, .. }, StateKind::Many(buckets)) => {
                let mut any = false;
                for ((_, q), b) in named.iter().zip(buckets.iter_mut()) {
                    if q.matches(doc) {
                        any = true;
                        b.doc_count += 1;
                        collect(&agg.subs, &mut b.subs, doc);
                    }
                }
                if other.is_some()
                    && !any
                    && let Some(b) = buckets.last_mut()
                {
                    b.doc_count += 1;
                    collect(&agg.subs, &mut b.subs, doc);
                }
            }
            _ => {}
        }
    }
}

fn metric_value(metric: Metric, m: &MetricState, stat: Option<&str>) -> Option<f64> {
    let avg = (m.count > 0).then(|| m.sum / m.count as f64);
    let min = (m.count > 0).then_some(m.min);
    let max = (m.count > 0).then_some(m.max);
    match (metric, stat) {
        (Metric::Stats, Some("count")) | (Metric::ValueCount, _) => Some(m.count as f64),
        (Metric::Cardinality, _) => Some(m.distinct.len() as f64),
        (Metric::Stats, Some("min")) | (Metric::Min, _) => min,
        (Metric::Stats, Some("max")) | (Metric::Max, _) => max,
        (Metric::Stats, Some("sum")) | (Metric::Sum, _) => Some(m.sum),
        (Metric::Stats, _) | (Metric::Avg, _) => avg,
    }
}

/// Counts rendered buckets against `search.max_buckets`.
struct Budget(usize);

impl Budget {
    fn take(&mut self, n: usize) -> Result<(), DslError> {
        self.0 += n;
        if self.0 > MAX_BUCKETS {
            return Err(err(
                "too_many_buckets_exception",
                format!(
                    "Trying to create too many buckets. Must be less than or equal to: [{MAX_BUCKETS}] but was [{}]. This limit can be set by changing the [search.max_buckets] cluster level setting.",
                    self.0
                ),
            ));
        }
        Ok(())
    }
}

/// Renders the `aggregations` object.
pub fn render(aggs: &[Agg], states: &[State]) -> Result<Value, DslError> {
    let mut budget = Budget(0);
    render_with(aggs, states, &mut budget).map(Value::Object)
}

fn render_with(
    aggs: &[Agg],
    states: &[State],
    budget: &mut Budget,
) -> Result<Map<String, Value>, DslError> {
    let mut out = Map::new();
    for (agg, state) in aggs.iter().zip(states) {
        let mut body = Map::new();
        if let Some(meta) = &agg.meta {
            body.insert("meta".into(), meta.clone());
        }
        render_one(agg, state, budget, &mut body)?;
        out.insert(agg.name.clone(), Value::Object(body));
    }
    Ok(out)
}

fn bucket_body(
    agg: &Agg,
    b: &Bucket,
    budget: &mut Budget,
    body: &mut Map<String, Value>,
) -> Result<(), DslError> {
    body.insert("doc_count".into(), json!(b.doc_count));
    body.extend(render_with(&agg.subs, &b.subs, budget)?);
    Ok(())
}

fn sub_value(agg: &Agg, b: &Bucket, name: &str, stat: Option<&str>) -> f64 {
    for (sub, state) in agg.subs.iter().zip(&b.subs) {
        if sub.name != name {
            continue;
        }
        return match (&sub.kind, &state.0) {
            (Kind::Metric { metric, .. }, StateKind::Metric(m)) => {
                metric_value(*metric, m, stat).unwrap_or(f64::NEG_INFINITY)
            }
            (_, StateKind::One(inner)) => inner.doc_count as f64,
            _ => 0.0,
        };
    }
    0.0
}

fn compare_buckets(
    agg: &Agg,
    order: &[(OrderKey, bool)],
    a: (&Key, &Bucket),
    b: (&Key, &Bucket),
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for (key, asc) in order {
        let ord = match key {
            OrderKey::Count => a.1.doc_count.cmp(&b.1.doc_count),
            OrderKey::Key => a.0.cmp_key(b.0),
            OrderKey::Sub(name, stat) => sub_value(agg, a.1, name, stat.as_deref())
                .total_cmp(&sub_value(agg, b.1, name, stat.as_deref())),
        };
        let ord = if *asc { ord } else { ord.reverse() };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn render_one(
    agg: &Agg,
    state: &State,
    budget: &mut Budget,
    body: &mut Map<String, Value>,
) -> Result<(), DslError> {
    match (&agg.kind, &state.0) {
        (
            Kind::Terms {
                ty,
                size,
                min_doc_count,
                order,
                include,
                exclude,
                ..
            },
            StateKind::Keys(map),
        ) => {
            let mut entries: Vec<(&Key, &Bucket)> = map
                .iter()
                .filter(|(k, b)| {
                    let text = k.text();
                    b.doc_count >= *min_doc_count
                        && include.as_ref().is_none_or(|f| f.accepts(&text))
                        && !exclude.as_ref().is_some_and(|f| f.accepts(&text))
                })
                .collect();
            entries.sort_by(|a, b| compare_buckets(agg, order, *a, *b));
            let other: u64 = entries.iter().skip(*size).map(|(_, b)| b.doc_count).sum();
            entries.truncate(*size);
            budget.take(entries.len())?;
            let mut buckets = Vec::with_capacity(entries.len());
            for (key, b) in entries {
                let mut m = Map::new();
                match key {
                    Key::Str(s) => {
                        m.insert("key".into(), json!(s));
                    }
                    Key::Long(n) => {
                        m.insert("key".into(), json!(n));
                        match ty {
                            FieldType::Date => {
                                m.insert(
                                    "key_as_string".into(),
                                    json!(datemath::format_millis(*n, DEFAULT_FORMAT, 0)),
                                );
                            }
                            FieldType::Boolean => {
                                m.insert(
                                    "key_as_string".into(),
                                    json!(if *n != 0 { "true" } else { "false" }),
                                );
                            }
                            _ => {}
                        }
                    }
                    Key::Double(f) => {
                        m.insert("key".into(), float(*f));
                    }
                }
                bucket_body(agg, b, budget, &mut m)?;
                buckets.push(Value::Object(m));
            }
            body.insert("doc_count_error_upper_bound".into(), json!(0));
            body.insert("sum_other_doc_count".into(), json!(other));
            body.insert("buckets".into(), Value::Array(buckets));
        }
        (
            Kind::DateHistogram {
                interval,
                tz,
                format,
                min_doc_count,
                bounds,
                order,
                keyed,
                offset,
                ..
            },
            StateKind::Dates(map),
        ) => {
            let mut keys: Vec<i64> = map.keys().copied().collect();
            if *min_doc_count == 0 {
                let lo = bounds
                    .and_then(|b| b.0)
                    .and_then(|ms| bucket_key(ms, interval, *tz, *offset));
                let hi = bounds
                    .and_then(|b| b.1)
                    .and_then(|ms| bucket_key(ms, interval, *tz, *offset));
                let first = [keys.first().copied(), lo].into_iter().flatten().min();
                let last = [keys.last().copied(), hi].into_iter().flatten().max();
                if let (Some(first), Some(last)) = (first, last) {
                    keys.clear();
                    let mut k = first;
                    while k <= last {
                        keys.push(k);
                        if keys.len() > MAX_BUCKETS {
                            budget.take(keys.len())?;
                        }
                        match next_key(k, interval, *tz) {
                            Some(n) if n > k => k = n,
                            _ => break,
                        }
                    }
                }
            }
            let empty = new_bucket(&agg.subs);
            let mut entries: Vec<(Key, &Bucket)> = keys
                .iter()
                .map(|k| (Key::Long(*k), map.get(k).unwrap_or(&empty)))
                .filter(|(_, b)| b.doc_count >= *min_doc_count)
                .collect();
            let mut order = vec![order.clone()];
            order.push((OrderKey::Key, true));
            entries.sort_by(|a, b| compare_buckets(agg, &order, (&a.0, a.1), (&b.0, b.1)));
            budget.take(entries.len())?;
            let mut rendered = Vec::with_capacity(entries.len());
            for (key, b) in entries {
                let Key::Long(ms) = key else { continue };
                let mut m = Map::new();
                let text = datemath::format_millis(ms, format, *tz);
                m.insert("key_as_string".into(), json!(text));
                m.insert("key".into(), json!(ms));
                bucket_body(agg, b, budget, &mut m)?;
                rendered.push((text, Value::Object(m)));
            }
            body.insert(
                "buckets".into(),
                if *keyed {
                    Value::Object(rendered.into_iter().collect())
                } else {
                    Value::Array(rendered.into_iter().map(|(_, v)| v).collect())
                },
            );
        }
        (Kind::Metric { metric, ty, .. }, StateKind::Metric(m)) => {
            let is_date = *ty == FieldType::Date;
            let with_string = |body: &mut Map<String, Value>, key: &str, v: Option<f64>| {
                body.insert(key.into(), v.map_or(Value::Null, float));
                if let (true, Some(v)) = (is_date, v) {
                    body.insert(
                        format!("{key}_as_string"),
                        json!(datemath::format_millis(v as i64, DEFAULT_FORMAT, 0)),
                    );
                }
            };
            match metric {
                Metric::ValueCount => {
                    body.insert("value".into(), json!(m.count));
                }
                Metric::Cardinality => {
                    body.insert("value".into(), json!(m.distinct.len()));
                }
                Metric::Stats => {
                    body.insert("count".into(), json!(m.count));
                    with_string(body, "min", metric_value(Metric::Min, m, None));
                    with_string(body, "max", metric_value(Metric::Max, m, None));
                    with_string(body, "avg", metric_value(Metric::Avg, m, None));
                    with_string(body, "sum", Some(m.sum));
                }
                Metric::Sum => {
                    body.insert("value".into(), float(m.sum));
                }
                other => with_string(body, "value", metric_value(*other, m, None)),
            }
        }
        (Kind::Filter(_) | Kind::Missing(_), StateKind::One(b)) => {
            bucket_body(agg, b, budget, body)?;
        }
        (
            Kind::Filters {
                named,
                keyed,
                other,
            },
            StateKind::Many(buckets),
        ) => {
            budget.take(buckets.len())?;
            let names = named
                .iter()
                .map(|(n, _)| n.clone())
                .chain(other.iter().cloned());
            let mut keyed_out = Map::new();
            let mut list = Vec::new();
            for (name, b) in names.zip(buckets) {
                let mut m = Map::new();
                bucket_body(agg, b, budget, &mut m)?;
                if *keyed {
                    keyed_out.insert(name, Value::Object(m));
                } else {
                    list.push(Value::Object(m));
                }
            }
            body.insert(
                "buckets".into(),
                if *keyed {
                    Value::Object(keyed_out)
                } else {
                    Value::Array(list)
                },
            );
        }
        _ => {}
    }
    Ok(())
}
