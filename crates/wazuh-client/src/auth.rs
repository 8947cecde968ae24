//! The manager's JWT: one login per identity, renewed before it expires and after a 401.
//!
//! A [`crate::ManagerClient`] logs in as its configured user. A client made from it with
//! [`crate::ManagerClient::with_identity`] logs in as another [`Identity`]: other credentials
//! (`POST /security/user/authenticate`), or the configured user on behalf of an authorization
//! context (`POST /security/user/authenticate/run_as`, which needs a user with `allow_run_as`;
//! the token gets the roles whose security rules match the context). Each identity has its own
//! token cache; tokens are never shared between identities.
//!
//! The token is cached with its expiry, read from the JWT's `exp` (the signature is not
//! checked: the manager checks it, we only need the time; without a readable `exp` we assume
//! Wazuh's default of 900 s). It is renewed `min(60 s, 10 % of its lifetime)` early.
//!
//! Single flight: every login happens under one async mutex, and every token carries a
//! generation number. A caller whose token was refused (401) or found expired asks for a token
//! newer than the one it saw; once it holds the mutex, if someone else already replaced that
//! token it takes the new one instead of logging in again. So any number of concurrent callers
//! cause one login. While a still-valid token is being renewed early, other callers keep using it
//! instead of waiting. When a login fails, callers that were queued behind it get the same error
//! rather than each trying again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::envelope::lenient;
use crate::error::{Error, Result, Service};
use crate::http::{Call, Counters, Credentials, Expect, Transport};
use crate::query::Query;

/// Lifetime assumed when the token's `exp` cannot be read (Wazuh's `auth_token_exp_timeout`).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(900);
/// Longest lead for renewing a token before it expires.
pub const MAX_RENEW_MARGIN: Duration = Duration::from_secs(60);

/// Whom a [`crate::ManagerClient`] acts as in Wazuh, so that Wazuh's own RBAC applies to its
/// requests.
///
/// `Debug` never shows the password.
#[derive(Clone)]
pub enum Identity {
    /// Log in as another Wazuh user (`POST /security/user/authenticate`, HTTP Basic).
    Credentials {
        /// The Wazuh user.
        username: String,
        /// Its password.
        password: SecretString,
    },
    /// Log in as the client's configured user on behalf of an authorization context
    /// (`POST /security/user/authenticate/run_as` with the context as the JSON body). The user
    /// needs `allow_run_as` (else 403, Wazuh code 6004); the token's roles are those whose
    /// security rules match the context (none, if no rule matches).
    RunAs {
        /// The authorization context: a JSON object, e.g. `{"user": "ann", "groups": ["linux"]}`.
        auth_context: Value,
    },
}

impl Identity {
    /// Another Wazuh user.
    pub fn credentials(username: impl Into<String>, password: impl Into<String>) -> Identity {
        Identity::Credentials {
            username: username.into(),
            password: SecretString::from(password.into()),
        }
    }

    /// An authorization context for a run_as login; it must be a JSON object, as the API's
    /// schema says.
    pub fn run_as(auth_context: Value) -> Result<Identity> {
        if !auth_context.is_object() {
            return Err(Error::validation(
                "auth_context",
                auth_context.to_string(),
                "the authorization context must be a JSON object, like {\"groups\": [\"linux\"]}",
            ));
        }
        Ok(Identity::RunAs { auth_context })
    }
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Identity::Credentials { username, .. } => f
                .debug_struct("Credentials")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
            Identity::RunAs { auth_context } => f
                .debug_struct("RunAs")
                .field("auth_context", auth_context)
                .finish(),
        }
    }
}

/// How a token cache logs in.
#[derive(Debug, Clone)]
pub(crate) enum LoginMethod {
    /// `POST /security/user/authenticate`.
    Basic,
    /// `POST /security/user/authenticate/run_as` with this context as the body.
    RunAs(Value),
}

