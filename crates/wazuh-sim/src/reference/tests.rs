//! Tests against the real upstream reference directory and the built-in sample.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashSet};
use std::sync::{LazyLock, OnceLock};

use regex::Regex;
use serde_json::Value;

use super::*;

/// The upstream reference directory; the tests that need it fail, loudly, without it.
fn reference_dir() -> PathBuf {
    reference_dir_for_tests().unwrap_or_else(|| {
        panic!(
            "the upstream Wazuh reference directory was not found: set WAZUH_DATA_DIR to a \
             directory holding ruleset/ and sca/, or provide shared/wazuh above the crate"
        )
    })
}

/// The real reference, loaded once for all tests.
fn real() -> &'static Reference {
    static REAL: OnceLock<Reference> = OnceLock::new();
    REAL.get_or_init(|| {
        let dir = reference_dir();
        Reference::load(&dir).unwrap_or_else(|e| panic!("loading {}: {e}", dir.display()))
    })
}

fn builtin() -> &'static Reference {
    static BUILTIN: LazyLock<Reference> = LazyLock::new(Reference::builtin);
    &BUILTIN
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn read(relative: &str) -> String {
    let path = reference_dir().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn key_list(item: &Value) -> Vec<String> {
    item.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn rule_5710_is_as_in_the_files() {
    let rule = real().rule(5710).expect("rule 5710");
    assert_eq!(rule["filename"], "0095-sshd_rules.xml");
    assert_eq!(rule["relative_dirname"], "ruleset/rules");
    assert_eq!(rule["level"], 5);
    assert_eq!(rule["status"], "enabled");
    assert_eq!(
        rule["description"],
        "sshd: Attempt to login using a non-existent user"
    );
    assert_eq!(
        strings(&rule["groups"]),
        ["authentication_failed", "invalid_login", "syslog", "sshd"]
    );
    assert_eq!(rule["details"]["if_sid"], "5700");
    assert_eq!(
        rule["details"]["match"]["pattern"],
        "illegal user|invalid user"
    );
    assert_eq!(strings(&rule["mitre"]), ["T1110.001", "T1021.004"]);
}

#[test]
fn compliance_groups_are_split_out() {
    let rule = real().rule(5710).expect("rule 5710");
    assert_eq!(strings(&rule["pci_dss"]), ["10.2.4", "10.2.5", "10.6.1"]);
    assert_eq!(strings(&rule["gpg13"]), ["7.1"]);
    assert_eq!(strings(&rule["gdpr"]), ["IV_35.7.d", "IV_32.2"]);
    assert_eq!(strings(&rule["hipaa"]), ["164.312.b"]);
    assert_eq!(strings(&rule["nist_800_53"]), ["AU.14", "AC.7", "AU.6"]);
    assert_eq!(strings(&rule["tsc"]), ["CC6.1", "CC6.8", "CC7.2", "CC7.3"]);

    let prefixes = [
        "pci_dss",
        "gdpr",
        "hipaa",
        "nist_800_53",
        "gpg13",
        "tsc",
        "mitre",
    ];
    for rule in &real().rules {
        for group in strings(&rule["groups"]) {
            assert!(
                !prefixes.iter().any(|p| group.starts_with(p)),
                "rule {} keeps compliance group {group:?}",
                rule["id"]
            );
        }
    }
    let with_pci = real()
        .rules
        .iter()
        .filter(|r| !strings(&r["pci_dss"]).is_empty())
        .count();
    assert!(
        with_pci > 1000,
        "only {with_pci} rules have PCI DSS requirements"
    );
}

#[test]
fn every_rule_element_becomes_an_item() {
    // Count `<rule ` start tags outside comments, independently of the parser.
    let comment = Regex::new(r"(?s)<!--.*?-->").unwrap();
    let rule_tag = Regex::new(r"<rule\s").unwrap();
    let mut expected = 0;
    for file in &real().rule_files {
        let text = comment.replace_all(&file.content, "");
        expected += rule_tag.find_iter(&text).count();
    }
    assert_eq!(real().rules.len(), expected);
    assert!(expected > 4000, "{expected}");

    let files: HashSet<&str> = real()
        .rule_files
        .iter()
        .map(|f| f.filename.as_str())
        .collect();
    assert_eq!(files.len(), 168);
    let ids: HashSet<u64> = real()
        .rules
        .iter()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert_eq!(ids.len(), real().rules.len(), "rule ids are unique");
    let file = &real().rule_files[0];
    assert_eq!(file.relative_dirname, "ruleset/rules");
    assert_eq!(file.status, "enabled");
    assert_eq!(
        file.content,
        read(&format!("ruleset/rules/{}", file.filename))
    );
}

#[test]
fn a_frequency_rule_keeps_its_attributes() {
    let rule = real().rule(5712).expect("rule 5712");
    assert_eq!(rule["details"]["frequency"], "8");
    assert_eq!(rule["details"]["timeframe"], "120");
    assert_eq!(rule["details"]["if_matched_sid"], "5710");
    assert!(rule["details"].get("same_source_ip").is_some());
    assert_eq!(strings(&rule["mitre"]), ["T1110"]);
}

#[test]
fn rule_items_have_the_spec_example_keys() {
    let example: Value =
        serde_json::from_str(&read("examples/spec-examples/get_rules.json")).unwrap();
    let expected = key_list(&example["data"]["affected_items"][0]);
    assert_eq!(expected.len(), 15);
    for rule in real().rules.iter().chain(&builtin().rules) {
        assert_eq!(key_list(rule), expected, "rule {}", rule["id"]);
        assert!(rule["id"].is_u64() && rule["level"].is_u64());
        assert!(rule["details"].is_object());
    }
}

#[test]
fn decoder_items_have_the_spec_example_keys() {
    let example: Value =
        serde_json::from_str(&read("examples/spec-examples/get_decoders.json")).unwrap();
    let expected = key_list(&example["data"]["affected_items"][0]);
    for decoder in real().decoders.iter().chain(&builtin().decoders) {
        assert_eq!(key_list(decoder), expected, "decoder {}", decoder["name"]);
    }
    // The example's second item is the real second decoder of 0005-wazuh_decoders.xml.
    let agent_buffer = real()
        .decoders
        .iter()
        .find(|d| d["name"] == "agent-buffer")
        .expect("agent-buffer decoder");
    assert_eq!(agent_buffer["filename"], "0005-wazuh_decoders.xml");
    assert_eq!(agent_buffer["position"], 1);
    // The example's prematch is stale (the file says `^Agent buffer:`); the rest is exact.
    let example_details = &example["data"]["affected_items"][1]["details"];
    assert_eq!(
        key_list(&agent_buffer["details"]),
        key_list(example_details)
    );
    for key in ["parent", "regex", "order"] {
        assert_eq!(agent_buffer["details"][key], example_details[key], "{key}");
    }
    assert_eq!(
        agent_buffer["details"]["prematch"]["offset"],
        "after_parent"
    );
    assert_eq!(real().decoder_files.len(), 120);
    let sshd = real()
        .decoders
        .iter()
        .find(|d| d["name"] == "sshd")
        .expect("sshd");
    assert_eq!(sshd["details"]["program_name"]["pattern"], "^sshd");
}

#[test]
fn sca_policies_have_every_check() {
    let check_line = Regex::new(r"(?m)^\s*-\s+id:\s*\d+\s*$").unwrap();
    let policies = &real().sca_policies;
    assert_eq!(policies.len(), 2);
    for (id, platform) in [("cis_ubuntu22-04", "linux"), ("cis_win2022", "windows")] {
        let policy = real().sca_policy(id).expect(id);
        let yaml = read(&format!("sca/{id}.yml"));
        assert_eq!(
            policy.checks.len(),
            check_line.find_iter(&yaml).count(),
            "{id}"
        );
        assert_eq!(policy.platform, platform);
        assert_eq!(policy.file, format!("{id}.yml"));
        assert!(!policy.name.is_empty() && !policy.description.is_empty());
        let ids: HashSet<u64> = policy.checks.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), policy.checks.len(), "{id}: check ids are unique");
    }
    let ubuntu = real().sca_policy("cis_ubuntu22-04").expect("ubuntu");
    assert_eq!(ubuntu.checks.len(), 207);
    let first = &ubuntu.checks[0];
    assert_eq!(first.id, 28500);
    assert_eq!(first.title, "Ensure /tmp is a separate partition.");
    assert_eq!(first.condition, "all");
    assert_eq!(
        first.compliance[0],
        ("cis".to_owned(), "1.1.2.1.1".to_owned())
    );
    assert!(
        first
            .compliance
            .contains(&("mitre_techniques".to_owned(), "T1499.001".to_owned()))
    );
    assert!(!first.rules.is_empty());
    assert_eq!(
        real().sca_policy("cis_win2022").expect("win").checks.len(),
        359
    );
}

