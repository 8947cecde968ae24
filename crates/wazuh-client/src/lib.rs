//! Clients for the Wazuh manager REST API and the Wazuh indexer.
//!
//! * [`ManagerClient`]: the manager API (port 55000): JWT login with single-flight renewal,
//!   typed queries for agents, inventory, rules, SCA, FIM, rootcheck, logs, logtest and active
//!   response, and a generic [`ManagerClient::get_items`].
//! * [`indexer::IndexerClient`]: the indexer (OpenSearch, port 9200): `search`, `count`,
//!   `cat_indices`.
//! * [`ManagerClient::with_identity`]: the same manager client acting as another Wazuh
//!   [`Identity`] (other credentials, or a run_as authorization context), so that Wazuh's own
//!   RBAC applies; each identity has its own token, over the shared connections.
//! * [`count_requests`]: the exact number of HTTP attempts (logins and retries included) a
//!   future makes to the manager and the indexer, for per-call accounting.
//!
//! Both share one transport: reqwest over rustls with the `ring` provider, HTTP/2 when the
//! server offers it, a pool of at most 20 connections (10 kept idle for 300 s), a 30 s timeout,
//! and retries with jittered exponential backoff for idempotent requests only (see
//! [`retry`]). Every failure is an [`Error`], which keeps what Wazuh said. Settings come from
//! [`ManagerConfig`] / [`IndexerConfig`]; this crate reads no environment variable.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wazuh_client::Error> {
//! use wazuh_client::{AgentQuery, AgentStatus, ManagerClient, ManagerConfig};
//!
//! let client = ManagerClient::new(ManagerConfig::new("https://wazuh:55000", "wazuh", "secret"))?;
//! let page = client
//!     .agents(&AgentQuery { status: vec![AgentStatus::Active], ..AgentQuery::default() })
//!     .await?;
//! for agent in &page.items {
//!     println!("{:?} {:?}", agent.id, agent.name);
//! }
//! for failed in &page.failed_items {
//!     println!("failed {:?}: {}", failed.ids, failed.message);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod auth;
pub mod config;
pub mod envelope;
pub mod error;
mod http;
pub mod indexer;
mod manager;
pub mod models;
pub mod query;
pub mod retry;
mod tls;
pub mod validate;

pub use auth::{Identity, TokenClaims};
pub use config::{IndexerConfig, ManagerConfig};
pub use envelope::{FailedItem, ItemsPage, Outcome};
pub use error::{ApiError, Error, Result, Service, TransportKind};
pub use http::{ClientStats, Pacer, count_requests};
pub use indexer::IndexerClient;
pub use manager::ManagerClient;
pub use models::{
    ActiveResponseRequest, Agent, AgentOs, AgentsSummary, ApiInfo, LogtestRequest, LogtestResult,
    RuleFileContent, Session, SyscollectorKind,
};
pub use query::{
    AgentQuery, AgentStatus, ListQuery, LogsQuery, Query, RuleQuery, RuleStatus, ScaCheckQuery,
    ScaResult,
};

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;

    /// `shared/wazuh/examples/spec-examples`, found from `WAZUH_DATA_DIR` or above the crate.
    pub fn spec_examples_dir() -> Option<PathBuf> {
        let base = std::env::var_os("WAZUH_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .ancestors()
                    .map(|a| a.join("shared").join("wazuh"))
                    .find(|p| p.is_dir())
            })?;
        let dir = base.join("examples").join("spec-examples");
        dir.is_dir().then_some(dir)
    }
}
