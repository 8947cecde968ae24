//! Wazuh's RBAC, reduced to what the simulator enforces: roles made of policies, security rules
//! that map an authorization context to roles (`run_as` logins), and the permission check the
//! framework's `expose_resources` decorator makes.
//!
//! # Policies
//!
//! A policy allows or denies `actions` (`agent:read`, `syscollector:read`, ...) on `resources`:
//! `agent:id:<id>`, `agent:group:<name>`, `group:id:<name>`, `*:*:*` (resourceless) or a wildcard
//! such as `agent:id:*`. The grants of all the roles of a token are applied in order, each allow
//! adding and each deny removing what its resource expands to, as `_single_processor` does
//! (wazuh/wazuh `framework/wazuh/rbac/decorators.py`). As there, `*:*:*` grants only resourceless
//! actions: it does not give access to agents, whose policies name `agent:id:*` or
//! `agent:group:*`; and a wildcard also covers ids that do not exist (they then fail with 1701,
//! not 4000), while `agent:group:<name>` covers only existing agents of that group.
//!
//! # Security rules
//!
//! [`rule_matches`] is a port of `RBAChecker.check_rule` (`framework/wazuh/rbac/auth_context.py`):
//! `AND`, `OR`, `NOT` over sub-rules; `MATCH` (the rule's keys and values are in the context,
//! values possibly a subset of a list), `MATCH$` (the same, lists must be equal), `FIND` / `FIND$`
//! (`MATCH` / `MATCH$` at any depth of the context); strings written `r'...'` are regular
//! expressions matched at the start (Python's `re.match`, with the same slicing of the
//! delimiters). As in Wazuh, the default rules (ids below 100) only apply to the `wazuh-wui`
//! user (id 2); rules created by administrators (ids from 100) apply to every run_as user.

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::{Value, json};

/// Id of the `wazuh-wui` user, the only one the default (reserved) rules apply to.
pub const WUI_USER_ID: u32 = 2;
/// Ids below this are Wazuh's reserved defaults (`MAX_ID_RESERVED` is 99).
pub const FIRST_CUSTOM_ID: u32 = 100;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A named set of actions on resources.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: &'static str,
    pub actions: &'static [&'static str],
    pub resources: &'static [&'static str],
    pub effect: Effect,
}

/// A role: an id, a name and its policies, in order.
#[derive(Debug, Clone)]
pub struct Role {
    pub id: u32,
    pub name: &'static str,
    pub policies: Vec<Policy>,
}

/// A security rule: when it matches an authorization context, the context gets `roles`.
#[derive(Debug, Clone)]
pub struct SecurityRule {
    pub id: u32,
    pub name: &'static str,
    pub rule: Value,
    pub roles: Vec<u32>,
}

/// Roles and rules of the simulated manager.
#[derive(Debug, Clone)]
pub struct Rbac {
    pub roles: Vec<Role>,
    pub rules: Vec<SecurityRule>,
}

const fn allow(
    name: &'static str,
    actions: &'static [&'static str],
    resources: &'static [&'static str],
) -> Policy {
    Policy {
        name,
        actions,
        resources,
        effect: Effect::Allow,
    }
}

/// Agent-scoped read actions (what `readonly` grants on every agent).
const AGENT_READ_ACTIONS: &[&str] = &[
    "agent:read",
    "syscollector:read",
    "sca:read",
    "syscheck:read",
    "rootcheck:read",
    "ciscat:read",
    "vulnerability:read",
];

/// Reads that are not about one agent: ruleset, MITRE, manager and cluster.
fn content_read_policies() -> Vec<Policy> {
    vec![
        allow("rules_read", &["rules:read"], &["rule:file:*"]),
        allow("decoders_read", &["decoders:read"], &["decoder:file:*"]),
        allow("lists_read", &["lists:read"], &["list:file:*"]),
        allow("mitre_read", &["mitre:read"], &["*:*:*"]),
        allow(
            "cluster_read",
            &["cluster:read", "cluster:status", "manager:read"],
            &["*:*:*", "node:id:*"],
        ),
    ]
}

