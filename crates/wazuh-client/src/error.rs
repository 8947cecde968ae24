//! The one error type of this crate.
//!
//! Every failure is one variant of [`Error`], so callers can tell "fix your input"
//! ([`Error::Validation`], [`Error::BadRequest`]) from "fix your credentials or role"
//! ([`Error::Auth`], [`Error::PermissionDenied`]) from "try later" ([`Error::RateLimited`],
//! [`Error::Server`], [`Error::Transport`]). Errors that came from Wazuh keep what Wazuh said
//! ([`ApiError`]: HTTP status, Wazuh `code`, `detail`, `remediation`; for the indexer, the
//! OpenSearch `error.type` and `error.reason`).
//!
//! Errors are `Clone` (their sources are shared) so that one failed login can be handed to every
//! caller that was waiting for it. No variant ever holds a password or a token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which upstream service an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// The Wazuh manager REST API (port 55000).
    Manager,
    /// The Wazuh indexer (OpenSearch, port 9200).
    Indexer,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Service::Manager => "Wazuh manager API",
            Service::Indexer => "Wazuh indexer",
        })
    }
}

/// What an upstream service said when it refused a request.
///
/// For the manager this is its `application/problem+json` body (`title`, `detail`, `error` or
/// `code`, `remediation`); for the indexer, OpenSearch's `{"error": {"type", "reason"}, "status"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The service that answered.
    pub service: Service,
    /// HTTP status code.
    pub status: u16,
    /// Wazuh error code (e.g. 4000 permission denied, 6001 rate limit, 1701 unknown agent).
    pub code: Option<i64>,
    /// `title` of a Wazuh problem, or `error.type` of an OpenSearch error
    /// (e.g. `index_not_found_exception`).
    pub kind: Option<String>,
    /// `detail` of a Wazuh problem, `error.reason` of an OpenSearch error, or the start of the
    /// body when it was not JSON.
    pub detail: String,
    /// Wazuh's advice on how to fix it, when it gave one.
    pub remediation: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered HTTP {}", self.service, self.status)?;
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(kind) = &self.kind {
            write!(f, " {kind}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        if let Some(r) = &self.remediation {
            write!(f, ". {r}")?;
        }
        Ok(())
    }
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// The TCP connection could not be made (refused, unreachable, DNS).
    Connect,
    /// The TLS handshake failed (untrusted or invalid certificate, protocol mismatch).
    Tls,
    /// The request or the connection timed out.
    Timeout,
    /// The connection broke after the request was sent (reset, truncated body).
    Connection,
    /// The request could not be built (bad URL, bad header value).
    Request,
}

impl TransportKind {
    /// A hint on what to check.
    pub fn hint(self, service: Service) -> &'static str {
        match (self, service) {
            (TransportKind::Connect, Service::Manager) => {
                "is the URL right (scheme, host, port 55000)? is the manager reachable from here?"
            }
            (TransportKind::Connect, Service::Indexer) => {
                "is the URL right (scheme, host, port 9200)? is the indexer up and reachable from here?"
            }
            (TransportKind::Tls, _) => {
                "the server's certificate was not accepted: set ca_file to the CA that signed it \
                 (Wazuh's root-ca.pem), check that the host name matches the certificate, or set \
                 verify_tls: false for a test deployment"
            }
            (TransportKind::Timeout, _) => {
                "the server did not answer in time: it may be overloaded, or the timeout is too short"
            }
            (TransportKind::Connection, _) => {
                "the connection broke during the exchange: a proxy or the server closed it"
            }
            (TransportKind::Request, _) => "the request could not be built: check the URL",
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "cannot connect",
            TransportKind::Tls => "TLS handshake failed",
            TransportKind::Timeout => "timed out",
            TransportKind::Connection => "connection broken",
            TransportKind::Request => "invalid request",
        })
    }
}

