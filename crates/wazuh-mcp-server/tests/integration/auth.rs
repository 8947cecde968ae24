//! Client authentication over real HTTP on 127.0.0.1: API keys, tokens we issue, IdP tokens
//! verified through a local JWKS (with key rotation), the 401/403 answers and the RFC 9728
//! metadata. The protected route echoes the principal the middleware inserted.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{any, get};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use wazuh_mcp_server::auth::{
    ApiKey, AuthSettings, Authenticator, JwtSettings, OAuthSettings, hash_api_key, issue_token,
    metadata_router, require_auth,
};
use wazuh_mcp_server::principal::Principal;

const API_KEY: &str = "wmk_integration_test_key_0123456789";
const SECRET: &str = "integration-secret-0123456789-abcdef";
pub(crate) const IDP: &str = "https://idp.example.test/realms/soc";
pub(crate) const RESOURCE: &str = "https://mcp.example.test/mcp";
const METADATA_URL: &str = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp";

/// Serves `app` on 127.0.0.1:0 until the test's runtime ends.
async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

fn client() -> reqwest::Client {
    // reqwest is built without a default TLS provider; the process-wide one is ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .unwrap()
}

async fn whoami(Extension(p): Extension<Principal>) -> Json<Value> {
    Json(json!({
        "subject": p.subject,
        "kind": format!("{:?}", p.kind),
        "scopes": p.scopes,
        "agent_groups": p.agent_groups,
        "wazuh_identity": p.wazuh_identity,
        "source_ip": p.source.map(|s| s.ip().to_string()),
    }))
}

/// The server under test: `/mcp` behind `require_auth`, the metadata outside it.
async fn protected(auth: Authenticator) -> String {
    let auth = Arc::new(auth);
    let app = Router::new()
        .route("/mcp", any(whoami))
        .layer(axum::middleware::from_fn_with_state(
            auth.clone(),
            require_auth,
        ))
        .merge(metadata_router(auth))
        .route("/healthz", get(|| async { "ok" }));
    format!("http://{}", serve(app).await)
}

/// A JWKS endpoint whose document the test swaps, counting fetches.
#[derive(Clone, Default)]
pub(crate) struct Jwks {
    doc: Arc<Mutex<Value>>,
    hits: Arc<AtomicUsize>,
    fail: Arc<Mutex<bool>>,
}

impl Jwks {
    pub(crate) async fn start(&self) -> String {
        async fn handler(State(j): State<Jwks>) -> Result<Json<Value>, StatusCode> {
            j.hits.fetch_add(1, Ordering::SeqCst);
            if *j.fail.lock().unwrap() {
                return Err(StatusCode::INTERNAL_SERVER_ERROR);
            }
            Ok(Json(j.doc.lock().unwrap().clone()))
        }
        let app = Router::new()
            .route("/jwks", get(handler))
            .with_state(self.clone());
        format!("http://{}/jwks", serve(app).await)
    }

    pub(crate) fn publish(&self, keys: &[&IdpKey]) {
        *self.doc.lock().unwrap() =
            json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()});
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// An ES256 key of the test IdP.
pub(crate) struct IdpKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl IdpKey {
    pub(crate) fn new(kid: &str) -> IdpKey {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let raw = pair.public_key_raw();
        assert_eq!(raw.len(), 65, "uncompressed P-256 point");
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        IdpKey {
            kid: kid.into(),
            encoding: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
            jwk: json!({
                "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
                "x": b64(&raw[1..33]), "y": b64(&raw[33..]),
            }),
        }
    }

    /// Signs `claims`, labelled with `kid` (normally the key's own).
    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap()
    }

    pub(crate) fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }
}

pub(crate) fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn idp_claims(sub: &str) -> Value {
    json!({
        "iss": IDP, "aud": RESOURCE, "sub": sub,
        "iat": now(), "exp": now() + 600,
        "scope": "openid tools:read toolset:agents",
        "wazuh_groups": ["linux", "web"],
    })
}

pub(crate) fn jwt_settings() -> JwtSettings {
    JwtSettings {
        secret: SecretString::from(SECRET),
        issuer: "wazuh-mcp".into(),
        audience: "wazuh-mcp".into(),
        default_ttl: Duration::from_secs(3600),
        max_ttl: Duration::from_secs(86_400),
    }
}