impl Rbac {
    /// The seeded model: Wazuh's `administrator` (1) and `readonly` (2) roles, two custom
    /// group-restricted read-only roles, `linux_readonly` (100) and `windows_readonly` (101),
    /// Wazuh's two default rules and four custom rules on the context key `groups`.
    pub fn default_model() -> Rbac {
        let mut readonly = vec![
            allow(
                "agents_read",
                &["agent:read"],
                &["agent:id:*", "agent:group:*"],
            ),
            allow("groups_read", &["group:read"], &["group:id:*"]),
            allow(
                "agent_data_read",
                &[
                    "syscollector:read",
                    "sca:read",
                    "syscheck:read",
                    "rootcheck:read",
                    "ciscat:read",
                    "vulnerability:read",
                ],
                &["agent:id:*"],
            ),
        ];
        readonly.extend(content_read_policies());

        let administrator = vec![
            allow(
                "agents_all",
                &[
                    "agent:read",
                    "agent:restart",
                    "agent:delete",
                    "agent:modify_group",
                    "agent:reconnect",
                    "agent:upgrade",
                    "agent:uninstall",
                    "group:modify_assignments",
                ],
                &["agent:id:*", "agent:group:*"],
            ),
            allow(
                "groups_all",
                &[
                    "group:read",
                    "group:delete",
                    "group:update_config",
                    "group:modify_assignments",
                ],
                &["group:id:*"],
            ),
            allow(
                "agents_create",
                &["agent:create", "group:create"],
                &["*:*:*"],
            ),
            allow(
                "agents_commands",
                &["active-response:command"],
                &["agent:id:*"],
            ),
            allow(
                "agent_data_all",
                &[
                    "syscollector:read",
                    "sca:read",
                    "syscheck:read",
                    "syscheck:run",
                    "syscheck:clear",
                    "rootcheck:read",
                    "rootcheck:run",
                    "rootcheck:clear",
                    "ciscat:read",
                    "vulnerability:read",
                    "vulnerability:run",
                ],
                &["agent:id:*"],
            ),
            allow(
                "rules_all",
                &["rules:read", "rules:update", "rules:delete"],
                &["rule:file:*", "*:*:*"],
            ),
            allow(
                "decoders_all",
                &["decoders:read", "decoders:update", "decoders:delete"],
                &["decoder:file:*", "*:*:*"],
            ),
            allow(
                "lists_all",
                &["lists:read", "lists:update", "lists:delete"],
                &["list:file:*"],
            ),
            allow("mitre_read", &["mitre:read"], &["*:*:*"]),
            allow(
                "cluster_all",
                &[
                    "cluster:read",
                    "cluster:status",
                    "cluster:restart",
                    "cluster:update_config",
                    "manager:read",
                    "manager:restart",
                    "manager:update_config",
                ],
                &["*:*:*", "node:id:*"],
            ),
            allow(
                "security_all",
                &[
                    "security:read",
                    "security:create",
                    "security:update",
                    "security:delete",
                    "security:edit_run_as",
                    "security:read_config",
                    "security:update_config",
                    "security:revoke",
                    "security:create_user",
                ],
                &[
                    "*:*:*",
                    "role:id:*",
                    "policy:id:*",
                    "user:id:*",
                    "rule:id:*",
                ],
            ),
            allow("logtest_all", &["logtest:run"], &["*:*:*"]),
            allow("task_status", &["task:status"], &["*:*:*"]),
        ];

        let group_readonly = |name: &'static str,
                              agents: &'static [&'static str],
                              groups: &'static [&'static str]| {
            let mut policies = vec![
                allow(name, AGENT_READ_ACTIONS, agents),
                allow("group_read", &["group:read"], groups),
            ];
            policies.extend(content_read_policies());
            policies
        };

        Rbac {
            roles: vec![
                Role {
                    id: super::ROLE_ADMINISTRATOR,
                    name: "administrator",
                    policies: administrator,
                },
                Role {
                    id: super::ROLE_READONLY,
                    name: "readonly",
                    policies: readonly,
                },
                Role {
                    id: super::ROLE_LINUX_READONLY,
                    name: "linux_readonly",
                    policies: group_readonly(
                        "linux_agents_read",
                        &["agent:group:linux"],
                        &["group:id:linux"],
                    ),
                },
                Role {
                    id: super::ROLE_WINDOWS_READONLY,
                    name: "windows_readonly",
                    policies: group_readonly(
                        "windows_agents_read",
                        &["agent:group:windows"],
                        &["group:id:windows"],
                    ),
                },
            ],
            rules: vec![
                SecurityRule {
                    id: 1,
                    name: "wui_elastic_admin",
                    rule: json!({"FIND": {"username": "elastic"}}),
                    roles: vec![super::ROLE_ADMINISTRATOR],
                },
                SecurityRule {
                    id: 2,
                    name: "wui_opensearch_admin",
                    rule: json!({"FIND": {"user_name": "admin"}}),
                    roles: vec![super::ROLE_ADMINISTRATOR],
                },
                SecurityRule {
                    id: 100,
                    name: "wazuh_admins",
                    rule: json!({"FIND": {"groups": "admins"}}),
                    roles: vec![super::ROLE_ADMINISTRATOR],
                },
                SecurityRule {
                    id: 101,
                    name: "wazuh_analysts",
                    rule: json!({"FIND": {"groups": "analysts"}}),
                    roles: vec![super::ROLE_READONLY],
                },
                SecurityRule {
                    id: 102,
                    name: "linux_analysts",
                    rule: json!({"FIND": {"groups": "linux"}}),
                    roles: vec![super::ROLE_LINUX_READONLY],
                },
                SecurityRule {
                    id: 103,
                    name: "windows_analysts",
                    rule: json!({"FIND": {"groups": "windows"}}),
                    roles: vec![super::ROLE_WINDOWS_READONLY],
                },
            ],
        }
    }

    /// The roles an authorization context gets (`RBAChecker.get_user_roles`), in role order.
    /// `wui` says whether the user is `wazuh-wui`, the only one the reserved rules apply to.
    pub fn roles_for_context(&self, context: &Value, wui: bool) -> Vec<u32> {
        self.roles
            .iter()
            .filter(|role| {
                self.rules.iter().any(|rule| {
                    rule.roles.contains(&role.id)
                        && (rule.id >= FIRST_CUSTOM_ID || wui)
                        && rule_matches(&rule.rule, context)
                })
            })
            .map(|role| role.id)
            .collect()
    }

    /// The grants of `roles`, in order (unknown role ids grant nothing).
    pub fn permissions(&self, roles: &[u32]) -> Permissions {
        let mut grants = Vec::new();
        for id in roles {
            let Some(role) = self.roles.iter().find(|r| r.id == *id) else {
                continue;
            };
            for policy in &role.policies {
                for action in policy.actions {
                    for resource in policy.resources {
                        grants.push(Grant {
                            action,
                            resource,
                            effect: policy.effect,
                        });
                    }
                }
            }
        }
        Permissions { grants }
    }
}

