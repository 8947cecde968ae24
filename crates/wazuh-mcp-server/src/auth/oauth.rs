//! JWTs from an external identity provider, verified with the keys of its JWKS.
//!
//! The key set is fetched on first use and cached for `auth.oauth.refresh`. A token signed with
//! a key id the cache does not know triggers one fetch, at most once per
//! [`UNKNOWN_KID_REFETCH`], so the IdP can rotate keys while random key ids cannot make us
//! hammer it. If a refresh fails, the keys already known stay in use.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, Header, Validation};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde_json::{Map, Value};

use super::issued::{LEEWAY_SECS, principal_from_claims, token_failure};
use super::{AuthConfigError, Failure, OAuthSettings, RejectionKind, invalid};
use crate::principal::{Principal, PrincipalKind};

/// Least time between two fetches caused by unknown key ids.
pub const UNKNOWN_KID_REFETCH: Duration = Duration::from_secs(30);

/// Least time between two attempts after a failed fetch.
const FAILED_FETCH_BACKOFF: Duration = Duration::from_secs(5);

/// Largest JWKS document read (bytes).
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// Signature algorithms accepted from the IdP (never HMAC, never `none`).
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

struct Key {
    kid: Option<String>,
    alg: Option<Algorithm>,
    family: AlgorithmFamily,
    key: DecodingKey,
}

struct KeySet {
    keys: Vec<Key>,
    fetched_at: Instant,
}

impl KeySet {
    /// Keys that may have signed a token with this `kid` and `alg`.
    fn candidates(&self, kid: Option<&str>, alg: Algorithm) -> Vec<&Key> {
        self.keys
            .iter()
            .filter(|k| k.family == alg.family() && k.alg.is_none_or(|a| a == alg))
            .filter(|k| match kid {
                Some(kid) => k.kid.as_deref() == Some(kid),
                None => true,
            })
            .collect()
    }
}

#[derive(Default)]
struct FetchState {
    last_unknown_kid_fetch: Option<Instant>,
    last_failure: Option<Instant>,
}

pub(crate) struct Verifier {
    issuer: String,
    jwks_url: reqwest::Url,
    refresh: Duration,
    groups_claim: String,
    identity_claim: Option<String>,
    validation: Validation,
    http: reqwest::Client,
    cache: RwLock<Option<Arc<KeySet>>>,
    fetch: tokio::sync::Mutex<FetchState>,
}

