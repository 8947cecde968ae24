//! Client authentication on the HTTP transports: static API keys, JWTs this server issues, and
//! JWTs from an external identity provider (OAuth 2.1 resource server, RFC 9728 metadata).
//!
//! * [`AuthSettings`] is the `auth:` section of the configuration.
//! * [`Authenticator::new`] checks it once at start-up (short secrets, malformed hashes, bad
//!   URLs fail fast) and [`Authenticator::authenticate`] turns a request's headers into a
//!   [`Principal`] or a [`Rejection`] (401 or 403, with the `WWW-Authenticate` challenge the MCP
//!   authorization specification asks for).
//! * [`require_auth`] is the axum middleware for the MCP routes, [`metadata_router`] serves
//!   `/.well-known/oauth-protected-resource`, and [`allows_tool`] holds the scope semantics the
//!   tools layer applies per call.
//!
//! Credentials are accepted as `Authorization: Bearer <api key | jwt>` or `X-API-Key: <key>`.
//! Keys, tokens and secrets are kept in [`SecretString`]s or as hashes, are never logged and never
//! appear in `Debug` output or in a response.

mod api_key;
mod duration;
mod http;
mod issued;
mod oauth;
mod scope;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use api_key::{api_keys_from_env, generate_api_key, hash_api_key};
pub use duration::parse_duration;
pub use http::{metadata_router, require_auth};
pub use issued::issue_token;
pub use scope::{KNOWN_SCOPES, allows_tool, is_known_scope};

use crate::principal::Principal;

/// The realm of every `WWW-Authenticate` challenge.
pub const REALM: &str = "wazuh-mcp";

/// Longest credential accepted in a header (bytes); longer ones are rejected unread.
pub const MAX_CREDENTIAL_BYTES: usize = 16 * 1024;

/// `auth:` in the configuration. Authentication is off until a method is configured.
///
/// ```yaml
/// auth:
///   api_keys:
///     - name: soc-bot
///       hash: "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
///       scopes: ["tools:read"]
///       agent_groups: ["linux-servers"]
///   jwt:
///     secret: "${WAZUH_MCP_JWT_SECRET}"
///     default_ttl: 8h
///   oauth:
///     issuer: https://idp.example.com/realms/soc
///     jwks_url: https://idp.example.com/realms/soc/protocol/openid-connect/certs
///     resource: https://mcp.example.com/mcp
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Static API keys, stored as hashes (`wazuh-mcp token new-key` prints one). Containers can
    /// also pass keys in `WAZUH_MCP_API_KEYS` (see [`api_keys_from_env`]).
    pub api_keys: Vec<ApiKey>,
    /// JWTs this server issues and verifies (`wazuh-mcp token issue`), signed with HS256.
    pub jwt: Option<JwtSettings>,
    /// JWTs from an external identity provider, verified through its JWKS (OAuth 2.1 resource
    /// server); also enables the RFC 9728 metadata endpoint.
    pub oauth: Option<OAuthSettings>,
    /// DANGEROUS: accept every HTTP request, without credentials, as `anonymous`. Anyone who
    /// can reach the port then reads (and, if writes are enabled, changes) the SIEM. Only for a
    /// server behind another authenticating layer. Cannot be combined with a method above.
    pub insecure_no_auth: bool,
}

/// A static API key: its name, the SHA-256 of the key, and what it may do.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// Name shown in logs and audit as `key:<name>`.
    pub name: String,
    /// `sha256:<64 hex digits>`: the SHA-256 of the key (never the key itself).
    pub hash: String,
    /// Scopes granted (`*`, `tools:read`, `tools:write`, `toolset:<name>`, `tool:<name>`);
    /// `["tools:read"]` when left out.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Agent groups the key may see; every group when left out.
    #[serde(default)]
    pub agent_groups: Option<Vec<String>>,
    /// Name of the Wazuh identity (credentials or `run_as` context) the key's requests use;
    /// the server's own Wazuh user when left out.
    #[serde(default)]
    pub wazuh_identity: Option<String>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("name", &self.name)
            .field("hash", &"[REDACTED]")
            .field("scopes", &self.scopes)
            .field("agent_groups", &self.agent_groups)
            .field("wazuh_identity", &self.wazuh_identity)
            .finish()
    }
}