#[derive(Debug, Clone, Copy)]
struct Grant {
    action: &'static str,
    resource: &'static str,
    effect: Effect,
}

/// What a token may do: the ordered grants of its roles.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    grants: Vec<Grant>,
}

/// An agent as RBAC sees it: its id and groups.
#[derive(Debug, Clone, Copy)]
pub struct AgentRef<'a> {
    pub id: &'a str,
    /// The agent's groups; `None` when the agent does not exist.
    pub groups: Option<&'a Value>,
}

impl AgentRef<'_> {
    fn in_group(&self, name: &str) -> bool {
        match self.groups {
            Some(Value::Array(groups)) => groups.iter().any(|g| g.as_str() == Some(name)),
            _ => false,
        }
    }
}

impl Permissions {
    fn for_action<'s>(&'s self, action: &'s str) -> impl Iterator<Item = &'s Grant> + 's {
        self.grants.iter().filter(move |g| g.action == action)
    }

    /// Whether `action` is granted at all: some allow for it, not later denied on `*:*:*`.
    /// This is the check of resourceless and static-resource operations.
    pub fn allows_action(&self, action: &str) -> bool {
        let mut allowed = false;
        for grant in self.for_action(action) {
            match grant.effect {
                Effect::Allow => allowed = true,
                Effect::Deny if matches!(grant.resource, "*:*:*" | "*") => allowed = false,
                Effect::Deny => {}
            }
        }
        allowed
    }

    /// Whether `action` is allowed on the agent `agent` (resource `agent:id:<id>`).
    pub fn allows_agent(&self, action: &str, agent: AgentRef<'_>) -> bool {
        let mut allowed = false;
        for grant in self.for_action(action) {
            let covers = match grant.resource.split_once(':') {
                Some(("agent", rest)) => match rest.split_once(':') {
                    Some(("id", "*")) => true,
                    Some(("id", id)) => id == agent.id,
                    // The expansion of `agent:group:*` plus the requested id, as the framework
                    // adds it for every wildcard.
                    Some(("group", "*")) => true,
                    Some(("group", name)) => agent.in_group(name),
                    _ => false,
                },
                _ => false,
            };
            if covers {
                allowed = grant.effect == Effect::Allow;
            }
        }
        allowed
    }

    /// Whether the grants give `action` on every agent (a shortcut for listing).
    pub fn allows_every_agent(&self, action: &str) -> bool {
        let mut all = false;
        for grant in self.for_action(action) {
            match (grant.resource, grant.effect) {
                ("agent:id:*", Effect::Allow) => all = true,
                (r, Effect::Deny) if r.starts_with("agent:") => all = false,
                _ => {}
            }
        }
        all
    }

    /// Whether `action` is allowed on the group `name` (resource `group:id:<name>`).
    pub fn allows_group(&self, action: &str, name: &str) -> bool {
        let mut allowed = false;
        for grant in self.for_action(action) {
            let covers = match grant.resource.strip_prefix("group:id:") {
                Some("*") => true,
                Some(group) => group == name,
                None => false,
            };
            if covers {
                allowed = grant.effect == Effect::Allow;
            }
        }
        allowed
    }

    /// The ids of `agents` on which `action` is allowed.
    pub fn allowed_agents<'a>(
        &self,
        action: &str,
        agents: impl IntoIterator<Item = AgentRef<'a>>,
    ) -> BTreeSet<&'a str> {
        agents
            .into_iter()
            .filter(|a| self.allows_agent(action, *a))
            .map(|a| a.id)
            .collect()
    }
}

