//! Tools that change Wazuh: `restart_agent`.
//!
//! None is offered in read-only mode (the default). Each needs the user's confirmation before it
//! runs (see [`crate::confirm`]); the server enforces that around the call, so the tool bodies
//! here only act.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Args, FailedOut, ToolError, finish, lenient_bool, structured_result};
use crate::server::WazuhMcp;

/// Arguments of `restart_agent`. Unknown fields are refused: a write tool's arguments are
/// exactly what the user is asked to confirm.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(transform = super::requires_agent)]
pub struct RestartAgentParams {
    /// Agent id: a string of 3+ digits, like `001` (not `000`, the manager).
    #[serde(deserialize_with = "super::lenient_string")]
    pub agent_id: String,
    /// `true` only after the user explicitly agreed to this restart. Needed when the client
    /// cannot ask the user itself; ignored when it can (the server asks the user directly).
    #[serde(deserialize_with = "lenient_bool")]
    #[schemars(with = "Option<bool>")]
    pub confirm: Option<bool>,
}

/// The answer of a write tool: what Wazuh did.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = super::no_nulls)]
pub struct ActionOutput {
    /// Ids Wazuh acted on.
    pub affected: Vec<String>,
    /// Ids Wazuh could not act on, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_items: Vec<FailedOut>,
    /// Wazuh's summary message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[tool_router(router = actions_router, vis = "pub(crate)")]
impl WazuhMcp {
    #[tool(
        name = "restart_agent",
        description = "Restart the Wazuh agent on one host (e.g. after a configuration change, or when it stopped reporting). Changes the agent: the user must agree first; the server asks the user when the client supports it, otherwise pass confirm: true only after the user said yes. Not available in read-only mode.",
        annotations(
            title = "Restart agent",
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ActionOutput>()
    )]
    pub(crate) async fn restart_agent(
        &self,
        Parameters(Args(params)): Parameters<Args<RestartAgentParams>>,
    ) -> CallToolResult {
        finish(self.restart_agent_impl(params).await)
    }
}

impl WazuhMcp {
    /// The question the user confirms before write tool `tool` runs with `arguments`: built
    /// from the parsed arguments and what Wazuh says about the target, never from raw text the
    /// model wrote. An error refuses the call before anyone is asked. Must run as the caller
    /// (its agent groups and Wazuh identity apply).
    pub(crate) async fn confirmation_question(
        &self,
        tool: &str,
        arguments: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<String, ToolError> {
        let arguments = serde_json::Value::Object(arguments.cloned().unwrap_or_default());
        match tool {
            "restart_agent" => {
                let Args(p) = serde_json::from_value::<Args<RestartAgentParams>>(arguments)
                    .map_err(|e| ToolError {
                        message: format!("invalid arguments for restart_agent: {e}"),
                    })?;
                check_restartable(&p.agent_id)?;
                self.check_agent_visible(&p.agent_id).await?;
                let query = wazuh_client::AgentQuery {
                    agents_list: vec![p.agent_id.clone()],
                    list: wazuh_client::ListQuery {
                        select: vec!["name".into(), "ip".into(), "status".into()],
                        ..Default::default()
                    },
                    ..Default::default()
                };
                let page = self.manager()?.agents_values(&query).await?;
                let Some(agent) = page.items.first() else {
                    return Err(ToolError {
                        message: format!(
                            "agent {}: Agent does not exist or you do not have permissions to access it. List the agents with get_agents.",
                            p.agent_id
                        ),
                    });
                };
                let field = |k: &str| {
                    super::clean_message(agent.get(k).and_then(|v| v.as_str()).unwrap_or("?"), 80)
                };
                Ok(format!(
                    "Restart the Wazuh agent {} ({}, {}, {})? It stops reporting for a few seconds and reloads its configuration.",
                    p.agent_id,
                    field("name"),
                    field("ip"),
                    field("status")
                ))
            }
            // Every write tool words its own question; none is asked blind.
            other => Err(ToolError {
                message: format!(
                    "`{other}` has no confirmation question; it cannot run (nothing was changed)"
                ),
            }),
        }
    }

    async fn restart_agent_impl(&self, p: RestartAgentParams) -> Result<CallToolResult, ToolError> {
        check_restartable(&p.agent_id)?;
        self.check_agent_visible(&p.agent_id).await?;
        let page = self.manager()?.restart_agent(&p.agent_id).await?;
        let affected: Vec<String> = page
            .items
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let output = ActionOutput {
            failed_items: page
                .failed_items
                .iter()
                .map(|f| FailedOut {
                    code: f.code.unwrap_or_default(),
                    message: f.message.clone(),
                    ids: f.ids.clone(),
                })
                .collect(),
            message: page.message.clone(),
            affected,
        };
        let summary = if output.affected.iter().any(|id| id == &p.agent_id) {
            format!("Agent {}: restart requested", p.agent_id)
        } else {
            format!("Agent {}: not restarted", p.agent_id)
        };
        let mut result = structured_result(summary, &output);
        if output.affected.is_empty() {
            result.is_error = Some(true);
        }
        Ok(result)
    }
}

/// `000` is the manager, which `restart_agent` does not restart.
fn check_restartable(agent_id: &str) -> Result<(), ToolError> {
    if agent_id.trim_start_matches('0').is_empty() && !agent_id.is_empty() {
        return Err(ToolError::invalid(
            "agent_id",
            agent_id.to_string(),
            "`000` is the manager, which this tool does not restart; give an agent id such as `001`.".into(),
        ));
    }
    Ok(())
}
