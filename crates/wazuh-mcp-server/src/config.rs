//! Configuration: defaults < YAML file < `.env` < environment < command line.
//!
//! The YAML file keeps the reference design's layout (`wazuh`, `server`, `security`) and adds
//! `indexer`. Values may use `${VAR}` or `${VAR:default}` (also `${VAR:-default}`), expanded from
//! the environment and the `.env` file before parsing; an unknown key is an error that names it.
//! Environment variables override the file: the reference design's `WAZUH_PROD_URL`,
//! `WAZUH_PROD_USERNAME`, `WAZUH_PROD_PASSWORD`, `WAZUH_PROD_SSL_VERIFY`, `WAZUH_PROD_TIMEOUT`
//! (or `WAZUH_TIMEOUT`), `MCP_SERVER_HOST`, `MCP_SERVER_PORT`, `LOG_LEVEL`, `WAZUH_READ_ONLY`,
//! `WAZUH_DISABLED_TOOLS` (comma-separated, added to the file's list), `SSL_CERT_FILE`, and the
//! `WAZUH_INDEXER_URL` / `_USERNAME` / `_PASSWORD` / `_SSL_VERIFY` family, and for the HTTP
//! server `MCP_SERVER_MAX_BODY_BYTES`, `MCP_SERVER_MAX_JSON_DEPTH` and `MCP_SERVER_TLS_CERT` /
//! `_KEY` / `_CLIENT_CA` / `_CLIENT_AUTH`.
//!
//! A configuration or `.env` file that holds a secret and that its group or other users can read
//! is reported in [`Config::warnings`] (with the `chmod 600` that fixes it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Why the configuration is unusable. Messages name the key or variable to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "{path}: `${{{var}}}` is not set and has no default (write `${{{var}:default}}` or set it)"
    )]
    MissingVariable { path: PathBuf, var: String },
    #[error("invalid value for {key}: {message}")]
    Invalid { key: String, message: String },
    #[error("{0}")]
    Missing(String),
}

/// Connection to the manager API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WazuhSettings {
    /// `https://manager:55000`.
    pub url: String,
    pub username: String,
    pub password: Option<SecretString>,
    /// Verify the manager's TLS certificate (on by default; turning it off logs a warning).
    pub ssl_verify: bool,
    /// PEM bundle of CAs to trust besides the system roots.
    pub ca_file: Option<PathBuf>,
    /// Request timeout, in seconds.
    pub timeout: u64,
    /// Attempts per request, including the first.
    pub max_retries: u32,
    /// Wazuh identities callers can be mapped to (the `wazuh_identity` of an API key, or the
    /// identity claim of a token), so Wazuh's own RBAC decides what each caller sees. Each has
    /// its own credentials, or a `run_as` authorization context used with this section's user
    /// (which needs `allow_run_as` in Wazuh). Tokens are cached per identity, never shared.
    pub identities: BTreeMap<String, WazuhIdentity>,
}

/// One Wazuh identity: either its own `username` + `password`, or a `run_as` context.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WazuhIdentity {
    /// A Wazuh API user of its own.
    #[serde(default)]
    pub username: Option<String>,
    /// That user's password.
    #[serde(default)]
    pub password: Option<SecretString>,
    /// An authorization context (an object, e.g. `{"team": "linux"}`) sent to
    /// `POST /security/user/authenticate/run_as`; Wazuh's security rules map it to roles.
    #[serde(default)]
    pub run_as: Option<serde_json::Value>,
}

impl std::fmt::Debug for WazuhIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WazuhIdentity")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[redacted]"))
            .field("run_as", &self.run_as)
            .finish()
    }
}

impl Default for WazuhSettings {
    fn default() -> Self {
        WazuhSettings {
            url: "https://127.0.0.1:55000".into(),
            username: "wazuh".into(),
            password: None,
            ssl_verify: true,
            ca_file: None,
            timeout: 30,
            max_retries: 3,
            identities: BTreeMap::new(),
        }
    }
}

/// Connection to the indexer (alerts, vulnerabilities, inventory states). Optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndexerSettings {
    /// `https://indexer:9200`; unset disables the indexer tools.
    pub url: Option<String>,
    pub username: String,
    pub password: Option<SecretString>,
    pub ssl_verify: bool,
    pub ca_file: Option<PathBuf>,
}

impl Default for IndexerSettings {
    fn default() -> Self {
        IndexerSettings {
            url: None,
            username: "admin".into(),
            password: None,
            ssl_verify: true,
            ca_file: None,
        }
    }
}

/// Which transport `serve` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// MCP over stdin/stdout (Claude Desktop, Claude Code, IDEs).
    #[default]
    Stdio,
    /// Streamable HTTP at `/mcp` and the legacy HTTP+SSE transport at `/sse`.
    Http,
}

/// Default of `server.max_body_bytes`: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default of `server.max_json_depth`.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 64;
/// Largest `server.max_json_depth`: the JSON parser behind the MCP routes stops at 128 levels.
pub const MAX_JSON_DEPTH_LIMIT: usize = 128;

