//! Wazuh's stock content that the simulator serves and builds its data from: the ruleset
//! (rules, decoders, their upstream tests) and SCA policies.
//!
//! [`Reference::load`] reads a directory laid out like Wazuh's sources (`ruleset/rules`,
//! `ruleset/decoders`, `ruleset/testing`, `sca`); [`Reference::builtin`] is a small sample that
//! ships with the crate so the simulator starts anywhere.

mod builtin;
mod decoders;
mod logtest;
mod rules;
mod sca;
mod xml;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Where rule files live, relative to the Wazuh installation (`relative_dirname` of rules).
pub const RULES_DIR: &str = "ruleset/rules";
/// Where decoder files live (`relative_dirname` of decoders).
pub const DECODERS_DIR: &str = "ruleset/decoders";
/// Where the upstream ruleset tests live in a reference directory.
pub const TESTING_DIR: &str = "ruleset/testing";
/// Where SCA policies live in a reference directory.
pub const SCA_DIR: &str = "sca";

/// Why stock content could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A file did not parse.
    #[error("cannot parse {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with a line number for XML.
        message: String,
    },
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
    /// Display name, e.g. `CIS Ubuntu Linux 22.04 LTS Benchmark v2.0.0.`.
    pub name: String,
    /// What the policy checks.
    pub description: String,
    /// File name, e.g. `cis_ubuntu22-04.yml`.
    pub file: String,
    /// Links from the policy header.
    pub references: Vec<String>,
    /// Platform the policy applies to: `linux`, `windows` or `darwin`.
    pub platform: String,
    /// The checks, in file order.
    pub checks: Vec<ScaCheck>,
}

/// One SCA check as the policy defines it (without a result).
#[derive(Debug, Clone)]
pub struct ScaCheck {
    /// Check id, e.g. `28500`.
    pub id: u64,
    /// One-line summary, e.g. `Ensure /tmp is a separate partition.`.
    pub title: String,
    /// What the check is about; empty if the policy has none.
    pub description: String,
    /// Why it matters; empty if the policy has none.
    pub rationale: String,
    /// How to fix a failure; empty if the policy has none.
    pub remediation: String,
    /// Links; often empty.
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
    /// The log line, as the upstream runner sends it to `wazuh-logtest`.
    pub log: String,
    /// The rule that must match, e.g. `5739`.
    pub rule_id: String,
    /// The alert level the rule must give (the `alert` key).
    pub level: u32,
    /// The decoder that must decode the line; empty for lines no decoder handles.
    pub decoder: String,
    /// `syslog` unless the test says otherwise.
    pub log_format: String,
}

/// All stock content, parsed once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    /// Rule files, by file name.
    pub rule_files: Vec<ContentFile>,
    /// Rules as `GET /rules` returns its items.
    pub rules: Vec<Value>,
    /// Decoder files, by file name.
    pub decoder_files: Vec<ContentFile>,
    /// Decoders as `GET /decoders` returns its items.
    pub decoders: Vec<Value>,
    /// SCA policies, by file name.
    pub sca_policies: Vec<ScaPolicy>,
    /// Passing lines of the upstream ruleset tests.
    pub logtest_cases: Vec<LogtestCase>,
}

impl Reference {
    /// Loads stock content from `dir` (which holds `ruleset/` and `sca/`).
    ///
    /// `ruleset/rules/*.xml` and `ruleset/decoders/*.xml` must exist; `ruleset/testing/*.ini` and
    /// `sca/*.yml` are optional (a manager has no ruleset tests). Files are taken in name order.
    ///
    /// A rule or decoder file that does not parse is an error naming the file, not a warning:
    /// the Wazuh framework reads every file for every `GET /rules` or `GET /decoders` and fails
    /// the whole request on one that it cannot parse, and analysisd refuses to start, so such a
    /// directory is not a ruleset a real manager could serve. Ruleset tests whose rule is not
    /// loaded (upstream's own test rules, such as 999911) are left out, and lines of an `.ini`
    /// file that the upstream runner could not use are skipped.
    pub fn load(dir: &Path) -> Result<Reference, ReferenceError> {
        Reference::from_sources(Sources {
            rules: read_files(&dir.join(RULES_DIR), "xml", true)?,
            decoders: read_files(&dir.join(DECODERS_DIR), "xml", true)?,
            testing: read_files(&dir.join(TESTING_DIR), "ini", false)?,
            sca: read_files(&dir.join(SCA_DIR), "yml", false)?,
        })
    }