pub(crate) fn oauth_settings(jwks_url: &str) -> OAuthSettings {
    serde_yaml::from_str(&format!(
        "issuer: {IDP}\njwks_url: {jwks_url}\nresource: {RESOURCE}\nrefresh: 1h\n"
    ))
    .unwrap()
}

/// Every method at once, as a real deployment may configure.
fn settings(jwks_url: &str) -> AuthSettings {
    AuthSettings {
        api_keys: vec![ApiKey {
            name: "soc-bot".into(),
            hash: hash_api_key(API_KEY),
            scopes: vec!["tools:read".into()],
            agent_groups: Some(vec!["linux".into()]),
            wazuh_identity: Some("soc".into()),
        }],
        jwt: Some(jwt_settings()),
        oauth: Some(oauth_settings(jwks_url)),
        insecure_no_auth: false,
    }
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: Value,
}

async fn call(base: &str, header: Option<(&str, String)>) -> Answer {
    let mut request = client().post(format!("{base}/mcp"));
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        challenge,
        body,
    }
}

fn bearer(token: &str) -> Option<(&'static str, String)> {
    Some(("authorization", format!("Bearer {token}")))
}

#[track_caller]
fn assert_invalid_token(answer: &Answer, reason: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    let challenge = answer.challenge.as_deref().unwrap();
    assert_eq!(
        challenge,
        format!(
            "Bearer realm=\"wazuh-mcp\", error=\"invalid_token\", resource_metadata=\"{METADATA_URL}\""
        )
    );
    assert_eq!(answer.body["error"], "invalid_token");
    let description = answer.body["error_description"].as_str().unwrap();
    assert!(description.contains(reason), "{description} lacks {reason}");
}