/// Whether a TLS client must present a certificate signed by `server.tls.client_ca_file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// The handshake fails without a valid client certificate (mutual TLS).
    Required,
    /// A client may connect without a certificate; one it presents must be valid.
    Optional,
}

impl std::str::FromStr for ClientAuth {
    type Err = String;

    fn from_str(s: &str) -> Result<ClientAuth, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "required" => Ok(ClientAuth::Required),
            "optional" => Ok(ClientAuth::Optional),
            _ => Err(format!("`{s}` is neither `required` nor `optional`")),
        }
    }
}

/// `server.tls`: HTTPS on the server's own port (HTTP transport only). Off while no file is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// PEM certificate chain, the server's certificate first. Env: `MCP_SERVER_TLS_CERT`.
    pub cert_file: Option<PathBuf>,
    /// PEM private key of that certificate (PKCS#8, PKCS#1 or SEC1). Env: `MCP_SERVER_TLS_KEY`.
    pub key_file: Option<PathBuf>,
    /// PEM bundle of the CAs that sign client certificates; enables mutual TLS.
    /// Env: `MCP_SERVER_TLS_CLIENT_CA`.
    pub client_ca_file: Option<PathBuf>,
    /// `required` (the default with a client CA) or `optional`. Env: `MCP_SERVER_TLS_CLIENT_AUTH`.
    pub client_auth: Option<ClientAuth>,
}

impl TlsSettings {
    /// Whether the HTTP transport serves HTTPS.
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some() || self.key_file.is_some()
    }

    /// Whether client certificates are checked, and how: `None` without a client CA.
    pub fn client_auth(&self) -> Option<ClientAuth> {
        self.client_ca_file
            .as_ref()
            .map(|_| self.client_auth.unwrap_or(ClientAuth::Required))
    }

    /// Whether every connection must present a certificate signed by the client CA.
    pub fn requires_client_certificates(&self) -> bool {
        self.enabled() && self.client_auth() == Some(ClientAuth::Required)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let missing = |key: &str, env: &str, flag: &str| ConfigError::Invalid {
            key: format!("server.tls.{key}"),
            message: format!(
                "is not set while server.tls is configured: give it (or {env}, or {flag}), or remove the other server.tls settings"
            ),
        };
        let configured =
            self.enabled() || self.client_ca_file.is_some() || self.client_auth.is_some();
        if !configured {
            return Ok(());
        }
        if self.cert_file.is_none() {
            return Err(missing("cert_file", "MCP_SERVER_TLS_CERT", "--tls-cert"));
        }
        if self.key_file.is_none() {
            return Err(missing("key_file", "MCP_SERVER_TLS_KEY", "--tls-key"));
        }
        if self.client_auth.is_some() && self.client_ca_file.is_none() {
            return Err(ConfigError::Invalid {
                key: "server.tls.client_auth".into(),
                message: "needs server.tls.client_ca_file (the CA that signs client certificates)"
                    .into(),
            });
        }
        for (key, path) in [
            ("cert_file", &self.cert_file),
            ("key_file", &self.key_file),
            ("client_ca_file", &self.client_ca_file),
        ] {
            if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                return Err(ConfigError::Invalid {
                    key: format!("server.tls.{key}"),
                    message: "is empty: give the path of a PEM file".into(),
                });
            }
        }
        Ok(())
    }
}

/// The MCP server itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub transport: Transport,
    pub host: String,
    pub port: u16,
    /// Log filter (`info`, `debug`, `wazuh_mcp_server=trace`, ...).
    pub log_level: String,
    /// Log JSON lines instead of text.
    pub log_json: bool,
    /// `Host` header values accepted on HTTP (DNS-rebinding protection); empty = loopback names only.
    pub allowed_hosts: Vec<String>,
    /// `Origin` values accepted on HTTP (`https://app.example.com`, `http://localhost:*`); empty = loopback pages only (`http(s)://localhost`, `127.0.0.1`, `[::1]`, any port).
    pub allowed_origins: Vec<String>,
    /// Largest request body accepted on `/mcp` and `/messages/` (bytes); larger ones get 413.
    pub max_body_bytes: usize,
    /// Deepest nesting of JSON arrays and objects accepted in a request body (at most 128).
    pub max_json_depth: usize,
    /// HTTPS on the server's own port, optionally with client certificates (mutual TLS).
    pub tls: TlsSettings,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            transport: Transport::Stdio,
            host: "127.0.0.1".into(),
            port: 8000,
            log_level: "info".into(),
            log_json: false,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
            tls: TlsSettings::default(),
        }
    }
}

