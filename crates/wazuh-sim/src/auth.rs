//! Users, roles and JWTs of the simulated manager API.
//!
//! Tokens carry the claims a real manager issues (`iss`, `aud`, `nbf`, `exp`, `sub`, `run_as`,
//! `rbac_roles`, `rbac_mode`), expire after the configured TTL, and can all be revoked at once
//! (as `PUT /security/user/revoke` does, and as the "expire all tokens" fault does).

use std::collections::HashSet;
use std::sync::Mutex;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Role id of Wazuh's default `administrator` role.
pub const ROLE_ADMINISTRATOR: u32 = 1;
/// Role id of Wazuh's default `readonly` role.
pub const ROLE_READONLY: u32 = 2;

/// A user of the simulated API.
#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub password: String,
    pub roles: Vec<u32>,
}

impl User {
    /// Whether the user may only read.
    pub fn read_only(&self) -> bool {
        !self.roles.contains(&ROLE_ADMINISTRATOR)
    }
}

/// The default users: `wazuh`/`wazuh` (administrator) and `analyst`/`analyst` (read-only).
pub fn default_users() -> Vec<User> {
    vec![
        User {
            name: "wazuh".into(),
            password: "wazuh".into(),
            roles: vec![ROLE_ADMINISTRATOR],
        },
        User {
            name: "analyst".into(),
            password: "analyst".into(),
            roles: vec![ROLE_READONLY],
        },
    ]
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    nbf: i64,
    exp: i64,
    sub: String,
    run_as: bool,
    rbac_roles: Vec<u32>,
    rbac_mode: String,
}

/// Why a request was not authenticated; the text is the 401 `detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization` header.
    NoToken,
    /// Bad signature, expired, revoked or malformed.
    InvalidToken,
    /// Wrong user or password on login.
    InvalidCredentials,
}

impl AuthError {
    pub fn detail(self) -> &'static str {
        match self {
            AuthError::NoToken => "No authorization token provided",
            AuthError::InvalidToken => "Invalid token",
            AuthError::InvalidCredentials => "Invalid credentials",
        }
    }
}

/// Issues and checks tokens.
pub struct Authority {
    users: Vec<User>,
    ttl: u64,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Tokens issued and not revoked. Revoking clears it.
    live: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("users", &self.users.len())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// An authority with a signing key derived from `seed` and tokens valid for `ttl` seconds.
    pub fn new(users: Vec<User>, ttl: u64, seed: u64) -> Authority {
        let secret = format!("wazuh-sim-signing-key-{seed:016x}");
        Authority {
            users,
            ttl,
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            live: Mutex::new(HashSet::new()),
        }
    }

    /// The user behind an `Authorization: Basic ...` header value.
    pub fn check_basic(&self, header: Option<&str>) -> Result<&User, AuthError> {
        let encoded = header
            .and_then(|h| {
                h.strip_prefix("Basic ")
                    .or_else(|| h.strip_prefix("basic "))
            })
            .ok_or(AuthError::InvalidCredentials)?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| AuthError::InvalidCredentials)?;
        let text = String::from_utf8(decoded).map_err(|_| AuthError::InvalidCredentials)?;
        let (name, password) = text.split_once(':').ok_or(AuthError::InvalidCredentials)?;
        self.users
            .iter()
            .find(|u| u.name == name && u.password == password)
            .ok_or(AuthError::InvalidCredentials)
    }

    /// Issues a token for `user`.
    pub fn issue(&self, user: &User) -> Result<String, AuthError> {
        self.issue_at(user, chrono::Utc::now().timestamp())
    }

    fn issue_at(&self, user: &User, now: i64) -> Result<String, AuthError> {
        let claims = Claims {
            iss: "wazuh".into(),
            aud: "Wazuh API REST".into(),
            nbf: now,
            exp: now + self.ttl as i64,
            sub: user.name.clone(),
            run_as: false,
            rbac_roles: user.roles.clone(),
            rbac_mode: "white".into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| AuthError::InvalidToken)?;
        if let Ok(mut live) = self.live.lock() {
            live.insert(token.clone());
        }
        Ok(token)
    }

    /// The user behind an `Authorization: Bearer ...` header value.
    pub fn check_bearer(&self, header: Option<&str>) -> Result<&User, AuthError> {
        let header = header.ok_or(AuthError::NoToken)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or(AuthError::NoToken)?
            .trim();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&["Wazuh API REST"]);
        validation.set_issuer(&["wazuh"]);
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| AuthError::InvalidToken)?;
        let live = self
            .live
            .lock()
            .map(|live| live.contains(token))
            .unwrap_or(false);
        if !live {
            return Err(AuthError::InvalidToken);
        }
        self.users
            .iter()
            .find(|u| u.name == data.claims.sub)
            .ok_or(AuthError::InvalidToken)
    }

    /// Invalidates every token issued so far.
    pub fn revoke_all(&self) {
        if let Ok(mut live) = self.live.lock() {
            live.clear();
        }
    }

    /// Seconds a token lives.
    pub fn ttl(&self) -> u64 {
        self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, password: &str) -> String {
        let raw = format!("{user}:{password}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    #[test]
    fn login_issue_check_revoke() {
        let auth = Authority::new(default_users(), 900, 1);
        assert_eq!(
            auth.check_basic(Some(&basic("wazuh", "nope"))).err(),
            Some(AuthError::InvalidCredentials)
        );
        let user = auth
            .check_basic(Some(&basic("analyst", "analyst")))
            .unwrap();
        assert!(user.read_only());
        let token = auth.issue(user).unwrap();
        let bearer = format!("Bearer {token}");
        assert_eq!(auth.check_bearer(Some(&bearer)).unwrap().name, "analyst");
        assert_eq!(auth.check_bearer(None).err(), Some(AuthError::NoToken));
        assert_eq!(
            auth.check_bearer(Some("Bearer abc")).err(),
            Some(AuthError::InvalidToken)
        );
        auth.revoke_all();
        assert_eq!(
            auth.check_bearer(Some(&bearer)).err(),
            Some(AuthError::InvalidToken)
        );
    }

    #[test]
    fn tokens_expire() {
        let auth = Authority::new(default_users(), 900, 1);
        let long_ago = chrono::Utc::now().timestamp() - 901;
        let token = auth.issue_at(&default_users()[0], long_ago).unwrap();
        assert_eq!(
            auth.check_bearer(Some(&format!("Bearer {token}"))).err(),
            Some(AuthError::InvalidToken)
        );
    }

    #[test]
    fn tokens_from_another_simulator_are_rejected() {
        let a = Authority::new(default_users(), 900, 1);
        let b = Authority::new(default_users(), 900, 2);
        let token = a.issue(&default_users()[0]).unwrap();
        assert!(b.check_bearer(Some(&format!("Bearer {token}"))).is_err());
    }
}
