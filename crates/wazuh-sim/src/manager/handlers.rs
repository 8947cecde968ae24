//! The manager API's operations.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::envelope::{Failed, Msgs, Problem, affected, data, json_response};
use crate::SimState;
use crate::auth::rbac::{AgentRef, Permissions, agent_ref};
use crate::auth::{AuthError, Principal};
use crate::config::ApiVersion;
use crate::query::{self, Dialect, ListOptions, ListParams};
use crate::world::Syscollector;

/// One validated request.
pub struct Ctx<'a> {
    pub state: &'a SimState,
    /// Who the request acts as (`None` on the logins).
    pub principal: Option<&'a Principal>,
    /// What the principal may do.
    pub permissions: Permissions,
    pub path: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    pub headers: &'a axum::http::HeaderMap,
    pub body: &'a [u8],
}

impl Ctx<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    fn flag(&self, name: &str) -> bool {
        self.param(name)
            .and_then(super::validate::parse_bool)
            .unwrap_or(false)
    }

    fn pretty(&self) -> bool {
        self.flag("pretty")
    }

    fn agent_id(&self) -> &str {
        self.path.get("agent_id").map(String::as_str).unwrap_or("")
    }

    fn list_params(&self) -> ListParams {
        ListParams {
            offset: self
                .param("offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            limit: self
                .param("limit")
                .and_then(|v| v.parse().ok())
                .unwrap_or(500),
            sort: self.param("sort").map(str::to_string),
            search: self.param("search").map(str::to_string),
            select: self.param("select").map(str::to_string),
            q: self.param("q").map(str::to_string),
            distinct: self.flag("distinct"),
        }
    }

    fn ok(&self, body: Value) -> Response {
        json_response(StatusCode::OK, &body, self.pretty())
    }

    fn now(&self) -> DateTime<Utc> {
        self.state.world.config.now
    }

    /// How RBAC sees the agent `id` (groups `None` when it does not exist).
    fn agent_ref<'s>(&'s self, id: &'s str) -> AgentRef<'s> {
        AgentRef {
            id,
            groups: self
                .state
                .world
                .agent(id)
                .map(|a| a.get("group").unwrap_or(&Value::Null)),
        }
    }

    /// 403 unless `action` is allowed on the agent of the path (`agent:id:{agent_id}`).
    fn check_agent(&self, action: &str) -> Result<(), Problem> {
        if self
            .permissions
            .allows_agent(action, self.agent_ref(self.agent_id()))
        {
            Ok(())
        } else {
            Err(Problem::permission_denied("agent:id"))
        }
    }

    /// The agents on which `action` is allowed, in fleet order.
    fn visible_agents(&self, action: &str) -> Vec<&Value> {
        let agents = self.state.world.agents();
        if self.permissions.allows_every_agent(action) {
            return agents.iter().collect();
        }
        agents
            .iter()
            .filter(|a| self.permissions.allows_agent(action, agent_ref(a)))
            .collect()
    }

    /// Splits an `agents_list` into the ids `action` is allowed on and the others; 403 when
    /// none is allowed (the framework's `expose_resources` with `add_denied`).
    fn split_agents<'s>(
        &'s self,
        action: &str,
        list: &'s str,
    ) -> Result<(Vec<&'s str>, Vec<&'s str>), Problem> {
        let (allowed, denied): (Vec<&str>, Vec<&str>) = list
            .split(',')
            .partition(|id| self.permissions.allows_agent(action, self.agent_ref(id)));
        if allowed.is_empty() && !denied.is_empty() {
            return Err(Problem::permission_denied("agent:id"));
        }
        Ok((allowed, denied))
    }
}

/// The action an operation that is not about agents needs on some resource (the framework
/// answers 403 `Resource type: *:*` without it).
fn static_action(key: &str) -> Option<&'static str> {
    let path = key.split_once(' ').map_or(key, |(_, path)| path);
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    Some(match (first, path) {
        ("rules", _) => "rules:read",
        ("decoders", _) => "decoders:read",
        ("mitre", _) => "mitre:read",
        ("manager", _) => "manager:read",
        ("cluster", _) => "cluster:read",
        ("logtest", _) => "logtest:run",
        (_, "/security/user/revoke") => "security:revoke",
        _ => return None,
    })
}

/// Words the failed items with code 4000 as the framework does (`Permission denied: Resource
/// type: <resource>`).
fn denied_messages(mut body: Value, resource: &str) -> Value {
    if let Some(items) = body
        .pointer_mut("/data/failed_items")
        .and_then(Value::as_array_mut)
    {
        for item in items {
            if item.pointer("/error/code").and_then(Value::as_u64) == Some(4000) {
                item["error"]["message"] =
                    json!(format!("Permission denied: Resource type: {resource}"));
            }
        }
    }
    body
}

