//! JWTs this server issues (`wazuh-mcp token issue`): HS256 with `auth.jwt.secret`.
//!
//! Claims: `iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, `jti`, `scope` (space-separated) and, when
//! the token is limited to some agent groups, `wazuh_groups`.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{AuthConfigError, Failure, JwtSettings, invalid};
use crate::principal::{Principal, PrincipalKind};

/// Shortest `auth.jwt.secret` accepted (bytes).
pub const MIN_SECRET_BYTES: usize = 32;

/// Clock skew tolerated on `exp` and `nbf` (seconds).
pub(crate) const LEEWAY_SECS: u64 = 30;

/// The claim that carries agent groups in the tokens we issue.
const GROUPS_CLAIM: &str = "wazuh_groups";

pub(crate) fn is_issued_algorithm(alg: Algorithm) -> bool {
    matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

fn check_secret(settings: &JwtSettings) -> Result<(), AuthConfigError> {
    let len = settings.secret.expose_secret().len();
    if len < MIN_SECRET_BYTES {
        return Err(invalid(
            "auth.jwt.secret",
            format!(
                "is {len} bytes long; at least {MIN_SECRET_BYTES} are required (generate one with `openssl rand -base64 48`)"
            ),
        ));
    }
    for (key, value) in [
        ("auth.jwt.issuer", &settings.issuer),
        ("auth.jwt.audience", &settings.audience),
    ] {
        if value.trim().is_empty() {
            return Err(invalid(key, "is empty"));
        }
    }
    if settings.default_ttl.is_zero() {
        return Err(invalid("auth.jwt.default_ttl", "must be longer than 0s"));
    }
    if settings.default_ttl > settings.max_ttl {
        return Err(invalid(
            "auth.jwt.default_ttl",
            "is longer than auth.jwt.max_ttl",
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: String,
    scope: String,
    #[serde(rename = "wazuh_groups", skip_serializing_if = "Option::is_none")]
    groups: Option<&'a [String]>,
}

/// Signs a token for `subject` with `scopes` (each must be a scope this server knows), limited
/// to `agent_groups` when given, valid for `ttl` (`auth.jwt.default_ttl` when `None`, at most
/// `auth.jwt.max_ttl`).
pub fn issue_token(
    settings: &JwtSettings,
    subject: &str,
    scopes: &[String],
    agent_groups: Option<&[String]>,
    ttl: Option<Duration>,
) -> Result<String, AuthConfigError> {
    check_secret(settings)?;
    if subject.trim().is_empty() || subject.chars().any(char::is_control) {
        return Err(invalid(
            "subject",
            "must be non-empty, without control characters",
        ));
    }
    if scopes.is_empty() {
        return Err(invalid("scope", "at least one scope is needed"));
    }
    if let Some(bad) = scopes.iter().find(|s| !super::is_known_scope(s)) {
        return Err(invalid(
            "scope",
            format!(
                "`{bad}` is not a scope of this server (`*`, `tools:read`, `tools:write`, `toolset:<name>`, `tool:<name>`)"
            ),
        ));
    }
    let ttl = ttl.unwrap_or(settings.default_ttl);
    if ttl.is_zero() {
        return Err(invalid("ttl", "must be longer than 0s"));
    }
    if ttl > settings.max_ttl {
        return Err(invalid(
            "ttl",
            format!(
                "is longer than auth.jwt.max_ttl ({}s)",
                settings.max_ttl.as_secs()
            ),
        ));
    }
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        iss: &settings.issuer,
        aud: &settings.audience,
        sub: subject,
        iat: now,
        nbf: now,
        exp: now.saturating_add(ttl.as_secs()),
        jti: token_id(),
        scope: scopes.join(" "),
        groups: agent_groups,
    };
    let key = EncodingKey::from_secret(settings.secret.expose_secret().as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map_err(|e| invalid("auth.jwt", format!("cannot sign the token: {e}")))
}

fn token_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Verifies tokens we issued.
pub(crate) struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    pub(crate) fn new(settings: &JwtSettings) -> Result<Verifier, AuthConfigError> {
        check_secret(settings)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Verifier {
            key: DecodingKey::from_secret(settings.secret.expose_secret().as_bytes()),
            validation,
        })
    }

    pub(crate) fn verify(&self, token: &str) -> Result<Principal, Failure> {
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| token_failure(&e))?;
        principal_from_claims(&data.claims, PrincipalKind::IssuedToken, GROUPS_CLAIM, None)
    }
}

/// A short, secret-free reason for a token that failed verification.
pub(crate) fn token_failure(error: &jsonwebtoken::errors::Error) -> Failure {
    use jsonwebtoken::errors::ErrorKind;
    let reason = match error.kind() {
        ErrorKind::ExpiredSignature => "the token has expired".to_string(),
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)".to_string(),
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted".to_string(),
        ErrorKind::InvalidAudience => "the token is meant for another audience".to_string(),
        ErrorKind::InvalidSignature => "the token's signature is invalid".to_string(),
        ErrorKind::InvalidAlgorithm => "the token's algorithm is not accepted".to_string(),
        ErrorKind::MissingRequiredClaim(c) => format!("the token has no `{c}` claim"),
        ErrorKind::InvalidClaimFormat(c) => format!("the token's `{c}` claim is malformed"),
        _ => "the token is malformed".to_string(),
    };
    Failure::invalid_token(reason)
}

