//! The sample content embedded in the crate (`crates/wazuh-sim/assets/`), for
//! [`Reference::builtin`](super::Reference::builtin).

/// One embedded file: its path under `assets/` (laid out like a reference directory) and its
/// text.
pub(super) struct Embedded {
    pub path: &'static str,
    pub text: &'static str,
}

macro_rules! embed {
    ($path:literal) => {
        Embedded {
            path: $path,
            text: include_str!(concat!("../../assets/", $path)),
        }
    };
}

pub(super) const RULE_FILES: &[Embedded] = &[
    embed!("ruleset/rules/0015-ossec_rules.xml"),
    embed!("ruleset/rules/0095-sshd_rules.xml"),
    embed!("ruleset/rules/0580-win-security_rules.xml"),
];

pub(super) const DECODER_FILES: &[Embedded] =
    &[embed!("ruleset/decoders/0010-sample_decoders.xml")];

pub(super) const TESTING_FILES: &[Embedded] = &[
    embed!("ruleset/testing/ossec.ini"),
    embed!("ruleset/testing/sshd.ini"),
    embed!("ruleset/testing/windows.ini"),
];

pub(super) const SCA_FILES: &[Embedded] = &[
    embed!("sca/cis_ubuntu22-04.yml"),
    embed!("sca/cis_win2022.yml"),
];