#[tokio::test]
async fn api_keys() {
    let jwks = Jwks::default();
    let base = protected(Authenticator::new(&settings(&jwks.start().await)).unwrap()).await;

    for header in [bearer(API_KEY), Some(("x-api-key", API_KEY.to_string()))] {
        let ok = call(&base, header).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!(ok.body["subject"], "key:soc-bot");
        assert_eq!(ok.body["kind"], "ApiKey");
        assert_eq!(ok.body["scopes"], json!(["tools:read"]));
        assert_eq!(ok.body["agent_groups"], json!(["linux"]));
        assert_eq!(ok.body["wazuh_identity"], "soc");
        assert_eq!(ok.body["source_ip"], "127.0.0.1");
    }

    let missing = call(&base, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.challenge.as_deref(),
        Some(format!("Bearer realm=\"wazuh-mcp\", resource_metadata=\"{METADATA_URL}\"").as_str())
    );
    assert_eq!(missing.body["error"], "unauthorized");

    let wrong = call(&base, bearer("wmk_integration_test_key_0123456780")).await;
    assert_invalid_token(&wrong, "unknown API key");
    let wrong = call(&base, Some(("x-api-key", "nope".into()))).await;
    assert_invalid_token(&wrong, "unknown API key");
    assert!(!wrong.body.to_string().contains("nope"));

    let basic = call(&base, Some(("authorization", "Basic c29jOmJvdA==".into()))).await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
    assert_eq!(basic.body["error"], "invalid_request");

    // Unauthenticated routes stay open; metadata too.
    let health = client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn issued_tokens() {
    let jwks = Jwks::default();
    let base = protected(Authenticator::new(&settings(&jwks.start().await)).unwrap()).await;
    let s = jwt_settings();

    let groups = vec!["web".to_string()];
    let token = issue_token(
        &s,
        "analyst1",
        &["tools:read".into(), "tool:restart_agent".into()],
        Some(&groups),
        Some(Duration::from_secs(600)),
    )
    .unwrap();
    let ok = call(&base, bearer(&token)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["subject"], "analyst1");
    assert_eq!(ok.body["kind"], "IssuedToken");
    assert_eq!(
        ok.body["scopes"],
        json!(["tools:read", "tool:restart_agent"])
    );
    assert_eq!(ok.body["agent_groups"], json!(["web"]));

    let forge = |claims: Value, secret: &str| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let claims = |iss: &str, aud: &str, exp: u64| json!({"iss": iss, "aud": aud, "sub": "analyst1", "exp": exp, "scope": "tools:read"});
    let good = forge(claims("wazuh-mcp", "wazuh-mcp", now() + 600), SECRET);
    assert_eq!(call(&base, bearer(&good)).await.status, StatusCode::OK);

    let expired = forge(claims("wazuh-mcp", "wazuh-mcp", now() - 3600), SECRET);
    assert_invalid_token(&call(&base, bearer(&expired)).await, "expired");
    let audience = forge(claims("wazuh-mcp", "other-service", now() + 600), SECRET);
    assert_invalid_token(&call(&base, bearer(&audience)).await, "audience");
    let issuer = forge(claims("someone-else", "wazuh-mcp", now() + 600), SECRET);
    assert_invalid_token(&call(&base, bearer(&issuer)).await, "issuer");
    let signature = forge(
        claims("wazuh-mcp", "wazuh-mcp", now() + 600),
        "another-secret-0123456789-abcdefgh",
    );
    assert_invalid_token(&call(&base, bearer(&signature)).await, "signature");
    let future = forge(
        json!({"iss": "wazuh-mcp", "aud": "wazuh-mcp", "sub": "a", "exp": now() + 7200,
               "nbf": now() + 3600, "scope": "tools:read"}),
        SECRET,
    );
    assert_invalid_token(&call(&base, bearer(&future)).await, "not valid yet");
    let no_sub = forge(
        json!({"iss": "wazuh-mcp", "aud": "wazuh-mcp", "exp": now() + 600, "scope": "*"}),
        SECRET,
    );
    assert_invalid_token(&call(&base, bearer(&no_sub)).await, "sub");

    // `alg: none` and a tampered payload.
    let none = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.c2ln",
        good.split('.').nth(1).unwrap()
    );
    assert_eq!(
        call(&base, bearer(&none)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Valid, but no scope of this server: 403.
    let no_scope = forge(
        json!({"iss": "wazuh-mcp", "aud": "wazuh-mcp", "sub": "a", "exp": now() + 600,
               "scope": "openid profile"}),
        SECRET,
    );
    let forbidden = call(&base, bearer(&no_scope)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.body["error"], "insufficient_scope");
    assert!(
        forbidden
            .challenge
            .unwrap()
            .contains("error=\"insufficient_scope\"")
    );
}

#[tokio::test]
async fn idp_tokens_and_key_rotation() {
    let jwks = Jwks::default();
    let k1 = IdpKey::new("k1");
    let k2 = IdpKey::new("k2");
    jwks.publish(&[&k1]);
    let url = jwks.start().await;
    let failures = Arc::new(AtomicUsize::new(0));
    let counted = failures.clone();
    let auth = Authenticator::new(&settings(&url))
        .unwrap()
        .with_failure_hook(Arc::new(move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
        }));
    let base = protected(auth).await;
    assert_eq!(jwks.hits(), 0, "nothing is fetched before the first token");

    let ok = call(&base, bearer(&k1.sign(&idp_claims("alice")))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["subject"], "alice");
    assert_eq!(ok.body["kind"], "OAuth");
    // `openid` means nothing here and is dropped.
    assert_eq!(ok.body["scopes"], json!(["tools:read", "toolset:agents"]));
    assert_eq!(ok.body["agent_groups"], json!(["linux", "web"]));
    assert_eq!(jwks.hits(), 1);
    // Cached.
    let ok = call(&base, bearer(&k1.sign(&idp_claims("alice")))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(jwks.hits(), 1);

    // The IdP rotates to k2: the unknown kid triggers one fetch.
    jwks.publish(&[&k2]);
    let rotated = call(&base, bearer(&k2.sign(&idp_claims("bob")))).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    assert_eq!(rotated.body["subject"], "bob");
    assert_eq!(jwks.hits(), 2);
    // k1 is gone from the set.
    let old = call(&base, bearer(&k1.sign(&idp_claims("alice")))).await;
    assert_invalid_token(&old, "does not publish");
    // Another unknown kid right away: rate-limited, no fetch.
    let k3 = IdpKey::new("k3");
    let unknown = call(&base, bearer(&k3.sign(&idp_claims("mallory")))).await;
    assert_invalid_token(&unknown, "does not publish");
    assert_eq!(jwks.hits(), 2, "unknown kids refetch at most once per 30s");

    // A key the IdP publishes, but a signature by another key under its kid.
    let forged = call(&base, bearer(&k3.sign_as("k2", &idp_claims("mallory")))).await;
    assert_invalid_token(&forged, "signature");

    let mut claims = idp_claims("alice");
    claims["iss"] = json!("https://evil.example.test");
    assert_invalid_token(&call(&base, bearer(&k2.sign(&claims))).await, "issuer");
    let mut claims = idp_claims("alice");
    claims["aud"] = json!("https://other.example.test/mcp");
    assert_invalid_token(&call(&base, bearer(&k2.sign(&claims))).await, "audience");
    let mut claims = idp_claims("alice");
    claims["aud"] = json!(["https://other.example.test", RESOURCE]);
    assert_eq!(
        call(&base, bearer(&k2.sign(&claims))).await.status,
        StatusCode::OK
    );
    let mut claims = idp_claims("alice");
    claims["exp"] = json!(now() - 3600);
    assert_invalid_token(&call(&base, bearer(&k2.sign(&claims))).await, "expired");

    // An HS256 token with the IdP's issuer goes to the self-issued verifier and fails there.
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &idp_claims("alice"),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_invalid_token(&call(&base, bearer(&hs)).await, "the token");

    // Valid token, no scope of this server.
    let mut claims = idp_claims("carol");
    claims["scope"] = json!("openid email");
    let forbidden = call(&base, bearer(&k2.sign(&claims))).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.body["error"], "insufficient_scope");
    // `scp` as an array is read too.
    let mut claims = idp_claims("dave");
    claims.as_object_mut().unwrap().remove("scope");
    claims["scp"] = json!(["tools:write"]);
    let scp = call(&base, bearer(&k2.sign(&claims))).await;
    assert_eq!(scp.body["scopes"], json!(["tools:write"]));

    assert_eq!(failures.load(Ordering::SeqCst), 8);
    assert_eq!(jwks.hits(), 2);
}

#[tokio::test]
async fn idp_down() {
    let jwks = Jwks::default();
    let k1 = IdpKey::new("k1");
    jwks.publish(&[&k1]);
    *jwks.fail.lock().unwrap() = true;
    let base = protected(Authenticator::new(&settings(&jwks.start().await)).unwrap()).await;
    let answer = call(&base, bearer(&k1.sign(&idp_claims("alice")))).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["error"], "temporarily_unavailable");
    // Backoff: a second request right away does not hit the IdP again.
    let answer = call(&base, bearer(&k1.sign(&idp_claims("alice")))).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(jwks.hits(), 1);
    // API keys keep working meanwhile.
    assert_eq!(call(&base, bearer(API_KEY)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn metadata_endpoint() {
    let jwks = Jwks::default();
    let base = protected(Authenticator::new(&settings(&jwks.start().await)).unwrap()).await;
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let response = client().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["resource"], RESOURCE);
        assert_eq!(doc["authorization_servers"], json!([IDP]));
        assert_eq!(
            doc["scopes_supported"],
            json!(["tools:read", "tools:write"])
        );
        assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
    }

    // Without OAuth there is no metadata and no resource_metadata in the challenge.
    let plain = AuthSettings {
        jwt: Some(jwt_settings()),
        ..AuthSettings::default()
    };
    let base = protected(Authenticator::new(&plain).unwrap()).await;
    let response = client()
        .get(format!("{base}/.well-known/oauth-protected-resource"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let missing = call(&base, None).await;
    assert_eq!(
        missing.challenge.as_deref(),
        Some("Bearer realm=\"wazuh-mcp\"")
    );
    // API keys are not configured: a key is refused.
    let key = call(&base, bearer(API_KEY)).await;
    assert_eq!(key.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_auth_configured_is_anonymous() {
    let base = protected(Authenticator::new(&AuthSettings::default()).unwrap()).await;
    let answer = call(&base, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["kind"], "Anonymous");
    assert_eq!(answer.body["source_ip"], "127.0.0.1");
}

#[test]
fn config_errors_fail_fast() {
    let cases: &[(&str, &str)] = &[
        ("jwt: {secret: short}", "auth.jwt.secret"),
        (
            "api_keys: [{name: a, hash: 'plain-key-in-config'}]",
            "auth.api_keys[a].hash",
        ),
        (
            "oauth: {issuer: x, jwks_url: 'ftp://idp/jwks', resource: 'https://m/mcp'}",
            "auth.oauth.jwks_url",
        ),
        (
            "insecure_no_auth: true\njwt: {secret: '0123456789abcdef0123456789abcdef'}",
            "auth.insecure_no_auth",
        ),
    ];
    for (yaml, key) in cases {
        let settings: AuthSettings = serde_yaml::from_str(yaml).unwrap();
        let err = Authenticator::new(&settings).unwrap_err().to_string();
        assert!(err.contains(key), "{yaml}: {err}");
    }
}