fn default_scopes() -> Vec<String> {
    vec!["tools:read".into()]
}

/// Tokens this server issues (`wazuh-mcp token issue`) and accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtSettings {
    /// HS256 signing key, at least 32 bytes; normally `${WAZUH_MCP_JWT_SECRET}`
    /// (generate one with `openssl rand -base64 48`). Whoever has it can mint any token.
    pub secret: SecretString,
    /// `iss` of the tokens; `wazuh-mcp` by default.
    #[serde(default = "default_name")]
    pub issuer: String,
    /// `aud` of the tokens; `wazuh-mcp` by default.
    #[serde(default = "default_name")]
    pub audience: String,
    /// Lifetime of a token when `--ttl` is not given (`8h`, `30m`, `7d`, or seconds); 8h by default.
    #[serde(default = "default_ttl", deserialize_with = "duration::deserialize")]
    pub default_ttl: Duration,
    /// Longest lifetime `token issue` accepts; 30 days by default.
    #[serde(
        default = "default_max_ttl",
        deserialize_with = "duration::deserialize"
    )]
    pub max_ttl: Duration,
}

fn default_name() -> String {
    REALM.into()
}

fn default_ttl() -> Duration {
    Duration::from_secs(8 * 3600)
}

fn default_max_ttl() -> Duration {
    Duration::from_secs(30 * 24 * 3600)
}

/// An external identity provider whose JWTs (RS256/384/512, PS256/384/512, ES256/384) are
/// accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// The IdP's issuer identifier, compared exactly with the `iss` claim.
    pub issuer: String,
    /// Expected `aud` claim; this server's `resource` URL when left out (RFC 8707).
    #[serde(default)]
    pub audience: Option<String>,
    /// `http(s)` URL of the IdP's JSON Web Key Set.
    pub jwks_url: String,
    /// This server's public MCP URL, e.g. `https://mcp.example.com/mcp` (RFC 9728 `resource`).
    pub resource: String,
    /// Authorization servers announced in the metadata; `[issuer]` when left out.
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    /// Scopes announced in the metadata.
    #[serde(default = "default_scopes_supported")]
    pub scopes_supported: Vec<String>,
    /// How long fetched keys are trusted before the JWKS is fetched again (`15m` by default).
    /// A token signed by an unknown key id also triggers a fetch, at most once per 30 seconds.
    #[serde(
        default = "default_refresh",
        deserialize_with = "duration::deserialize"
    )]
    pub refresh: Duration,
    /// Claim that lists the caller's agent groups (a string array or a space-separated string);
    /// `wazuh_groups` by default. Without the claim the caller sees every group.
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// Claim that names the caller's Wazuh identity, if any.
    #[serde(default)]
    pub identity_claim: Option<String>,
    /// PEM bundle of CAs to trust for `jwks_url` instead of the built-in Mozilla roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn default_scopes_supported() -> Vec<String> {
    vec!["tools:read".into(), "tools:write".into()]
}

fn default_refresh() -> Duration {
    Duration::from_secs(15 * 60)
}

fn default_groups_claim() -> String {
    "wazuh_groups".into()
}

/// Why the `auth:` configuration is unusable. Messages name the key to fix; none holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("invalid value for {key}: {message}")]
    Invalid { key: String, message: String },
    #[error("cannot set up the HTTP client for auth.oauth.jwks_url: {0}")]
    Client(String),
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> AuthConfigError {
    AuthConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// What a request's credentials failed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionKind {
    /// No credentials (401, no error code in the challenge).
    Missing,
    /// Malformed credentials: an unknown scheme, several `Authorization` headers (401).
    InvalidRequest,
    /// A key or token that is unknown, expired, badly signed or for someone else (401).
    InvalidToken,
    /// Valid credentials that grant nothing needed here (403).
    InsufficientScope,
    /// The identity provider's keys cannot be fetched right now (503).
    Unavailable,
}

/// A refused request: the status, the `WWW-Authenticate` challenge and a short reason that is
/// safe to show to the caller and to log (it never holds the credential).
#[derive(Debug, Clone)]
pub struct Rejection {
    kind: RejectionKind,
    description: String,
    challenge: String,
}