/// Dispatches a validated request to its operation.
pub fn dispatch(key: &str, ctx: &Ctx<'_>) -> Response {
    if ctx.principal.is_some()
        && let Some(action) = static_action(key)
        && !ctx.permissions.allows_action(action)
    {
        return Problem::permission_denied("*:*").into_response();
    }
    let result = match key {
        "GET /" => Ok(api_info(ctx)),
        "GET /security/user/authenticate" | "POST /security/user/authenticate" => {
            return login(ctx);
        }
        "POST /security/user/authenticate/run_as" => return run_as_login(ctx),
        "PUT /security/user/revoke" => {
            ctx.state.authority.revoke_all();
            Ok(json!({"message": "Tokens were successfully revoked", "error": 0}))
        }
        "GET /agents" => agents(ctx),
        "GET /agents/summary/status" => Ok(summary_status(ctx)),
        "GET /agents/summary/os" => summary_os(ctx),
        "PUT /agents/{agent_id}/restart" => restart_agent(ctx),
        "PUT /active-response" => active_response(ctx),
        "GET /syscollector/{agent_id}/os" => syscollector(ctx, Syscollector::Os),
        "GET /syscollector/{agent_id}/hardware" => syscollector(ctx, Syscollector::Hardware),
        "GET /syscollector/{agent_id}/packages" => syscollector(ctx, Syscollector::Packages),
        "GET /syscollector/{agent_id}/processes" => syscollector(ctx, Syscollector::Processes),
        "GET /syscollector/{agent_id}/ports" => syscollector(ctx, Syscollector::Ports),
        "GET /syscollector/{agent_id}/netaddr" => syscollector(ctx, Syscollector::Netaddr),
        "GET /syscollector/{agent_id}/netiface" => syscollector(ctx, Syscollector::Netiface),
        "GET /syscollector/{agent_id}/netproto" => syscollector(ctx, Syscollector::Netproto),
        "GET /syscollector/{agent_id}/hotfixes" => syscollector(ctx, Syscollector::Hotfixes),
        "GET /rules" => rules(ctx),
        "GET /rules/files" => content_files(ctx, true),
        "GET /rules/files/{filename}" => return content_file(ctx, true),
        "GET /rules/groups" => rule_groups(ctx),
        "GET /decoders" => decoders(ctx),
        "GET /decoders/files" => content_files(ctx, false),
        "GET /decoders/files/{filename}" => return content_file(ctx, false),
        "GET /sca/{agent_id}" => per_agent(ctx, "sca:read", SCA, |w, id| w.sca(id), &[], &DB),
        "GET /sca/{agent_id}/checks/{policy_id}" => sca_checks(ctx),
        "GET /syscheck/{agent_id}" => {
            per_agent(ctx, "syscheck:read", SYSCHECK, |w, id| w.syscheck(id), &[], &DB)
        }
        "GET /rootcheck/{agent_id}" => {
            per_agent(ctx, "rootcheck:read", ROOTCHECK, |w, id| w.rootcheck(id), &[], &DB)
        }
        "GET /vulnerability/{agent_id}" => per_agent(
            ctx,
            "vulnerability:read",
            VULNERABILITY,
            |w, id| w.vulnerabilities(id),
            &[],
            &DB,
        ),
        "GET /manager/info" => Ok(manager_info(ctx)),
        "GET /manager/status" => Ok(manager_status(ctx)),
        "GET /manager/configuration" => Ok(manager_configuration(ctx)),
        "GET /manager/logs" => manager_logs(ctx),
        "GET /manager/logs/summary" => Ok(manager_logs_summary(ctx)),
        "GET /manager/stats" => manager_stats(ctx),
        "GET /cluster/status" => Ok(data(json!({"enabled": "no", "running": "no"}))),
        "GET /cluster/healthcheck" => Err(Problem::wazuh(
            StatusCode::BAD_REQUEST,
            "Wazuh Error",
            3013,
            "Cluster is not running",
            Some("Please, visit https://documentation.wazuh.com/4.14/user-manual/configuring-cluster/index.html to get more information about how to configure a cluster".into()),
        )),
        "GET /mitre/techniques" => mitre(ctx, "techniques", "MITRE techniques information was returned"),
        "GET /mitre/tactics" => mitre(ctx, "tactics", "All tactics information was returned"),
        "GET /mitre/groups" => mitre(ctx, "groups", "MITRE groups information was returned"),
        "GET /groups" => list(
            ctx,
            visible_groups(ctx),
            Msgs {
                all: "All selected groups information was returned",
                some: "Some groups information was not returned",
                none: "No group information was returned",
            },
            &[],
            &ListOptions {
                required: &["name"],
                ..DB
            },
        ),
        "PUT /logtest" => logtest(ctx),
        _ => Err(Problem::new(
            StatusCode::NOT_IMPLEMENTED,
            "Not Implemented",
            format!("The simulator does not implement {key}"),
        )),
    };
    match result {
        Ok(body) => ctx.ok(body),
        Err(problem) => problem.into_response(),
    }
}

type Reply = Result<Value, Problem>;

fn query_problem(e: query::QueryError) -> Problem {
    Problem::wazuh(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        e.code,
        e.message,
        Some(e.remediation),
    )
}

/// Options of endpoints served from wazuh-db (the framework's `WazuhDBQuery`).
const DB: ListOptions<'static> = ListOptions {
    dialect: Dialect::Database,
    required: &[],
    fields: None,
    date_fields: &[],
    date_filters_skip_manager: false,
    default_sort: None,
    now: None,
};

/// Options of endpoints the framework filters in memory (`process_array`).
const ARRAY: ListOptions<'static> = ListOptions {
    dialect: Dialect::Array,
    ..DB
};

/// Applies simple equality filters (`param` → dotted `field`), then the list parameters.
fn list(
    ctx: &Ctx<'_>,
    items: Vec<Value>,
    msgs: Msgs,
    filters: &[(&str, &str)],
    opts: &ListOptions<'_>,
) -> Reply {
    list_with(ctx, items, msgs, filters, Failed::default(), opts)
}

fn list_with(
    ctx: &Ctx<'_>,
    mut items: Vec<Value>,
    msgs: Msgs,
    filters: &[(&str, &str)],
    failed: Failed,
    opts: &ListOptions<'_>,
) -> Reply {
    for (param, field) in filters {
        if let Some(wanted) = ctx.param(param) {
            let wanted: Vec<&str> = wanted.split(',').collect();
            items.retain(|item| field_matches(lookup(item, field), &wanted));
        }
    }
    let page = query::apply_with(items, &ctx.list_params(), opts).map_err(query_problem)?;
    Ok(affected(page.items, page.total, &failed, msgs))
}

/// The value at a dotted path.
pub fn lookup<'v>(item: &'v Value, field: &str) -> Option<&'v Value> {
    field.split('.').try_fold(item, |v, part| v.get(part))
}