/// A shared underlying error.
pub type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong talking to Wazuh.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is unusable (bad URL, unreadable CA file, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// An argument was refused before anything was sent; `reason` says what to fix.
    #[error("invalid {field} `{value}`: {reason}")]
    Validation {
        /// The argument (e.g. `agent_id`).
        field: &'static str,
        /// The value given (never a secret).
        value: String,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// Login was refused (HTTP 401): wrong user name or password, or a token that a fresh login
    /// could not replace.
    #[error("authentication failed: {0}. Check the username and password")]
    Auth(ApiError),

    /// The user is authenticated but its role does not allow this (HTTP 403, Wazuh code 4000).
    #[error("permission denied: {0}")]
    PermissionDenied(ApiError),

    /// The resource does not exist (HTTP 404, or an unknown index).
    #[error("not found: {0}")]
    NotFound(ApiError),

    /// The request was refused as malformed (HTTP 400); `detail` says why.
    #[error("bad request: {0}")]
    BadRequest(ApiError),

    /// Too many requests (HTTP 429, Wazuh code 6001), still after the retries.
    #[error("rate limited: {error}{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// What the server said.
        error: ApiError,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },

    /// The server failed (HTTP 5xx), still after the retries.
    #[error("server error: {0}")]
    Server(ApiError),

    /// Any other refusal (405, 406, 413, ...).
    #[error("request refused: {0}")]
    Api(ApiError),

    /// The exchange itself failed: no connection, TLS, timeout, broken connection.
    #[error("{service}: {kind} ({url}): {message}; {}", kind.hint(*service))]
    Transport {
        /// Which service.
        service: Service,
        /// What failed.
        kind: TransportKind,
        /// The URL without its query string.
        url: String,
        /// The underlying error, flattened to text.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Source>,
    },

    /// The answer could not be understood (not JSON, or not the expected shape).
    #[error("{service}: cannot decode the answer to {url} (HTTP {status}): {message}")]
    Decode {
        /// Which service.
        service: Service,
        /// HTTP status of the answer.
        status: u16,
        /// The URL without its query string.
        url: String,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// The upstream error, when the server answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Auth(e)
            | Error::PermissionDenied(e)
            | Error::NotFound(e)
            | Error::BadRequest(e)
            | Error::Server(e)
            | Error::Api(e)
            | Error::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } => Some(*status),
            other => other.api_error().map(|e| e.status),
        }
    }

    /// Whether trying again later may succeed (rate limits, server errors, transport failures).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::Server(_) | Error::Transport { .. }
        )
    }

    pub(crate) fn validation(
        field: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Error {
        let mut value = value.into();
        if value.len() > 200 {
            let mut end = 200;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            value.truncate(end);
            value.push('…');
        }
        Error::Validation {
            field,
            value,
            reason: reason.into(),
        }
    }

    /// Sorts an upstream refusal into its variant.
    pub(crate) fn from_api(error: ApiError, retry_after: Option<Duration>) -> Error {
        match error.status {
            400 => Error::BadRequest(error),
            401 => Error::Auth(error),
            403 => Error::PermissionDenied(error),
            404 => Error::NotFound(error),
            429 => Error::RateLimited { error, retry_after },
            500..=599 => Error::Server(error),
            _ => Error::Api(error),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn api(status: u16) -> ApiError {
        ApiError {
            service: Service::Manager,
            status,
            code: Some(4000),
            kind: Some("Permission Denied".into()),
            detail: "Permission denied: Resource type: *:*".into(),
            remediation: Some("Please, make sure you have permissions".into()),
        }
    }

    #[test]
    fn statuses_map_to_variants() {
        assert!(matches!(
            Error::from_api(api(400), None),
            Error::BadRequest(_)
        ));
        assert!(matches!(Error::from_api(api(401), None), Error::Auth(_)));
        assert!(matches!(
            Error::from_api(api(403), None),
            Error::PermissionDenied(_)
        ));
        assert!(matches!(
            Error::from_api(api(404), None),
            Error::NotFound(_)
        ));
        assert!(matches!(
            Error::from_api(api(429), Some(Duration::from_secs(3))),
            Error::RateLimited { .. }
        ));
        assert!(matches!(Error::from_api(api(503), None), Error::Server(_)));
        assert!(matches!(Error::from_api(api(405), None), Error::Api(_)));
    }

    #[test]
    fn display_keeps_code_detail_and_remediation() {
        let text = Error::from_api(api(403), None).to_string();
        assert!(text.contains("HTTP 403"), "{text}");
        assert!(text.contains("code 4000"), "{text}");
        assert!(text.contains("Resource type"), "{text}");
        assert!(text.contains("make sure you have permissions"), "{text}");
        let limited = Error::from_api(api(429), Some(Duration::from_secs(3))).to_string();
        assert!(limited.contains("retry after 3 s"), "{limited}");
    }

    #[test]
    fn validation_values_are_bounded() {
        let e = Error::validation("filename", "x".repeat(1000), "too long");
        let Error::Validation { value, .. } = &e else {
            panic!("not a validation error");
        };
        assert!(value.len() < 210);
    }

    #[test]
    fn transport_errors_carry_a_hint() {
        let e = Error::Transport {
            service: Service::Manager,
            kind: TransportKind::Connect,
            url: "https://wazuh:55000/agents".into(),
            message: "connection refused".into(),
            source: None,
        };
        let text = e.to_string();
        assert!(text.contains("is the URL right"), "{text}");
        assert!(e.is_transient());
    }
}
