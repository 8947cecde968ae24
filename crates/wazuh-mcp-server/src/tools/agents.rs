//! Agents and their inventory: `get_agents`, `get_agent_ports`, `get_agent_packages`,
//! `get_agent_processes`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use wazuh_client::{AgentQuery, AgentStatus, ListQuery, SyscollectorKind};

use super::{
    Args, ListOutput, Paging, ToolError, finish, lenient_bool, no_nulls, string_list,
    structured_result,
};
use crate::server::WazuhMcp;

/// Sorting, searching and projecting a list.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = no_nulls)]
pub struct Shape {
    /// Sort fields, comma-separated, dotted for nested ones; a leading `-` sorts descending:
    /// `-lastKeepAlive`, `+name`.
    pub sort: Option<String>,
    /// Free text searched in every field; a leading `-` excludes matches.
    pub search: Option<String>,
    /// Fields to return (a list, or comma-separated), dotted for nested ones: `id,name,os.platform`.
    /// Fewer fields make smaller answers.
    #[serde(deserialize_with = "string_list")]
    #[schemars(with = "Vec<String>")]
    pub select: Vec<String>,
    /// A Wazuh WQL filter: `field=value`, `!=`, `<`, `>`, `~` (contains); `;` is AND, `,` is OR,
    /// parentheses group. Example: `os.platform=windows;status=active`.
    pub q: Option<String>,
    /// Only distinct combinations of the selected fields.
    #[serde(deserialize_with = "lenient_bool")]
    #[schemars(with = "Option<bool>")]
    pub distinct: Option<bool>,
}

impl Shape {
    pub(crate) fn list_query(&self, offset: u64, limit: u64) -> ListQuery {
        ListQuery {
            offset: Some(offset),
            limit: Some(limit),
            sort: self.sort.clone().filter(|s| !s.is_empty()),
            search: self.search.clone().filter(|s| !s.is_empty()),
            select: self.select.clone(),
            q: self.q.clone().filter(|s| !s.is_empty()),
            distinct: self.distinct.filter(|d| *d),
            filters: Vec::new(),
        }
    }
}

/// Arguments of `get_agents`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = no_nulls)]
pub struct GetAgentsParams {
    /// Agent statuses to include: `active`, `disconnected`, `never_connected`, `pending`
    /// (a list or comma-separated).
    #[serde(deserialize_with = "string_list")]
    #[schemars(with = "Vec<String>")]
    pub status: Vec<String>,
    /// Only these agent ids (strings of 3+ digits, like `001`; `000` is the manager).
    #[serde(deserialize_with = "string_list")]
    #[schemars(with = "Vec<String>")]
    pub agent_ids: Vec<String>,
    /// OS platform as Wazuh reports it: `windows`, `ubuntu`, `centos`, `rhel`, `debian`, `darwin`...
    pub os_platform: Option<String>,
    /// Exact agent name.
    pub name: Option<String>,
    /// Exact agent IP address.
    pub ip: Option<String>,
    /// Agent group name.
    pub group: Option<String>,
    /// Agent version, e.g. `Wazuh v4.14.7`.
    pub version: Option<String>,
    /// Only agents whose last keep-alive is older than this: `30m`, `2h`, `1d`.
    pub older_than: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Arguments of the per-agent inventory tools.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = super::requires_agent)]
pub struct PortsParams {
    /// Agent id: a string of 3+ digits, like `001`.
    #[serde(deserialize_with = "super::lenient_string")]
    pub agent_id: String,
    /// `tcp`, `udp`, `tcp6` or `udp6`.
    pub protocol: Option<String>,
    /// Port state, e.g. `listening` or `established`.
    pub state: Option<String>,
    /// Local IP address.
    pub local_ip: Option<String>,
    /// Local port number.
    #[serde(deserialize_with = "super::lenient_opt_string")]
    pub local_port: Option<String>,
    /// Remote IP address (e.g. to find connections to `192.168.1.100`).
    pub remote_ip: Option<String>,
    /// Process name owning the socket.
    pub process: Option<String>,
    /// PID owning the socket.
    #[serde(deserialize_with = "super::lenient_opt_string")]
    pub pid: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Arguments of `get_agent_packages`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = super::requires_agent)]