fn field_matches(value: Option<&Value>, wanted: &[&str]) -> bool {
    match value {
        Some(Value::Array(values)) => values.iter().any(|v| field_matches(Some(v), wanted)),
        // wazuh-db compares text case-insensitively (`COLLATE NOCASE`).
        Some(Value::String(s)) => wanted.iter().any(|w| s.eq_ignore_ascii_case(w)),
        Some(Value::Number(n)) => wanted.iter().any(|w| n.to_string() == *w),
        Some(Value::Bool(b)) => wanted.iter().any(|w| b.to_string() == *w),
        _ => false,
    }
}

fn api_info(ctx: &Ctx<'_>) -> Value {
    data(json!({
        "title": "Wazuh API REST",
        "api_version": ctx.state.config.api_version.as_str(),
        "revision": match ctx.state.config.api_version {
            ApiVersion::V4_7_5 => "40720",
            ApiVersion::V4_14_7 => "rc1",
            ApiVersion::V5_0_0 => "beta4",
        },
        "license_name": "GPL 2.0",
        "license_url": "https://github.com/wazuh/wazuh/blob/master/LICENSE",
        "hostname": "wazuh-manager",
        "timestamp": Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }))
}

fn login(ctx: &Ctx<'_>) -> Response {
    let header = ctx
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let user = match ctx.state.authority.check_basic(header) {
        Ok(user) => user,
        Err(e) => return Problem::unauthorized(e.detail()).into_response(),
    };
    let token = match ctx.state.authority.issue(user) {
        Ok(token) => token,
        Err(e) => return Problem::unauthorized(e.detail()).into_response(),
    };
    token_response(ctx, token)
}

/// `POST /security/user/authenticate/run_as`: Basic auth of a user with `allow_run_as`, the
/// authorization context as the JSON body; the token's roles are those the context's security
/// rules match (`security_controller.run_as_login`).
fn run_as_login(ctx: &Ctx<'_>) -> Response {
    let header = ctx
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let user = match ctx.state.authority.check_basic(header) {
        Ok(user) => user,
        Err(e) => return Problem::unauthorized(e.detail()).into_response(),
    };
    let context: Value = match serde_json::from_slice(ctx.body) {
        Ok(context @ Value::Object(_)) => context,
        Ok(other) => {
            return Problem::bad_request(format!("{other} is not of type 'object'"))
                .into_response();
        }
        Err(_) => return Problem::bad_request("Request body is not valid JSON").into_response(),
    };
    let token = match ctx.state.authority.issue_run_as(user, &context) {
        Ok(token) => token,
        Err(AuthError::RunAsNotAllowed) => {
            let docs = match ctx.state.config.api_version {
                ApiVersion::V4_7_5 => "4.7",
                ApiVersion::V4_14_7 => "4.14",
                ApiVersion::V5_0_0 => "5.0",
            };
            return Problem::wazuh(
                StatusCode::FORBIDDEN,
                "Permission Denied",
                6004,
                AuthError::RunAsNotAllowed.detail(),
                Some(format!(
                    "You can enable it using the following endpoint: https://documentation.wazuh.com/{docs}/user-manual/api/reference.html#operation/api.controllers.security_controller.edit_run_as"
                )),
            )
            .into_response();
        }
        Err(e) => return Problem::unauthorized(e.detail()).into_response(),
    };
    token_response(ctx, token)
}

/// The login answer: the token as text (`raw=true`) or `{"data": {"token"}, "error": 0}`.
fn token_response(ctx: &Ctx<'_>, token: String) -> Response {
    if ctx.flag("raw") {
        let mut response = (StatusCode::OK, token).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        return response;
    }
    ctx.ok(json!({"data": {"token": token}, "error": 0}))
}

const AGENTS: Msgs = Msgs {
    all: "All selected agents information was returned",
    some: "Some agents information was not returned",
    none: "No agent information was returned",
};

fn agents(ctx: &Ctx<'_>) -> Reply {
    let world = &ctx.state.world;
    let mut failed = Failed::default();
    let mut items: Vec<Value> = match ctx.param("agents_list") {
        Some(list) => {
            let (allowed, denied) = ctx.split_agents("agent:read", list)?;
            let mut items = Vec::new();
            for id in allowed {
                match world.agent(id) {
                    Some(agent) => items.push(agent.clone()),
                    None => failed.add(1701, id),
                }
            }
            for id in denied {
                failed.add(4000, id);
            }
            items
        }
        None => ctx
            .visible_agents("agent:read")
            .into_iter()
            .cloned()
            .collect(),
    };
    if let Some(timeframe) = ctx.param("older_than") {
        let cutoff = ctx.now() - parse_timeframe(timeframe);
        items.retain(|agent| {
            agent["id"] != "000"
                && lookup(agent, "lastKeepAlive")
                    .and_then(Value::as_str)
                    .and_then(parse_time)
                    .is_some_and(|t| t < cutoff)
        });
    }
    let body = list_with(
        ctx,
        items,
        AGENTS,
        &[
            ("status", "status"),
            ("os.platform", "os.platform"),
            ("os.version", "os.version"),
            ("os.name", "os.name"),
            ("manager", "manager"),
            ("version", "version"),
            ("group", "group"),
            ("node_name", "node_name"),
            ("name", "name"),
            ("ip", "ip"),
            ("registerIP", "registerIP"),
            ("group_config_status", "group_config_status"),
        ],
        failed,
        &ListOptions {
            fields: Some(AGENT_FIELDS),
            ..ListOptions::agents()
        },
    )?;
    Ok(denied_messages(body, "agent:id"))
}

