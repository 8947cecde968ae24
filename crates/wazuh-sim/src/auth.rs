//! Users, roles and JWTs of the simulated manager API.
//!
//! Tokens carry the claims a real manager issues (`iss`, `aud`, `nbf`, `exp`, `sub`, `run_as`,
//! `rbac_roles`, `rbac_mode`, and `hash_auth_context` for run_as tokens), expire after the
//! configured TTL, and can all be revoked at once (as `PUT /security/user/revoke` does, and as the
//! "expire all tokens" fault does). The roles a request acts with are the token's `rbac_roles`,
//! so a run_as token acts with the roles its authorization context matched, not its user's.
//!
//! # Seeded users
//!
//! | user / password | id | roles | `allow_run_as` |
//! |---|---|---|---|
//! | `wazuh` / `wazuh` | 1 | administrator (1) | yes |
//! | `wazuh-wui` / `wazuh-wui` | 2 | administrator (1) | yes |
//! | `analyst` / `analyst` | 100 | readonly (2) | no |
//! | `linux-analyst` / `linux-analyst` | 101 | linux_readonly (100) | no |
//!
//! `wazuh` and `wazuh-wui` are Wazuh's default users, both with `allow_run_as: True` in
//! wazuh/wazuh `framework/wazuh/rbac/default/users.yaml`; `analyst` and `linux-analyst` stand for
//! users an administrator created (ids from 100).
//!
//! # Seeded roles and rules
//!
//! Roles (see [`rbac::Rbac::default_model`]): `administrator` (1) and `readonly` (2) as in Wazuh;
//! `linux_readonly` (100) and `windows_readonly` (101) read agents, their inventory, SCA, FIM,
//! rootcheck and vulnerabilities only on `agent:group:linux` (resp. `windows`), the group
//! itself, and the ruleset, MITRE and manager information.
//!
//! Security rules, for `POST /security/user/authenticate/run_as`:
//!
//! | id | name | rule | role |
//! |---|---|---|---|
//! | 1 | `wui_elastic_admin` | `{"FIND": {"username": "elastic"}}` | administrator (wazuh-wui only) |
//! | 2 | `wui_opensearch_admin` | `{"FIND": {"user_name": "admin"}}` | administrator (wazuh-wui only) |
//! | 100 | `wazuh_admins` | `{"FIND": {"groups": "admins"}}` | administrator |
//! | 101 | `wazuh_analysts` | `{"FIND": {"groups": "analysts"}}` | readonly |
//! | 102 | `linux_analysts` | `{"FIND": {"groups": "linux"}}` | linux_readonly |
//! | 103 | `windows_analysts` | `{"FIND": {"groups": "windows"}}` | windows_readonly |
//!
//! So a run_as login of `wazuh` with the context `{"user": "ann", "groups": ["linux"]}` gets a
//! token with `run_as: true` and `rbac_roles: [100]`; a context no rule matches gets no roles
//! (every agent listing is then empty and every other operation is denied). A user without
//! `allow_run_as` that sends a non-empty context is refused with 403, code 6004.

pub mod rbac;

use std::collections::HashSet;
use std::sync::Mutex;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use rbac::{Permissions, Rbac};

/// Role id of Wazuh's default `administrator` role.
pub const ROLE_ADMINISTRATOR: u32 = 1;
/// Role id of Wazuh's default `readonly` role.
pub const ROLE_READONLY: u32 = 2;
/// Role id of the seeded `linux_readonly` role (reads agents of group `linux` only).
pub const ROLE_LINUX_READONLY: u32 = 100;
/// Role id of the seeded `windows_readonly` role (reads agents of group `windows` only).
pub const ROLE_WINDOWS_READONLY: u32 = 101;

/// A user of the simulated API.
#[derive(Clone)]
pub struct User {
    pub id: u32,
    pub name: String,
    pub password: String,
    pub roles: Vec<u32>,
    /// Whether the user may log in with an authorization context (`run_as`).
    pub allow_run_as: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("password", &"[redacted]")
            .field("roles", &self.roles)
            .field("allow_run_as", &self.allow_run_as)
            .finish()
    }
}