/// Helper for callers holding agents as JSON (`{"id": ..., "group": [...]}`).
pub fn agent_ref(agent: &Value) -> AgentRef<'_> {
    AgentRef {
        id: agent.get("id").and_then(Value::as_str).unwrap_or(""),
        groups: Some(agent.get("group").unwrap_or(&Value::Null)),
    }
}

// ----- security rules ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Match,
    Exact,
}

/// Whether `rule` (a security rule's JSON) matches the authorization `context`.
pub fn rule_matches(rule: &Value, context: &Value) -> bool {
    check_rule(rule, context)
}

fn check_rule(rule: &Value, context: &Value) -> bool {
    let Value::Object(map) = rule else {
        return false;
    };
    for (key, value) in map {
        match key.as_str() {
            "AND" | "OR" | "NOT" => {
                let (count, len) = match value {
                    Value::Array(items) => (
                        items.iter().filter(|e| check_rule(e, context)).count(),
                        items.len(),
                    ),
                    Value::Object(inner) => (usize::from(check_rule(value, context)), inner.len()),
                    _ => (0, 0),
                };
                match key.as_str() {
                    "AND" if count == len => return true,
                    "OR" if count > 0 => return true,
                    "NOT" => return count != len,
                    _ => {}
                }
            }
            "MATCH" if match_item(value, context, Mode::Match) => return true,
            "MATCH$" if match_item(value, context, Mode::Exact) => return true,
            "FIND" if find_item(value, context, Mode::Match) => return true,
            "FIND$" if find_item(value, context, Mode::Exact) => return true,
            _ => {}
        }
    }
    false
}

/// `r'...'`: a regular expression, sliced as Wazuh does (`expression[2:-2]`) and matched at
/// the start of the text.
fn rule_regex(value: &Value) -> Option<Regex> {
    let text = value.as_str()?;
    if !text.starts_with("r'") {
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let body: String = if chars.len() > 4 {
        chars[2..chars.len() - 2].iter().collect()
    } else {
        String::new()
    };
    Regex::new(&format!("^(?:{body})")).ok()
}

fn regex_matches(regex: &Regex, value: &Value) -> bool {
    value.as_str().is_some_and(|s| regex.is_match(s))
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut items = items.clone();
            items.sort_by_cached_key(|v| v.to_string());
            Value::Array(items)
        }
        other => other.clone(),
    }
}