/// The claims we read from a Wazuh JWT.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TokenClaims {
    /// User name (`sub`).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub sub: Option<String>,
    /// Expiry, Unix seconds.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub exp: Option<i64>,
    /// Not before, Unix seconds (Wazuh sets it to the issue time).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub nbf: Option<i64>,
    /// Issued at, Unix seconds (not set by Wazuh 4.x, read when present).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub iat: Option<i64>,
    /// Role ids of the user.
    #[serde(deserialize_with = "role_ids")]
    pub rbac_roles: Vec<i64>,
    /// Whether the token was issued with `run_as`.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub run_as: Option<bool>,
}

fn role_ids<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// Reads the payload of a JWT without checking its signature; `None` if it is not a JWT.
pub fn decode_claims(token: &str) -> Option<TokenClaims> {
    let payload = token.split('.').nth(1)?;
    let payload = payload.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    // Only an object: serde would read a struct from an array by position.
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        object @ Value::Object(_) => serde_json::from_value(object).ok(),
        _ => None,
    }
}

/// How long a token lives, measured on the server's clock (`exp - nbf`, or `exp - iat`) so that a
/// skewed local clock does not matter; `exp - now` when the token says nothing else. `nbf` is
/// whole seconds, so up to one second of it may already be gone: we count one second less.
pub fn token_lifetime(claims: Option<&TokenClaims>, now: SystemTime) -> Duration {
    let Some(claims) = claims else {
        return DEFAULT_TOKEN_LIFETIME;
    };
    let Some(exp) = claims.exp else {
        return DEFAULT_TOKEN_LIFETIME;
    };
    let issued = claims.nbf.into_iter().chain(claims.iat).max();
    let seconds = match issued {
        Some(issued) => exp.saturating_sub(issued).saturating_sub(1).max(1),
        None => {
            let now = now
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            exp.saturating_sub(now)
        }
    };
    if seconds <= 0 {
        // Already expired by our clock: the clocks disagree; trust the server's 401 instead.
        return DEFAULT_TOKEN_LIFETIME;
    }
    Duration::from_secs(seconds.unsigned_abs())
}

/// How early to renew a token of this lifetime.
pub fn renew_margin(lifetime: Duration) -> Duration {
    (lifetime / 10).min(MAX_RENEW_MARGIN)
}

/// A cached token.
pub(crate) struct Token {
    pub secret: SecretString,
    pub generation: u64,
    pub claims: TokenClaims,
    pub renew_at: Instant,
    pub expires_at: Instant,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"[redacted]")
            .field("generation", &self.generation)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct LoginState {
    /// The last failed login: its number (in finishing order) and error.
    last_failure: Option<(u64, Error)>,
}

/// The manager credentials and the token obtained with them.
pub(crate) struct TokenCache {
    username: String,
    password: SecretString,
    method: LoginMethod,
    current: RwLock<Option<Arc<Token>>>,
    login: Mutex<LoginState>,
    /// Logins finished so far; read before queueing for the mutex.
    logins_done: AtomicU64,
    generation: AtomicU64,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("run_as", &matches!(self.method, LoginMethod::RunAs(_)))
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new(
        username: String,
        password: SecretString,
        method: LoginMethod,
        counters: Arc<Counters>,
    ) -> TokenCache {
        TokenCache {
            username,
            password,
            method,
            current: RwLock::new(None),
            login: Mutex::new(LoginState::default()),
            logins_done: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            counters,
        }
    }

    fn current(&self) -> Option<Arc<Token>> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn store(&self, token: Arc<Token>) {
        match self.current.write() {
            Ok(mut guard) => *guard = Some(token),
            Err(poisoned) => *poisoned.into_inner() = Some(token),
        }
    }

    /// The claims of the current token, if one is cached.
    pub fn claims(&self) -> Option<(TokenClaims, Duration)> {
        self.current().map(|t| {
            (
                t.claims.clone(),
                t.expires_at.saturating_duration_since(Instant::now()),
            )
        })
    }