pub struct PackagesParams {
    /// Agent id: a string of 3+ digits, like `001`.
    #[serde(deserialize_with = "super::lenient_string")]
    pub agent_id: String,
    /// Exact package name, e.g. `openssl`.
    pub name: Option<String>,
    /// Exact version.
    pub version: Option<String>,
    /// Vendor.
    pub vendor: Option<String>,
    /// Architecture, e.g. `amd64`, `x86_64`.
    pub architecture: Option<String>,
    /// Package format: `deb`, `rpm`, `win`, `pkg`...
    pub format: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Arguments of `get_agent_processes`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = super::requires_agent)]
pub struct ProcessesParams {
    /// Agent id: a string of 3+ digits, like `001`.
    #[serde(deserialize_with = "super::lenient_string")]
    pub agent_id: String,
    /// Exact process name, e.g. `powershell.exe`, `sshd`.
    pub name: Option<String>,
    /// PID.
    #[serde(deserialize_with = "super::lenient_opt_string")]
    pub pid: Option<String>,
    /// Parent PID.
    #[serde(deserialize_with = "super::lenient_opt_string")]
    pub ppid: Option<String>,
    /// Process state, e.g. `R`, `S`.
    pub state: Option<String>,
    /// Effective user.
    pub euser: Option<String>,
    /// Real user.
    pub ruser: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

fn with_filters(mut query: ListQuery, filters: &[(&str, &Option<String>)]) -> ListQuery {
    for (key, value) in filters {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            query.filters.push(((*key).to_string(), v.clone()));
        }
    }
    query
}