fn match_item(role: &Value, context: &Value, mode: Mode) -> bool {
    if let (Value::Object(role_map), Value::Object(context_map)) = (role, context) {
        let mut counter = 0usize;
        for (key, value) in role_map {
            if let Some(regex) = rule_regex(&Value::String(key.clone())) {
                for (context_key, context_value) in context_map {
                    if regex.is_match(context_key) && match_item(value, context_value, mode) {
                        counter += 1;
                    }
                }
            }
            if let Some(context_value) = context_map.get(key)
                && match_item(value, context_value, mode)
            {
                counter += 1;
            }
        }
        return counter == role_map.len();
    }
    let (role, context) = (sorted(role), sorted(context));
    if let Some(regex) = rule_regex(&role) {
        let hit = match &context {
            Value::Array(items) => items.iter().any(|c| regex_matches(&regex, c)),
            other => regex_matches(&regex, other),
        };
        if hit {
            return true;
        }
    }
    if role == context {
        return true;
    }
    let role_list = match role {
        Value::String(_) => vec![role],
        Value::Array(items) => items,
        Value::Object(map) => return map.is_empty(),
        _ => return false,
    };
    match &context {
        Value::Array(items) => process_lists(&role_list, items, mode),
        _ => false,
    }
}

fn process_lists(role: &[Value], context: &[Value], mode: Mode) -> bool {
    let mut counter = 0usize;
    for value in context {
        for wanted in role {
            let hit = match rule_regex(wanted) {
                Some(regex) => regex_matches(&regex, value),
                None => value == wanted,
            };
            if hit {
                counter += 1;
            }
            match mode {
                Mode::Match if counter == role.len() => return true,
                Mode::Exact if counter == context.len() && counter == role.len() => return true,
                _ => {}
            }
        }
    }
    false
}

