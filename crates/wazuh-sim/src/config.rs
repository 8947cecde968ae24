//! Simulator settings.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The Wazuh release whose API the simulator answers as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ApiVersion {
    /// 4.7.5: the last release with `/vulnerability/{agent_id}` in the manager API.
    V4_7_5,
    /// 4.14.7: the current 4.x release (default).
    #[default]
    V4_14_7,
    /// 5.0.0: inventory, rules, SCA and FIM live in the indexer only.
    V5_0_0,
}

impl ApiVersion {
    /// The version string the API reports in `GET /` (`api_version`).
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V4_7_5 => "4.7.5",
            ApiVersion::V4_14_7 => "4.14.7",
            ApiVersion::V5_0_0 => "5.0.0",
        }
    }

    /// Whether the `wazuh-states-inventory-*` indices exist (4.13 and later).
    pub fn has_inventory_indices(self) -> bool {
        self >= ApiVersion::V4_14_7
    }

    /// Whether the `wazuh-states-vulnerabilities-*` index exists (4.8 and later).
    pub fn has_vulnerability_index(self) -> bool {
        self >= ApiVersion::V4_14_7
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim_start_matches('v') {
            "4.7.5" | "4.7" => Ok(ApiVersion::V4_7_5),
            "4.14.7" | "4.14" | "4" => Ok(ApiVersion::V4_14_7),
            "5.0.0" | "5.0" | "5" => Ok(ApiVersion::V5_0_0),
            other => Err(format!(
                "unsupported API version `{other}`: use 4.14.7, 4.7.5 or 5.0.0"
            )),
        }
    }
}

/// Everything needed to start a simulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to bind both listeners to.
    pub host: String,
    /// Manager API port; 0 picks a free port.
    pub manager_port: u16,
    /// Indexer port; 0 picks a free port.
    pub indexer_port: u16,
    /// Number of agents besides the manager (`000`).
    pub agents: usize,
    /// Seed of all generated data.
    pub seed: u64,
    /// Lifetime of issued JWTs, in seconds (Wazuh's `auth_token_exp_timeout`).
    pub token_ttl: u64,
    /// API flavour.
    pub api_version: ApiVersion,
    /// Serve HTTPS with a self-signed certificate.
    pub tls: bool,
    /// Requests per minute before 429 (code 6001); 0 disables the limit.
    pub rate_limit: u32,
    /// Directory with Wazuh's stock content (`ruleset/`, `sca/`); the built-in sample when unset.
    pub data_dir: Option<PathBuf>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            host: "127.0.0.1".into(),
            manager_port: 55000,
            indexer_port: 9200,
            agents: 50,
            seed: 42,
            token_ttl: 900,
            api_version: ApiVersion::default(),
            tls: false,
            rate_limit: 300,
            data_dir: None,
        }
    }
}

impl SimConfig {
    /// A configuration for tests: ephemeral ports on loopback, no rate limit.
    pub fn for_tests() -> Self {
        SimConfig {
            manager_port: 0,
            indexer_port: 0,
            rate_limit: 0,
            ..SimConfig::default()
        }
    }
}
