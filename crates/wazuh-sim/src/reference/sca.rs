//! SCA policy files (`sca/*.yml`) into [`ScaPolicy`] values.
//!
//! Read leniently through `serde_yaml::Value`: a missing text field is empty and scalars that
//! YAML reads as numbers or booleans keep their text form, so a policy that `wazuh-modulesd`
//! accepts is not rejected here. Only a file that is not YAML, or that has no `policy.id` or
//! `checks`, is an error.

use serde_yaml::Value;

use super::{ScaCheck, ScaPolicy};

/// Parses one policy file; `file_name` is used when the policy does not name its file.
pub(crate) fn parse_policy(file_name: &str, text: &str) -> Result<ScaPolicy, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let policy = doc.get("policy").ok_or("no `policy` section")?;
    let id = policy.get("id").and_then(scalar).ok_or("no `policy.id`")?;
    let checks = doc
        .get("checks")
        .and_then(Value::as_sequence)
        .ok_or("no `checks` list")?;
    let checks = checks
        .iter()
        .enumerate()
        .map(|(n, check)| parse_check(check).map_err(|m| format!("check #{}: {m}", n + 1)))
        .collect::<Result<Vec<_>, _>>()?;

    let name = text_field(policy, "name");
    let requirement_rules = doc
        .get("requirements")
        .map(|r| strings(r, "rules"))
        .unwrap_or_default();
    Ok(ScaPolicy {
        platform: platform(&id, &name, &requirement_rules).to_owned(),
        file: policy
            .get("file")
            .and_then(scalar)
            .unwrap_or_else(|| file_name.to_owned()),
        description: text_field(policy, "description"),
        references: strings(policy, "references"),
        id,
        name,
        checks,
    })
}

fn parse_check(check: &Value) -> Result<ScaCheck, String> {
    let id = match check.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or("no numeric `id`")?;
    let compliance = match check.get("compliance") {
        Some(Value::Sequence(entries)) => entries.iter().flat_map(compliance_pairs).collect(),
        Some(map @ Value::Mapping(_)) => compliance_pairs(map),
        _ => Vec::new(),
    };
    Ok(ScaCheck {
        id,
        title: text_field(check, "title"),
        description: text_field(check, "description"),
        rationale: text_field(check, "rationale"),
        remediation: text_field(check, "remediation"),
        references: strings(check, "references"),
        compliance,
        condition: text_field(check, "condition"),
        rules: strings(check, "rules"),
    })
}

/// `{cis: ["1.1.1", "1.1.2"]}` → `[("cis", "1.1.1"), ("cis", "1.1.2")]`; a single scalar value
/// gives one pair.
fn compliance_pairs(entry: &Value) -> Vec<(String, String)> {
    let Some(map) = entry.as_mapping() else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for (key, values) in map {
        let Some(key) = scalar(key) else { continue };
        match values {
            Value::Sequence(items) => {
                pairs.extend(items.iter().filter_map(scalar).map(|v| (key.clone(), v)));
            }
            other => pairs.extend(scalar(other).map(|v| (key.clone(), v))),
        }
    }
    pairs
}

/// `windows` for Windows policies, `darwin` for macOS ones, `linux` otherwise, from the policy's
/// id and name, then from its requirements (registry rules exist only on Windows).
fn platform(id: &str, name: &str, requirement_rules: &[String]) -> &'static str {
    let words = format!("{id} {name}").to_lowercase();
    if ["darwin", "macos", "mac os", "apple"]
        .iter()
        .any(|w| words.contains(w))
    {
        "darwin"
    } else if words.contains("win") || requirement_rules.iter().any(|r| r.contains("r:HK")) {
        "windows"
    } else {
        "linux"
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn text_field(map: &Value, key: &str) -> String {
    map.get(key).and_then(scalar).unwrap_or_default()
}

fn strings(map: &Value, key: &str) -> Vec<String> {
    match map.get(key) {
        Some(Value::Sequence(items)) => items.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_policy() {
        let text = r#"
policy:
  id: "sample_win"
  name: "Sample"
  description: "d"
  references:
    - https://example.org/
requirements:
  rules:
    - 'r:HKLM\SOFTWARE -> ProductName'
checks:
  - id: 27000
    title: "T"
    compliance:
      - cis: ["1.1.1", "1.1.2"]
      - cis_csc_v7: [16.2]
    condition: all
    rules:
      - 'r:HKLM\X -> Y -> n:^(\d+) compare >= 24'
"#;
        let policy = parse_policy("sample_win.yml", text).unwrap();
        assert_eq!(policy.platform, "windows");
        assert_eq!(policy.file, "sample_win.yml");
        assert_eq!(policy.checks.len(), 1);
        let check = &policy.checks[0];
        assert_eq!(check.id, 27000);
        assert_eq!(check.rationale, "");
        assert_eq!(
            check.compliance,
            [("cis", "1.1.1"), ("cis", "1.1.2"), ("cis_csc_v7", "16.2")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert_eq!(check.rules.len(), 1);
    }

    #[test]
    fn platform_from_names() {
        assert_eq!(platform("cis_ubuntu22-04", "", &[]), "linux");
        assert_eq!(platform("cis_win2022", "", &[]), "windows");
        assert_eq!(platform("cis_apple_macOS_14", "", &[]), "darwin");
        assert_eq!(platform("cis_darwin", "", &[]), "darwin");
    }

    #[test]
    fn bad_policies_are_errors() {
        assert!(parse_policy("x", "checks: []").is_err());
        assert!(parse_policy("x", "policy: {id: a}\nchecks:\n  - title: no id").is_err());
        assert!(parse_policy("x", ": : :").is_err());
    }
}
