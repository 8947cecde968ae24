//! Wiring: from a [`Config`] to Wazuh clients, the enabled tools and a server factory.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use wazuh_client::{Identity, IndexerClient, IndexerConfig, ManagerClient, ManagerConfig};

use crate::audit::{AuditError, AuditLog, CallTransport, Metrics, RateLimiter};
use crate::auth::{AuthConfigError, Authenticator};
use crate::config::{Config, ConfigError};
use crate::confirm::Confirmations;
use crate::policy;
use crate::principal::Principal;
use crate::security::Security;
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
    #[error("authentication settings: {0}")]
    Auth(#[from] AuthConfigError),
    #[error("audit settings: {0}")]
    Audit(#[from] AuditError),
}

/// Paces requests to the manager with the limiter's outbound rate
/// (`limits.upstream_per_minute`), so the server never pushes Wazuh past its own API limit.
struct UpstreamPacer(RateLimiter);

impl wazuh_client::Pacer for UpstreamPacer {
    fn pace(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(self.0.pace())
    }
}

/// One manager client per configured Wazuh identity, sharing `manager`'s connections and pacer,
/// each with its own token cache.
fn identity_clients(
    manager: &ManagerClient,
    config: &Config,
) -> Result<HashMap<String, ManagerClient>, AppError> {
    let mut clients = HashMap::new();
    for (name, identity) in &config.wazuh.identities {
        let identity = match (&identity.run_as, &identity.username, &identity.password) {
            (Some(context), _, _) => Identity::RunAs {
                auth_context: context.clone(),
            },
            (None, Some(username), Some(password)) => Identity::Credentials {
                username: username.clone(),
                password: password.clone(),
            },
            _ => {
                return Err(AppError::Config(ConfigError::Invalid {
                    key: format!("wazuh.identities.{name}"),
                    message: "give username and password, or run_as".into(),
                }));
            }
        };
        clients.insert(name.clone(), manager.with_identity(identity));
    }
    Ok(clients)
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
        let metrics = Metrics::new();
        let audit = AuditLog::new(&config.audit, metrics.clone())?;
        let failures = audit.clone();
        let authenticator = Arc::new(Authenticator::new(&config.auth)?.with_failure_hook(
            Arc::new(move |source, rejection| {
                failures.record_auth_failure(source, &rejection.to_string());
            }),
        ));
        let limiter = RateLimiter::new(&config.limits, metrics.clone())?;
        manager.set_pacer(Arc::new(UpstreamPacer(limiter.clone())));
        // After the pacer: identities share the manager's connections, pacer and counters.
        let identities = identity_clients(&manager, config)?;
        let security = Security::new(authenticator, audit, limiter, metrics);
        Ok(App {
            ctx: Arc::new(Context {
                manager,
                identities,
                indexer,
                security,
                confirmations: Confirmations::default(),
            }),
            enabled: Arc::new(enabled),
        })
    }

    /// A server for a stdio session (the local user).
    pub fn server(&self) -> WazuhMcp {
        WazuhMcp::new(
            self.ctx.clone(),
            &self.enabled,
            CallTransport::Stdio,
            Some(Principal::local()),
        )
    }

    /// A factory of servers for HTTP sessions: streamable HTTP (`None`: the caller comes with
    /// each request) or the legacy SSE transport (`Some`: the caller who opened the session).
    pub fn http_factory(
        &self,
    ) -> impl Fn(Option<Principal>) -> WazuhMcp + Clone + Send + Sync + 'static {
        let app = self.clone();
        move |principal| {
            let transport = if principal.is_some() {
                CallTransport::Sse
            } else {
                CallTransport::Http
            };
            WazuhMcp::new(app.ctx.clone(), &app.enabled, transport, principal)
        }
    }

    /// The authenticator of the HTTP transports.
    pub fn authenticator(&self) -> Arc<Authenticator> {
        self.ctx.security.authenticator.clone()
    }
}
