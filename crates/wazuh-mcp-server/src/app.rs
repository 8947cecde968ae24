//! Wiring: from a [`Config`] to Wazuh clients, the enabled tools and a server factory.

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use wazuh_client::{IndexerClient, IndexerConfig, ManagerClient, ManagerConfig};

use crate::config::{Config, ConfigError};
use crate::policy;
use crate::server::{Context, WazuhMcp};

/// Why the server cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    #[error("cannot set up the Wazuh client: {0}")]
    Client(#[from] wazuh_client::Error),
}

/// Everything `serve`, `check`, `tools` and `call` need.
#[derive(Clone)]
pub struct App {
    pub ctx: Arc<Context>,
    pub enabled: Arc<Vec<String>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("ctx", &self.ctx)
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl App {
    /// Builds the clients and resolves the policy. Nothing is sent to Wazuh yet.
    pub fn new(config: &Config) -> Result<App, AppError> {
        let enabled = policy::resolve(&WazuhMcp::all_tools(), &config.security)?;
        let w = &config.wazuh;
        if !w.ssl_verify {
            tracing::warn!(url = %w.url, "TLS certificate verification of the Wazuh manager is OFF (wazuh.ssl_verify: false); anyone on the path can read and alter the traffic");
        }
        let manager = ManagerClient::new(ManagerConfig {
            url: w.url.clone(),
            username: w.username.clone(),
            password: w
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default()
                .into(),
            verify_tls: w.ssl_verify,
            ca_file: w.ca_file.clone(),
            timeout: Duration::from_secs(w.timeout),
            max_retries: w.max_retries.saturating_sub(1),
            ..ManagerConfig::default()
        })?;
        let indexer = match &config.indexer.url {
            Some(url) => {
                let i = &config.indexer;
                if !i.ssl_verify {
                    tracing::warn!(url = %url, "TLS certificate verification of the Wazuh indexer is OFF (indexer.ssl_verify: false)");
                }
                Some(IndexerClient::new(IndexerConfig {
                    url: url.clone(),
                    username: i.username.clone(),
                    password: i
                        .password
                        .as_ref()
                        .map(|p| p.expose_secret().to_string())
                        .unwrap_or_default()
                        .into(),
                    verify_tls: i.ssl_verify,
                    ca_file: i.ca_file.clone(),
                    timeout: Duration::from_secs(w.timeout),
                    max_retries: w.max_retries.saturating_sub(1),
                    ..IndexerConfig::default()
                })?)
            }
            None => None,
        };
        Ok(App {
            ctx: Arc::new(Context { manager, indexer }),
            enabled: Arc::new(enabled),
        })
    }

    /// A fresh server (one per MCP session) sharing the clients.
    pub fn server(&self) -> WazuhMcp {
        WazuhMcp::new(self.ctx.clone(), &self.enabled)
    }

    /// A cloneable factory for the transports.
    pub fn factory(&self) -> impl Fn() -> WazuhMcp + Clone + Send + Sync + 'static {
        let app = self.clone();
        move || app.server()
    }
}
