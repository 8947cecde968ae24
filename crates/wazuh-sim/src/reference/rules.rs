//! Rule files into `GET /rules` items, as `load_rules_from_file` in the Wazuh 4.14 framework
//! (`framework/wazuh/core/rule.py`) builds them.

use serde_json::{Map, Value, json};

use super::xml::{self, Element};

/// Compliance prefixes that `set_groups` moves out of `groups`, in upstream's order (the first
/// prefix that matches wins).
const RULE_REQUIREMENTS: [&str; 7] = [
    "pci_dss",
    "gdpr",
    "hipaa",
    "nist_800_53",
    "gpg13",
    "tsc",
    "mitre",
];

/// Rule options whose value becomes `{"pattern": ..., <attributes>}` (upstream
/// `DYNAMIC_OPTIONS`).
const DYNAMIC_OPTIONS: [&str; 18] = [
    "regex",
    "field",
    "match",
    "action",
    "extra_data",
    "hostname",
    "id",
    "location",
    "program_name",
    "protocol",
    "user",
    "url",
    "srcport",
    "dstport",
    "status",
    "system_name",
    "srcgeoip",
    "dstgeoip",
];

/// Parses one rule file into `GET /rules` items.
///
/// Anything that makes the framework raise (a rule without `id` or `level`, a level that is not
/// a number, a `<field>` without `name`, ...) is an error here too: a real manager cannot list
/// the rules at all in that case.
pub(crate) fn parse_rule_file(
    filename: &str,
    relative_dirname: &str,
    status: &str,
    text: &str,
) -> Result<Vec<Value>, String> {
    let top = xml::parse(text)?;

    // `root.findall('var')`: top-level <var> elements, exact tag.
    let vars: Vec<(&str, Option<&str>)> = top
        .iter()
        .filter(|e| e.tag == "var")
        .map(|e| {
            e.attr("name")
                .map(|name| (name, e.text.as_deref()))
                .ok_or_else(|| "<var> without a name attribute".to_owned())
        })
        .collect::<Result<_, _>>()?;

    let mut rules = Vec::new();
    for group in top.iter().filter(|e| e.tag.eq_ignore_ascii_case("group")) {
        let general_groups: Vec<&str> = group
            .attr("name")
            .ok_or_else(|| "<group> without a name attribute".to_owned())?
            .split(',')
            .collect();
        for rule in group
            .children
            .iter()
            .filter(|e| e.tag.eq_ignore_ascii_case("rule"))
        {
            rules.push(build_rule(
                rule,
                &general_groups,
                &vars,
                filename,
                relative_dirname,
                status,
            )?);
        }
    }
    Ok(rules)
}

fn build_rule(
    rule: &Element,
    general_groups: &[&str],
    vars: &[(&str, Option<&str>)],
    filename: &str,
    relative_dirname: &str,
    status: &str,
) -> Result<Value, String> {
    let id = int_attr(rule, "id", vars)?;
    let level = int_attr(rule, "level", vars)?;
    let context = |message: String| format!("rule {id}: {message}");

    let mut details = Map::new();
    for (key, value) in &rule.attrs {
        if key != "id" && key != "level" {
            details.insert(key.clone(), Value::String(value.clone()));
        }
    }

    let mut groups: Vec<String> = Vec::new();
    let mut description = String::new();
    for option in &rule.children {
        let tag = option.tag.to_lowercase();
        let value = option.text.clone().unwrap_or_default();
        match tag.as_str() {
            "group" => groups.extend(value.split(',').map(str::to_owned)),
            "mitre" => {
                for mitre_id in &option.children {
                    // Python formats a missing text as `None`.
                    let text = mitre_id.text.as_deref().unwrap_or("None");
                    groups.push(format!("mitre_{text}"));
                }
            }
            "description" => description.push_str(&value),
            "list" | "info" => {
                let mut item = Map::new();
                item.insert("name".into(), Value::String(value));
                for (key, attr) in &option.attrs {
                    item.insert(key.clone(), Value::String(attr.clone()));
                }
                add_detail(&mut details, &tag, Value::Object(item));
            }
            _ if DYNAMIC_OPTIONS.contains(&tag.as_str()) => {
                // A value that names a <var> (`$NAME`) is replaced by the variable's text.
                let mut value = Some(value);
                if let Some(name) = value.as_deref().and_then(|v| v.strip_prefix('$'))
                    && let Some((_, text)) = vars.iter().rev().find(|(var, _)| *var == name)
                {
                    value = text.map(str::to_owned);
                }
                let mut attrs = option.attrs.clone();
                let key = if tag == "field" {
                    let at = attrs
                        .iter()
                        .position(|(k, _)| k == "name")
                        .ok_or_else(|| context("<field> without a name attribute".into()))?;
                    attrs.remove(at).1
                } else {
                    tag
                };
                add_dynamic_detail(&mut details, &key, value, &attrs).map_err(context)?;
            }
            _ => add_detail(&mut details, &tag, Value::String(value)),
        }
    }

    let mut item = json!({
        "filename": filename,
        "relative_dirname": relative_dirname,
        "id": id,
        "level": level,
        "status": status,
        "details": Value::Object(details),
        "pci_dss": [],
        "gpg13": [],
        "gdpr": [],
        "hipaa": [],
        "nist_800_53": [],
        "tsc": [],
        "mitre": [],
        "groups": [],
        "description": description,
    });
    groups.extend(general_groups.iter().map(|g| (*g).to_owned()));
    set_groups(&mut item, groups);
    Ok(item)
}