/// What the server allows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySettings {
    /// Only tools that change nothing are listed and callable.
    pub read_only_mode: bool,
    /// If not empty, only these tools (ours or the reference design's names, globs allowed).
    pub allowed_tools: Vec<String>,
    /// These tools are never offered.
    pub disabled_tools: Vec<String>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            read_only_mode: true,
            allowed_tools: Vec::new(),
            disabled_tools: Vec::new(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub wazuh: WazuhSettings,
    pub indexer: IndexerSettings,
    pub server: ServerSettings,
    pub security: SecuritySettings,
    /// Client authentication on HTTP.
    pub auth: crate::auth::AuthSettings,
    /// Audit log and alerts.
    pub audit: crate::audit::AuditSettings,
    /// Rate limits.
    pub limits: crate::audit::LimitSettings,
    /// Problems found while loading that do not stop the server, such as a file holding secrets
    /// that other users can read. Logging is not set up yet while loading: the caller logs them.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Overrides from the command line; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    pub wazuh_url: Option<String>,
    pub timeout: Option<u64>,
    pub transport: Option<Transport>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub log_level: Option<String>,
    pub read_only: Option<bool>,
    pub insecure_no_auth: Option<bool>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_client_ca: Option<PathBuf>,
    pub tls_client_auth: Option<ClientAuth>,
}

/// Where the layers come from. Tests pass their own environment; the binary passes the process's.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The YAML file, if any.
    pub file: Option<PathBuf>,
    /// The `.env` file, if any (missing is fine).
    pub dotenv: Option<PathBuf>,
    /// The process environment.
    pub env: BTreeMap<String, String>,
    pub cli: CliOverrides,
}

impl Sources {
    /// The process environment, `./.env` and no file.
    pub fn from_process() -> Sources {
        Sources {
            file: None,
            dotenv: Some(PathBuf::from(".env")),
            env: std::env::vars().collect(),
            cli: CliOverrides::default(),
        }
    }
}