impl User {
    /// Whether the user may only read.
    pub fn read_only(&self) -> bool {
        !self.roles.contains(&ROLE_ADMINISTRATOR)
    }
}

/// The default users (see the module docs).
pub fn default_users() -> Vec<User> {
    let user = |id: u32, name: &str, roles: Vec<u32>, allow_run_as: bool| User {
        id,
        name: name.into(),
        password: name.into(),
        roles,
        allow_run_as,
    };
    vec![
        user(1, "wazuh", vec![ROLE_ADMINISTRATOR], true),
        user(2, "wazuh-wui", vec![ROLE_ADMINISTRATOR], true),
        user(100, "analyst", vec![ROLE_READONLY], false),
        user(101, "linux-analyst", vec![ROLE_LINUX_READONLY], false),
    ]
}

/// Who a request acts as: the token's user, roles and whether it came from a run_as login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub roles: Vec<u32>,
    pub run_as: bool,
}

impl Principal {
    /// Whether the principal may only read (no `administrator` role).
    pub fn read_only(&self) -> bool {
        !self.roles.contains(&ROLE_ADMINISTRATOR)
    }
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hash_auth_context: Option<String>,
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
    /// A run_as login by a user without `allow_run_as` (Wazuh error 6004, HTTP 403).
    RunAsNotAllowed,
}

impl AuthError {
    pub fn detail(self) -> &'static str {
        match self {
            AuthError::NoToken => "No authorization token provided",
            AuthError::InvalidToken => "Invalid token",
            AuthError::InvalidCredentials => "Invalid credentials",
            AuthError::RunAsNotAllowed => {
                "The current user does not have authentication enabled through authorization context"
            }
        }
    }
}

/// Issues and checks tokens.
pub struct Authority {
    users: Vec<User>,
    rbac: Rbac,
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
            rbac: Rbac::default_model(),
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

    /// The roles, policies and security rules.
    pub fn rbac(&self) -> &Rbac {
        &self.rbac
    }

    /// What `principal` may do.
    pub fn permissions(&self, principal: &Principal) -> Permissions {
        self.rbac.permissions(&principal.roles)
    }

    /// Issues a token for `user` with the user's own roles.
    pub fn issue(&self, user: &User) -> Result<String, AuthError> {
        self.issue_at(
            user,
            user.roles.clone(),
            None,
            chrono::Utc::now().timestamp(),
        )
    }

    /// Issues a token for a run_as login (`POST /security/user/authenticate/run_as`), as
    /// `preprocessor.get_permissions` and `generate_token` do: a user without `allow_run_as`
    /// that sends a non-empty context is refused; a non-empty context of a user with it gets
    /// the roles its security rules match; an empty one keeps the user's roles. Either way the
    /// token says `run_as: true`.
    pub fn issue_run_as(&self, user: &User, context: &Value) -> Result<String, AuthError> {
        let non_empty = match context {
            Value::Object(map) => !map.is_empty(),
            Value::Null => false,
            _ => true,
        };
        if non_empty && !user.allow_run_as {
            return Err(AuthError::RunAsNotAllowed);
        }
        let roles = if non_empty {
            self.rbac
                .roles_for_context(context, user.id == rbac::WUI_USER_ID)
        } else {
            user.roles.clone()
        };
        self.issue_at(
            user,
            roles,
            Some(context_hash(context)),
            chrono::Utc::now().timestamp(),
        )
    }