/// `int(variables.get(attr, attr))`: the attribute, or the `<var>` it names, as an integer.
fn int_attr(rule: &Element, name: &str, vars: &[(&str, Option<&str>)]) -> Result<i64, String> {
    let raw = rule
        .attr(name)
        .ok_or_else(|| format!("<rule> without a {name} attribute"))?;
    // Later <var>s with the same name win, as in the Python dict upstream builds.
    let var = raw
        .strip_prefix('$')
        .and_then(|var| vars.iter().rev().find(|(n, _)| *n == var));
    let resolved = match var {
        Some((_, Some(text))) => *text,
        Some((_, None)) => return Err(format!("variable {raw} has no value")),
        None => raw,
    };
    parse_python_int(resolved)
        .ok_or_else(|| format!("<rule> {name}=\"{resolved}\" is not an integer"))
}

/// Python's `int(str)` for the forms that occur: surrounding whitespace, a sign, `_` between
/// digits.
fn parse_python_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    cleaned.parse().ok()
}

/// Upstream `add_detail`: a second value for the same option turns it into a list.
fn add_detail(details: &mut Map<String, Value>, key: &str, value: Value) {
    match details.get_mut(key) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            details.insert(key.to_owned(), value);
        }
    }
}

/// Upstream `add_dynamic_detail` (shared by rules and decoders): `{"pattern": value, **attrs}`;
/// a repeated option appends its text to the pattern and keeps only the last attributes.
///
/// Where Python would raise (the option already holds a plain string, or a pattern is `None`)
/// this is an error.
pub(crate) fn add_dynamic_detail(
    details: &mut Map<String, Value>,
    key: &str,
    value: Option<String>,
    attrs: &[(String, String)],
) -> Result<(), String> {
    let entry = match details.get_mut(key) {
        Some(Value::Object(existing)) => {
            let old = match existing.get("pattern") {
                Some(Value::String(old)) => old.clone(),
                _ => return Err(format!("option {key} cannot be extended")),
            };
            let Some(value) = value else {
                return Err(format!("option {key} has an empty value"));
            };
            existing.clear();
            existing.insert("pattern".into(), Value::String(old + &value));
            existing
        }
        Some(_) => return Err(format!("option {key} is given twice with different forms")),
        None => {
            let mut fresh = Map::new();
            fresh.insert("pattern".into(), value.map_or(Value::Null, Value::String));
            details.insert(key.to_owned(), Value::Object(fresh));
            match details.get_mut(key) {
                Some(Value::Object(inserted)) => inserted,
                _ => return Err(format!("option {key} could not be stored")),
            }
        }
    };
    for (k, v) in attrs {
        entry.insert(k.clone(), Value::String(v.clone()));
    }
    Ok(())
}

