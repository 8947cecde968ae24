//! Enforcement around every tool call, whatever the transport: who is calling, whether their
//! scopes allow the tool, rate limits, agent-group visibility, and the audit record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::ErrorData;
use rmcp::model::ErrorCode;
use tokio::sync::Mutex;

use crate::audit::{AuditLog, Metrics, RateLimiter};
use crate::auth::{self, Authenticator};
use crate::policy;
use crate::principal::Principal;

tokio::task_local! {
    /// The principal of the tool call being run (set around each call).
    static CALLER: Principal;
}

/// The principal of the current tool call (`local` outside a call).
pub fn current_principal() -> Principal {
    CALLER
        .try_with(Clone::clone)
        .unwrap_or_else(|_| Principal::local())
}

/// Runs `f` as `principal`.
pub async fn with_principal<F: std::future::Future>(principal: Principal, f: F) -> F::Output {
    CALLER.scope(principal, f).await
}

/// Agent ids visible to a set of groups, with when they were fetched.
type VisibleCache = std::collections::HashMap<Vec<String>, (Instant, Arc<Vec<String>>)>;

/// JSON-RPC error code of a rate-limited call (implementation-defined server error range).
pub const RATE_LIMITED: ErrorCode = ErrorCode(-32029);

/// Everything the server enforces, shared by every session.
pub struct Security {
    pub authenticator: Arc<Authenticator>,
    pub audit: AuditLog,
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    visible: Mutex<VisibleCache>,
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("auth_enabled", &self.authenticator.enabled())
            .finish_non_exhaustive()
    }
}

/// How long the agent ids of a group-scoped principal are cached.
const VISIBLE_TTL: Duration = Duration::from_secs(30);

impl Security {
    pub fn new(
        authenticator: Arc<Authenticator>,
        audit: AuditLog,
        limiter: RateLimiter,
        metrics: Metrics,
    ) -> Security {
        Security {
            authenticator,
            audit,
            limiter,
            metrics,
            visible: Mutex::new(Default::default()),
        }
    }

    /// Whether `principal` may see and call `tool`.
    pub fn allows(&self, principal: &Principal, tool: &rmcp::model::Tool) -> bool {
        let toolset = policy::TOOLS
            .iter()
            .find(|t| t.name == tool.name.as_ref())
            .map(|t| t.toolset)
            .unwrap_or("");
        let read_only = tool
            .annotations
            .as_ref()
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false);
        auth::allows_tool(principal, &tool.name, toolset, read_only)
    }

    /// Refuses the call with a JSON-RPC error saying when to retry, if a limit is reached.
    pub fn check_rate(&self, principal: &Principal) -> Result<(), ErrorData> {
        self.limiter.check(principal).map_err(|retry| {
            ErrorData::new(
                RATE_LIMITED,
                format!("{retry}"),
                Some(serde_json::json!({"retry_after_ms": retry.millis()})),
            )
        })
    }

    /// The agent ids a group-scoped principal may see (`None`: every agent), cached briefly.
    pub async fn visible_agents(
        &self,
        principal: &Principal,
        manager: &wazuh_client::ManagerClient,
    ) -> Result<Option<Arc<Vec<String>>>, wazuh_client::Error> {
        let Some(groups) = &principal.agent_groups else {
            return Ok(None);
        };
        let mut key = groups.clone();
        key.sort();
        if let Some((at, ids)) = self.visible.lock().await.get(&key)
            && at.elapsed() < VISIBLE_TTL
        {
            return Ok(Some(ids.clone()));
        }
        let mut ids = Vec::new();
        for group in &key {
            // Each group as its own `group=` parameter: configuration values are never spliced
            // into a WQL expression.
            let query = wazuh_client::AgentQuery {
                group: Some(group.clone()),
                list: wazuh_client::ListQuery {
                    select: vec!["id".into()],
                    limit: Some(100_000),
                    ..Default::default()
                },
                ..Default::default()
            };
            let page = manager.agents_values(&query).await?;
            for item in page.items {
                if let Some(id) = item.get("id").and_then(|v| v.as_str())
                    && !ids.iter().any(|i| i == id)
                {
                    ids.push(id.to_string());
                }
            }
        }
        ids.sort();
        let ids = Arc::new(ids);
        self.visible
            .lock()
            .await
            .insert(key, (Instant::now(), ids.clone()));
        Ok(Some(ids))
    }
}
