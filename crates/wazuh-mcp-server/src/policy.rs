//! Which tools a server offers: toolsets, read-only mode, allowed and disabled lists, resolved
//! once at start-up. Read-only follows from each tool's `readOnlyHint`; names may be ours, the
//! reference design's (`GetAgentsTool`, or `GetAgents`), or globs (`get_agent_*`).

use rmcp::model::Tool;

use crate::config::SecuritySettings;

/// A tool's toolset and the names the reference design gave it.
#[derive(Debug, Clone, Copy)]
pub struct ToolEntry {
    pub name: &'static str,
    pub toolset: &'static str,
    /// Offered unless a list says otherwise.
    pub default: bool,
    pub aliases: &'static [&'static str],
}

/// Every tool, by toolset.
pub const TOOLS: &[ToolEntry] = &[
    ToolEntry {
        name: "authenticate",
        toolset: "core",
        default: true,
        aliases: &["AuthenticateTool", "Authenticate"],
    },
    ToolEntry {
        name: "get_agents",
        toolset: "agents",
        default: true,
        aliases: &["GetAgentsTool", "GetAgents"],
    },
    ToolEntry {
        name: "get_agent_ports",
        toolset: "agents",
        default: true,
        aliases: &["GetAgentPortsTool", "GetAgentPorts"],
    },
    ToolEntry {
        name: "get_agent_packages",
        toolset: "agents",
        default: true,
        aliases: &["GetAgentPackagesTool", "GetAgentPackages"],
    },
    ToolEntry {
        name: "get_agent_processes",
        toolset: "agents",
        default: true,
        aliases: &["GetAgentProcessesTool", "GetAgentProcesses"],
    },
    ToolEntry {
        name: "list_rules",
        toolset: "rules",
        default: true,
        aliases: &["ListRulesTool", "ListRules"],
    },
    ToolEntry {
        name: "get_rule_files",
        toolset: "rules",
        default: true,
        aliases: &["GetRuleFilesTool", "GetRuleFiles"],
    },
    ToolEntry {
        name: "get_rule_file_content",
        toolset: "rules",
        default: true,
        aliases: &["GetRuleFileContentTool", "GetRuleFileContent"],
    },
    ToolEntry {
        name: "get_agent_sca",
        toolset: "sca",
        default: true,
        aliases: &[
            "GetAgentSCATool",
            "GetAgentSCA",
            "GetAgentScaTool",
            "GetAgentSca",
        ],
    },
    ToolEntry {
        name: "get_sca_policy_checks",
        toolset: "sca",
        default: true,
        aliases: &[
            "GetSCAPolicyChecksTool",
            "GetSCAPolicyChecks",
            "GetScaPolicyChecksTool",
            "GetScaPolicyChecks",
        ],
    },
    ToolEntry {
        name: "restart_agent",
        toolset: "actions",
        default: true,
        aliases: &["RestartAgentTool", "RestartAgent"],
    },
];

/// A policy that names something that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{list} names `{name}`, which is not a tool or toolset; known tools: {known}")]
pub struct PolicyError {
    pub list: &'static str,
    pub name: String,
    pub known: String,
}

fn glob(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(pos) = rest.find(part) {
            rest = &rest[pos + part.len()..];
        } else {
            return false;
        }
    }
    true
}

/// Whether a list entry selects `tool`: its name, an alias, its toolset, or a glob over names.
fn selects(entry: &str, tool: &ToolEntry) -> bool {
    let entry = entry.trim();
    entry.eq_ignore_ascii_case(tool.name)
        || tool.aliases.iter().any(|a| a.eq_ignore_ascii_case(entry))
        || entry.eq_ignore_ascii_case(tool.toolset)
        || entry.eq_ignore_ascii_case(&format!("toolset:{}", tool.toolset))
        || (entry.contains('*') && glob(entry, tool.name))
}

/// The names of the tools to offer, in catalogue order.
pub fn resolve(tools: &[Tool], security: &SecuritySettings) -> Result<Vec<String>, PolicyError> {
    let known = || TOOLS.iter().map(|t| t.name).collect::<Vec<_>>().join(", ");
    for (list, entries) in [
        ("security.allowed_tools", &security.allowed_tools),
        ("security.disabled_tools", &security.disabled_tools),
    ] {
        for entry in entries.iter().filter(|e| !e.trim().is_empty()) {
            if !TOOLS.iter().any(|t| selects(entry, t)) {
                return Err(PolicyError {
                    list,
                    name: entry.clone(),
                    known: known(),
                });
            }
        }
    }
    let mut enabled = Vec::new();
    for entry in TOOLS {
        let Some(tool) = tools.iter().find(|t| t.name == entry.name) else {
            continue;
        };
        let read_only = tool
            .annotations
            .as_ref()
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false);
        if security.read_only_mode && !read_only {
            continue;
        }
        let allowed = if security.allowed_tools.iter().all(|e| e.trim().is_empty()) {
            entry.default
        } else {
            security.allowed_tools.iter().any(|e| selects(e, entry))
        };
        let disabled = security.disabled_tools.iter().any(|e| selects(e, entry));
        if allowed && !disabled {
            enabled.push(entry.name.to_string());
        }
    }
    Ok(enabled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::WazuhMcp;

    fn security(read_only: bool, allowed: &[&str], disabled: &[&str]) -> SecuritySettings {
        SecuritySettings {
            read_only_mode: read_only,
            allowed_tools: allowed.iter().map(|s| s.to_string()).collect(),
            disabled_tools: disabled.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_catalogue_matches_the_router() {
        let tools = WazuhMcp::all_tools();
        let mut router: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        let mut table: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        router.sort();
        table.sort();
        assert_eq!(router, table, "every tool has exactly one TOOLS entry");
    }

    #[test]
    fn defaults_offer_every_default_tool() {
        let tools = WazuhMcp::all_tools();
        let enabled = resolve(&tools, &security(false, &[], &[])).unwrap();
        assert_eq!(enabled.len(), TOOLS.iter().filter(|t| t.default).count());
        // Read-only mode drops exactly the tools that are not read-only.
        let read_only = resolve(&tools, &security(true, &[], &[])).unwrap();
        let writes: Vec<&String> = enabled.iter().filter(|t| !read_only.contains(t)).collect();
        assert_eq!(writes, vec!["restart_agent"]);
    }

    #[test]
    fn allowed_and_disabled_with_reference_names_and_globs() {
        let tools = WazuhMcp::all_tools();
        let enabled = resolve(
            &tools,
            &security(true, &["GetAgents", "get_agent_*"], &["GetAgentPortsTool"]),
        )
        .unwrap();
        assert_eq!(
            enabled,
            vec![
                "get_agents",
                "get_agent_packages",
                "get_agent_processes",
                "get_agent_sca"
            ]
        );
        let enabled = resolve(&tools, &security(true, &["sca"], &[])).unwrap();
        assert_eq!(enabled, vec!["get_agent_sca", "get_sca_policy_checks"]);
        let enabled = resolve(&tools, &security(true, &[], &["rules", "authenticate"])).unwrap();
        assert!(
            !enabled
                .iter()
                .any(|t| t.contains("rule") || t == "authenticate")
        );
    }

    #[test]
    fn unknown_names_fail_fast() {
        let err =
            resolve(&WazuhMcp::all_tools(), &security(true, &["GetAlerts"], &[])).unwrap_err();
        assert_eq!(err.list, "security.allowed_tools");
        assert!(err.to_string().contains("GetAlerts"));
        assert!(resolve(&WazuhMcp::all_tools(), &security(true, &[], &["nope*"])).is_err());
    }
}