impl Config {
    /// Builds the configuration from all layers and checks it.
    pub fn load(sources: &Sources) -> Result<Config, ConfigError> {
        // `.env` fills in variables the environment does not set.
        let dotenv = read_dotenv(sources.dotenv.as_deref())?;
        let mut warnings = Vec::new();
        if let Some(path) = sources.dotenv.as_deref()
            && dotenv_holds_secret(&dotenv)
        {
            warnings.extend(permission_warning(path));
        }
        let mut env = dotenv;
        env.extend(sources.env.clone());

        let mut config = match &sources.file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                if yaml_holds_secret(&text) {
                    warnings.extend(permission_warning(path));
                }
                parse_yaml(&text, path, &env)?
            }
            None => Config::default(),
        };
        config.apply_env(&env)?;
        config.apply_cli(&sources.cli);
        config.validate()?;
        config.warnings = warnings;
        Ok(config)
    }

    fn apply_env(&mut self, env: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
        if let Some(v) = get("WAZUH_PROD_URL") {
            self.wazuh.url = v;
        }
        if let Some(v) = get("WAZUH_PROD_USERNAME") {
            self.wazuh.username = v;
        }
        if let Some(v) = get("WAZUH_PROD_PASSWORD") {
            self.wazuh.password = Some(SecretString::from(v));
        }
        if let Some(v) = get("WAZUH_PROD_SSL_VERIFY") {
            self.wazuh.ssl_verify = parse_bool("WAZUH_PROD_SSL_VERIFY", &v)?;
        }
        for key in ["WAZUH_PROD_TIMEOUT", "WAZUH_TIMEOUT"] {
            if let Some(v) = get(key) {
                self.wazuh.timeout = v.parse().map_err(|_| ConfigError::Invalid {
                    key: key.into(),
                    message: format!("`{v}` is not a number of seconds"),
                })?;
            }
        }
        if let Some(v) = get("MCP_SERVER_HOST") {
            self.server.host = v;
        }
        if let Some(v) = get("MCP_SERVER_PORT") {
            self.server.port = v.parse().map_err(|_| ConfigError::Invalid {
                key: "MCP_SERVER_PORT".into(),
                message: format!("`{v}` is not a port number"),
            })?;
        }
        if let Some(v) = get("MCP_SERVER_MAX_BODY_BYTES") {
            self.server.max_body_bytes = v.parse().map_err(|_| ConfigError::Invalid {
                key: "MCP_SERVER_MAX_BODY_BYTES".into(),
                message: format!("`{v}` is not a number of bytes"),
            })?;
        }
        if let Some(v) = get("MCP_SERVER_MAX_JSON_DEPTH") {
            self.server.max_json_depth = v.parse().map_err(|_| ConfigError::Invalid {
                key: "MCP_SERVER_MAX_JSON_DEPTH".into(),
                message: format!("`{v}` is not a number of levels"),
            })?;
        }
        if let Some(v) = get("MCP_SERVER_TLS_CERT") {
            self.server.tls.cert_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("MCP_SERVER_TLS_KEY") {
            self.server.tls.key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("MCP_SERVER_TLS_CLIENT_CA") {
            self.server.tls.client_ca_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("MCP_SERVER_TLS_CLIENT_AUTH") {
            self.server.tls.client_auth =
                Some(v.parse().map_err(|message| ConfigError::Invalid {
                    key: "MCP_SERVER_TLS_CLIENT_AUTH".into(),
                    message,
                })?);
        }
        if let Some(v) = get("LOG_LEVEL") {
            self.server.log_level = v.to_ascii_lowercase();
        }
        if let Some(v) = get("WAZUH_READ_ONLY") {
            self.security.read_only_mode = parse_bool("WAZUH_READ_ONLY", &v)?;
        }
        if let Some(v) = get("WAZUH_MCP_API_KEYS") {
            let keys = crate::auth::api_keys_from_env(&v).map_err(|e| ConfigError::Invalid {
                key: "WAZUH_MCP_API_KEYS".into(),
                message: e.to_string(),
            })?;
            self.auth.api_keys.extend(keys);
        }
        if let Some(v) = get("WAZUH_DISABLED_TOOLS") {
            self.security.disabled_tools.extend(
                v.split(',')
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty()),
            );
        }
        if let Some(v) = get("SSL_CERT_FILE") {
            self.wazuh.ca_file.get_or_insert_with(|| PathBuf::from(&v));
            self.indexer
                .ca_file
                .get_or_insert_with(|| PathBuf::from(&v));
        }
        if let Some(v) = get("WAZUH_INDEXER_URL") {
            self.indexer.url = Some(v);
        }
        if let Some(v) = get("WAZUH_INDEXER_USERNAME") {
            self.indexer.username = v;
        }
        if let Some(v) = get("WAZUH_INDEXER_PASSWORD") {
            self.indexer.password = Some(SecretString::from(v));
        }
        if let Some(v) = get("WAZUH_INDEXER_SSL_VERIFY") {
            self.indexer.ssl_verify = parse_bool("WAZUH_INDEXER_SSL_VERIFY", &v)?;
        }
        Ok(())
    }

    fn apply_cli(&mut self, cli: &CliOverrides) {
        if let Some(v) = &cli.wazuh_url {
            self.wazuh.url = v.clone();
        }
        if let Some(v) = cli.timeout {
            self.wazuh.timeout = v;
        }
        if let Some(v) = cli.transport {
            self.server.transport = v;
        }
        if let Some(v) = &cli.host {
            self.server.host = v.clone();
        }
        if let Some(v) = cli.port {
            self.server.port = v;
        }
        if let Some(v) = &cli.log_level {
            self.server.log_level = v.clone();
        }
        if let Some(v) = cli.read_only {
            self.security.read_only_mode = v;
        }
        if let Some(v) = cli.insecure_no_auth {
            self.auth.insecure_no_auth = v;
        }
        if let Some(v) = &cli.tls_cert {
            self.server.tls.cert_file = Some(v.clone());
        }
        if let Some(v) = &cli.tls_key {
            self.server.tls.key_file = Some(v.clone());
        }
        if let Some(v) = &cli.tls_client_ca {
            self.server.tls.client_ca_file = Some(v.clone());
        }
        if let Some(v) = cli.tls_client_auth {
            self.server.tls.client_auth = Some(v);
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.wazuh.url;
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                key: "wazuh.url".into(),
                message: format!("`{url}` must start with https:// (or http://)"),
            });
        }
        if self
            .wazuh
            .password
            .as_ref()
            .is_none_or(|p| p.expose_secret().is_empty())
        {
            return Err(ConfigError::Missing(
                "wazuh.password is not set: put it in the config file (`password: ${WAZUH_PASSWORD}`) or set WAZUH_PROD_PASSWORD".into(),
            ));
        }
        if self.wazuh.timeout == 0 {
            return Err(ConfigError::Invalid {
                key: "wazuh.timeout".into(),
                message: "must be at least 1 second".into(),
            });
        }
        if self.wazuh.max_retries == 0 {
            return Err(ConfigError::Invalid {
                key: "wazuh.max_retries".into(),
                message: "must be at least 1 (one attempt)".into(),
            });
        }
        for (name, identity) in &self.wazuh.identities {
            validate_identity(name, identity)?;
        }
        for key in &self.auth.api_keys {
            if let Some(identity) = &key.wazuh_identity
                && !self.wazuh.identities.contains_key(identity)
            {
                return Err(ConfigError::Invalid {
                    key: format!("auth.api_keys.{}.wazuh_identity", key.name),
                    message: format!("`{identity}` is not defined under wazuh.identities"),
                });
            }
        }
        if self.server.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid {
                key: "server.max_body_bytes".into(),
                message: format!(
                    "{} is too small for an MCP message: give at least 1024 (the default is {DEFAULT_MAX_BODY_BYTES})",
                    self.server.max_body_bytes
                ),
            });
        }
        if !(2..=MAX_JSON_DEPTH_LIMIT).contains(&self.server.max_json_depth) {
            return Err(ConfigError::Invalid {
                key: "server.max_json_depth".into(),
                message: format!(
                    "{} is out of range: give 2 to {MAX_JSON_DEPTH_LIMIT} (the default is {DEFAULT_MAX_JSON_DEPTH})",
                    self.server.max_json_depth
                ),
            });
        }
        self.server.tls.validate()?;
        if let Some(url) = &self.indexer.url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ConfigError::Invalid {
                    key: "indexer.url".into(),
                    message: format!("`{url}` must start with https:// (or http://)"),
                });
            }
            if self.indexer.password.is_none() {
                return Err(ConfigError::Missing(
                    "indexer.password is not set while indexer.url is: set it or WAZUH_INDEXER_PASSWORD".into(),
                ));
            }
        }
        Ok(())
    }
}