impl Verifier {
    pub(crate) fn new(settings: &OAuthSettings) -> Result<Verifier, AuthConfigError> {
        if settings.issuer.trim().is_empty() {
            return Err(invalid("auth.oauth.issuer", "is empty"));
        }
        let jwks_url = http_url("auth.oauth.jwks_url", &settings.jwks_url)?;
        if jwks_url.scheme() == "http" && !is_loopback(&jwks_url) {
            tracing::warn!(url = %jwks_url, "auth.oauth.jwks_url uses plain http: anyone on the path can substitute the keys; use https");
        }
        http_url("auth.oauth.resource", &settings.resource)?;
        let audience = settings
            .audience
            .clone()
            .unwrap_or_else(|| settings.resource.clone());
        if audience.trim().is_empty() {
            return Err(invalid("auth.oauth.audience", "is empty"));
        }
        if settings.groups_claim.trim().is_empty() {
            return Err(invalid("auth.oauth.groups_claim", "is empty"));
        }
        if settings.refresh < Duration::from_secs(10) {
            return Err(invalid(
                "auth.oauth.refresh",
                "must be at least 10s (the IdP is asked for its keys once per refresh)",
            ));
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Verifier {
            issuer: settings.issuer.clone(),
            jwks_url,
            refresh: settings.refresh,
            groups_claim: settings.groups_claim.clone(),
            identity_claim: settings.identity_claim.clone(),
            validation,
            http: http_client(settings.ca_file.as_deref())?,
            cache: RwLock::new(None),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        })
    }

    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    pub(crate) async fn verify(&self, token: &str, header: &Header) -> Result<Principal, Failure> {
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Failure::invalid_token(
                "the token's algorithm is not accepted",
            ));
        }
        let kid = header.kid.as_deref();
        let mut keys = self.keys().await?;
        if keys.candidates(kid, header.alg).is_empty() {
            keys = self.refetch_for_unknown_key(keys).await;
        }
        let candidates = keys.candidates(kid, header.alg);
        if candidates.is_empty() {
            return Err(Failure::invalid_token(
                "the token is signed by a key the identity provider does not publish",
            ));
        }
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let mut failure = None;
        for key in candidates {
            match jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation) {
                Ok(data) => {
                    return principal_from_claims(
                        &data.claims,
                        PrincipalKind::OAuth,
                        &self.groups_claim,
                        self.identity_claim.as_deref(),
                    );
                }
                Err(e) => {
                    let signature =
                        matches!(e.kind(), jsonwebtoken::errors::ErrorKind::InvalidSignature);
                    failure = Some(token_failure(&e));
                    // Only a bad signature may mean "another key without kid"; anything
                    // else (expired, wrong audience) was found with a valid signature.
                    if !signature {
                        break;
                    }
                }
            }
        }
        Err(failure.unwrap_or_else(|| Failure::invalid_token("the token cannot be verified")))
    }

    fn cached(&self) -> Option<Arc<KeySet>> {
        match self.cache.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn store(&self, set: Arc<KeySet>) {
        match self.cache.write() {
            Ok(mut guard) => *guard = Some(set),
            Err(poisoned) => *poisoned.into_inner() = Some(set),
        }
    }

    /// The current keys, fetched when there are none or they are older than `refresh`.
    async fn keys(&self) -> Result<Arc<KeySet>, Failure> {
        if let Some(set) = self.cached()
            && set.fetched_at.elapsed() < self.refresh
        {
            return Ok(set);
        }
        let mut state = self.fetch.lock().await;
        // Another request may have fetched while this one waited.
        let current = self.cached();
        if let Some(set) = &current
            && set.fetched_at.elapsed() < self.refresh
        {
            return Ok(set.clone());
        }
        if let Some(failed) = state.last_failure
            && failed.elapsed() < FAILED_FETCH_BACKOFF
        {
            return current.ok_or_else(unavailable);
        }
        match self.fetch_keys().await {
            Ok(set) => {
                state.last_failure = None;
                let set = Arc::new(set);
                self.store(set.clone());
                Ok(set)
            }
            Err(reason) => {
                state.last_failure = Some(Instant::now());
                match current {
                    Some(stale) => {
                        tracing::warn!(url = %self.jwks_url, %reason, "cannot refresh the identity provider's keys; using the ones fetched before");
                        Ok(stale)
                    }
                    None => {
                        tracing::warn!(url = %self.jwks_url, %reason, "cannot fetch the identity provider's keys");
                        Err(unavailable())
                    }
                }
            }
        }
    }

    /// A token names a key we do not know: fetch again, unless that was done moments ago.
    async fn refetch_for_unknown_key(&self, seen: Arc<KeySet>) -> Arc<KeySet> {
        let mut state = self.fetch.lock().await;
        if let Some(current) = self.cached()
            && !Arc::ptr_eq(&current, &seen)
        {
            return current;
        }
        if let Some(last) = state.last_unknown_kid_fetch
            && last.elapsed() < UNKNOWN_KID_REFETCH
        {
            return seen;
        }
        state.last_unknown_kid_fetch = Some(Instant::now());
        match self.fetch_keys().await {
            Ok(set) => {
                tracing::info!(url = %self.jwks_url, keys = set.keys.len(), "fetched the identity provider's keys again for an unknown key id");
                let set = Arc::new(set);
                self.store(set.clone());
                set
            }
            Err(reason) => {
                tracing::warn!(url = %self.jwks_url, %reason, "cannot fetch the identity provider's keys");
                seen
            }
        }
    }

    async fn fetch_keys(&self) -> Result<KeySet, String> {
        let mut response = self
            .http
            .get(self.jwks_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the body failed: {e}"))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the JWKS is larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse_jwks(&body)?;
        if keys.is_empty() {
            return Err("the JWKS holds no usable RSA or EC signing key".into());
        }
        Ok(KeySet {
            keys,
            fetched_at: Instant::now(),
        })
    }
}

fn unavailable() -> Failure {
    Failure::new(
        RejectionKind::Unavailable,
        "the identity provider's keys cannot be fetched; try again shortly",
    )
}

/// The usable signing keys of a JWKS document; keys of other kinds or uses are skipped.
fn parse_jwks(body: &[u8]) -> Result<Vec<Key>, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<Value>,
    }
    let doc: Document =
        serde_json::from_slice(body).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Vec::new();
    for value in doc.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        if matches!(
            jwk.common.public_key_use,
            Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
        ) {
            continue;
        }
        let family = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa,
            AlgorithmParameters::EllipticCurve(_) => AlgorithmFamily::Ec,
            _ => continue,
        };
        let alg = match jwk.common.key_algorithm {
            Some(a) => match a.to_string().parse::<Algorithm>() {
                Ok(alg) if ALGORITHMS.contains(&alg) && alg.family() == family => Some(alg),
                _ => continue,
            },
            None => None,
        };
        let Ok(key) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.push(Key {
            kid: jwk.common.key_id.clone(),
            alg,
            family,
            key,
        });
    }
    Ok(keys)
}