#[test]
fn logtest_cases_follow_the_upstream_runner() {
    let cases = &real().logtest_cases;
    let case = cases
        .iter()
        .find(|c| c.rule_id == "5739")
        .expect("a case for rule 5739");
    assert_eq!(case.level, 4);
    assert_eq!(case.decoder, "sshd");
    assert_eq!(case.log_format, "syslog");
    assert!(case.log.contains("Could not stat AuthorizedKeysCommand"));

    // Both `log 1 pass` lines of a section are cases.
    let dh: Vec<_> = cases.iter().filter(|c| c.rule_id == "5747").collect();
    assert!(dh.len() >= 2, "{dh:?}");
    // Only passing lines, and only for rules that are loaded (upstream's test-ruleset rules,
    // such as 999911 in overwrite.ini, are not).
    assert!(cases.iter().all(|c| !c.log.is_empty()));
    assert!(!cases.iter().any(|c| c.rule_id == "999911"));
    assert!(cases.len() > 1500, "{}", cases.len());
    // Every expected rule exists, at the expected level.
    for case in cases {
        let rule = case
            .rule_id
            .parse()
            .ok()
            .and_then(|id| real().rule(id))
            .unwrap_or_else(|| panic!("{case:?}: no such rule"));
        assert_eq!(rule["level"], case.level, "{case:?}");
    }
    // A passing line of a `fail`-only section is not a case.
    assert!(
        !cases
            .iter()
            .any(|c| c.name == "Incorrect chain/target/match.")
    );
}

