//! Request validation as the Wazuh API does it (connexion with strict validation): the route
//! must exist in the spec of the simulated version, query parameters must be known, and every
//! value must match its type, range, format and enumeration.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    Query,
    Path,
}

/// Scalar value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
}

/// A scalar parameter schema.
#[derive(Debug, Clone, Copy)]
pub struct Scalar {
    pub ty: Ty,
    /// Wazuh's custom format name (`numbers`, `alphanumeric`, ...).
    pub format: Option<&'static str>,
    pub enumeration: &'static [&'static str],
    pub min_len: Option<i64>,
}

/// A parameter schema.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bool,
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    Scalar(Scalar),
    /// Comma-separated values.
    Array(Scalar),
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub loc: Loc,
    pub required: bool,
    pub kind: Kind,
}

/// One operation of a spec.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub method: &'static str,
    /// Path template, e.g. `/syscollector/{agent_id}/packages`.
    pub path: &'static str,
    /// Whether the operation takes a request body.
    pub body: bool,
    pub params: &'static [Param],
}

impl Op {
    /// `"GET /agents"`: the key handlers are registered under.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The outcome of routing a request against a spec.
pub enum Route<'s> {
    Found(&'s Op, BTreeMap<String, String>),
    /// The path exists, but not with this method.
    MethodNotAllowed,
    NotFound,
}

/// Finds the operation for `method` and `path` (literal segments win over `{params}`).
pub fn route<'s>(ops: &'s [Op], method: &str, path: &str) -> Route<'s> {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &'s Op, BTreeMap<String, String>)> = None;
    let mut path_known = false;
    for op in ops {
        let Some((literals, params)) = match_template(op.path, &segments) else {
            continue;
        };
        path_known = true;
        if !op.method.eq_ignore_ascii_case(method) {
            continue;
        }
        if best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
            best = Some((literals, op, params));
        }
    }
    match best {
        Some((_, op, params)) => Route::Found(op, params),
        None if path_known => Route::MethodNotAllowed,
        None => Route::NotFound,
    }
}

fn match_template(template: &str, segments: &[&str]) -> Option<(usize, BTreeMap<String, String>)> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    let mut params = BTreeMap::new();
    for (part, seg) in parts.iter().zip(segments) {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if seg.is_empty() {
                return None;
            }
            params.insert(name.to_string(), percent_decode(seg));
        } else if part == seg {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((literals, params))
}

/// Decodes `%XX` escapes of a path segment (invalid escapes are kept as they are).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checks query and path parameters of a request against `op`; the error is the `detail` of
/// the 400 answer.
pub fn validate(
    op: &Op,
    query: &BTreeMap<String, String>,
    path: &BTreeMap<String, String>,
) -> Result<(), String> {
    let extra: Vec<&str> = query
        .keys()
        .filter(|k| {
            !op.params
                .iter()
                .any(|p| p.loc == Loc::Query && p.name == k.as_str())
        })
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        return Err(format!(
            "Extra query parameter(s) {} not in spec",
            extra.join(", ")
        ));
    }
    for param in op.params {
        let value = match param.loc {
            Loc::Query => query.get(param.name),
            Loc::Path => path.get(param.name),
        };
        let Some(value) = value else {
            if param.required {
                return Err(format!("Missing query parameter '{}'", param.name));
            }
            continue;
        };
        check_kind(&param.kind, value)?;
    }
    Ok(())
}

fn check_kind(kind: &Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Bool => parse_bool(value)
            .map(|_| ())
            .ok_or_else(|| format!("'{value}' is not of type 'boolean'")),
        Kind::Int { min, max } => {
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| format!("'{value}' is not of type 'integer'"))?;
            if let Some(min) = min
                && n < *min
            {
                return Err(format!("{n} is less than the minimum of {min}"));
            }
            if let Some(max) = max
                && n > *max
            {
                return Err(format!("{n} is greater than the maximum of {max}"));
            }
            Ok(())
        }
        Kind::Scalar(s) => check_scalar(s, value),
        Kind::Array(s) => {
            for item in value.split(',') {
                check_scalar(s, item)?;
            }
            Ok(())
        }
    }
}

/// Parses a boolean query value the way the API accepts it.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn check_scalar(s: &Scalar, value: &str) -> Result<(), String> {
    if s.ty == Ty::Int {
        return value
            .trim()
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| format!("'{value}' is not of type 'integer'"));
    }
    if let Some(min) = s.min_len
        && (value.chars().count() as i64) < min
    {
        return Err(format!("'{value}' is too short"));
    }
    // The API lower-cases enumerated values before validating them (`status=DiScoNNected` is valid).
    if !s.enumeration.is_empty() && !s.enumeration.iter().any(|e| e.eq_ignore_ascii_case(value)) {
        let options: Vec<String> = s.enumeration.iter().map(|e| format!("'{e}'")).collect();
        return Err(format!("'{value}' is not one of [{}]", options.join(", ")));
    }
    if let Some(format) = s.format
        && !format_ok(format, value)
    {
        return Err(format!("'{value}' is not a '{format}'"));
    }
    Ok(())
}

macro_rules! re {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new($pattern).ok());
    };
}