    fn issue_at(
        &self,
        user: &User,
        roles: Vec<u32>,
        hash_auth_context: Option<String>,
        now: i64,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            iss: "wazuh".into(),
            aud: "Wazuh API REST".into(),
            nbf: now,
            exp: now + self.ttl as i64,
            sub: user.name.clone(),
            run_as: hash_auth_context.is_some(),
            rbac_roles: roles,
            rbac_mode: "white".into(),
            hash_auth_context,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| AuthError::InvalidToken)?;
        if let Ok(mut live) = self.live.lock() {
            live.insert(token.clone());
        }
        Ok(token)
    }

    /// Who an `Authorization: Bearer ...` header value acts as.
    ///
    /// As Wazuh's `check_token`: the user must still exist, and a token that is not a run_as
    /// token of a user with `allow_run_as` must carry exactly the user's roles.
    pub fn check_bearer(&self, header: Option<&str>) -> Result<Principal, AuthError> {
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
        let claims = data.claims;
        let user = self
            .users
            .iter()
            .find(|u| u.name == claims.sub)
            .ok_or(AuthError::InvalidToken)?;
        if !user.allow_run_as && !same_roles(&user.roles, &claims.rbac_roles) {
            return Err(AuthError::InvalidToken);
        }
        Ok(Principal {
            user: user.name.clone(),
            roles: claims.rbac_roles,
            run_as: claims.run_as,
        })
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

fn same_roles(a: &[u32], b: &[u32]) -> bool {
    let a: HashSet<u32> = a.iter().copied().collect();
    let b: HashSet<u32> = b.iter().copied().collect();
    a == b
}

/// `hash_auth_context`: 32 hex digits derived from the context's JSON. Wazuh uses BLAKE2b with a
/// 16-byte digest; the simulator uses two FNV-1a passes, which is as opaque to clients.
fn context_hash(context: &Value) -> String {
    let text = context.to_string();
    let fnv = |seed: u64| {
        text.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    )
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
        let principal = auth.check_bearer(Some(&bearer)).unwrap();
        assert_eq!(principal.user, "analyst");
        assert_eq!(principal.roles, vec![ROLE_READONLY]);
        assert!(!principal.run_as && principal.read_only());
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
        let token = auth
            .issue_at(
                &default_users()[0],
                vec![ROLE_ADMINISTRATOR],
                None,
                long_ago,
            )
            .unwrap();
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

    #[test]
    fn run_as_tokens_carry_the_context_roles() {
        let auth = Authority::new(default_users(), 900, 1);
        let users = default_users();
        let wazuh = &users[0];
        let context = serde_json::json!({"user": "ann", "groups": ["linux"]});
        let token = auth.issue_run_as(wazuh, &context).unwrap();
        let principal = auth.check_bearer(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(principal.user, "wazuh");
        assert_eq!(principal.roles, vec![ROLE_LINUX_READONLY]);
        assert!(principal.run_as && principal.read_only());

        // An empty context keeps the user's roles, still as a run_as token.
        let token = auth.issue_run_as(wazuh, &serde_json::json!({})).unwrap();
        let principal = auth.check_bearer(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(principal.roles, vec![ROLE_ADMINISTRATOR]);
        assert!(principal.run_as);

        // Without allow_run_as: refused, unless the context is empty.
        let analyst = &users[2];
        assert_eq!(
            auth.issue_run_as(analyst, &context).err(),
            Some(AuthError::RunAsNotAllowed)
        );
        assert!(auth.issue_run_as(analyst, &serde_json::json!({})).is_ok());
    }

    #[test]
    fn forged_roles_of_a_plain_user_are_refused() {
        let auth = Authority::new(default_users(), 900, 1);
        let analyst = &default_users()[2];
        let now = chrono::Utc::now().timestamp();
        let token = auth
            .issue_at(analyst, vec![ROLE_ADMINISTRATOR], None, now)
            .unwrap();
        assert_eq!(
            auth.check_bearer(Some(&format!("Bearer {token}"))).err(),
            Some(AuthError::InvalidToken)
        );
    }

    #[test]
    fn passwords_stay_out_of_debug() {
        let text = format!("{:?}", default_users());
        assert!(text.contains("password: \"[redacted]\""), "{text}");
        assert!(!text.contains("password: \"wazuh"), "{text}");
    }
}