fn find_item(role: &Value, context: &Value, mode: Mode) -> bool {
    if match_item(role, context, mode) {
        return true;
    }
    let Value::Object(map) = context else {
        return false;
    };
    for value in map.values() {
        if match_item(role, value, mode) {
            return true;
        }
        match value {
            Value::Object(_) if find_item(role, value, mode) => return true,
            Value::Array(items) => {
                for item in items {
                    if item.is_object() && find_item(role, item, mode) {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(rule: Value, context: Value) -> bool {
        rule_matches(&rule, &context)
    }

    #[test]
    fn match_and_find_over_nested_keys() {
        // MATCH: the rule's keys and values at the top of the context.
        assert!(matches(
            json!({"MATCH": {"name": "Wazuh"}}),
            json!({"name": "Wazuh", "office": ["20"]})
        ));
        assert!(!matches(
            json!({"MATCH": {"name": "Wazuh"}}),
            json!({"auth": {"name": "Wazuh"}})
        ));
        // FIND: at any depth, also inside lists of objects.
        assert!(matches(
            json!({"FIND": {"name": "Wazuh"}}),
            json!({"auth": {"name": "Wazuh"}})
        ));
        assert!(matches(
            json!({"FIND": {"name": "Wazuh"}}),
            json!({"auth": [{"x": 1}, {"deeper": {"name": "Wazuh"}}]})
        ));
        // A string in the rule is found in a list of the context; a list must be a subset.
        assert!(matches(
            json!({"FIND": {"groups": "linux"}}),
            json!({"groups": ["web", "linux"]})
        ));
        assert!(matches(
            json!({"MATCH": {"office": ["20", "30"]}}),
            json!({"office": ["30", "21", "20"]})
        ));
        assert!(!matches(
            json!({"MATCH": {"office": ["20", "40"]}}),
            json!({"office": ["30", "21", "20"]})
        ));
        // A list in the rule does not match a lone string in the context (as in Wazuh).
        assert!(!matches(
            json!({"FIND": {"groups": ["linux"]}}),
            json!({"groups": "linux"})
        ));
    }

    #[test]
    fn exact_variants_need_equal_lists() {
        assert!(matches(
            json!({"MATCH$": {"office": ["20", "21"]}}),
            json!({"office": ["21", "20"]})
        ));
        assert!(!matches(
            json!({"MATCH$": {"office": ["20"]}}),
            json!({"office": ["21", "20"]})
        ));
        assert!(matches(
            json!({"FIND$": {"office": ["20"]}}),
            json!({"a": {"office": ["20"]}})
        ));
        assert!(!matches(
            json!({"FIND$": {"office": ["20"]}}),
            json!({"a": {"office": ["20", "21"]}})
        ));
    }

    #[test]
    fn logic_operators_and_regexes() {
        let rule = json!({"AND": [
            {"FIND": {"r'^auth[a-zA-Z]+$'": ["full_admin"]}},
            {"NOT": {"MATCH": {"disabled": "yes"}}}
        ]});
        assert!(matches(rule.clone(), json!({"authLevel": ["full_admin"]})));
        assert!(!matches(
            rule,
            json!({"authLevel": ["full_admin"], "disabled": "yes"})
        ));
        assert!(matches(
            json!({"OR": [{"MATCH": {"a": "1"}}, {"MATCH": {"b": "2"}}]}),
            json!({"b": "2"})
        ));
        assert!(matches(
            json!({"MATCH": {"user": "r'^adm'"}}),
            json!({"user": "administrator"})
        ));
        assert!(!matches(json!({"UNKNOWN": {}}), json!({"a": 1})));
        assert!(!matches(json!("not an object"), json!({"a": 1})));
    }

    #[test]
    fn default_rules_apply_to_wazuh_wui_only() {
        let rbac = Rbac::default_model();
        let elastic = json!({"username": "elastic"});
        assert_eq!(rbac.roles_for_context(&elastic, true), vec![1]);
        assert!(rbac.roles_for_context(&elastic, false).is_empty());
        let linux = json!({"groups": ["linux"]});
        assert_eq!(rbac.roles_for_context(&linux, false), vec![100]);
        let both = json!({"user": "ann", "groups": ["linux", "windows", "analysts"]});
        assert_eq!(rbac.roles_for_context(&both, false), vec![2, 100, 101]);
        assert!(
            rbac.roles_for_context(&json!({"username": "no_matching_rule"}), true)
                .is_empty()
        );
    }

    #[test]
    fn group_policies_scope_agents() {
        let rbac = Rbac::default_model();
        let linux = rbac.permissions(&[100]);
        let groups = json!(["default", "linux"]);
        let web = AgentRef {
            id: "001",
            groups: Some(&groups),
        };
        let windows_groups = json!(["default", "windows"]);
        let dc = AgentRef {
            id: "002",
            groups: Some(&windows_groups),
        };
        let missing = AgentRef {
            id: "999",
            groups: None,
        };
        assert!(linux.allows_agent("agent:read", web));
        assert!(linux.allows_agent("syscollector:read", web));
        assert!(!linux.allows_agent("agent:read", dc));
        assert!(!linux.allows_agent("agent:read", missing));
        assert!(!linux.allows_agent("agent:restart", web));
        assert!(!linux.allows_every_agent("agent:read"));
        let manager = AgentRef {
            id: "000",
            groups: Some(&Value::Null),
        };
        assert!(
            !linux.allows_agent("agent:read", manager),
            "000 is in no group"
        );
        assert!(linux.allows_action("rules:read"));
        assert!(!linux.allows_action("logtest:run"));
        assert!(linux.allows_group("group:read", "linux"));
        assert!(!linux.allows_group("group:read", "windows"));

        let admin = rbac.permissions(&[1]);
        assert!(admin.allows_every_agent("agent:read"));
        assert!(
            admin.allows_agent("agent:read", missing),
            "wildcards cover unknown ids"
        );
        assert!(admin.allows_agent("active-response:command", dc));
        let readonly = rbac.permissions(&[2]);
        assert!(readonly.allows_every_agent("sca:read"));
        assert!(!readonly.allows_agent("agent:restart", web));
        // `*:*:*` does not open agents.
        assert!(!rbac.permissions(&[]).allows_action("agent:read"));
        assert_eq!(
            linux.allowed_agents("agent:read", [web, dc, missing]),
            BTreeSet::from(["001"])
        );
    }

    #[test]
    fn later_grants_override_earlier_ones() {
        let permissions = Permissions {
            grants: vec![
                Grant {
                    action: "agent:read",
                    resource: "agent:id:*",
                    effect: Effect::Allow,
                },
                Grant {
                    action: "agent:read",
                    resource: "agent:group:windows",
                    effect: Effect::Deny,
                },
            ],
        };
        let windows = json!(["windows"]);
        let linux = json!(["linux"]);
        assert!(!permissions.allows_agent(
            "agent:read",
            AgentRef {
                id: "002",
                groups: Some(&windows)
            }
        ));
        assert!(permissions.allows_agent(
            "agent:read",
            AgentRef {
                id: "001",
                groups: Some(&linux)
            }
        ));
        assert!(!permissions.allows_every_agent("agent:read"));
    }
}
