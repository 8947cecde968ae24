//! `authenticate`: checks that the server reaches Wazuh and that its credentials work.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Args, ToolError, finish, no_nulls, structured_result};
use crate::server::WazuhMcp;

/// No arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(transform = no_nulls)]
pub struct AuthenticateParams {}

/// What `authenticate` reports; never the token itself.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(transform = no_nulls)]
pub struct AuthenticateOutput {
    /// Always true when the tool succeeds.
    pub authenticated: bool,
    /// The Wazuh user the server acts as.
    pub user: String,
    /// Manager API version, e.g. `4.14.7`.
    pub api_version: String,
    /// Manager host name.
    pub hostname: String,
    /// Seconds until the fresh token expires (the server renews it by itself).
    pub token_expires_in: u64,
}

#[tool_router(router = auth_router, vis = "pub(crate)")]
impl WazuhMcp {
    #[tool(
        name = "authenticate",
        description = "Log in to the Wazuh manager again and report the API version and the user the server acts as. Use it to check connectivity or after credential changes; other tools log in by themselves. Never returns the token.",
        annotations(
            title = "Check Wazuh login",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        ),
        output_schema = rmcp::handler::server::tool::schema_for_output::<AuthenticateOutput>()
    )]
    pub(crate) async fn authenticate(
        &self,
        Parameters(Args(_)): Parameters<Args<AuthenticateParams>>,
    ) -> CallToolResult {
        finish(self.authenticate_impl().await)
    }
}

impl WazuhMcp {
    async fn authenticate_impl(&self) -> Result<CallToolResult, ToolError> {
        let session = self.manager()?.authenticate().await?;
        let output = AuthenticateOutput {
            authenticated: true,
            user: session.user.clone(),
            api_version: session.api.api_version.clone().unwrap_or_default(),
            hostname: session.api.hostname.clone().unwrap_or_default(),
            token_expires_in: session.expires_in_secs,
        };
        let summary = format!(
            "Logged in to Wazuh {} at {} as {}",
            output.api_version, output.hostname, output.user
        );
        Ok(structured_result(summary, &output))
    }
}