#[tool_router(router = agents_router, vis = "pub(crate)")]
impl WazuhMcp {
    #[tool(
        name = "get_agents",
        description = "List Wazuh agents (monitored hosts) with their id, name, IP, OS, status, version and groups. Filter by status, OS platform, name, IP, group, version or a WQL `q`; use `select` to return fewer fields. Start here to find agent ids for the other tools.",
        annotations(
            title = "List agents",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_agents(
        &self,
        Parameters(Args(params)): Parameters<Args<GetAgentsParams>>,
    ) -> CallToolResult {
        finish(self.get_agents_impl(params).await)
    }

    #[tool(
        name = "get_agent_ports",
        description = "Network sockets of one agent from its inventory: listening ports and connections with local/remote IP and port, protocol, state and owning process. Filter e.g. by remote_ip to find who talks to an address.",
        annotations(
            title = "Agent ports",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_agent_ports(
        &self,
        Parameters(Args(params)): Parameters<Args<PortsParams>>,
    ) -> CallToolResult {
        let query = with_filters(
            Shape::list_query(&params.shape, 0, 0),
            &[
                ("protocol", &params.protocol),
                ("state", &params.state),
                ("local.ip", &params.local_ip),
                ("local.port", &params.local_port),
                ("remote.ip", &params.remote_ip),
                ("process", &params.process),
                ("pid", &params.pid),
            ],
        );
        finish(
            self.inventory(
                &params.agent_id,
                SyscollectorKind::Ports,
                query,
                &params.paging,
                "ports",
            )
            .await,
        )
    }

    #[tool(
        name = "get_agent_packages",
        description = "Installed software of one agent from its inventory: name, version, vendor, architecture and format. Filter by exact name or version, or use `search` for partial names.",
        annotations(
            title = "Agent packages",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_agent_packages(
        &self,
        Parameters(Args(params)): Parameters<Args<PackagesParams>>,
    ) -> CallToolResult {
        let query = with_filters(
            Shape::list_query(&params.shape, 0, 0),
            &[
                ("name", &params.name),
                ("version", &params.version),
                ("vendor", &params.vendor),
                ("architecture", &params.architecture),
                ("format", &params.format),
            ],
        );
        finish(
            self.inventory(
                &params.agent_id,
                SyscollectorKind::Packages,
                query,
                &params.paging,
                "packages",
            )
            .await,
        )
    }

    #[tool(
        name = "get_agent_processes",
        description = "Running processes of one agent from its inventory: name, PID, parent, users and full command line (`cmd` and `argvs`). Use `search` to look for text in command lines, e.g. `-EncodedCommand`.",
        annotations(
            title = "Agent processes",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_agent_processes(
        &self,
        Parameters(Args(params)): Parameters<Args<ProcessesParams>>,
    ) -> CallToolResult {
        let query = with_filters(
            Shape::list_query(&params.shape, 0, 0),
            &[
                ("name", &params.name),
                ("pid", &params.pid),
                ("ppid", &params.ppid),
                ("state", &params.state),
                ("euser", &params.euser),
                ("ruser", &params.ruser),
            ],
        );
        finish(
            self.inventory(
                &params.agent_id,
                SyscollectorKind::Processes,
                query,
                &params.paging,
                "processes",
            )
            .await,
        )
    }
}

impl WazuhMcp {
    async fn get_agents_impl(&self, p: GetAgentsParams) -> Result<CallToolResult, ToolError> {
        let (offset, limit) = p.paging.resolve()?;
        let status = p
            .status
            .iter()
            .map(|s| s.parse::<AgentStatus>())
            .collect::<Result<Vec<_>, _>>()?;
        let principal = crate::security::current_principal();
        let visible = self
            .ctx
            .security
            .visible_agents(&principal, &self.ctx.manager)
            .await?;
        let agents_list = match visible.as_deref() {
            None => p.agent_ids.clone(),
            // A group-scoped caller only ever gets its groups' agents, as a separate
            // `agents_list` parameter that Wazuh ANDs with the caller's own `q`.
            Some(ids) => {
                let wanted: Vec<String> = if p.agent_ids.is_empty() {
                    ids.to_vec()
                } else {
                    p.agent_ids
                        .iter()
                        .filter(|id| ids.contains(id))
                        .cloned()
                        .collect()
                };
                if wanted.is_empty() {
                    let output = ListOutput::empty(offset, limit);
                    return Ok(structured_result(output.summary("agents"), &output));
                }
                wanted
            }
        };
        let query = AgentQuery {
            list: p.shape.list_query(offset, limit),
            agents_list,
            status,
            os_platform: p.os_platform.filter(|s| !s.is_empty()),
            name: p.name.filter(|s| !s.is_empty()),
            ip: p.ip.filter(|s| !s.is_empty()),
            group: p.group.filter(|s| !s.is_empty()),
            version: p.version.filter(|s| !s.is_empty()),
            older_than: p.older_than.filter(|s| !s.is_empty()),
            ..AgentQuery::default()
        };
        let page = self.manager()?.agents_values(&query).await?;
        let output = ListOutput::from_page(page, offset, limit);
        Ok(structured_result(output.summary("agents"), &output))
    }

    async fn inventory(
        &self,
        agent_id: &str,
        kind: SyscollectorKind,
        mut query: ListQuery,
        paging: &Paging,
        noun: &str,
    ) -> Result<CallToolResult, ToolError> {
        let (offset, limit) = paging.resolve()?;
        self.check_agent_visible(agent_id).await?;
        query.offset = Some(offset);
        query.limit = Some(limit);
        let page = self.manager()?.syscollector(agent_id, kind, &query).await?;
        let output = ListOutput::from_page(page, offset, limit);
        Ok(structured_result(
            format!("Agent {agent_id}: {}", output.summary(noun)),
            &output,
        ))
    }
}