impl Rejection {
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// 401, 403 or 503.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RejectionKind::Missing
            | RejectionKind::InvalidRequest
            | RejectionKind::InvalidToken => StatusCode::UNAUTHORIZED,
            RejectionKind::InsufficientScope => StatusCode::FORBIDDEN,
            RejectionKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The OAuth error code of the JSON body (`invalid_token`, `insufficient_scope`, ...).
    pub fn error_code(&self) -> &'static str {
        match self.kind {
            RejectionKind::Missing => "unauthorized",
            RejectionKind::InvalidRequest => "invalid_request",
            RejectionKind::InvalidToken => "invalid_token",
            RejectionKind::InsufficientScope => "insufficient_scope",
            RejectionKind::Unavailable => "temporarily_unavailable",
        }
    }

    /// Why, in a few words (no secret in it).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The `WWW-Authenticate` value (empty for 503).
    pub fn www_authenticate(&self) -> &str {
        &self.challenge
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_code(), self.description)
    }
}

/// A rejection reason from a verifier, before the challenge is attached.
#[derive(Debug)]
pub(crate) struct Failure {
    kind: RejectionKind,
    description: String,
}

impl Failure {
    fn new(kind: RejectionKind, description: impl Into<String>) -> Failure {
        Failure {
            kind,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_token(description: impl Into<String>) -> Failure {
        Failure::new(RejectionKind::InvalidToken, description)
    }
}

/// Called on every refused request, for the audit log and failure alerts.
pub type FailureHook = Arc<dyn Fn(Option<SocketAddr>, &Rejection) + Send + Sync>;

/// The checked `auth:` settings, ready to authenticate requests. Cheap to share in an `Arc`.
pub struct Authenticator {
    api_keys: Vec<api_key::KeyEntry>,
    issued: Option<issued::Verifier>,
    oauth: Option<oauth::Verifier>,
    insecure_no_auth: bool,
    metadata: Option<http::ResourceMetadata>,
    failure_hook: Option<FailureHook>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field(
                "api_keys",
                &self.api_keys.iter().map(|k| &k.name).collect::<Vec<_>>(),
            )
            .field("jwt", &self.issued.is_some())
            .field("oauth", &self.oauth.as_ref().map(|o| o.issuer()))
            .field("insecure_no_auth", &self.insecure_no_auth)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Checks the settings and builds the verifiers. Nothing is fetched yet (the JWKS is fetched
    /// on the first IdP token).
    pub fn new(settings: &AuthSettings) -> Result<Authenticator, AuthConfigError> {
        let api_keys = api_key::entries(&settings.api_keys)?;
        let issued = settings
            .jwt
            .as_ref()
            .map(issued::Verifier::new)
            .transpose()?;
        let oauth = settings
            .oauth
            .as_ref()
            .map(oauth::Verifier::new)
            .transpose()?;
        let metadata = settings
            .oauth
            .as_ref()
            .map(http::ResourceMetadata::new)
            .transpose()?;
        let methods = !api_keys.is_empty() || issued.is_some() || oauth.is_some();
        if settings.insecure_no_auth && methods {
            return Err(invalid(
                "auth.insecure_no_auth",
                "is true while an authentication method is configured; remove one of them",
            ));
        }
        Ok(Authenticator {
            api_keys,
            issued,
            oauth,
            insecure_no_auth: settings.insecure_no_auth,
            metadata,
            failure_hook: None,
        })
    }

    /// Calls `hook` for every refused request (after it is logged).
    pub fn with_failure_hook(mut self, hook: FailureHook) -> Authenticator {
        self.failure_hook = Some(hook);
        self
    }

    /// Whether any authentication method is configured. When not, [`Self::authenticate`] lets
    /// every request through as `anonymous`; the caller decides whether that is acceptable
    /// (loopback) or needs [`Self::insecure_no_auth`].
    pub fn enabled(&self) -> bool {
        !self.api_keys.is_empty() || self.issued.is_some() || self.oauth.is_some()
    }

    /// Whether the operator explicitly switched authentication off (`auth.insecure_no_auth`).
    pub fn insecure_no_auth(&self) -> bool {
        self.insecure_no_auth
    }

    /// Whether the OAuth resource server (and its metadata endpoint) is configured.
    pub fn oauth_enabled(&self) -> bool {
        self.oauth.is_some()
    }

    /// The URL of this server's protected-resource metadata (RFC 9728), when OAuth is configured.
    pub fn resource_metadata_url(&self) -> Option<&str> {
        self.metadata.as_ref().map(|m| m.url.as_str())
    }

    /// Who is calling, from `Authorization: Bearer <api key | jwt>` or `X-API-Key: <key>`.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        source: Option<SocketAddr>,
    ) -> Result<Principal, Rejection> {
        if !self.enabled() {
            return Ok(Principal::anonymous(source));
        }
        let mut principal = self
            .verify(headers)
            .await
            .map_err(|failure| self.reject(failure))?;
        principal.source = source;
        principal.scopes.retain(|s| is_known_scope(s));
        if principal.scopes.is_empty() {
            return Err(self.reject(Failure::new(
                RejectionKind::InsufficientScope,
                "the credentials grant no scope of this server",
            )));
        }
        Ok(principal)
    }

    async fn verify(&self, headers: &HeaderMap) -> Result<Principal, Failure> {
        match credential(headers)? {
            Credential::ApiKey(key) => self.verify_api_key(&key),
            Credential::Bearer(token) => {
                let token = token.expose_secret();
                if !looks_like_jwt(token) {
                    return self.verify_api_key(token);
                }
                let header = jsonwebtoken::decode_header(token)
                    .map_err(|_| Failure::invalid_token("malformed token header"))?;
                if issued::is_issued_algorithm(header.alg) {
                    match &self.issued {
                        Some(v) => v.verify(token),
                        None => Err(Failure::invalid_token(
                            "this server does not accept self-issued tokens",
                        )),
                    }
                } else {
                    match &self.oauth {
                        Some(v) => v.verify(token, &header).await,
                        None => Err(Failure::invalid_token(
                            "this server accepts no identity-provider tokens",
                        )),
                    }
                }
            }
        }
    }

    fn verify_api_key(&self, key: &str) -> Result<Principal, Failure> {
        if self.api_keys.is_empty() {
            return Err(Failure::invalid_token("this server accepts no API keys"));
        }
        api_key::find(&self.api_keys, key)
            .map(api_key::KeyEntry::principal)
            .ok_or_else(|| Failure::invalid_token("unknown API key"))
    }

    /// A 403 for a principal that lacks `scope` (for the tools layer).
    pub fn insufficient_scope(&self, scope: &str) -> Rejection {
        let mut rejection = self.reject(Failure::new(
            RejectionKind::InsufficientScope,
            format!("this call needs the scope `{scope}`"),
        ));
        rejection.challenge = self.challenge(Some("insufficient_scope"), Some(scope));
        rejection
    }

    fn reject(&self, failure: Failure) -> Rejection {
        let challenge = match failure.kind {
            RejectionKind::Missing => self.challenge(None, None),
            RejectionKind::InvalidRequest => self.challenge(Some("invalid_request"), None),
            RejectionKind::InvalidToken => self.challenge(Some("invalid_token"), None),
            RejectionKind::InsufficientScope => self.challenge(Some("insufficient_scope"), None),
            RejectionKind::Unavailable => String::new(),
        };
        Rejection {
            kind: failure.kind,
            description: failure.description,
            challenge,
        }
    }

    /// `Bearer realm="wazuh-mcp", error="...", scope="...", resource_metadata="..."`.
    fn challenge(&self, error: Option<&str>, scope: Option<&str>) -> String {
        let mut value = format!("Bearer realm=\"{REALM}\"");
        if let Some(error) = error {
            value.push_str(&format!(", error=\"{error}\""));
        }
        if let Some(scope) = scope {
            value.push_str(&format!(", scope=\"{}\"", quote_safe(scope)));
        }
        if let Some(url) = self.resource_metadata_url() {
            value.push_str(&format!(", resource_metadata=\"{url}\""));
        }
        value
    }

    pub(crate) fn failed(&self, source: Option<SocketAddr>, rejection: &Rejection) {
        if let Some(hook) = &self.failure_hook {
            hook(source, rejection);
        }
    }
}

/// Drops what cannot appear inside a quoted header parameter.
fn quote_safe(value: &str) -> String {
    value
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && (' '..='~').contains(c))
        .collect()
}

enum Credential {
    Bearer(SecretString),
    ApiKey(String),
}

/// The credential of a request, without judging it.
fn credential(headers: &HeaderMap) -> Result<Credential, Failure> {
    let mut authorization = headers.get_all(header::AUTHORIZATION).iter();
    if let Some(value) = authorization.next() {
        if authorization.next().is_some() {
            return Err(Failure::new(
                RejectionKind::InvalidRequest,
                "several Authorization headers",
            ));
        }
        let value = value.to_str().map_err(|_| {
            Failure::new(
                RejectionKind::InvalidRequest,
                "the Authorization header is not ASCII",
            )
        })?;
        let (scheme, token) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Failure::new(
                RejectionKind::InvalidRequest,
                "the Authorization scheme must be Bearer",
            ));
        }
        let token = token.trim();
        check_length(token)?;
        return Ok(Credential::Bearer(SecretString::from(token)));
    }
    let mut keys = headers.get_all("x-api-key").iter();
    if let Some(value) = keys.next() {
        if keys.next().is_some() {
            return Err(Failure::new(
                RejectionKind::InvalidRequest,
                "several X-API-Key headers",
            ));
        }
        let key = value
            .to_str()
            .map_err(|_| Failure::invalid_token("unknown API key"))?
            .trim();
        check_length(key)?;
        return Ok(Credential::ApiKey(key.to_string()));
    }
    Err(Failure::new(
        RejectionKind::Missing,
        "authentication required: send Authorization: Bearer <token> or X-API-Key: <key>",
    ))
}

