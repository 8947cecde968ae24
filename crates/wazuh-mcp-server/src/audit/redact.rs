//! Redaction of tool arguments before they reach the audit log.

use serde_json::Value;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Key fragments whose values never reach the audit log, matched case-insensitively anywhere in
/// the key (`X-Api-Key`, `db_password`, `refreshToken`, `Authorization` ...). Over-matching
/// (`keyword`) only hides an argument from the log, which is the safe side.
const SECRET_KEY_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "credential",
    "cookie",
    "key",
];

/// Longest string kept in the log; longer ones are cut (arguments come from clients and an
/// audit line should stay a line, not a payload).
const MAX_STRING: usize = 1024;

/// A copy of `value` with the values of secret-looking keys replaced by [`REDACTED`] at any
/// depth (objects inside arrays included), bearer credentials and JWT-shaped strings replaced
/// wherever they appear, and long strings cut.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) {
                        Value::String(REDACTED.into())
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::String(s) if looks_like_credential(s) => Value::String(REDACTED.into()),
        Value::String(s) => Value::String(truncate(s, MAX_STRING)),
        other => other.clone(),
    }
}

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|part| key.contains(part))
}

/// `Bearer ...`/`Basic ...` values and JWTs (`eyJ...` with three dot-separated parts).
fn looks_like_credential(s: &str) -> bool {
    let t = s.trim();
    let lower = t.get(..7).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("bearer ") || lower.starts_with("basic ") {
        return true;
    }
    t.starts_with("eyJ")
        && t.split('.').count() == 3
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '='))
}

/// Cuts `s` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated]", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_arrays_and_case() {
        let input = json!({
            "agent_id": "001",
            "Password": "hunter2-a",
            "nested": {
                "API_KEY": "hunter2-b",
                "deeper": [{"refreshToken": "hunter2-c"}, {"ok": "visible"}],
                "Authorization": {"scheme": "hunter2-d"},
            },
            "list": [["x", {"client_secret": "hunter2-e"}]],
            "apiKey": 42,
            "header": "Bearer hunter2-f",
            "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.hunter2-g",
        });
        let out = redact(&input);
        let text = out.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(out["agent_id"], "001");
        assert_eq!(out["Password"], REDACTED);
        assert_eq!(out["nested"]["API_KEY"], REDACTED);
        assert_eq!(out["nested"]["deeper"][0]["refreshToken"], REDACTED);
        assert_eq!(out["nested"]["deeper"][1]["ok"], "visible");
        assert_eq!(out["nested"]["Authorization"], REDACTED);
        assert_eq!(out["list"][0][1]["client_secret"], REDACTED);
        assert_eq!(out["apiKey"], REDACTED);
        assert_eq!(out["header"], REDACTED);
        assert_eq!(out["jwt"], REDACTED);
    }

    #[test]
    fn long_strings_are_cut_on_a_char_boundary() {
        let long = "é".repeat(2000);
        let out = redact(&json!({ "search": long }));
        let s = out["search"].as_str().unwrap();
        assert!(s.len() < 1100 && s.ends_with("[truncated]"), "{}", s.len());
    }
}
