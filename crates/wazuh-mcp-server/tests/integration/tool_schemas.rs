//! The tool definitions: a snapshot of every one (so schema changes are reviewed), and checks
//! over the whole router that every client accepts them.
//!
//! Updating the snapshot: run the tests, then `cargo insta review` (or set
//! `INSTA_UPDATE=always` for one run) and commit the `.snap` file with the change. CI must never
//! set `INSTA_UPDATE`: insta then fails on any difference (it also refuses to write snapshots
//! when `CI` is set), so an unreviewed change to a tool's name, description, schema or
//! annotations fails the build.

use std::collections::BTreeSet;

use rmcp::model::Tool;
use serde_json::Value;
use wazuh_mcp_server::WazuhMcp;
use wazuh_mcp_server::policy::TOOLS;

#[test]
fn tools_list_snapshot() {
    let tools: Vec<Value> = WazuhMcp::all_tools()
        .iter()
        .map(|t| serde_json::to_value(t).expect("a tool serializes"))
        .collect();
    insta::assert_json_snapshot!("tools_list", tools);
}

fn is_snake_case(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// Every `"type"` anywhere in a schema that includes `"null"`, as JSON pointers.
fn nullable_types(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{path}/{key}");
                if key == "type" {
                    let nullable = match child {
                        Value::String(t) => t == "null",
                        Value::Array(ts) => ts.iter().any(|t| t == "null"),
                        _ => false,
                    };
                    if nullable {
                        found.push(here.clone());
                    }
                }
                nullable_types(child, &here, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                nullable_types(child, &format!("{path}/{i}"), found);
            }
        }
        _ => {}
    }
}

fn check_schema(tool: &Tool, kind: &str, schema: &Value, problems: &mut Vec<String>) {
    let name = &tool.name;
    if schema.get("type") != Some(&Value::String("object".into())) {
        problems.push(format!("{name}: the {kind} schema's root is not an object"));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if schema.get(key).is_some() {
            problems.push(format!("{name}: top-level {key} in the {kind} schema"));
        }
    }
    let mut nullable = Vec::new();
    nullable_types(schema, "", &mut nullable);
    for path in nullable {
        problems.push(format!(
            "{name}: a null type in the {kind} schema at {path}"
        ));
    }
}

#[test]
fn tool_definitions_are_valid() {
    let tools = WazuhMcp::all_tools();
    assert!(!tools.is_empty());
    let mut problems = Vec::new();
    let mut names = BTreeSet::new();
    for tool in &tools {
        let name = tool.name.to_string();
        if !names.insert(name.clone()) {
            problems.push(format!("{name}: listed twice"));
        }
        if !is_snake_case(&name) {
            problems.push(format!("{name}: not snake_case"));
        }
        if !TOOLS.iter().any(|entry| entry.name == name) {
            problems.push(format!("{name}: missing from policy::TOOLS"));
        }

        let description = tool.description.as_deref().unwrap_or("");
        if description.trim().is_empty() {
            problems.push(format!("{name}: no description"));
        }
        if description.len() > 400 {
            problems.push(format!(
                "{name}: description of {} chars (keep it under 400: it costs context)",
                description.len()
            ));
        }

        match &tool.annotations {
            None => problems.push(format!("{name}: no annotations")),
            Some(a) => {
                if a.title.as_deref().is_none_or(str::is_empty) {
                    problems.push(format!("{name}: no title annotation"));
                }
                for (hint, value) in [
                    ("readOnlyHint", a.read_only_hint),
                    ("destructiveHint", a.destructive_hint),
                    ("idempotentHint", a.idempotent_hint),
                    ("openWorldHint", a.open_world_hint),
                ] {
                    if value.is_none() {
                        problems.push(format!("{name}: {hint} is not set explicitly"));
                    }
                }
                if a.read_only_hint == Some(true) && a.destructive_hint == Some(true) {
                    problems.push(format!("{name}: read-only and destructive"));
                }
            }
        }

        let input = Value::Object((*tool.input_schema).clone());
        check_schema(tool, "input", &input, &mut problems);
        if let Some(properties) = input.get("properties").and_then(Value::as_object) {
            for (property, schema) in properties {
                let described = schema
                    .get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.trim().is_empty());
                if !described {
                    problems.push(format!(
                        "{name}: input property `{property}` has no description"
                    ));
                }
            }
        }
        match &tool.output_schema {
            Some(output) => {
                let output = Value::Object((**output).clone());
                check_schema(tool, "output", &output, &mut problems);
            }
            None => problems.push(format!("{name}: no outputSchema")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // And the other way round: every TOOLS entry is a tool.
    for entry in TOOLS {
        assert!(
            names.contains(entry.name),
            "policy::TOOLS names `{}`, which is not a tool",
            entry.name
        );
    }
}