/// The principal of verified claims: `sub`, scopes from `scope` (space-separated) or `scp`
/// (array or string), groups from `groups_claim`, identity from `identity_claim`.
pub(crate) fn principal_from_claims(
    claims: &Map<String, Value>,
    kind: PrincipalKind,
    groups_claim: &str,
    identity_claim: Option<&str>,
) -> Result<Principal, Failure> {
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
        .ok_or_else(|| Failure::invalid_token("the token's `sub` claim is missing or empty"))?;
    let scopes = claims
        .get("scope")
        .or_else(|| claims.get("scp"))
        .map(string_list)
        .unwrap_or_default();
    let agent_groups = claims.get(groups_claim).map(string_list);
    // When the claim is configured, every token must name exactly one identity: a caller
    // without one must not fall back to the server's own Wazuh user.
    let wazuh_identity = match identity_claim {
        None => None,
        Some(claim) => {
            let named = match claims.get(claim) {
                Some(Value::String(s)) => Some(s.trim()),
                Some(Value::Array(items)) if items.len() == 1 => items[0].as_str().map(str::trim),
                _ => None,
            }
            .filter(|s| !s.is_empty() && !s.chars().any(char::is_control));
            match named {
                Some(name) => Some(name.to_string()),
                None => {
                    return Err(Failure::invalid_token(
                        "the token does not name exactly one Wazuh identity in the configured identity claim",
                    ));
                }
            }
        }
    };
    Ok(Principal {
        subject: subject.to_string(),
        kind,
        scopes,
        agent_groups,
        wazuh_identity,
        source: None,
    })
}

/// A claim given as a space-separated string or as an array of strings.
fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => s.split_whitespace().map(String::from).collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(str::split_whitespace)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use secrecy::SecretString;
    use serde_json::json;

    use super::*;

    fn settings() -> JwtSettings {
        JwtSettings {
            secret: SecretString::from("0123456789abcdef0123456789abcdef"),
            issuer: "wazuh-mcp".into(),
            audience: "wazuh-mcp".into(),
            default_ttl: Duration::from_secs(3600),
            max_ttl: Duration::from_secs(86_400),
        }
    }

    #[test]
    fn round_trip() {
        let s = settings();
        let groups = vec!["web".to_string()];
        let token = issue_token(
            &s,
            "analyst1",
            &["tools:read".into(), "toolset:agents".into()],
            Some(&groups),
            None,
        )
        .unwrap();
        let p = Verifier::new(&s).unwrap().verify(&token).unwrap();
        assert_eq!(p.subject, "analyst1");
        assert_eq!(p.kind, PrincipalKind::IssuedToken);
        assert_eq!(p.scopes, vec!["tools:read", "toolset:agents"]);
        assert_eq!(p.agent_groups, Some(groups));

        let mut other = settings();
        other.secret = SecretString::from("another secret of at least 32 bytes!!");
        let f = Verifier::new(&other).unwrap().verify(&token).unwrap_err();
        assert!(f.description.contains("signature"), "{f:?}");
        let mut other = settings();
        other.audience = "someone-else".into();
        let f = Verifier::new(&other).unwrap().verify(&token).unwrap_err();
        assert!(f.description.contains("audience"), "{f:?}");
    }

    #[test]
    fn issue_checks() {
        let s = settings();
        let read = vec!["tools:read".to_string()];
        assert!(issue_token(&s, "", &read, None, None).is_err());
        assert!(issue_token(&s, "a", &[], None, None).is_err());
        assert!(issue_token(&s, "a", &["admin".into()], None, None).is_err());
        assert!(issue_token(&s, "a", &read, None, Some(Duration::ZERO)).is_err());
        assert!(issue_token(&s, "a", &read, None, Some(Duration::from_secs(86_401))).is_err());
        let mut short = settings();
        short.secret = SecretString::from("too short");
        let err = issue_token(&short, "a", &read, None, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("auth.jwt.secret") && err.contains("9 bytes"),
            "{err}"
        );
        assert!(!err.contains("too short"));
        assert!(Verifier::new(&short).is_err());
    }

    #[test]
    fn claim_mapping() {
        let claims = json!({
            "sub": "alice",
            "scp": ["tools:read", "toolset:agents tool:x"],
            "groups": "a b",
            "wid": "alice-wazuh",
        });
        let p = principal_from_claims(
            claims.as_object().unwrap(),
            PrincipalKind::OAuth,
            "groups",
            Some("wid"),
        )
        .unwrap();
        assert_eq!(p.scopes, vec!["tools:read", "toolset:agents", "tool:x"]);
        assert_eq!(p.agent_groups, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(p.wazuh_identity.as_deref(), Some("alice-wazuh"));

        // With the claim configured, a token must name exactly one identity.
        let with = |wid: Value| {
            let mut claims = json!({"sub": "carol", "scope": "tools:read"});
            if !wid.is_null() {
                claims["wid"] = wid;
            }
            principal_from_claims(
                claims.as_object().unwrap(),
                PrincipalKind::OAuth,
                "groups",
                Some("wid"),
            )
        };
        assert_eq!(
            with(json!(["soc-linux"]))
                .unwrap()
                .wazuh_identity
                .as_deref(),
            Some("soc-linux")
        );
        for bad in [
            Value::Null,
            json!(""),
            json!(["a", "b"]),
            json!([]),
            json!(7),
            json!({"name": "x"}),
        ] {
            assert!(with(bad.clone()).is_err(), "{bad}");
        }

        let claims = json!({"sub": "bob", "scope": "openid tools:write"});
        let p = principal_from_claims(
            claims.as_object().unwrap(),
            PrincipalKind::OAuth,
            "wazuh_groups",
            None,
        )
        .unwrap();
        assert_eq!(p.scopes, vec!["openid", "tools:write"]);
        assert_eq!(p.agent_groups, None);

        for bad in [json!({}), json!({"sub": ""}), json!({"sub": 5})] {
            assert!(
                principal_from_claims(bad.as_object().unwrap(), PrincipalKind::OAuth, "g", None)
                    .is_err()
            );
        }
    }
}