#[test]
fn builtin_sample_is_loaded_and_consistent() {
    let sample = builtin();
    assert_eq!(sample.rule_files.len(), 3);
    assert!(sample.rules.len() >= 20, "{}", sample.rules.len());
    assert_eq!(sample.decoder_files.len(), 1);
    assert!(sample.decoders.len() >= 5);
    assert_eq!(sample.sca_policies.len(), 2);
    for policy in &sample.sca_policies {
        assert!(policy.checks.len() >= 8, "{}", policy.id);
    }
    let platforms: BTreeSet<&str> = sample
        .sca_policies
        .iter()
        .map(|p| p.platform.as_str())
        .collect();
    assert_eq!(platforms, BTreeSet::from(["linux", "windows"]));
    assert!(sample.logtest_cases.len() >= 12);

    let rule = sample.rule(5710).expect("sample rule 5710");
    assert_eq!(rule["level"], 5);
    assert_eq!(
        strings(&rule["groups"]),
        ["authentication_failed", "invalid_login", "syslog", "sshd"]
    );
    assert_eq!(strings(&rule["mitre"]), ["T1110.001", "T1021.004"]);
    assert_eq!(
        sample.rule(60204).expect("60204")["details"]["frequency"],
        "$WIN_FREQ"
    );
    assert!(
        sample
            .rules
            .iter()
            .any(|r| strings(&r["groups"]).contains(&"powershell"))
    );
    assert!(
        sample
            .rules
            .iter()
            .any(|r| strings(&r["groups"]).contains(&"rootcheck"))
    );
    assert!(
        sample
            .rules
            .iter()
            .any(|r| strings(&r["groups"]).contains(&"syscheck"))
    );
    assert!(
        sample
            .rules
            .iter()
            .any(|r| strings(&r["groups"]).contains(&"sca"))
    );

    // Every sample test names a sample rule at its level and a sample decoder.
    let decoder_names: HashSet<&str> = sample
        .decoders
        .iter()
        .filter_map(|d| d["name"].as_str())
        .collect();
    for case in &sample.logtest_cases {
        let id: u64 = case.rule_id.parse().expect("numeric rule id");
        let rule = sample
            .rule(id)
            .unwrap_or_else(|| panic!("{case:?}: no rule"));
        assert_eq!(rule["level"], case.level, "{case:?}");
        assert!(decoder_names.contains(case.decoder.as_str()), "{case:?}");
    }
    let ids: HashSet<u64> = sample
        .rules
        .iter()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert_eq!(ids.len(), sample.rules.len(), "sample rule ids are unique");
}

#[test]
fn missing_directories() {
    let empty = std::env::temp_dir().join("wazuh-sim-reference-test-missing");
    match Reference::load(&empty) {
        Err(ReferenceError::Io { path, .. }) => assert!(path.ends_with(RULES_DIR)),
        other => panic!("{other:?}"),
    }
}