fn check_length(credential: &str) -> Result<(), Failure> {
    if credential.is_empty() {
        return Err(Failure::new(
            RejectionKind::InvalidRequest,
            "the credential is empty",
        ));
    }
    if credential.len() > MAX_CREDENTIAL_BYTES {
        return Err(Failure::invalid_token("the credential is too long"));
    }
    Ok(())
}

/// Three non-empty base64url segments: a JWS compact serialization.
fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::principal::PrincipalKind;
    use axum::http::HeaderValue;

    const KEY: &str = "wmk_test_key_0123456789abcdef";

    fn settings_with_key() -> AuthSettings {
        AuthSettings {
            api_keys: vec![ApiKey {
                name: "soc-bot".into(),
                hash: hash_api_key(KEY),
                scopes: vec!["tools:read".into()],
                agent_groups: Some(vec!["linux".into()]),
                wazuh_identity: Some("soc".into()),
            }],
            ..AuthSettings::default()
        }
    }

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn defaults_configure_nothing() {
        let auth = Authenticator::new(&AuthSettings::default()).unwrap();
        assert!(!auth.enabled());
        assert!(!auth.insecure_no_auth());
        assert!(auth.resource_metadata_url().is_none());
    }

    #[test]
    fn yaml_schema() {
        let yaml = r#"
api_keys:
  - name: soc-bot
    hash: "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
  - name: ci
    hash: "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d9"
    scopes: ["toolset:agents", "tool:list_rules"]
    agent_groups: [web]
    wazuh_identity: ci-user
jwt:
  secret: "0123456789abcdef0123456789abcdef"
  default_ttl: 2h
oauth:
  issuer: https://idp.example.com
  jwks_url: https://idp.example.com/jwks
  resource: https://mcp.example.com/mcp
  refresh: 5m
"#;
        let s: AuthSettings = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(s.api_keys[0].scopes, vec!["tools:read"]);
        assert_eq!(
            s.api_keys[1].agent_groups.as_deref(),
            Some(&["web".to_string()][..])
        );
        let jwt = s.jwt.as_ref().unwrap();
        assert_eq!(jwt.issuer, "wazuh-mcp");
        assert_eq!(jwt.audience, "wazuh-mcp");
        assert_eq!(jwt.default_ttl, Duration::from_secs(7200));
        let oauth = s.oauth.as_ref().unwrap();
        assert_eq!(oauth.refresh, Duration::from_secs(300));
        assert_eq!(oauth.groups_claim, "wazuh_groups");
        let auth = Authenticator::new(&s).unwrap();
        assert!(auth.enabled());
        assert_eq!(
            auth.resource_metadata_url(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        );
        // Secrets never reach Debug output.
        let debug = format!("{s:?} {auth:?}");
        assert!(!debug.contains("0123456789abcdef0123"), "{debug}");
        assert!(!debug.contains("5e884898"), "{debug}");

        let unknown: Result<AuthSettings, _> = serde_yaml::from_str("api_key: []");
        assert!(unknown.is_err());
        let unknown: Result<AuthSettings, _> =
            serde_yaml::from_str("jwt: {secret: x, lifetime: 1h}");
        assert!(unknown.is_err());
    }

    #[test]
    fn insecure_no_auth_excludes_methods() {
        let mut s = settings_with_key();
        s.insecure_no_auth = true;
        let err = Authenticator::new(&s).unwrap_err().to_string();
        assert!(err.contains("auth.insecure_no_auth"), "{err}");
    }

    #[tokio::test]
    async fn no_method_means_anonymous() {
        let auth = Authenticator::new(&AuthSettings::default()).unwrap();
        let p = auth.authenticate(&HeaderMap::new(), None).await.unwrap();
        assert_eq!(p.kind, PrincipalKind::Anonymous);
    }

    #[tokio::test]
    async fn api_key_in_both_headers() {
        let auth = Authenticator::new(&settings_with_key()).unwrap();
        let source: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        for h in [
            headers("authorization", &format!("Bearer {KEY}")),
            headers("authorization", &format!("bearer   {KEY} ")),
            headers("x-api-key", KEY),
        ] {
            let p = auth.authenticate(&h, Some(source)).await.unwrap();
            assert_eq!(p.subject, "key:soc-bot");
            assert_eq!(p.kind, PrincipalKind::ApiKey);
            assert_eq!(p.scopes, vec!["tools:read"]);
            assert_eq!(p.agent_groups, Some(vec!["linux".to_string()]));
            assert_eq!(p.wazuh_identity.as_deref(), Some("soc"));
            assert_eq!(p.source, Some(source));
        }
    }

    #[tokio::test]
    async fn rejections() {
        let auth = Authenticator::new(&settings_with_key()).unwrap();
        let missing = auth
            .authenticate(&HeaderMap::new(), None)
            .await
            .unwrap_err();
        assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(missing.kind(), RejectionKind::Missing);
        assert_eq!(missing.www_authenticate(), "Bearer realm=\"wazuh-mcp\"");

        let wrong = auth
            .authenticate(&headers("authorization", "Bearer nope-nope-nope"), None)
            .await
            .unwrap_err();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            wrong.www_authenticate(),
            "Bearer realm=\"wazuh-mcp\", error=\"invalid_token\""
        );
        assert!(!wrong.to_string().contains("nope"));

        let basic = auth
            .authenticate(&headers("authorization", "Basic dXNlcjpwYXNz"), None)
            .await
            .unwrap_err();
        assert_eq!(basic.kind(), RejectionKind::InvalidRequest);

        let empty = auth
            .authenticate(&headers("authorization", "Bearer "), None)
            .await
            .unwrap_err();
        assert_eq!(empty.kind(), RejectionKind::InvalidRequest);

        let long = "a".repeat(MAX_CREDENTIAL_BYTES + 1);
        let long = auth
            .authenticate(&headers("x-api-key", &long), None)
            .await
            .unwrap_err();
        assert_eq!(long.kind(), RejectionKind::InvalidToken);

        // A JWT when only API keys are configured.
        let jwt = auth
            .authenticate(
                &headers("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"),
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(jwt.kind(), RejectionKind::InvalidToken);
    }

    #[tokio::test]
    async fn insufficient_scope_challenge() {
        let auth = Authenticator::new(&settings_with_key()).unwrap();
        let r = auth.insufficient_scope("tools:write");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(r.error_code(), "insufficient_scope");
        assert_eq!(
            r.www_authenticate(),
            "Bearer realm=\"wazuh-mcp\", error=\"insufficient_scope\", scope=\"tools:write\""
        );
        let mut s = settings_with_key();
        s.api_keys[0].scopes = vec!["openid".into()];
        assert!(Authenticator::new(&s).is_err());
    }

    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt("eyJh.eyJz.c2ln"));
        assert!(!looks_like_jwt("eyJh.eyJz"));
        assert!(!looks_like_jwt("eyJh..c2ln"));
        assert!(!looks_like_jwt("wmk_abc"));
        assert!(!looks_like_jwt("a.b.c+"));
    }
}