fn validate_identity(name: &str, identity: &WazuhIdentity) -> Result<(), ConfigError> {
    let key = format!("wazuh.identities.{name}");
    let invalid = |message: &str| ConfigError::Invalid {
        key: key.clone(),
        message: message.into(),
    };
    if name.trim().is_empty() {
        return Err(invalid("an identity needs a name"));
    }
    let has_password = identity
        .password
        .as_ref()
        .is_some_and(|p| !p.expose_secret().is_empty());
    match (&identity.username, has_password, &identity.run_as) {
        (Some(user), true, None) if !user.trim().is_empty() => Ok(()),
        (None, false, Some(serde_json::Value::Object(context))) if !context.is_empty() => Ok(()),
        (None, false, Some(_)) => Err(invalid(
            "run_as must be a non-empty object (the authorization context), e.g. {team: linux}",
        )),
        (_, _, Some(_)) => Err(invalid(
            "give either run_as or username + password, not both",
        )),
        _ => Err(invalid(
            "give username and password (a Wazuh user of its own) or run_as (an authorization context)",
        )),
    }
}

/// Whether YAML text holds a secret itself: a `password:` or `secret:` whose value is not only a
/// `${VAR}` reference (a `${VAR:default}` with a default counts, the default being in the file).
fn yaml_holds_secret(text: &str) -> bool {
    text.lines().any(|line| {
        let code = &line[..yaml_comment_start(line).unwrap_or(line.len())];
        let code = code.trim_start().trim_start_matches("- ").trim_start();
        let Some((key, value)) = code.split_once(':') else {
            return false;
        };
        let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
        if !matches!(key, "password" | "secret") {
            return false;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        let reference_only = value
            .strip_prefix("${")
            .and_then(|v| v.strip_suffix('}'))
            .is_some_and(|body| {
                !body.contains(['$', '{', '}'])
                    && body
                        .split_once(':')
                        .is_none_or(|(_, default)| default.trim_start_matches('-').is_empty())
            });
        !value.is_empty() && !reference_only
    })
}

/// Whether a `.env` file sets a password, secret, token or API key.
fn dotenv_holds_secret(vars: &BTreeMap<String, String>) -> bool {
    vars.iter().any(|(name, value)| {
        let name = name.to_ascii_uppercase();
        !value.is_empty()
            && ["PASSWORD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY"]
                .iter()
                .any(|word| name.contains(word))
    })
}

/// A warning when `path` (which holds secrets) can be read by its group or by other users.
pub fn permission_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o044 != 0).then(|| {
            format!(
                "{} holds secrets and is readable by {} (mode {mode:03o}): run `chmod 600 {}`, or move the secrets to environment variables",
                path.display(),
                if mode & 0o004 != 0 {
                    "every user"
                } else {
                    "its group"
                },
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Invalid {
            key: key.into(),
            message: format!("`{value}` is not a boolean (true/false)"),
        }),
    }
}

fn read_dotenv(path: Option<&Path>) -> Result<BTreeMap<String, String>, ConfigError> {
    let Some(path) = path else {
        return Ok(BTreeMap::new());
    };
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let iter = dotenvy::from_path_iter(path).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut vars = BTreeMap::new();
    for item in iter {
        let (k, v) = item.map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        vars.insert(k, v);
    }
    Ok(vars)
}

/// Parses the YAML file after `${VAR}` expansion.
fn parse_yaml(
    text: &str,
    path: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigError> {
    let expanded = expand_yaml(text, env).map_err(|var| ConfigError::MissingVariable {
        path: path.to_path_buf(),
        var,
    })?;
    if expanded.trim().is_empty() {
        return Ok(Config::default());
    }
    serde_yaml::from_str(&expanded).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// [`expand`] over YAML text, leaving comments alone: a commented-out `# password: ${PW}` or a
/// comment explaining the `${VAR}` syntax must not require the variable.
fn expand_yaml(text: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (code, comment) = line.split_at(yaml_comment_start(line).unwrap_or(line.len()));
        out.push_str(&expand(code, env)?);
        out.push_str(comment);
    }
    Ok(out)
}

/// Where a YAML comment starts on `line`: a `#` at the start or after a blank, outside quotes.
fn yaml_comment_start(line: &str) -> Option<usize> {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') if previous.is_whitespace() => return Some(i),
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            _ => {}
        }
        previous = c;
    }
    None
}

