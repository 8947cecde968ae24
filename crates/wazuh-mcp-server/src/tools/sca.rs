//! Security configuration assessment: `get_agent_sca`, `get_sca_policy_checks`.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;
use wazuh_client::{ScaCheckQuery, ScaResult};

use super::agents::Shape;
use super::{Args, ListOutput, Paging, ToolError, finish, structured_result};
use crate::server::WazuhMcp;

/// Arguments of `get_agent_sca`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = super::requires_agent)]
pub struct AgentScaParams {
    /// Agent id: a string of 3+ digits, like `001`.
    #[serde(deserialize_with = "super::lenient_string")]
    pub agent_id: String,
    /// Exact policy name.
    pub name: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

/// Arguments of `get_sca_policy_checks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default)]
#[schemars(transform = super::requires_agent_and_policy)]
pub struct PolicyChecksParams {
    /// Agent id: a string of 3+ digits, like `001`.
    #[serde(deserialize_with = "super::lenient_string")]
    pub agent_id: String,
    /// Policy id from get_agent_sca, e.g. `cis_ubuntu22-04` or `cis_win2022`.
    pub policy_id: String,
    /// Only checks with this result: `passed`, `failed` or `not applicable`.
    pub result: Option<String>,
    /// Exact check title.
    pub title: Option<String>,
    #[serde(flatten)]
    pub shape: Shape,
    #[serde(flatten)]
    pub paging: Paging,
}

fn parse_result(value: Option<&str>) -> Result<Option<ScaResult>, ToolError> {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => match v.replace('_', " ").as_str() {
            "passed" | "pass" => Ok(Some(ScaResult::Passed)),
            "failed" | "fail" => Ok(Some(ScaResult::Failed)),
            "not applicable" | "n/a" => Ok(Some(ScaResult::NotApplicable)),
            _ => Err(ToolError::invalid(
                "result",
                v,
                "use passed, failed or not applicable".into(),
            )),
        },
    }
}

#[tool_router(router = sca_router, vis = "pub(crate)")]
impl WazuhMcp {
    #[tool(
        name = "get_agent_sca",
        description = "Security configuration assessment (e.g. CIS benchmark) results of one agent: each policy with its pass/fail counts and score. Then use get_sca_policy_checks for the individual checks.",
        annotations(
            title = "Agent SCA results",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_agent_sca(
        &self,
        Parameters(Args(params)): Parameters<Args<AgentScaParams>>,
    ) -> CallToolResult {
        finish(self.agent_sca_impl(params).await)
    }

    #[tool(
        name = "get_sca_policy_checks",
        description = "The checks of one SCA policy on one agent, with result, rationale, remediation and compliance mappings. Use result=failed to see what to fix.",
        annotations(
            title = "SCA policy checks",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<ListOutput>()
    )]
    pub(crate) async fn get_sca_policy_checks(
        &self,
        Parameters(Args(params)): Parameters<Args<PolicyChecksParams>>,
    ) -> CallToolResult {
        finish(self.policy_checks_impl(params).await)
    }
}

impl WazuhMcp {
    async fn agent_sca_impl(&self, p: AgentScaParams) -> Result<CallToolResult, ToolError> {
        let (offset, limit) = p.paging.resolve()?;
        self.check_agent_visible(&p.agent_id).await?;
        let mut query = p.shape.list_query(offset, limit);
        if let Some(name) = p.name.filter(|n| !n.trim().is_empty()) {
            query.filters.push(("name".into(), name));
        }
        let page = self.manager()?.sca(&p.agent_id, &query).await?;
        let output = ListOutput::from_page(page, offset, limit);
        Ok(structured_result(
            format!("Agent {}: {}", p.agent_id, output.summary("SCA policies")),
            &output,
        ))
    }

    async fn policy_checks_impl(&self, p: PolicyChecksParams) -> Result<CallToolResult, ToolError> {
        let (offset, limit) = p.paging.resolve()?;
        self.check_agent_visible(&p.agent_id).await?;
        let query = ScaCheckQuery {
            list: p.shape.list_query(offset, limit),
            result: parse_result(p.result.as_deref())?,
            title: p.title.filter(|t| !t.trim().is_empty()),
            ..ScaCheckQuery::default()
        };
        let page = self
            .manager()?
            .sca_checks(&p.agent_id, &p.policy_id, &query)
            .await?;
        let output = ListOutput::from_page(page, offset, limit);
        Ok(structured_result(
            format!(
                "Agent {} policy {}: {}",
                p.agent_id,
                p.policy_id,
                output.summary("checks")
            ),
            &output,
        ))
    }
}