fn http_url(key: &str, value: &str) -> Result<reqwest::Url, AuthConfigError> {
    let url = reqwest::Url::parse(value.trim())
        .map_err(|e| invalid(key, format!("`{value}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            key,
            format!("`{value}` must be an http(s) URL with a host"),
        ));
    }
    Ok(url)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn http_client(ca_file: Option<&Path>) -> Result<reqwest::Client, AuthConfigError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match ca_file {
        Some(path) => roots_from_file(path)?,
        None => rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| AuthConfigError::Client(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("wazuh-mcp/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AuthConfigError::Client(e.to_string()))
}

fn roots_from_file(path: &Path) -> Result<rustls::RootCertStore, AuthConfigError> {
    let key = "auth.oauth.ca_file";
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| invalid(key, format!("cannot read {shown}: {e}")))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| invalid(key, format!("{shown} is not a PEM bundle: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| invalid(key, format!("{shown} holds an unusable certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(invalid(key, format!("{shown} holds no PEM certificate")));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn settings() -> OAuthSettings {
        OAuthSettings {
            issuer: "https://idp.example.com".into(),
            audience: None,
            jwks_url: "https://idp.example.com/jwks".into(),
            resource: "https://mcp.example.com/mcp".into(),
            authorization_servers: vec![],
            scopes_supported: vec![],
            refresh: Duration::from_secs(600),
            groups_claim: "wazuh_groups".into(),
            identity_claim: None,
            ca_file: None,
        }
    }

    #[test]
    fn settings_checks() {
        Verifier::new(&settings()).unwrap();
        for (edit, key) in [
            (
                (|s: &mut OAuthSettings| s.jwks_url = "file:///etc/jwks.json".into())
                    as fn(&mut OAuthSettings),
                "auth.oauth.jwks_url",
            ),
            (|s| s.jwks_url = "not a url".into(), "auth.oauth.jwks_url"),
            (
                |s| s.resource = "mcp.example.com".into(),
                "auth.oauth.resource",
            ),
            (|s| s.issuer = " ".into(), "auth.oauth.issuer"),
            (|s| s.refresh = Duration::from_secs(1), "auth.oauth.refresh"),
            (
                |s| s.ca_file = Some("/nonexistent/ca.pem".into()),
                "auth.oauth.ca_file",
            ),
        ] {
            let mut s = settings();
            edit(&mut s);
            let err = Verifier::new(&s).err().unwrap().to_string();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn jwks_parsing_skips_what_it_cannot_use() {
        let doc = json!({"keys": [
            // EC P-256 signing key.
            {"kty": "EC", "crv": "P-256", "kid": "ec1", "use": "sig", "alg": "ES256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            // Encryption key: skipped.
            {"kty": "EC", "crv": "P-256", "kid": "enc", "use": "enc",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            // Symmetric key: never accepted from a JWKS.
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            // HMAC alg on an EC key: skipped.
            {"kty": "EC", "crv": "P-256", "kid": "odd", "alg": "HS256",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
             "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            // Garbage.
            {"kty": "RSA"},
            "nonsense",
        ]});
        let keys = parse_jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("ec1"));
        assert_eq!(keys[0].alg, Some(Algorithm::ES256));
        assert!(parse_jwks(b"{}").is_err());
        assert!(parse_jwks(b"<html>").is_err());
    }
}