/// Parses a Wazuh timeframe (`30m`, `1d`, `3600`: seconds by default).
fn parse_timeframe(value: &str) -> chrono::Duration {
    let (digits, unit) = value.split_at(
        value
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(value.len()),
    );
    let n: i64 = digits.parse().unwrap_or(0);
    match unit {
        "d" => chrono::Duration::days(n),
        "h" => chrono::Duration::hours(n),
        "m" => chrono::Duration::minutes(n),
        _ => chrono::Duration::seconds(n),
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
        .or_else(|| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z").ok())
        .map(|t| t.with_timezone(&Utc))
}

fn summary_status(ctx: &Ctx<'_>) -> Value {
    let agents = ctx.visible_agents("agent:read");
    let count = |status: &str| agents.iter().filter(|a| a["status"] == status).count();
    let synced = agents
        .iter()
        .filter(|a| a["group_config_status"] == "synced")
        .count();
    data(json!({
        "connection": {
            "active": count("active"),
            "disconnected": count("disconnected"),
            "never_connected": count("never_connected"),
            "pending": count("pending"),
            "total": agents.len(),
        },
        "configuration": {
            "synced": synced,
            "not_synced": agents.len() - synced,
            "total": agents.len(),
        }
    }))
}

fn summary_os(ctx: &Ctx<'_>) -> Reply {
    let mut platforms: Vec<Value> = Vec::new();
    for agent in ctx.visible_agents("agent:read") {
        if let Some(p) = lookup(agent, "os.platform")
            && !platforms.contains(p)
        {
            platforms.push(p.clone());
        }
    }
    let params = ListParams {
        select: None,
        q: None,
        ..ctx.list_params()
    };
    let total = platforms.len();
    let items = platforms
        .into_iter()
        .skip(params.offset)
        .take(params.limit)
        .collect();
    Ok(affected(
        items,
        total,
        &Failed::default(),
        Msgs {
            all: "Showing the operative system of all specified agents",
            some: "Could not show the operative system of some agents",
            none: "No operative system was shown",
        },
    ))
}

fn restart_agent(ctx: &Ctx<'_>) -> Reply {
    ctx.check_agent("agent:restart")?;
    let msgs = Msgs {
        all: "All selected agents were restarted",
        some: "Some agents were not restarted",
        none: "No agents were restarted",
    };
    let id = ctx.agent_id();
    let mut failed = Failed::default();
    let mut items = Vec::new();
    match ctx.state.world.agent(id) {
        None => failed.add(1701, id),
        Some(_) if id == "000" => failed.add(1703, id),
        Some(agent) if agent["status"] != "active" => failed.add(1707, id),
        Some(_) => items.push(json!(id)),
    }
    let total = items.len();
    Ok(affected(items, total, &failed, msgs))
}

fn active_response(ctx: &Ctx<'_>) -> Reply {
    let body: Value = serde_json::from_slice(ctx.body)
        .map_err(|_| Problem::bad_request("Request body is not valid JSON"))?;
    match body.get("command").and_then(Value::as_str) {
        Some(c) if !c.is_empty() => {}
        _ => return Err(Problem::bad_request("'command' is a required property")),
    }
    let world = &ctx.state.world;
    let action = "active-response:command";
    let mut failed = Failed::default();
    let ids: Vec<String> = match ctx.param("agents_list") {
        Some(list) => {
            let (allowed, denied) = ctx.split_agents(action, list)?;
            for id in denied {
                failed.add(4000, id);
            }
            allowed.into_iter().map(str::to_string).collect()
        }
        None => ctx
            .visible_agents(action)
            .into_iter()
            .filter_map(|a| a["id"].as_str())
            .filter(|id| *id != "000")
            .map(str::to_string)
            .collect(),
    };
    let mut items = Vec::new();
    for id in ids {
        match world.agent(&id) {
            None => failed.add(1701, id),
            Some(agent) if agent["status"] != "active" => failed.add(1707, id),
            Some(_) => items.push(json!(id)),
        }
    }
    let total = items.len();
    Ok(denied_messages(
        affected(
            items,
            total,
            &failed,
            Msgs {
                all: "AR command was sent to all agents",
                some: "AR command was not sent to some agents",
                none: "AR command was not sent to any agent",
            },
        ),
        "agent:id",
    ))
}

const SYSCOLLECTOR: Msgs = Msgs {
    all: "All specified syscollector information was returned",
    some: "Some syscollector information was not returned",
    none: "No syscollector information was returned",
};
const SCA: Msgs = Msgs {
    all: "All selected sca information was returned",
    some: "Some sca information was not returned",
    none: "No sca information was returned",
};
const SYSCHECK: Msgs = Msgs {
    all: "FIM findings of the agent were returned",
    some: "Some FIM findings of the agent were not returned",
    none: "No FIM information was returned",
};
const ROOTCHECK: Msgs = Msgs {
    all: "All selected rootcheck information was returned",
    some: "Some rootcheck information was not returned",
    none: "No rootcheck information was returned",
};
const VULNERABILITY: Msgs = Msgs {
    all: "All selected vulnerabilities were returned",
    some: "Some vulnerabilities were not returned",
    none: "No vulnerability was returned",
};

fn syscollector(ctx: &Ctx<'_>, kind: Syscollector) -> Reply {
    let filters: &[(&str, &str)] = match kind {
        Syscollector::Packages => &[
            ("vendor", "vendor"),
            ("name", "name"),
            ("architecture", "architecture"),
            ("format", "format"),
            ("version", "version"),
        ],
        Syscollector::Processes => &[
            ("pid", "pid"),
            ("state", "state"),
            ("ppid", "ppid"),
            ("egroup", "egroup"),
            ("euser", "euser"),
            ("fgroup", "fgroup"),
            ("name", "name"),
            ("nlwp", "nlwp"),
            ("pgrp", "pgrp"),
            ("priority", "priority"),
            ("rgroup", "rgroup"),
            ("ruser", "ruser"),
            ("sgroup", "sgroup"),
            ("suser", "suser"),
        ],
        Syscollector::Ports => &[
            ("pid", "pid"),
            ("protocol", "protocol"),
            ("local.ip", "local.ip"),
            ("local.port", "local.port"),
            ("remote.ip", "remote.ip"),
            ("tx_queue", "tx_queue"),
            ("state", "state"),
            ("process", "process"),
        ],
        Syscollector::Netaddr => &[
            ("iface", "iface"),
            ("proto", "proto"),
            ("address", "address"),
            ("broadcast", "broadcast"),
            ("netmask", "netmask"),
        ],
        Syscollector::Netiface => &[
            ("name", "name"),
            ("adapter", "adapter"),
            ("type", "type"),
            ("state", "state"),
            ("mtu", "mtu"),
            ("tx.packets", "tx.packets"),
            ("rx.packets", "rx.packets"),
            ("tx.bytes", "tx.bytes"),
            ("rx.bytes", "rx.bytes"),
            ("tx.errors", "tx.errors"),
            ("rx.errors", "rx.errors"),
            ("tx.dropped", "tx.dropped"),
            ("rx.dropped", "rx.dropped"),
        ],
        Syscollector::Netproto => &[
            ("iface", "iface"),
            ("type", "type"),
            ("gateway", "gateway"),
            ("dhcp", "dhcp"),
        ],
        Syscollector::Hotfixes => &[("hotfix", "hotfix")],
        Syscollector::Os | Syscollector::Hardware => &[],
    };
    per_agent(
        ctx,
        "syscollector:read",
        SYSCOLLECTOR,
        |w, id| w.syscollector(id, kind),
        filters,
        &ListOptions {
            required: &["agent_id"],
            ..DB
        },
    )
}

fn per_agent(
    ctx: &Ctx<'_>,
    action: &str,
    msgs: Msgs,
    items: impl Fn(&crate::world::World, &str) -> Option<Vec<Value>>,
    filters: &[(&str, &str)],
    opts: &ListOptions<'_>,
) -> Reply {
    ctx.check_agent(action)?;
    let id = ctx.agent_id();
    never_connected(ctx, id)?;
    match items(&ctx.state.world, id) {
        Some(items) => list(ctx, items, msgs, filters, opts),
        None => {
            let mut failed = Failed::default();
            failed.add(1701, id);
            Ok(affected(Vec::new(), 0, &failed, msgs))
        }
    }
}

/// A never-connected agent has no database: wazuh-db answers error 2007 (HTTP 400).
fn never_connected(ctx: &Ctx<'_>, id: &str) -> Result<(), Problem> {
    match ctx.state.world.agent(id) {
        Some(agent) if agent["status"] == "never_connected" => Err(Problem::wazuh(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            2007,
            "Error retrieving data from Wazuh DB",
            None,
        )),
        _ => Ok(()),
    }
}

/// Fields of `GET /agents` (the framework's `WazuhDBQueryAgents` fields).
const AGENT_FIELDS: &[&str] = &[
    "id",
    "name",
    "ip",
    "status",
    "status_code",
    "os",
    "os.name",
    "os.version",
    "os.platform",
    "os.codename",
    "os.major",
    "os.minor",
    "os.uname",
    "os.arch",
    "os.build",
    "version",
    "manager",
    "dateAdd",
    "group",
    "mergedSum",
    "configSum",
    "node_name",
    "lastKeepAlive",
    "registerIP",
    "disconnection_time",
    "group_config_status",
];

fn sca_checks(ctx: &Ctx<'_>) -> Reply {
    ctx.check_agent("sca:read")?;
    let id = ctx.agent_id();
    let policy = ctx.path.get("policy_id").map(String::as_str).unwrap_or("");
    let msgs = Msgs {
        all: "All selected sca/policy information was returned",
        some: "Some sca/policy information was not returned",
        none: "No sca/policy information was returned",
    };
    let world = &ctx.state.world;
    if world.agent(id).is_none() {
        let mut failed = Failed::default();
        failed.add(1701, id);
        return Ok(affected(Vec::new(), 0, &failed, msgs));
    }
    never_connected(ctx, id)?;
    let items = world.sca_checks(id, policy).unwrap_or_default();
    list(
        ctx,
        items,
        msgs,
        &[
            ("title", "title"),
            ("description", "description"),
            ("rationale", "rationale"),
            ("remediation", "remediation"),
            ("command", "command"),
            ("reason", "reason"),
            ("file", "file"),
            ("process", "process"),
            ("directory", "directory"),
            ("registry", "registry"),
            ("references", "references"),
            ("result", "result"),
            ("condition", "condition"),
        ],
        &DB,
    )
}

/// `GET /groups` items the token may read (`group:read` on `group:id:<name>`).
fn visible_groups(ctx: &Ctx<'_>) -> Vec<Value> {
    let mut groups = ctx.state.world.groups();
    groups.retain(|g| {
        g["name"]
            .as_str()
            .is_some_and(|name| ctx.permissions.allows_group("group:read", name))
    });
    groups
}

fn rules(ctx: &Ctx<'_>) -> Reply {
    let reference = &ctx.state.world.reference;
    let mut items: Vec<Value> = reference.rules.clone();
    let mut failed = Failed::default();
    if let Some(ids) = ctx.param("rule_ids") {
        let wanted: Vec<i64> = ids
            .split(',')
            .filter_map(|i| i.trim().parse().ok())
            .collect();
        items.retain(|r| r["id"].as_i64().is_some_and(|id| wanted.contains(&id)));
        for id in wanted {
            if !items.iter().any(|r| r["id"].as_i64() == Some(id)) {
                failed.add(1208, id);
            }
        }
    }
    match ctx.param("status") {
        Some("all") => {}
        Some(status) => items.retain(|r| r["status"] == status),
        None => {}
    }
    if let Some(level) = ctx.param("level") {
        let (lo, hi) = match level.split_once('-') {
            Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(16)),
            None => {
                let l = level.parse().unwrap_or(0);
                (l, l)
            }
        };
        items.retain(|r| r["level"].as_i64().is_some_and(|l| l >= lo && l <= hi));
    }
    for (param, field) in [
        ("group", "groups"),
        ("pci_dss", "pci_dss"),
        ("gdpr", "gdpr"),
        ("gpg13", "gpg13"),
        ("hipaa", "hipaa"),
        ("nist-800-53", "nist_800_53"),
        ("tsc", "tsc"),
        ("mitre", "mitre"),
    ] {
        if let Some(wanted) = ctx.param(param) {
            items.retain(|r| field_matches(r.get(field), &[wanted]));
        }
    }
    list_with(
        ctx,
        items,
        Msgs {
            all: "All selected rules were returned",
            some: "Some rules were not returned",
            none: "No rule was returned",
        },
        &[
            ("filename", "filename"),
            ("relative_dirname", "relative_dirname"),
        ],
        failed,
        &ListOptions {
            required: &["id"],
            fields: Some(&[
                "filename",
                "relative_dirname",
                "id",
                "level",
                "status",
                "details",
                "pci_dss",
                "gpg13",
                "gdpr",
                "hipaa",
                "nist_800_53",
                "tsc",
                "mitre",
                "groups",
                "description",
            ]),
            ..ARRAY
        },
    )
}

fn rule_groups(ctx: &Ctx<'_>) -> Reply {
    let mut groups: Vec<String> = ctx
        .state
        .world
        .reference
        .rules
        .iter()
        .filter_map(|r| r["groups"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    groups.sort();
    groups.dedup();
    let total = groups.len();
    let params = ctx.list_params();
    let mut items: Vec<Value> = groups.into_iter().map(Value::String).collect();
    if let Some(search) = &params.search {
        let (negate, needle) = match search.strip_prefix('-') {
            Some(rest) => (true, rest.to_lowercase()),
            None => (false, search.to_lowercase()),
        };
        items.retain(|g| {
            g.as_str()
                .is_some_and(|g| g.to_lowercase().contains(&needle))
                != negate
        });
    }
    if params.sort.as_deref().is_some_and(|s| s.starts_with('-')) {
        items.reverse();
    }
    let total = if params.search.is_some() {
        items.len()
    } else {
        total
    };
    let items = items
        .into_iter()
        .skip(params.offset)
        .take(params.limit)
        .collect();
    Ok(affected(
        items,
        total,
        &Failed::default(),
        Msgs {
            all: "All groups in rules were returned",
            some: "Some groups in rules were not returned",
            none: "No groups in rules were returned",
        },
    ))
}

fn decoders(ctx: &Ctx<'_>) -> Reply {
    let mut items = ctx.state.world.reference.decoders.clone();
    if let Some(names) = ctx.param("decoder_names") {
        let wanted: Vec<&str> = names.split(',').collect();
        items.retain(|d| field_matches(d.get("name"), &wanted));
    }
    match ctx.param("status") {
        Some("all") | None => {}
        Some(status) => items.retain(|d| d["status"] == status),
    }
    list(
        ctx,
        items,
        Msgs {
            all: "All selected decoders were returned",
            some: "Some decoders were not returned",
            none: "No decoder was returned",
        },
        &[
            ("filename", "filename"),
            ("relative_dirname", "relative_dirname"),
        ],
        &ListOptions {
            required: &["filename", "position"],
            fields: Some(&[
                "filename",
                "relative_dirname",
                "status",
                "name",
                "position",
                "details",
            ]),
            ..ARRAY
        },
    )
}

fn content_files(ctx: &Ctx<'_>, rules: bool) -> Reply {
    let reference = &ctx.state.world.reference;
    let files = if rules {
        &reference.rule_files
    } else {
        &reference.decoder_files
    };
    let mut items: Vec<Value> = files
        .iter()
        .map(|f| {
            json!({
                "filename": f.filename,
                "relative_dirname": f.relative_dirname,
                "status": f.status,
            })
        })
        .collect();
    match ctx.param("status") {
        Some("all") | None => {}
        Some(status) => items.retain(|d| d["status"] == status),
    }
    let msgs = if rules {
        Msgs {
            all: "All rules files were returned",
            some: "Some rules files were not returned",
            none: "No rules files were returned",
        }
    } else {
        Msgs {
            all: "All decoders files were returned",
            some: "Some decoders files were not returned",
            none: "No decoders files were returned",
        }
    };
    list(
        ctx,
        items,
        msgs,
        &[
            ("filename", "filename"),
            ("relative_dirname", "relative_dirname"),
        ],
        &ARRAY,
    )
}

fn content_file(ctx: &Ctx<'_>, rules: bool) -> Response {
    let reference = &ctx.state.world.reference;
    let files = if rules {
        &reference.rule_files
    } else {
        &reference.decoder_files
    };
    let name = ctx.path.get("filename").map(String::as_str).unwrap_or("");
    let dirname = ctx.param("relative_dirname");
    let Some(file) = files
        .iter()
        .find(|f| f.filename == name && dirname.is_none_or(|d| d == f.relative_dirname))
    else {
        let mut failed = Failed::default();
        failed.add(if rules { 1415 } else { 1503 }, name);
        let msgs = Msgs {
            all: "Selected file was returned",
            some: "Selected file was not returned",
            none: "Selected file was not returned",
        };
        return ctx.ok(affected(Vec::new(), 0, &failed, msgs));
    };
    if ctx.flag("raw") {
        let mut response = (StatusCode::OK, file.content.clone()).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/xml; charset=utf-8"),
        );
        return response;
    }
    let parsed = super::xmljson::xml_to_json(&file.content);
    ctx.ok(affected(
        vec![parsed],
        1,
        &Failed::default(),
        Msgs {
            all: "Selected rule file was returned",
            some: "Selected rule file was not returned",
            none: "Selected rule file was not returned",
        },
    ))
}

fn mitre(ctx: &Ctx<'_>, kind: &str, all: &'static str) -> Reply {
    let mut items = ctx.state.world.mitre(kind);
    let ids_param = match kind {
        "techniques" => "technique_ids",
        "tactics" => "tactic_ids",
        _ => "group_ids",
    };
    if let Some(ids) = ctx.param(ids_param) {
        let wanted: Vec<&str> = ids.split(',').collect();
        items.retain(|i| field_matches(i.get("external_id").or(i.get("id")), &wanted));
    }
    list(
        ctx,
        items,
        Msgs {
            all,
            some: "Some MITRE information was not returned",
            none: "No MITRE information was returned",
        },
        &[],
        &DB,
    )
}

fn manager_info(ctx: &Ctx<'_>) -> Value {
    let item = json!({
        "path": "/var/ossec",
        "version": format!("v{}", ctx.state.config.api_version),
        "type": "server",
        "max_agents": "unlimited",
        "openssl_support": "yes",
        "tz_offset": "+0000",
        "tz_name": "UTC",
        "uuid": format!("{:08x}-0000-4000-8000-{:012x}", ctx.state.config.seed as u32, ctx.state.config.seed & 0xffff_ffff_ffff),
    });
    affected(
        vec![item],
        1,
        &Failed::default(),
        Msgs {
            all: "Basic information was successfully read in specified node",
            some: "Could not read basic information in some nodes",
            none: "Could not read basic information in any node",
        },
    )
}

fn manager_status(_ctx: &Ctx<'_>) -> Value {
    let mut status = serde_json::Map::new();
    for (daemon, state) in [
        ("wazuh-agentlessd", "stopped"),
        ("wazuh-analysisd", "running"),
        ("wazuh-authd", "running"),
        ("wazuh-csyslogd", "stopped"),
        ("wazuh-dbd", "stopped"),
        ("wazuh-monitord", "running"),
        ("wazuh-execd", "running"),
        ("wazuh-integratord", "stopped"),
        ("wazuh-logcollector", "running"),
        ("wazuh-maild", "stopped"),
        ("wazuh-remoted", "running"),
        ("wazuh-reportd", "stopped"),
        ("wazuh-syscheckd", "running"),
        ("wazuh-clusterd", "stopped"),
        ("wazuh-modulesd", "running"),
        ("wazuh-db", "running"),
        ("wazuh-apid", "running"),
    ] {
        status.insert(daemon.into(), json!(state));
    }
    affected(
        vec![Value::Object(status)],
        1,
        &Failed::default(),
        Msgs {
            all: "Processes status was successfully read in specified node",
            some: "Could not read basic information in some nodes",
            none: "Could not read process status in any node",
        },
    )
}

fn manager_configuration(_ctx: &Ctx<'_>) -> Value {
    let config = json!({
        "global": {
            "jsonout_output": "yes",
            "alerts_log": "yes",
            "logall": "no",
            "logall_json": "no",
            "email_notification": "no",
            "agents_disconnection_time": "10m",
            "agents_disconnection_alert_time": "0",
        },
        "alerts": {"log_alert_level": "3", "email_alert_level": "12"},
        "remote": [{"connection": "secure", "port": "1514", "protocol": ["tcp"], "queue_size": "131072"}],
        "vulnerability-detection": {"enabled": "yes", "index-status": "yes", "feed-update-interval": "60m"},
        "indexer": {"enabled": "yes", "hosts": ["https://127.0.0.1:9200"]},
        "sca": {"enabled": "yes", "scan_on_start": "yes", "interval": "12h"},
        "syscheck": {"disabled": "no", "frequency": "43200", "scan_on_start": "yes"},
        "rootcheck": {"disabled": "no", "frequency": "43200"},
        "auth": {"disabled": "no", "port": "1515", "use_source_ip": "no"},
        "ruleset": {
            "decoder_dir": ["ruleset/decoders", "etc/decoders"],
            "rule_dir": ["ruleset/rules", "etc/rules"],
            "rule_exclude": ["0215-policy_rules.xml"],
            "list": ["etc/lists/audit-keys", "etc/lists/amazon/aws-eventnames", "etc/lists/security-eventchannel"],
        },
    });
    affected(
        vec![config],
        1,
        &Failed::default(),
        Msgs {
            all: "Configuration was successfully read in specified node",
            some: "Could not read configuration in some nodes",
            none: "Could not read configuration in any node",
        },
    )
}

fn manager_log_items(ctx: &Ctx<'_>) -> Vec<Value> {
    let now = ctx.now();
    let entries = [
        (
            "wazuh-modulesd:vulnerability-scanner",
            "info",
            "Vulnerability scan finished.",
        ),
        ("wazuh-analysisd", "info", "Total rules enabled: '7390'"),
        (
            "wazuh-remoted",
            "warning",
            "(1408): Invalid ID 012 for the source ip: '10.0.3.17' (name 'unknown').",
        ),
        (
            "wazuh-modulesd:syscollector",
            "info",
            "Evaluation finished.",
        ),
        ("wazuh-authd", "info", "New connection from 10.0.1.25"),
        (
            "wazuh-analysisd",
            "error",
            "(1226): Error reading XML file 'etc/rules/local_rules.xml': XMLERR: Element 'group' not closed.",
        ),
        ("wazuh-db", "info", "Database 'global' opened."),
        (
            "wazuh-modulesd:sca",
            "info",
            "Security Configuration Assessment scan finished.",
        ),
    ];
    entries
        .iter()
        .enumerate()
        .map(|(i, (tag, level, description))| {
            json!({
                "timestamp": (now - chrono::Duration::minutes(5 * i as i64)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "tag": tag,
                "level": level,
                "description": description,
            })
        })
        .collect()
}

fn manager_logs(ctx: &Ctx<'_>) -> Reply {
    list(
        ctx,
        manager_log_items(ctx),
        Msgs {
            all: "Logs were successfully read in specified node",
            some: "Could not read logs in some nodes",
            none: "Could not read logs in any node",
        },
        &[("tag", "tag"), ("level", "level")],
        &ARRAY,
    )
}

fn manager_logs_summary(ctx: &Ctx<'_>) -> Value {
    let mut summary: BTreeMap<String, BTreeMap<&str, u64>> = BTreeMap::new();
    for entry in manager_log_items(ctx) {
        let tag = entry["tag"].as_str().unwrap_or_default().to_string();
        let level = entry["level"].as_str().unwrap_or("info");
        let counts = summary.entry(tag).or_default();
        for key in ["all", "info", "error", "critical", "warning", "debug"] {
            counts.entry(key).or_insert(0);
        }
        *counts.entry("all").or_insert(0) += 1;
        *counts
            .entry(if level == "error" {
                "error"
            } else if level == "warning" {
                "warning"
            } else {
                "info"
            })
            .or_insert(0) += 1;
    }
    let items: Vec<Value> = summary
        .into_iter()
        .map(|(tag, counts)| json!({ tag: counts }))
        .collect();
    let total = items.len();
    affected(
        items,
        total,
        &Failed::default(),
        Msgs {
            all: "Log was successfully summarized in specified node",
            some: "Could not summarize the log in some nodes",
            none: "Could not summarize the log in any node",
        },
    )
}

fn manager_stats(ctx: &Ctx<'_>) -> Reply {
    let alerts = ctx.state.world.alerts();
    let today = ctx.now().date_naive();
    let day = match ctx.param("date") {
        None => today,
        Some(date) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today && (today - *d).num_days() < crate::world::ALERT_DAYS)
            // analysisd keeps one stats file per day; other days have none.
            .ok_or_else(|| {
                Problem::wazuh(
                    StatusCode::BAD_REQUEST,
                    "Bad Request",
                    1308,
                    "Stats file does not exist",
                    None,
                )
            })?,
    };
    let mut hours = [0u64; 24];
    for doc in alerts {
        if let Some(t) = doc.source["timestamp"].as_str().and_then(parse_time)
            && t.date_naive() == day
        {
            use chrono::Timelike;
            hours[t.hour() as usize] += 1;
        }
    }
    let items: Vec<Value> = hours
        .iter()
        .enumerate()
        .map(|(hour, total)| {
            json!({
                "hour": hour,
                "alerts": [],
                "totalAlerts": total,
                "events": total * 12,
                "syscheck": total / 10,
                "firewall": 0,
            })
        })
        .collect();
    let total = items.len();
    Ok(affected(
        items,
        total,
        &Failed::default(),
        Msgs {
            all: "Statistical information for each node was successfully read",
            some: "Could not read statistical information for some nodes",
            none: "Could not read statistical information for any node",
        },
    ))
}

fn logtest(ctx: &Ctx<'_>) -> Reply {
    let body: Value = serde_json::from_slice(ctx.body)
        .map_err(|_| Problem::bad_request("Request body is not valid JSON"))?;
    let event = body
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::bad_request("'event' is a required property"))?;
    let log_format = body
        .get("log_format")
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::bad_request("'log_format' is a required property"))?;
    let location = body
        .get("location")
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::bad_request("'location' is a required property"))?;
    let reference = &ctx.state.world.reference;
    let token = body
        .get("token")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:08x}", crc(event) ^ 0x5eed));
    let mut messages = Vec::new();
    if body.get("token").is_none() {
        messages.push(json!(format!(
            "INFO: (7202): Session initialized with token '{token}'"
        )));
    }
    let case = reference
        .logtest_cases
        .iter()
        .find(|c| c.log.trim() == event.trim());
    let now = Utc::now();
    let mut output = json!({
        "timestamp": now.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string(),
        "agent": {"id": "000", "name": "wazuh-manager"},
        "manager": {"name": "wazuh-manager"},
        "id": format!("{}.{}", now.timestamp(), crc(event) % 1_000_000),
        "full_log": event,
        "location": location,
    });
    let mut alert = false;
    if let Some(case) = case {
        output["decoder"] = json!({"name": case.decoder});
        let rule = reference.rules.iter().find(|r| {
            r["id"]
                .as_u64()
                .is_some_and(|id| case.rule_id.trim().parse() == Ok(id))
                || r["id"].as_str() == Some(&case.rule_id)
        });
        let mut rule_json = json!({
            "level": case.level,
            "id": case.rule_id,
            "firedtimes": 1,
            "mail": case.level >= 12,
        });
        if let Some(rule) = rule {
            for key in [
                "description",
                "groups",
                "pci_dss",
                "gdpr",
                "hipaa",
                "nist_800_53",
                "tsc",
                "gpg13",
            ] {
                if let Some(v) = rule.get(key)
                    && v.as_array().is_none_or(|a| !a.is_empty())
                {
                    rule_json[key] = v.clone();
                }
            }
        }
        output["rule"] = rule_json;
        alert = case.level >= 3;
    } else {
        // Analysis found no decoder and no rule: Wazuh answers with the bare event.
        output["decoder"] = json!({});
        let _ = log_format;
    }
    Ok(json!({
        "error": 0,
        "data": {
            "messages": messages,
            "token": token,
            "output": output,
            "alert": alert,
            "codemsg": if messages.is_empty() { 0 } else { 1 },
        }
    }))
}

/// A small stable checksum for ids derived from text.
fn crc(s: &str) -> u32 {
    s.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    })
}