// The format checkers of the Wazuh API (api/api/validator.py).
re!(ALPHANUMERIC, r"^[\w,\-.+\s:]+$");
re!(SYMBOLS_ALPHANUMERIC, r#"^[\w,*<>!\-.+\s:/()\[\]'"|=~#]+$"#);
re!(NAMES, r"^(?-u:[\w\-.%])+$");
re!(NUMBERS, r"^\d+$");
re!(NUMBERS_OR_ALL, r"^(\d+|all)$");
re!(GROUP_NAMES, r"^[A-Za-z0-9.\-_]+$");
re!(
    HASHES,
    r"^(?:[\da-fA-F]{32}|[\da-fA-F]{40}|[\da-fA-F]{56}|[\da-fA-F]{64}|[\da-fA-F]{96}|[\da-fA-F]{128})?$"
);
re!(
    DATE,
    r"^([0-9]{4})-(1[0-2]|0[1-9])-(3[01]|0[1-9]|[12][0-9])$"
);
re!(PATHS, r"^[\w\-.\\/:]+$");
re!(SEARCH, r"^[^;|&^*>]+$");
re!(SORT, r"^[\w_\-,\s+.]+$");
re!(TIMEFRAME, r"^(\d+[dhms]?)$");
re!(VERSION, r"(?i)^(?:wazuh |)v?\d+\.\d+\.\d+$");
re!(XML_FILENAME, r"^[\w\-]+\.xml$");
re!(RANGE, r"^[0-9]+$|^[0-9]{1,2}-[0-9]{1,2}$");
re!(DIRNAMES, r"^(?:[\w\-]+/)*[\w\-]+/?$");

fn format_ok(format: &str, value: &str) -> bool {
    let check = |re: &LazyLock<Option<Regex>>| re.as_ref().is_none_or(|r| r.is_match(value));
    let traversal = ["../", "..\\", "/..", "\\.."]
        .iter()
        .any(|t| value.contains(t));
    match format {
        "alphanumeric" => check(&ALPHANUMERIC),
        "alphanumeric_symbols" | "symbols_alphanumeric_param" => check(&SYMBOLS_ALPHANUMERIC),
        "names" => check(&NAMES),
        "numbers" => check(&NUMBERS),
        "numbers_or_all" => check(&NUMBERS_OR_ALL),
        "group_names" => check(&GROUP_NAMES) && !matches!(value, "." | ".." | "all"),
        "group_names_or_all" => check(&GROUP_NAMES) && !matches!(value, "." | ".."),
        "hash" => check(&HASHES),
        "date" => check(&DATE),
        "paths" | "path" => !traversal && check(&PATHS),
        "search" => check(&SEARCH),
        "sort" => check(&SORT),
        "timeframe" => check(&TIMEFRAME),
        "wazuh_version" => check(&VERSION),
        "xml_filename" | "xml_filename_path" => !traversal && check(&XML_FILENAME),
        "range" => check(&RANGE),
        "get_dirnames_path" => !traversal && check(&DIRNAMES),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::spec::V4_14_7;

    fn query(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn check(method: &str, path: &str, pairs: &[(&str, &str)]) -> Result<(), String> {
        match route(V4_14_7, method, path) {
            Route::Found(op, params) => validate(op, &query(pairs), &params),
            Route::MethodNotAllowed => Err("405".into()),
            Route::NotFound => Err("404".into()),
        }
    }

    #[test]
    fn routes_literals_before_parameters() {
        let Route::Found(op, params) = route(V4_14_7, "GET", "/agents/summary/status") else {
            panic!("route not found");
        };
        assert_eq!(op.path, "/agents/summary/status");
        assert!(params.is_empty());
        let Route::Found(op, params) = route(V4_14_7, "GET", "/syscollector/001/packages") else {
            panic!("route not found");
        };
        assert_eq!(op.path, "/syscollector/{agent_id}/packages");
        assert_eq!(params["agent_id"], "001");
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert!(matches!(route(V4_14_7, "GET", "/nope"), Route::NotFound));
        assert!(matches!(
            route(V4_14_7, "PATCH", "/agents"),
            Route::MethodNotAllowed
        ));
    }

    #[test]
    fn rejects_what_the_api_rejects() {
        assert_eq!(
            check("GET", "/agents", &[("foo", "1")]),
            Err("Extra query parameter(s) foo not in spec".into())
        );
        assert!(check("GET", "/agents", &[("limit", "0")]).is_err());
        assert!(check("GET", "/agents", &[("limit", "100001")]).is_err());
        assert!(check("GET", "/agents", &[("limit", "abc")]).is_err());
        assert!(check("GET", "/agents", &[("status", "sleeping")]).is_err());
        assert!(check("GET", "/agents", &[("pretty", "yes")]).is_err());
        assert_eq!(
            check("GET", "/syscollector/1/packages", &[]),
            Err("'1' is too short".into())
        );
        assert_eq!(
            check("GET", "/syscollector/ab/packages", &[]),
            Err("'ab' is too short".into())
        );
        assert_eq!(
            check("GET", "/syscollector/abcd/packages", &[]),
            Err("'abcd' is not a 'numbers'".into())
        );
        assert!(check("GET", "/rules/files/..%2Fetc%2Fpasswd", &[]).is_err());
    }

    #[test]
    fn accepts_valid_requests() {
        assert_eq!(
            check(
                "GET",
                "/agents",
                &[
                    ("limit", "10"),
                    ("offset", "0"),
                    ("status", "active,disconnected"),
                    ("q", "os.platform=ubuntu"),
                    ("select", "id,name,os.platform"),
                    ("sort", "-name"),
                ]
            ),
            Ok(())
        );
        assert_eq!(check("GET", "/syscollector/001/packages", &[]), Ok(()));
        assert_eq!(
            check(
                "GET",
                "/rules/files/0095-sshd_rules.xml",
                &[("raw", "true")]
            ),
            Ok(())
        );
    }
}
