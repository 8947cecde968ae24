//! Static API keys: stored as SHA-256 hashes, compared in constant time.

use std::collections::HashSet;

use base64::Engine as _;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ApiKey, AuthConfigError, invalid};
use crate::principal::{Principal, PrincipalKind};

/// Shortest plain key accepted by [`ApiKey::from_plain`] (and so from the environment).
pub const MIN_KEY_CHARS: usize = 20;

/// A configured key, checked and decoded.
pub(crate) struct KeyEntry {
    pub(crate) name: String,
    hash: [u8; 32],
    scopes: Vec<String>,
    agent_groups: Option<Vec<String>>,
    wazuh_identity: Option<String>,
}

impl KeyEntry {
    pub(crate) fn principal(&self) -> Principal {
        Principal {
            subject: format!("key:{}", self.name),
            kind: PrincipalKind::ApiKey,
            scopes: self.scopes.clone(),
            agent_groups: self.agent_groups.clone(),
            wazuh_identity: self.wazuh_identity.clone(),
            source: None,
        }
    }
}

/// `sha256:<hex>` of a key, the form `auth.api_keys[].hash` takes.
pub fn hash_api_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A new random key: `wmk_` and 43 base64url characters (256 bits).
pub fn generate_api_key() -> SecretString {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(format!(
        "wmk_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

impl ApiKey {
    /// A key given in plain text (from the environment, for containers), hashed at once. The key
    /// must have at least 20 characters and no whitespace.
    pub fn from_plain(
        name: &str,
        key: &str,
        scopes: Vec<String>,
        agent_groups: Option<Vec<String>>,
    ) -> Result<ApiKey, AuthConfigError> {
        check_name(name)?;
        let what = format!("the API key `{name}`");
        if key.chars().count() < MIN_KEY_CHARS {
            return Err(invalid(
                what,
                format!(
                    "is shorter than {MIN_KEY_CHARS} characters (generate one with `wazuh-mcp token new-key`)"
                ),
            ));
        }
        if key.chars().any(char::is_whitespace) {
            return Err(invalid(what, "contains whitespace"));
        }
        Ok(ApiKey {
            name: name.to_string(),
            hash: hash_api_key(key),
            scopes,
            agent_groups,
            wazuh_identity: None,
        })
    }
}

/// Keys from an environment variable such as `WAZUH_MCP_API_KEYS`: entries separated by `;`,
/// newlines or spaces, each `name:key` or `name:key:scope,scope` (the key may not contain `:`).
/// Without scopes an entry gets `tools:read`.
///
/// `soc-bot:wmk_AbC...;admin:wmk_XyZ...:*;ci:wmk_123...:toolset:agents,tool:list_rules`
pub fn api_keys_from_env(value: &str) -> Result<Vec<ApiKey>, AuthConfigError> {
    let mut keys = Vec::new();
    for entry in value
        .split(|c: char| c == ';' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        let mut parts = entry.splitn(3, ':');
        let name = parts.next().unwrap_or_default();
        let Some(key) = parts.next() else {
            return Err(invalid(
                "WAZUH_MCP_API_KEYS",
                format!("entry `{name}` has no key (write `name:key` or `name:key:scope,scope`)"),
            ));
        };
        let scopes = match parts.next() {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            None => super::default_scopes(),
        };
        keys.push(ApiKey::from_plain(name, key, scopes, None)?);
    }
    Ok(keys)
}

fn check_name(name: &str) -> Result<(), AuthConfigError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
    {
        return Err(invalid(
            "auth.api_keys[].name",
            format!("`{name}` must be non-empty and use only letters, digits, `-`, `_`, `.`, `@`"),
        ));
    }
    Ok(())
}

fn parse_hash(name: &str, hash: &str) -> Result<[u8; 32], AuthConfigError> {
    let key = format!("auth.api_keys[{name}].hash");
    let hex = hash.trim().strip_prefix("sha256:").ok_or_else(|| {
        invalid(
            &key,
            "must be `sha256:` followed by 64 hex digits (the SHA-256 of the key, never the key itself; `wazuh-mcp token new-key` prints one)",
        )
    })?;
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return Err(invalid(
            &key,
            format!(
                "has {} hex digits after `sha256:`, 64 are needed",
                bytes.len()
            ),
        ));
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = hex_digit(pair[0]);
        let lo = hex_digit(pair[1]);
        match (hi, lo) {
            (Some(hi), Some(lo)) => out[i] = hi << 4 | lo,
            _ => return Err(invalid(&key, "is not hexadecimal after `sha256:`")),
        }
    }
    Ok(out)
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Checks the configured keys: names valid and unique, hashes well formed and unique.
pub(crate) fn entries(keys: &[ApiKey]) -> Result<Vec<KeyEntry>, AuthConfigError> {
    let mut names = HashSet::new();
    let mut hashes = HashSet::new();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        check_name(&k.name)?;
        if !names.insert(k.name.clone()) {
            return Err(invalid(
                "auth.api_keys",
                format!("the name `{}` is used twice", k.name),
            ));
        }
        let hash = parse_hash(&k.name, &k.hash)?;
        if !hashes.insert(hash) {
            return Err(invalid(
                "auth.api_keys",
                format!("the key `{}` has the same hash as another key", k.name),
            ));
        }
        if k.scopes.is_empty() {
            return Err(invalid(
                format!("auth.api_keys[{}].scopes", k.name),
                "is empty: the key could call nothing (leave it out for `tools:read`)",
            ));
        }
        if let Some(bad) = k.scopes.iter().find(|s| !super::is_known_scope(s)) {
            return Err(invalid(
                format!("auth.api_keys[{}].scopes", k.name),
                format!(
                    "`{bad}` is not a scope of this server (`*`, `tools:read`, `tools:write`, `toolset:<name>`, `tool:<name>`)"
                ),
            ));
        }
        out.push(KeyEntry {
            name: k.name.clone(),
            hash,
            scopes: k.scopes.clone(),
            agent_groups: k.agent_groups.clone(),
            wazuh_identity: k.wazuh_identity.clone(),
        });
    }
    Ok(out)
}

/// The entry whose hash matches `presented`. Every entry is compared, each in constant time.
pub(crate) fn find<'a>(keys: &'a [KeyEntry], presented: &str) -> Option<&'a KeyEntry> {
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    let mut found = None;
    for k in keys {
        let equal: bool = k.hash.ct_eq(&digest).into();
        if equal && found.is_none() {
            found = Some(k);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn hash_format() {
        // sha256("password")
        assert_eq!(
            hash_api_key("password"),
            "sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
        );
        let parsed = parse_hash("x", &hash_api_key("password")).unwrap();
        assert_eq!(parsed[0], 0x5e);
        let upper = hash_api_key("password")
            .to_uppercase()
            .replace("SHA256:", "sha256:");
        assert_eq!(parse_hash("x", &upper).unwrap(), parsed);
        for bad in [
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
            "sha256:5e88",
            "sha256:zz884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
            "md5:5e884898da28047151d0e56f8dc62927",
            "sha256:é884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d",
        ] {
            let err = parse_hash("soc", bad).unwrap_err().to_string();
            assert!(err.contains("auth.api_keys[soc].hash"), "{err}");
        }
    }

    #[test]
    fn generated_keys_are_long_and_distinct() {
        let a = generate_api_key();
        let b = generate_api_key();
        assert!(a.expose_secret().starts_with("wmk_"));
        assert_eq!(a.expose_secret().len(), 4 + 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        ApiKey::from_plain("gen", a.expose_secret(), vec!["*".into()], None).unwrap();
    }

    #[test]
    fn from_plain_checks() {
        let k = ApiKey::from_plain("bot", "0123456789abcdefghij", vec!["*".into()], None).unwrap();
        assert_eq!(k.hash, hash_api_key("0123456789abcdefghij"));
        assert!(ApiKey::from_plain("bot", "short", vec![], None).is_err());
        assert!(ApiKey::from_plain("bad name", "0123456789abcdefghij", vec![], None).is_err());
        assert!(ApiKey::from_plain("bot", "0123456789 abcdefghij", vec![], None).is_err());
        let err = ApiKey::from_plain("bot", "s3cr3tzz", vec![], None)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cr3tzz"), "the key leaked into {err}");
    }

    #[test]
    fn env_list() {
        let keys = api_keys_from_env(
            "soc-bot:aaaaaaaaaaaaaaaaaaaaaaaa; admin:bbbbbbbbbbbbbbbbbbbbbbbbbb:*\n\
             ci:cccccccccccccccccccccccc:toolset:agents,tool:list_rules",
        )
        .unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0].name, "soc-bot");
        assert_eq!(keys[0].scopes, vec!["tools:read"]);
        assert_eq!(keys[1].scopes, vec!["*"]);
        assert_eq!(keys[2].scopes, vec!["toolset:agents", "tool:list_rules"]);
        assert_eq!(keys[2].hash, hash_api_key("cccccccccccccccccccccccc"));
        assert!(api_keys_from_env("").unwrap().is_empty());
        assert!(api_keys_from_env("lonely").is_err());
        assert!(api_keys_from_env("x:short").is_err());
    }

    #[test]
    fn entries_checks_and_find() {
        let a =
            ApiKey::from_plain("a", "aaaaaaaaaaaaaaaaaaaaaaaa", vec!["*".into()], None).unwrap();
        let b =
            ApiKey::from_plain("b", "bbbbbbbbbbbbbbbbbbbbbbbb", vec!["*".into()], None).unwrap();
        let list = entries(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(find(&list, "bbbbbbbbbbbbbbbbbbbbbbbb").unwrap().name, "b");
        assert!(find(&list, "bbbbbbbbbbbbbbbbbbbbbbbc").is_none());
        assert!(find(&list, "").is_none());

        assert!(entries(&[a.clone(), a.clone()]).is_err());
        let mut same_hash = b.clone();
        same_hash.hash = a.hash.clone();
        assert!(entries(&[a.clone(), same_hash]).is_err());
        let mut no_scopes = a.clone();
        no_scopes.scopes.clear();
        assert!(entries(&[no_scopes]).is_err());
        let mut unknown = a.clone();
        unknown.scopes = vec!["tools:read".into(), "admin".into()];
        let err = entries(&[unknown]).err().unwrap().to_string();
        assert!(
            err.contains("auth.api_keys[a].scopes") && err.contains("`admin`"),
            "{err}"
        );
    }
}