/// Expands `${VAR}`, `${VAR:default}` and `${VAR:-default}`; `$$` is a literal `$`. Returns the
/// name of the first variable that is unset and has no default.
pub fn expand(text: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
            continue;
        }
        let Some(body_and_tail) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body_and_tail.find('}') else {
            out.push_str(&rest[pos..]);
            rest = "";
            break;
        };
        let body = &body_and_tail[..end];
        let (name, default) = match body.split_once(':') {
            Some((name, default)) => (name, Some(default.strip_prefix('-').unwrap_or(default))),
            None => (body, None),
        };
        match (env.get(name).filter(|v| !v.is_empty()), default) {
            (Some(value), _) => out.push_str(value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => return Err(name.to_string()),
        }
        rest = &body_and_tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn tempdir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wazuh-mcp-config-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn identities_need_credentials_or_a_context() {
        let dir = tempdir("identities");
        let load = |yaml: &str| {
            let file = write(&dir, "config.yaml", yaml);
            Config::load(&Sources {
                file: Some(file),
                ..Sources::default()
            })
        };
        let base = "wazuh:\n  password: pw\n  identities:\n";
        let config = load(&format!(
            "{base}    soc-linux:\n      run_as: {{team: linux}}\n    tier2:\n      username: t2\n      password: s3cret\n"
        ))
        .unwrap();
        assert_eq!(config.wazuh.identities.len(), 2);
        assert_eq!(
            config.wazuh.identities["soc-linux"].run_as,
            Some(serde_json::json!({"team": "linux"}))
        );
        let debug = format!("{:?}", config.wazuh.identities["tier2"]);
        assert!(!debug.contains("s3cret"), "{debug}");

        for (yaml, expected) in [
            ("    x:\n      username: u\n", "give username and password"),
            ("    x:\n      run_as: linux\n", "non-empty object"),
            ("    x:\n      run_as: {}\n", "non-empty object"),
            (
                "    x:\n      username: u\n      password: p\n      run_as: {a: b}\n",
                "not both",
            ),
            ("    x:\n      token: abc\n", "unknown field"),
        ] {
            let error = load(&format!("{base}{yaml}")).unwrap_err().to_string();
            assert!(error.contains(expected), "{yaml}: {error}");
        }

        let error = load(
            "wazuh:\n  password: pw\nauth:\n  api_keys:\n    - name: bot\n      hash: sha256:0000000000000000000000000000000000000000000000000000000000000000\n      wazuh_identity: nobody\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("auth.api_keys.bot.wazuh_identity") && error.contains("nobody"),
            "{error}"
        );
    }

    #[test]
    fn comments_are_not_expanded() {
        let e = env(&[("A", "1")]);
        let text = "# Values may use ${VAR}\nwazuh:\n  url: ${A} # or ${B}\n  # password: ${PW}\n  q: \"x #${A}\"\n";
        assert_eq!(
            expand_yaml(text, &e).unwrap(),
            "# Values may use ${VAR}\nwazuh:\n  url: 1 # or ${B}\n  # password: ${PW}\n  q: \"x #1\"\n"
        );
        assert_eq!(expand_yaml("a: ${NOPE}\n", &e).unwrap_err(), "NOPE");
    }

    #[test]
    fn expansion() {
        let e = env(&[("A", "1"), ("EMPTY", "")]);
        assert_eq!(expand("x ${A} y", &e).unwrap(), "x 1 y");
        assert_eq!(expand("${B:two}", &e).unwrap(), "two");
        assert_eq!(expand("${B:-two}", &e).unwrap(), "two");
        assert_eq!(expand("${EMPTY:fallback}", &e).unwrap(), "fallback");
        assert_eq!(expand("${B:}", &e).unwrap(), "");
        assert_eq!(
            expand("cost $$5 and $HOME", &e).unwrap(),
            "cost $5 and $HOME"
        );
        assert_eq!(expand("${B}", &e).unwrap_err(), "B");
        assert_eq!(expand("unterminated ${A", &e).unwrap(), "unterminated ${A");
    }

    #[test]
    fn precedence_defaults_file_dotenv_env_cli() {
        let dir = tempdir("precedence");
        let file = write(
            &dir,
            "config.yaml",
            "wazuh:\n  url: https://file:55000\n  username: file-user\n  password: ${PW:from-default}\n  timeout: 10\nserver:\n  port: 9000\n",
        );
        let dotenv = write(
            &dir,
            ".env",
            "WAZUH_PROD_USERNAME=dotenv-user\nWAZUH_TIMEOUT=20\nPW=from-dotenv\n",
        );
        // File only.
        let config = Config::load(&Sources {
            file: Some(file.clone()),
            ..Sources::default()
        })
        .unwrap();
        assert_eq!(config.wazuh.url, "https://file:55000");
        assert_eq!(config.wazuh.username, "file-user");
        assert_eq!(config.wazuh.timeout, 10);
        assert_eq!(
            config.wazuh.password.unwrap().expose_secret(),
            "from-default"
        );
        assert_eq!(config.server.port, 9000);
        assert_eq!(config.wazuh.max_retries, 3, "default kept");

        // .env beats the file, and feeds ${VAR}.
        let config = Config::load(&Sources {
            file: Some(file.clone()),
            dotenv: Some(dotenv.clone()),
            ..Sources::default()
        })
        .unwrap();
        assert_eq!(config.wazuh.username, "dotenv-user");
        assert_eq!(config.wazuh.timeout, 20);
        assert_eq!(
            config.wazuh.password.unwrap().expose_secret(),
            "from-dotenv"
        );

        // The environment beats .env.
        let config = Config::load(&Sources {
            file: Some(file.clone()),
            dotenv: Some(dotenv.clone()),
            env: env(&[("WAZUH_PROD_USERNAME", "env-user"), ("WAZUH_TIMEOUT", "25")]),
            ..Sources::default()
        })
        .unwrap();
        assert_eq!(config.wazuh.username, "env-user");
        assert_eq!(config.wazuh.timeout, 25);

        // The command line beats everything.
        let config = Config::load(&Sources {
            file: Some(file),
            dotenv: Some(dotenv),
            env: env(&[("WAZUH_TIMEOUT", "25")]),
            cli: CliOverrides {
                timeout: Some(40),
                port: Some(8123),
                ..CliOverrides::default()
            },
        })
        .unwrap();
        assert_eq!(config.wazuh.timeout, 40);
        assert_eq!(config.server.port, 8123);
    }

    #[test]
    fn errors_name_what_to_fix() {
        let dir = tempdir("errors");
        let unknown = write(&dir, "unknown.yaml", "wazuh:\n  passwrd: x\n");
        let err = Config::load(&Sources {
            file: Some(unknown),
            ..Sources::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `passwrd`"), "{err}");

        let missing_var = write(&dir, "var.yaml", "wazuh:\n  password: ${NOPE_NOT_SET}\n");
        let err = Config::load(&Sources {
            file: Some(missing_var),
            ..Sources::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("NOPE_NOT_SET"), "{err}");

        let err = Config::load(&Sources::default()).unwrap_err().to_string();
        assert!(err.contains("wazuh.password"), "{err}");

        let err = Config::load(&Sources {
            env: env(&[
                ("WAZUH_PROD_PASSWORD", "x"),
                ("WAZUH_PROD_SSL_VERIFY", "maybe"),
            ]),
            ..Sources::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("WAZUH_PROD_SSL_VERIFY"), "{err}");
    }

    #[test]
    fn reference_design_variables() {
        let config = Config::load(&Sources {
            env: env(&[
                ("WAZUH_PROD_PASSWORD", "x"),
                ("WAZUH_PROD_TIMEOUT", "12"),
                ("MCP_SERVER_HOST", "0.0.0.0"),
                ("MCP_SERVER_PORT", "9001"),
                ("LOG_LEVEL", "DEBUG"),
                ("WAZUH_READ_ONLY", "false"),
                ("WAZUH_DISABLED_TOOLS", "GetAgentPortsTool, list_rules"),
                ("SSL_CERT_FILE", "/etc/ssl/ca.pem"),
            ]),
            ..Sources::default()
        })
        .unwrap();
        assert_eq!(config.wazuh.timeout, 12);
        assert_eq!(config.server.host, "0.0.0.0");
        assert_eq!(config.server.port, 9001);
        assert_eq!(config.server.log_level, "debug");
        assert!(!config.security.read_only_mode);
        assert_eq!(
            config.security.disabled_tools,
            vec!["GetAgentPortsTool", "list_rules"]
        );
        assert_eq!(
            config.wazuh.ca_file.unwrap(),
            PathBuf::from("/etc/ssl/ca.pem")
        );
    }

    #[test]
    fn server_tls_and_limits() {
        let dir = tempdir("tls");
        let load = |yaml: &str, pairs: &[(&str, &str)], cli: CliOverrides| {
            let file = write(&dir, "tls.yaml", &format!("wazuh:\n  password: pw\n{yaml}"));
            Config::load(&Sources {
                file: Some(file),
                env: env(pairs),
                cli,
                ..Sources::default()
            })
        };
        let config = load("", &[], CliOverrides::default()).unwrap();
        assert!(!config.server.tls.enabled());
        assert_eq!(config.server.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(config.server.max_json_depth, DEFAULT_MAX_JSON_DEPTH);

        let config = load(
            "server:\n  max_body_bytes: 65536\n  max_json_depth: 32\n  tls:\n    cert_file: /tls/server.pem\n    key_file: /tls/server.key\n    client_ca_file: /tls/clients.pem\n",
            &[],
            CliOverrides::default(),
        )
        .unwrap();
        let tls = &config.server.tls;
        assert!(tls.enabled());
        assert_eq!(tls.client_auth(), Some(ClientAuth::Required), "the default");
        assert!(tls.requires_client_certificates());
        assert_eq!(config.server.max_body_bytes, 65536);
        assert_eq!(config.server.max_json_depth, 32);

        // The environment beats the file, the command line beats the environment.
        let config = load(
            "server:\n  tls:\n    cert_file: /file.pem\n    key_file: /file.key\n",
            &[
                ("MCP_SERVER_TLS_CERT", "/env.pem"),
                ("MCP_SERVER_TLS_CLIENT_CA", "/env-ca.pem"),
                ("MCP_SERVER_TLS_CLIENT_AUTH", "Optional"),
                ("MCP_SERVER_MAX_BODY_BYTES", "2048"),
                ("MCP_SERVER_MAX_JSON_DEPTH", "100"),
            ],
            CliOverrides {
                tls_key: Some(PathBuf::from("/cli.key")),
                ..CliOverrides::default()
            },
        )
        .unwrap();
        let tls = &config.server.tls;
        assert_eq!(tls.cert_file.as_deref(), Some(Path::new("/env.pem")));
        assert_eq!(tls.key_file.as_deref(), Some(Path::new("/cli.key")));
        assert_eq!(tls.client_auth(), Some(ClientAuth::Optional));
        assert!(!tls.requires_client_certificates());
        assert_eq!(config.server.max_body_bytes, 2048);
        assert_eq!(config.server.max_json_depth, 100);

        for (yaml, pairs, expected) in [
            (
                "server:\n  tls:\n    cert_file: /a.pem\n",
                &[][..],
                "server.tls.key_file",
            ),
            ("", &[("MCP_SERVER_TLS_KEY", "/a.key")][..], "--tls-cert"),
            (
                "server:\n  tls:\n    cert_file: /a.pem\n    key_file: /a.key\n    client_auth: optional\n",
                &[][..],
                "client_ca_file",
            ),
            (
                "server:\n  tls:\n    cert_file: /a.pem\n    key_file: /a.key\n    client_auth: maybe\n",
                &[][..],
                "client_auth",
            ),
            (
                "server:\n  tls:\n    cert: /a.pem\n",
                &[][..],
                "unknown field `cert`",
            ),
            (
                "",
                &[("MCP_SERVER_TLS_CLIENT_AUTH", "sometimes")][..],
                "MCP_SERVER_TLS_CLIENT_AUTH",
            ),
            (
                "server:\n  max_body_bytes: 10\n",
                &[][..],
                "server.max_body_bytes",
            ),
            (
                "server:\n  max_json_depth: 1000\n",
                &[][..],
                "server.max_json_depth",
            ),
            (
                "",
                &[("MCP_SERVER_MAX_BODY_BYTES", "1MB")][..],
                "MCP_SERVER_MAX_BODY_BYTES",
            ),
        ] {
            let error = load(yaml, pairs, CliOverrides::default())
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{yaml} {pairs:?}: {error}");
        }
    }

    #[test]
    fn what_counts_as_a_secret_in_a_file() {
        for holds in [
            "wazuh:\n  password: hunter2\n",
            "wazuh:\n  password: \"${PW:hunter2}\"\n",
            "auth:\n  jwt:\n    secret: 0123456789abcdef0123456789abcdef\n",
            "wazuh:\n  identities:\n    t2:\n      password: 's3cret'\n",
        ] {
            assert!(yaml_holds_secret(holds), "{holds}");
        }
        for clean in [
            "wazuh:\n  password: ${WAZUH_PASSWORD}\n",
            "wazuh:\n  password: \"${WAZUH_PASSWORD}\"\n",
            "wazuh:\n  password: ${WAZUH_PASSWORD:-}\n",
            "  # password: hunter2\n",
            "auth:\n  api_keys:\n    - name: bot\n      hash: \"sha256:00\"\n",
            "wazuh:\n  password:\n",
        ] {
            assert!(!yaml_holds_secret(clean), "{clean}");
        }
        assert!(dotenv_holds_secret(&env(&[("WAZUH_PROD_PASSWORD", "x")])));
        assert!(dotenv_holds_secret(&env(&[("WAZUH_MCP_JWT_SECRET", "x")])));
        assert!(dotenv_holds_secret(&env(&[(
            "WAZUH_MCP_API_KEYS",
            "bot:k"
        )])));
        assert!(!dotenv_holds_secret(&env(&[(
            "WAZUH_PROD_URL",
            "https://m"
        )])));
        assert!(!dotenv_holds_secret(&env(&[("WAZUH_PROD_PASSWORD", "")])));
    }

    #[cfg(unix)]
    #[test]
    fn files_with_secrets_readable_by_others_are_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempdir("permissions");
        let chmod = |path: &Path, mode: u32| {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        let secret = write(&dir, "secret.yaml", "wazuh:\n  password: hunter2\n");
        let referenced = write(&dir, "ref.yaml", "wazuh:\n  password: ${PW}\n");
        let dotenv = write(
            &dir,
            "secret.env",
            "PW=hunter2\nWAZUH_PROD_PASSWORD=hunter2\n",
        );
        let load = |file: &Path| {
            Config::load(&Sources {
                file: Some(file.to_path_buf()),
                dotenv: Some(dotenv.clone()),
                ..Sources::default()
            })
            .unwrap()
            .warnings
        };

        chmod(&secret, 0o644);
        chmod(&referenced, 0o644);
        chmod(&dotenv, 0o600);
        let warnings = load(&secret);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains(&secret.display().to_string())
                && warnings[0].contains("chmod 600")
                && warnings[0].contains("every user")
                && !warnings[0].contains("hunter2"),
            "{}",
            warnings[0]
        );
        assert!(load(&referenced).is_empty(), "no secret in the file itself");

        chmod(&secret, 0o640);
        let warnings = load(&secret);
        assert!(warnings[0].contains("its group"), "{warnings:?}");

        chmod(&secret, 0o600);
        assert!(load(&secret).is_empty());

        chmod(&dotenv, 0o644);
        let warnings = load(&referenced);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("secret.env") && warnings[0].contains("chmod 600"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let config = Config::load(&Sources {
            env: env(&[("WAZUH_PROD_PASSWORD", "hunter2-secret")]),
            ..Sources::default()
        })
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2-secret"), "{debug}");
    }
}