    /// A usable token: the cached one, or a new one.
    pub async fn token(&self, transport: &Transport) -> Result<Arc<Token>> {
        let seen = self.current();
        if let Some(token) = &seen {
            let now = Instant::now();
            if now < token.renew_at {
                return Ok(token.clone());
            }
            if now < token.expires_at {
                // Early renewal: one caller renews, the others keep the valid token meanwhile.
                let Ok(guard) = self.login.try_lock() else {
                    return Ok(token.clone());
                };
                return match self
                    .login_locked(guard, transport, Some(token.generation), None)
                    .await
                {
                    Ok(new) => Ok(new),
                    Err(e) if Instant::now() < token.expires_at => {
                        tracing::warn!(error = %e, "early token renewal failed; the current token is still valid");
                        Ok(token.clone())
                    }
                    Err(e) => Err(e),
                };
            }
        }
        self.refresh(transport, seen.map(|t| t.generation)).await
    }

    /// A token newer than generation `stale` (the one refused or expired); logs in unless
    /// another caller already did.
    pub async fn refresh(&self, transport: &Transport, stale: Option<u64>) -> Result<Arc<Token>> {
        let logins_seen = self.logins_done.load(Ordering::Acquire);
        let guard = self.login.lock().await;
        self.login_locked(guard, transport, stale, Some(logins_seen))
            .await
    }

    /// Logs in whatever is cached (used by `authenticate()`).
    pub async fn force_login(&self, transport: &Transport) -> Result<Arc<Token>> {
        let mut guard = self.login.lock().await;
        self.do_login(&mut guard, transport).await
    }

    async fn login_locked(
        &self,
        mut guard: tokio::sync::MutexGuard<'_, LoginState>,
        transport: &Transport,
        stale: Option<u64>,
        logins_seen: Option<u64>,
    ) -> Result<Arc<Token>> {
        if let Some(current) = self.current()
            && Some(current.generation) != stale
            && Instant::now() < current.expires_at
        {
            return Ok(current);
        }
        if let (Some(seen), Some((failed_login, error))) = (logins_seen, &guard.last_failure)
            && *failed_login > seen
        {
            // A login we queued behind has just failed: share its error.
            return Err(error.clone());
        }
        self.do_login(&mut guard, transport).await
    }

    async fn do_login(&self, state: &mut LoginState, transport: &Transport) -> Result<Arc<Token>> {
        Counters::bump(&self.counters.logins);
        let result = self.login_request(transport).await;
        // Numbered when finished: callers that queued before this point share its failure.
        let number = self.logins_done.fetch_add(1, Ordering::AcqRel) + 1;
        match result {
            Ok(token) => {
                state.last_failure = None;
                Ok(token)
            }
            Err(e) => {
                Counters::bump(&self.counters.login_failures);
                state.last_failure = Some((number, e.clone()));
                Err(e)
            }
        }
    }

