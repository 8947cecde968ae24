//! The HTTP side of authentication: the middleware for the MCP routes, the 401/403 answers, and
//! the protected-resource metadata (RFC 9728) that tells MCP clients where to get a token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{AuthConfigError, Authenticator, OAuthSettings, Rejection, RejectionKind, invalid};

/// The well-known path of RFC 9728.
pub const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

/// The metadata document and where it is served.
pub(crate) struct ResourceMetadata {
    /// Absolute URL of the document for this server's `resource` (RFC 9728 section 3.1).
    pub(crate) url: String,
    /// Paths this server answers on.
    paths: Vec<String>,
    document: Value,
}

impl ResourceMetadata {
    pub(crate) fn new(settings: &OAuthSettings) -> Result<ResourceMetadata, AuthConfigError> {
        let key = "auth.oauth.resource";
        let resource = reqwest::Url::parse(settings.resource.trim())
            .map_err(|e| invalid(key, format!("`{}` is not a URL: {e}", settings.resource)))?;
        if !matches!(resource.scheme(), "http" | "https") || resource.host_str().is_none() {
            return Err(invalid(key, "must be an http(s) URL with a host"));
        }
        if resource.fragment().is_some() || resource.query().is_some() {
            return Err(invalid(
                key,
                "must not have a query or a fragment (RFC 9728)",
            ));
        }
        let origin = resource.origin().ascii_serialization();
        let path = resource.path().trim_end_matches('/').to_string();
        let url = format!("{origin}{METADATA_PATH}{path}");
        let mut paths = vec![METADATA_PATH.to_string(), format!("{METADATA_PATH}/mcp")];
        let own = format!("{METADATA_PATH}{path}");
        if !paths.contains(&own) {
            paths.push(own);
        }
        let servers = if settings.authorization_servers.is_empty() {
            vec![settings.issuer.clone()]
        } else {
            settings.authorization_servers.clone()
        };
        for s in &servers {
            reqwest::Url::parse(s).map_err(|e| {
                invalid(
                    "auth.oauth.authorization_servers",
                    format!("`{s}` is not a URL: {e}"),
                )
            })?;
        }
        let mut document = json!({
            "resource": settings.resource.trim(),
            "authorization_servers": servers,
            "bearer_methods_supported": ["header"],
            "resource_name": "wazuh-mcp",
        });
        if !settings.scopes_supported.is_empty()
            && let Some(map) = document.as_object_mut()
        {
            map.insert("scopes_supported".into(), json!(settings.scopes_supported));
        }
        Ok(ResourceMetadata {
            url,
            paths,
            document,
        })
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let body = Json(json!({
            "error": self.error_code(),
            "error_description": self.description(),
        }));
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(self.www_authenticate())
            && !self.www_authenticate().is_empty()
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.kind() == RejectionKind::Unavailable {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

/// Middleware for the MCP routes: authenticates the request and inserts its
/// [`Principal`](crate::principal::Principal) into the request's extensions, or answers 401/403
/// (503 if the identity provider's keys cannot be fetched). CORS preflights pass untouched,
/// without a principal. Failures are logged at `warn` with the source and the reason, never
/// with the credential.
///
/// ```ignore
/// let mcp = mcp.layer(axum::middleware::from_fn_with_state(auth.clone(), require_auth));
/// ```
pub async fn require_auth(
    State(auth): State<Arc<Authenticator>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return next.run(request).await;
    }
    let source = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    match auth.authenticate(request.headers(), source).await {
        Ok(principal) => {
            tracing::debug!(subject = %principal.subject, kind = ?principal.kind, "authenticated");
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(rejection) => {
            let shown = source.map_or_else(|| "unknown".to_string(), |s| s.to_string());
            tracing::warn!(
                source = %shown,
                method = %request.method(),
                path = %request.uri().path(),
                status = rejection.status().as_u16(),
                error = rejection.error_code(),
                reason = %rejection.description(),
                "refused a request: authentication failed"
            );
            auth.failed(source, &rejection);
            rejection.into_response()
        }
    }
}

/// `GET /.well-known/oauth-protected-resource` (and `.../mcp`, and the path of
/// `auth.oauth.resource`) with the RFC 9728 document. Empty when OAuth is not configured. Serve
/// it outside the authenticated routes.
pub fn metadata_router(auth: Arc<Authenticator>) -> Router {
    let Some(metadata) = &auth.metadata else {
        return Router::new();
    };
    let document = Arc::new(metadata.document.clone());
    let mut router = Router::new();
    for path in &metadata.paths {
        router = router.route(path, get(serve_metadata));
    }
    router.with_state(document)
}

async fn serve_metadata(State(document): State<Arc<Value>>) -> Response {
    let mut response = (StatusCode::OK, Json(document.as_ref().clone())).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use super::*;

    fn oauth(resource: &str) -> OAuthSettings {
        OAuthSettings {
            issuer: "https://idp.example.com/realms/soc".into(),
            audience: None,
            jwks_url: "https://idp.example.com/jwks".into(),
            resource: resource.into(),
            authorization_servers: vec![],
            scopes_supported: vec!["tools:read".into()],
            refresh: Duration::from_secs(600),
            groups_claim: "wazuh_groups".into(),
            identity_claim: None,
            ca_file: None,
        }
    }

    #[test]
    fn metadata_urls() {
        let m = ResourceMetadata::new(&oauth("https://mcp.example.com/mcp")).unwrap();
        assert_eq!(
            m.url,
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(m.paths.len(), 2);
        assert_eq!(
            m.document["authorization_servers"],
            json!(["https://idp.example.com/realms/soc"])
        );
        let m = ResourceMetadata::new(&oauth("https://mcp.example.com:8443/")).unwrap();
        assert_eq!(
            m.url,
            "https://mcp.example.com:8443/.well-known/oauth-protected-resource"
        );
        let m = ResourceMetadata::new(&oauth("https://proxy.example.com/wazuh/mcp")).unwrap();
        assert!(m.paths.contains(&format!("{METADATA_PATH}/wazuh/mcp")));
        assert!(ResourceMetadata::new(&oauth("https://mcp.example.com/mcp#x")).is_err());
        assert!(ResourceMetadata::new(&oauth("ftp://mcp.example.com/mcp")).is_err());
    }
}
