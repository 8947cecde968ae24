//! Checks of arguments, done before anything is sent so that a bad value gets a precise
//! [`Error::Validation`] instead of an opaque upstream 400 (or a request to the wrong path).

use crate::error::{Error, Result};

/// An agent id: a string of at least three digits (`000` is the manager).
pub fn agent_id(id: &str) -> Result<&str> {
    if id.len() >= 3 && id.len() <= 16 && id.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(id);
    }
    let hint = if !id.is_empty() && id.len() < 3 && id.bytes().all(|b| b.is_ascii_digit()) {
        format!("pad it with zeros to three digits, like `{id:0>3}`")
    } else {
        "an agent id is a string of 3 or more digits, like `001` (`000` is the manager)".into()
    };
    Err(Error::validation("agent_id", id, hint))
}

/// A file name of the ruleset: no directory part, no `..`.
pub fn file_name(name: &str) -> Result<&str> {
    let reason = if name.is_empty() {
        Some("give a file name, like `0095-sshd_rules.xml`")
    } else if name.contains('/') || name.contains('\\') {
        Some("give only the file name, without a directory (use relative_dirname for that)")
    } else if name.contains("..") {
        Some("`..` is not allowed in a file name")
    } else if name.chars().any(char::is_control) {
        Some("control characters are not allowed in a file name")
    } else if name.len() > 255 {
        Some("a file name has at most 255 bytes")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::validation("filename", name, reason)),
        None => Ok(name),
    }
}

/// An SCA policy id, like `cis_ubuntu22-04`.
pub fn policy_id(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !id.contains("..");
    if ok {
        Ok(id)
    } else {
        Err(Error::validation(
            "policy_id",
            id,
            "a policy id has letters, digits, `_`, `-` and `.`, like `cis_ubuntu22-04` (see the SCA policies of the agent)",
        ))
    }
}

/// A rule level (`"5"`) or an inclusive range (`"5-10"`), 0 to 16.
pub fn rule_level(level: &str) -> Result<&str> {
    let parse = |s: &str| s.trim().parse::<u8>().ok().filter(|l| *l <= 16);
    let ok = match level.split_once('-') {
        Some((low, high)) => matches!((parse(low), parse(high)), (Some(l), Some(h)) if l <= h),
        None => parse(level).is_some(),
    };
    if ok {
        Ok(level)
    } else {
        Err(Error::validation(
            "level",
            level,
            "use a level from 0 to 16 (`7`) or a range low-high (`5-10`)",
        ))
    }
}

/// A path for the generic `get_items`: absolute, no `..`, no query or fragment.
pub fn api_path(path: &str) -> Result<&str> {
    let reason = if !path.starts_with('/') {
        Some("the path must start with `/`, like `/mitre/techniques`")
    } else if path.split('/').any(|s| s == ".." || s == ".") {
        Some("`.` and `..` segments are not allowed")
    } else if path.contains(['?', '#', '\\']) {
        Some("put parameters in the query, not in the path (no `?`, `#` or `\\`)")
    } else if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("spaces and control characters are not allowed in the path")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::validation("path", path, reason)),
        None => Ok(path),
    }
}

/// An index name or pattern (`wazuh-alerts-4.x-*`, `a,b`): no path characters, not a system
/// endpoint.
pub fn index_pattern(pattern: &str) -> Result<&str> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | ',' | ':' | '+');
    let reason = if pattern.is_empty() {
        Some("give an index or a pattern, like `wazuh-alerts-4.x-*`")
    } else if !pattern.chars().all(allowed) {
        Some(
            "an index pattern has letters, digits, `-`, `_`, `.`, `*`, `,` (no `/`, spaces or `?`)",
        )
    } else if pattern.contains("..") {
        Some("`..` is not allowed")
    } else if pattern
        .split(',')
        .any(|p| p.starts_with('_') || p.starts_with('.') || p.is_empty())
    {
        Some(
            "index names cannot be empty or start with `_` or `.` (system indices are not searchable here)",
        )
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::validation("index", pattern, reason)),
        None => Ok(pattern),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids() {
        for ok in ["000", "001", "1234"] {
            assert!(agent_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1", "01", "abc", "001;", "../1", "0 01", "٠٠١"] {
            assert!(agent_id(bad).is_err(), "{bad}");
        }
        let msg = agent_id("7").unwrap_err().to_string();
        assert!(msg.contains("`007`"), "{msg}");
    }

    #[test]
    fn file_names() {
        assert!(file_name("0095-sshd_rules.xml").is_ok());
        for bad in ["", "../x.xml", "a/b.xml", "a\\b.xml", "..", "x\n.xml"] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn levels() {
        for ok in ["0", "5", "16", "5-10", "3-3"] {
            assert!(rule_level(ok).is_ok(), "{ok}");
        }
        for bad in ["", "17", "-1", "10-5", "a", "5-", "1-2-3"] {
            assert!(rule_level(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_and_patterns() {
        assert!(api_path("/mitre/techniques").is_ok());
        for bad in ["mitre", "/a/../security", "/a?b=1", "/a b", "/a#x"] {
            assert!(api_path(bad).is_err(), "{bad}");
        }
        assert!(index_pattern("wazuh-alerts-4.x-*").is_ok());
        assert!(index_pattern("wazuh-alerts-*,wazuh-archives-*").is_ok());
        for bad in ["", "_security", "a/b", ".opendistro", "a b", "x,", "a..b"] {
            assert!(index_pattern(bad).is_err(), "{bad}");
        }
        assert!(policy_id("cis_ubuntu22-04").is_ok());
        assert!(policy_id("../x").is_err());
    }
}