    async fn login_request(&self, transport: &Transport) -> Result<Arc<Token>> {
        let query = Query::new();
        let (path, body) = match &self.method {
            LoginMethod::Basic => ("/security/user/authenticate", None),
            LoginMethod::RunAs(context) => ("/security/user/authenticate/run_as", Some(context)),
        };
        let call = Call {
            method: Method::POST,
            path: path.into(),
            query: &query,
            body,
            idempotent: true,
            expect: Expect::Json,
        };
        let credentials = Credentials::Basic {
            username: &self.username,
            password: &self.password,
        };
        // Boxed: `execute` may call back into this cache for other requests.
        let answer = Box::pin(transport.execute(&call, credentials)).await?;
        let (status, url) = (answer.status, answer.url.clone());
        let body = answer.json(Service::Manager)?;
        let token = body
            .pointer("/data/token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Decode {
                service: Service::Manager,
                status,
                url,
                message: "the login answer has no data.token".into(),
            })?;
        let claims = decode_claims(token);
        if claims.is_none() {
            tracing::debug!("the token is not a readable JWT; assuming a 900 s lifetime");
        }
        let lifetime = token_lifetime(claims.as_ref(), SystemTime::now());
        let now = Instant::now();
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let token = Arc::new(Token {
            secret: SecretString::from(token.to_string()),
            generation,
            claims: claims.unwrap_or_default(),
            renew_at: now + lifetime - renew_margin(lifetime),
            expires_at: now + lifetime,
        });
        tracing::debug!(
            generation,
            lifetime_s = lifetime.as_secs(),
            user = %self.username,
            run_as = matches!(self.method, LoginMethod::RunAs(_)),
            "logged in to the Wazuh manager"
        );
        self.store(token.clone());
        Ok(token)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.signature",
            engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            engine.encode(payload)
        )
    }

    #[test]
    fn claims_are_read_without_verification() {
        let token = jwt(
            r#"{"iss":"wazuh","aud":"Wazuh API REST","nbf":1700000000,"exp":1700000900,"sub":"wazuh","run_as":false,"rbac_roles":[1],"rbac_mode":"white"}"#,
        );
        let claims = decode_claims(&token).expect("claims");
        assert_eq!(claims.exp, Some(1_700_000_900));
        assert_eq!(claims.nbf, Some(1_700_000_000));
        assert_eq!(claims.sub.as_deref(), Some("wazuh"));
        assert_eq!(claims.rbac_roles, vec![1]);
        assert_eq!(claims.run_as, Some(false));
        // Server clock: 900 s less the second lost to rounding, whatever our clock says.
        let far_future = SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000);
        assert_eq!(
            token_lifetime(Some(&claims), far_future),
            Duration::from_secs(899)
        );
    }

    #[test]
    fn odd_tokens_fall_back_to_900_seconds() {
        let now = SystemTime::now();
        assert_eq!(decode_claims("not-a-jwt"), None);
        assert_eq!(decode_claims("a.%%%.c"), None);
        assert_eq!(decode_claims(&jwt("[1,2]")), None);
        assert_eq!(token_lifetime(None, now), DEFAULT_TOKEN_LIFETIME);
        let no_exp = decode_claims(&jwt(r#"{"sub":"x"}"#));
        assert_eq!(token_lifetime(no_exp.as_ref(), now), DEFAULT_TOKEN_LIFETIME);
        // exp as a string, padding present, unknown fields: still read.
        let padded = format!(
            "x.{}==.y",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(r#"{"exp":"2000000000","nbf":1999999000,"x":{}}"#)
        );
        let claims = decode_claims(&padded).expect("claims");
        assert_eq!(token_lifetime(Some(&claims), now), Duration::from_secs(999));
        // Expired by our clock with no nbf: trust the default, the server will say 401.
        let old = decode_claims(&jwt(r#"{"exp":1000}"#));
        assert_eq!(token_lifetime(old.as_ref(), now), DEFAULT_TOKEN_LIFETIME);
        // Weird types are ignored.
        let weird =
            decode_claims(&jwt(r#"{"exp":[1],"rbac_roles":"admin","sub":5}"#)).expect("claims");
        assert_eq!(weird.exp, None);
        assert!(weird.rbac_roles.is_empty());
        assert_eq!(weird.sub.as_deref(), Some("5"));
    }

    #[test]
    fn exp_minus_now_without_nbf() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let claims = decode_claims(&jwt(r#"{"exp":1300}"#));
        assert_eq!(
            token_lifetime(claims.as_ref(), now),
            Duration::from_secs(300)
        );
    }

    #[test]
    fn identities_hide_passwords() {
        let identity = Identity::credentials("linux-analyst", "s3cret-pw");
        let text = format!("{identity:?}");
        assert!(
            text.contains("linux-analyst") && !text.contains("s3cret-pw"),
            "{text}"
        );
        let run_as = Identity::run_as(serde_json::json!({"groups": ["linux"]})).unwrap();
        assert!(format!("{run_as:?}").contains("linux"));
        let err = Identity::run_as(serde_json::json!(["linux"])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Validation {
                    field: "auth_context",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn renewal_margin_is_ten_percent_up_to_a_minute() {
        assert_eq!(
            renew_margin(Duration::from_secs(900)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renew_margin(Duration::from_secs(300)),
            Duration::from_secs(30)
        );
        assert_eq!(
            renew_margin(Duration::from_secs(2)),
            Duration::from_millis(200)
        );
    }
}