/// Upstream `set_groups`: compliance groups (`pci_dss_10.2.4`, `mitre_T1110`, ...) go to their
/// list without the prefix and its separator, once each; the others stay in `groups`, empty
/// names dropped, duplicates and surrounding spaces kept.
fn set_groups(item: &mut Value, groups: Vec<String>) {
    let Some(object) = item.as_object_mut() else {
        return;
    };
    for group in groups {
        let requirement = RULE_REQUIREMENTS.iter().find(|req| group.starts_with(*req));
        let (list, value) = match requirement {
            Some(req) => {
                // `g[len(req) + 1:]`: drop the prefix and one more character.
                let rest: String = group[req.len()..].chars().skip(1).collect();
                (*req, rest)
            }
            None if group.is_empty() => continue,
            None => ("groups", group),
        };
        if let Some(Value::Array(items)) = object.get_mut(list) {
            let value = Value::String(value);
            if list == "groups" || !items.contains(&value) {
                items.push(value);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn builds_items_like_the_framework() {
        let text = r#"
<var name="LVL">7</var>
<var name="WORDS">core_dumped|failure</var>
<group name="syslog,sshd,">
  <rule id="5710" level="5">
    <if_sid>5700</if_sid>
    <match>illegal user|</match>
    <match type="osregex">invalid user</match>
    <description>sshd: Attempt to login </description>
    <description>using a non-existent user</description>
    <mitre><id>T1110.001</id><id>T1110.001</id></mitre>
    <group>invalid_login,authentication_failed,pci_dss_10.2.4,gdpr_IV_35.7.d,</group>
  </rule>
  <rule id="5712" level="$LVL" frequency="8" timeframe="120" ignore="60">
    <if_matched_sid>5710</if_matched_sid>
    <same_source_ip />
    <field name="win.system.eventID" type="pcre2">^4625$</field>
    <match>$WORDS</match>
    <list field="srcip" lookup="address_match_key">etc/lists/bad</list>
    <options>no_full_log</options>
    <options>no_email_alert</options>
    <description>brute force</description>
  </rule>
</group>
"#;
        let rules = parse_rule_file("x.xml", "ruleset/rules", "enabled", text).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0],
            json!({
                "filename": "x.xml", "relative_dirname": "ruleset/rules", "id": 5710,
                "level": 5, "status": "enabled",
                "details": {"if_sid": "5700",
                            "match": {"pattern": "illegal user|invalid user", "type": "osregex"}},
                "pci_dss": ["10.2.4"], "gpg13": [], "gdpr": ["IV_35.7.d"], "hipaa": [],
                "nist_800_53": [], "tsc": [], "mitre": ["T1110.001"],
                "groups": ["invalid_login", "authentication_failed", "syslog", "sshd"],
                "description": "sshd: Attempt to login using a non-existent user"
            })
        );
        let keys: Vec<&str> = rules[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys[..5],
            ["filename", "relative_dirname", "id", "level", "status"]
        );
        assert_eq!(rules[1]["level"], 7);
        assert_eq!(
            rules[1]["details"],
            json!({
                "frequency": "8", "timeframe": "120", "ignore": "60",
                "if_matched_sid": "5710", "same_source_ip": "",
                "win.system.eventID": {"pattern": "^4625$", "type": "pcre2"},
                "match": {"pattern": "core_dumped|failure"},
                "list": {"name": "etc/lists/bad", "field": "srcip", "lookup": "address_match_key"},
                "options": ["no_full_log", "no_email_alert"]
            })
        );
    }

    #[test]
    fn bad_rules_are_errors_not_panics() {
        for text in [
            "<group name=\"a\"><rule level=\"1\"></rule></group>",
            "<group name=\"a\"><rule id=\"x\" level=\"1\"></rule></group>",
            "<group><rule id=\"1\" level=\"1\"></rule></group>",
            "<group name=\"a\"><rule id=\"1\" level=\"1\"><field>x</field></rule></group>",
            "<group name=\"a\"><rule id=\"1\" level=\"1\" status=\"s\"><status>x</status></rule></group>",
            "<group name=\"a\"><rule id=\"1\" level=\"$NOPE\"></rule></group>",
            "<group name=\"a\"><rule id=\"1\" level=\"1\">",
        ] {
            assert!(
                parse_rule_file("f", "d", "enabled", text).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn python_int() {
        assert_eq!(parse_python_int(" 12 "), Some(12));
        assert_eq!(parse_python_int("1_000"), Some(1000));
        assert_eq!(parse_python_int("+3"), Some(3));
        assert_eq!(parse_python_int("1__0"), None);
        assert_eq!(parse_python_int("x"), None);
    }
}
