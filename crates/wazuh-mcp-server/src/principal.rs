//! Who is calling: the principal an authenticated request (or the stdio session) acts as, and
//! what it may do.

use std::net::SocketAddr;

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// stdio: the local user who started the process.
    Local,
    /// HTTP with authentication switched off (`--insecure-no-auth` or loopback without auth).
    Anonymous,
    /// A static API key from the configuration.
    ApiKey,
    /// A JWT this server issued (`wazuh-mcp token issue`).
    IssuedToken,
    /// A JWT from an external identity provider (OAuth 2.1 resource server).
    OAuth,
    /// HTTPS with a verified client certificate (mutual TLS) and no other credential: named
    /// `cert:<CN>`, with the server's whole policy, like an anonymous caller.
    ClientCertificate,
}

/// The caller of a request, carried in the request's extensions to every tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable name for logs and audit (`key:soc-bot`, a JWT `sub`, `local`, `anonymous`).
    pub subject: String,
    pub kind: PrincipalKind,
    /// Scopes granted: `*`, `tools:read`, `tools:write`, `toolset:<name>`, `tool:<name>`.
    /// Empty means no restriction beyond the server's policy (local and anonymous callers).
    pub scopes: Vec<String>,
    /// Agent groups the caller may see; `None` means every agent.
    pub agent_groups: Option<Vec<String>>,
    /// Name of the Wazuh identity (credentials or `run_as` context) the caller's requests use;
    /// `None` means the server's own Wazuh user.
    pub wazuh_identity: Option<String>,
    /// Where the request came from (HTTP only).
    pub source: Option<SocketAddr>,
}

impl Principal {
    /// The local user of a stdio session.
    pub fn local() -> Principal {
        Principal {
            subject: "local".into(),
            kind: PrincipalKind::Local,
            scopes: Vec::new(),
            agent_groups: None,
            wazuh_identity: None,
            source: None,
        }
    }

    /// An unauthenticated HTTP caller, allowed only when the operator chose so.
    pub fn anonymous(source: Option<SocketAddr>) -> Principal {
        Principal {
            subject: "anonymous".into(),
            kind: PrincipalKind::Anonymous,
            source,
            ..Principal::local()
        }
    }
}