    /// The small sample that ships with the crate (`assets/`): three rule files, one decoder
    /// file, a few ruleset tests and two SCA policies, parsed with the same code as
    /// [`Reference::load`].
    pub fn builtin() -> Reference {
        let embedded = |files: &[builtin::Embedded]| {
            files
                .iter()
                .map(|f| SourceFile {
                    name: file_name(Path::new(f.path)),
                    path: Path::new("assets").join(f.path),
                    text: f.text.to_owned(),
                })
                .collect()
        };
        let sources = Sources {
            rules: embedded(builtin::RULE_FILES),
            decoders: embedded(builtin::DECODER_FILES),
            testing: embedded(builtin::TESTING_FILES),
            sca: embedded(builtin::SCA_FILES),
        };
        match Reference::from_sources(sources) {
            Ok(reference) => reference,
            Err(e) => {
                // Cannot happen with the assets the tests check; never panic over it.
                tracing::error!(error = %e, "built-in reference content does not parse");
                Reference::default()
            }
        }
    }

    /// The rule with this id, as a `GET /rules` item.
    pub fn rule(&self, id: u64) -> Option<&Value> {
        self.rules
            .iter()
            .find(|rule| rule.get("id").and_then(Value::as_u64) == Some(id))
    }

    /// The SCA policy with this id.
    pub fn sca_policy(&self, id: &str) -> Option<&ScaPolicy> {
        self.sca_policies.iter().find(|policy| policy.id == id)
    }

    fn from_sources(sources: Sources) -> Result<Reference, ReferenceError> {
        let mut reference = Reference::default();
        for file in sources.rules {
            let items = rules::parse_rule_file(&file.name, RULES_DIR, ENABLED, &file.text)
                .map_err(|message| parse_error(&file, message))?;
            reference.rules.extend(items);
            reference.rule_files.push(file.into_content(RULES_DIR));
        }
        for file in sources.decoders {
            let items = decoders::parse_decoder_file(&file.name, DECODERS_DIR, ENABLED, &file.text)
                .map_err(|message| parse_error(&file, message))?;
            reference.decoders.extend(items);
            reference
                .decoder_files
                .push(file.into_content(DECODERS_DIR));
        }
        for file in sources.testing {
            reference
                .logtest_cases
                .extend(logtest::parse_ini(&file.text));
        }
        // Upstream also tests the rules of its own test ruleset (`ruleset/testing/ruleset`, ids
        // such as 999911), which a manager does not have: keep only cases for rules we serve.
        let rule_ids: HashSet<String> = reference
            .rules
            .iter()
            .filter_map(|rule| rule.get("id").and_then(Value::as_i64))
            .map(|id| id.to_string())
            .collect();
        let before = reference.logtest_cases.len();
        reference
            .logtest_cases
            .retain(|case| rule_ids.contains(&case.rule_id));
        tracing::debug!(
            kept = reference.logtest_cases.len(),
            dropped = before - reference.logtest_cases.len(),
            "ruleset tests for rules that are not loaded were dropped"
        );
        for file in sources.sca {
            let policy = sca::parse_policy(&file.name, &file.text)
                .map_err(|message| parse_error(&file, message))?;
            reference.sca_policies.push(policy);
        }
        Ok(reference)
    }
}

/// The status of every file: the simulated manager excludes none.
const ENABLED: &str = "enabled";

/// The files of each kind, in the order they are loaded.
struct Sources {
    rules: Vec<SourceFile>,
    decoders: Vec<SourceFile>,
    testing: Vec<SourceFile>,
    sca: Vec<SourceFile>,
}

struct SourceFile {
    /// Base name.
    name: String,
    /// For error messages.
    path: PathBuf,
    text: String,
}

impl SourceFile {
    fn into_content(self, relative_dirname: &str) -> ContentFile {
        ContentFile {
            filename: self.name,
            relative_dirname: relative_dirname.to_owned(),
            status: ENABLED.to_owned(),
            content: self.text,
        }
    }
}

fn parse_error(file: &SourceFile, message: String) -> ReferenceError {
    ReferenceError::Parse {
        path: file.path.clone(),
        message,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The regular files with extension `ext` in `dir`, sorted by name. A missing directory is an
/// error if `required`, otherwise no files. Text that is not UTF-8 is read lossily, with a
/// warning.
fn read_files(dir: &Path, ext: &str, required: bool) -> Result<Vec<SourceFile>, ReferenceError> {
    let io_error = |path: &Path, source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_error(dir, e))?.path();
        if path.extension().is_some_and(|e| e == ext) && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
            let text = match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    tracing::warn!(path = %path.display(), "file is not valid UTF-8; reading it lossily");
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            };
            Ok(SourceFile {
                name: file_name(&path),
                path,
                text,
            })
        })
        .collect()
}

/// The upstream reference directory for tests: `$WAZUH_DATA_DIR`, else the first `shared/wazuh`
/// directory found above this crate.
#[cfg(test)]
pub(crate) fn reference_dir_for_tests() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WAZUH_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("wazuh"))
        .find(|dir| dir.is_dir())
}

#[cfg(test)]
mod tests;
