//! What a principal's scopes allow.
//!
//! | scope            | grants                                                     |
//! |------------------|------------------------------------------------------------|
//! | `*`              | every tool                                                 |
//! | `tools:read`     | every read-only tool                                       |
//! | `tools:write`    | every tool, read-only or not (writing implies reading)     |
//! | `toolset:<name>` | every tool of that toolset                                 |
//! | `tool:<name>`    | that tool                                                  |
//!
//! Scopes add up: a tool is allowed when any scope grants it. They never widen the server's
//! policy: `read_only_mode`, `allowed_tools` and `disabled_tools` apply first, to everyone. A
//! local (stdio) or anonymous caller without scopes is limited by that policy only; any other
//! caller without a scope that grants the tool is refused.

use crate::principal::{Principal, PrincipalKind};

/// The fixed scopes; `toolset:<name>` and `tool:<name>` complete the set.
pub const KNOWN_SCOPES: &[&str] = &["*", "tools:read", "tools:write"];

/// Whether `scope` means something to this server (others, like `openid`, are ignored).
pub fn is_known_scope(scope: &str) -> bool {
    KNOWN_SCOPES.contains(&scope)
        || scope
            .strip_prefix("toolset:")
            .or_else(|| scope.strip_prefix("tool:"))
            .is_some_and(|name| !name.is_empty())
}

/// Whether `principal` may list and call `tool_name` of `toolset`; `read_only` is the tool's
/// `readOnlyHint`.
pub fn allows_tool(principal: &Principal, tool_name: &str, toolset: &str, read_only: bool) -> bool {
    if principal.scopes.is_empty() {
        return matches!(
            principal.kind,
            PrincipalKind::Local | PrincipalKind::Anonymous | PrincipalKind::ClientCertificate
        );
    }
    principal.scopes.iter().any(|scope| match scope.as_str() {
        "*" | "tools:write" => true,
        "tools:read" => read_only,
        other => {
            if let Some(set) = other.strip_prefix("toolset:") {
                set == toolset
            } else if let Some(name) = other.strip_prefix("tool:") {
                name == tool_name
            } else {
                false
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(kind: PrincipalKind, scopes: &[&str]) -> Principal {
        Principal {
            kind,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Principal::local()
        }
    }

    #[test]
    fn table() {
        use PrincipalKind::*;
        // (kind, scopes, tool, toolset, read_only, allowed)
        type Case = (
            PrincipalKind,
            &'static [&'static str],
            &'static str,
            &'static str,
            bool,
            bool,
        );
        let cases: &[Case] = &[
            (Local, &[], "get_agents", "agents", true, true),
            (Local, &[], "restart_agent", "active_response", false, true),
            (
                Anonymous,
                &[],
                "restart_agent",
                "active_response",
                false,
                true,
            ),
            (
                Anonymous,
                &["tools:read"],
                "restart_agent",
                "active_response",
                false,
                false,
            ),
            (ApiKey, &[], "get_agents", "agents", true, false),
            (IssuedToken, &[], "get_agents", "agents", true, false),
            (OAuth, &[], "get_agents", "agents", true, false),
            (ApiKey, &["*"], "get_agents", "agents", true, true),
            (
                ApiKey,
                &["*"],
                "restart_agent",
                "active_response",
                false,
                true,
            ),
            (ApiKey, &["tools:read"], "get_agents", "agents", true, true),
            (
                ApiKey,
                &["tools:read"],
                "restart_agent",
                "active_response",
                false,
                false,
            ),
            (
                OAuth,
                &["tools:write"],
                "restart_agent",
                "active_response",
                false,
                true,
            ),
            (OAuth, &["tools:write"], "get_agents", "agents", true, true),
            (
                OAuth,
                &["toolset:agents"],
                "get_agents",
                "agents",
                true,
                true,
            ),
            (
                OAuth,
                &["toolset:agents"],
                "list_rules",
                "rules",
                true,
                false,
            ),
            (
                OAuth,
                &["toolset:agent"],
                "get_agents",
                "agents",
                true,
                false,
            ),
            (
                IssuedToken,
                &["tool:list_rules"],
                "list_rules",
                "rules",
                true,
                true,
            ),
            (
                IssuedToken,
                &["tool:list_rules"],
                "get_rule_files",
                "rules",
                true,
                false,
            ),
            (
                IssuedToken,
                &["tool:list_rule"],
                "list_rules",
                "rules",
                true,
                false,
            ),
            (
                IssuedToken,
                &["tool:LIST_RULES"],
                "list_rules",
                "rules",
                true,
                false,
            ),
            (
                IssuedToken,
                &["tool:list_rules", "toolset:agents"],
                "get_agent_ports",
                "agents",
                true,
                true,
            ),
            (
                OAuth,
                &["openid", "profile"],
                "get_agents",
                "agents",
                true,
                false,
            ),
            (
                OAuth,
                &["toolset:", "tool:"],
                "get_agents",
                "agents",
                true,
                false,
            ),
        ];
        for (kind, scopes, tool, toolset, read_only, expected) in cases {
            let p = principal(*kind, scopes);
            assert_eq!(
                allows_tool(&p, tool, toolset, *read_only),
                *expected,
                "{kind:?} {scopes:?} {tool} ({toolset}, read_only={read_only})"
            );
        }
    }

    #[test]
    fn known_scopes() {
        for s in [
            "*",
            "tools:read",
            "tools:write",
            "toolset:agents",
            "tool:get_agents",
        ] {
            assert!(is_known_scope(s), "{s}");
        }
        for s in ["", "openid", "tools:admin", "toolset:", "tool:", "tools"] {
            assert!(!is_known_scope(s), "{s}");
        }
    }
}
