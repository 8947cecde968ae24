//! Typed views of a few manager answers. Every field is optional and read leniently (numbers
//! sent as strings and the like), and fields we do not model are kept in `extra`, so a newer or
//! older manager never makes a call fail.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::TokenClaims;
use crate::envelope::lenient;
use crate::error::{Error, Result};

/// `GET /`: what the API says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiInfo {
    /// `Wazuh API REST`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    /// API version, e.g. `4.14.7` (some releases prefix a `v`).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub api_version: Option<String>,
    /// Build revision.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub revision: Option<String>,
    /// License name.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub license_name: Option<String>,
    /// License URL.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub license_url: Option<String>,
    /// Host name of the manager.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub hostname: Option<String>,
    /// Server time.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub timestamp: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What `authenticate()` learned: who we are and whom we talk to. The token stays inside the
/// client.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// The user the token was issued to (`sub`), or the configured user name.
    pub user: String,
    /// Role ids of the token (`rbac_roles`): the user's, or those an authorization context
    /// matched for a run_as login.
    pub rbac_roles: Vec<i64>,
    /// Whether the token came from a run_as login (`run_as`).
    pub run_as: bool,
    /// Seconds until the token expires.
    pub expires_in_secs: u64,
    /// The API's self-description.
    pub api: ApiInfo,
}

impl Session {
    pub(crate) fn new(
        username: &str,
        claims: &TokenClaims,
        expires_in_secs: u64,
        api: ApiInfo,
    ) -> Self {
        Session {
            user: claims.sub.clone().unwrap_or_else(|| username.to_string()),
            rbac_roles: claims.rbac_roles.clone(),
            run_as: claims.run_as.unwrap_or(false),
            expires_in_secs,
            api,
        }
    }
}

/// An agent's operating system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentOs {
    /// e.g. `Ubuntu`, `Microsoft Windows Server 2022 Datacenter`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// e.g. `ubuntu`, `windows`, `darwin`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub platform: Option<String>,
    /// e.g. `22.04.4 LTS`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub version: Option<String>,
    /// e.g. `x86_64`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub arch: Option<String>,
    /// Major version.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub major: Option<String>,
    /// Minor version.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub minor: Option<String>,
    /// Code name.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub codename: Option<String>,
    /// `uname` string.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub uname: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An agent, as `GET /agents` returns it (any field may be missing when `select` is used).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Agent {
    /// Agent id, e.g. `001` (`000` is the manager).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Agent name.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// IP the agent connects from.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub ip: Option<String>,
    /// `active`, `pending`, `never_connected` or `disconnected`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// Agent version, e.g. `Wazuh v4.14.7`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub version: Option<String>,
    /// Operating system.
    #[serde(deserialize_with = "lenient_os")]
    pub os: Option<AgentOs>,
    /// Groups.
    #[serde(deserialize_with = "lenient::string_list")]
    pub group: Vec<String>,
    /// Last keep-alive time.
    #[serde(rename = "lastKeepAlive", deserialize_with = "lenient::opt_string")]
    pub last_keep_alive: Option<String>,
    /// Registration time.
    #[serde(rename = "dateAdd", deserialize_with = "lenient::opt_string")]
    pub date_add: Option<String>,
    /// Manager host name.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub manager: Option<String>,
    /// Cluster node name.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub node_name: Option<String>,
    /// Registration IP (`any` when not restricted).
    #[serde(rename = "registerIP", deserialize_with = "lenient::opt_string")]
    pub register_ip: Option<String>,
    /// `synced` or `not synced`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub group_config_status: Option<String>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn lenient_os<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<AgentOs>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(map) => serde_json::from_value(Value::Object(map)).ok(),
        _ => None,
    })
}

/// `GET /agents/summary/status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentsSummary {
    /// Agents by connection status.
    pub connection: ConnectionSummary,
    /// Agents by group configuration sync status.
    pub configuration: ConfigurationSummary,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Agents by connection status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionSummary {
    /// Connected.
    #[serde(deserialize_with = "count")]
    pub active: u64,
    /// No longer reporting.
    #[serde(deserialize_with = "count")]
    pub disconnected: u64,
    /// Never connected.
    #[serde(deserialize_with = "count")]
    pub never_connected: u64,
    /// Handshake pending.
    #[serde(deserialize_with = "count")]
    pub pending: u64,
    /// All agents.
    #[serde(deserialize_with = "count")]
    pub total: u64,
}

/// Agents by configuration sync status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigurationSummary {
    /// In sync.
    #[serde(deserialize_with = "count")]
    pub synced: u64,
    /// Not in sync.
    #[serde(deserialize_with = "count")]
    pub not_synced: u64,
    /// All agents.
    #[serde(deserialize_with = "count")]
    pub total: u64,
}

fn count<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<u64, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    })
}

/// Kinds of syscollector (inventory) data of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyscollectorKind {
    /// Installed packages.
    Packages,
    /// Running processes.
    Processes,
    /// Open ports.
    Ports,
    /// Operating system.
    Os,
    /// Hardware.
    Hardware,
    /// Network addresses.
    Netaddr,
    /// Network interfaces.
    Netiface,
    /// Network protocols.
    Netproto,
    /// Windows hotfixes.
    Hotfixes,
}

impl SyscollectorKind {
    /// Every kind.
    pub const ALL: [SyscollectorKind; 9] = [
        SyscollectorKind::Packages,
        SyscollectorKind::Processes,
        SyscollectorKind::Ports,
        SyscollectorKind::Os,
        SyscollectorKind::Hardware,
        SyscollectorKind::Netaddr,
        SyscollectorKind::Netiface,
        SyscollectorKind::Netproto,
        SyscollectorKind::Hotfixes,
    ];

    /// Whether the endpoint answers a single record and takes only `select` (`os`, `hardware`).
    pub fn is_single(self) -> bool {
        matches!(self, SyscollectorKind::Os | SyscollectorKind::Hardware)
    }

    /// The path segment: `/syscollector/{agent_id}/<this>`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyscollectorKind::Packages => "packages",
            SyscollectorKind::Processes => "processes",
            SyscollectorKind::Ports => "ports",
            SyscollectorKind::Os => "os",
            SyscollectorKind::Hardware => "hardware",
            SyscollectorKind::Netaddr => "netaddr",
            SyscollectorKind::Netiface => "netiface",
            SyscollectorKind::Netproto => "netproto",
            SyscollectorKind::Hotfixes => "hotfixes",
        }
    }
}

impl std::str::FromStr for SyscollectorKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase();
        SyscollectorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                Error::validation(
                    "kind",
                    s,
                    "use packages, processes, ports, os, hardware, netaddr, netiface, netproto or hotfixes",
                )
            })
    }
}

/// A rule file's content: the XML as it is on disk, or the manager's JSON rendering of it.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleFileContent {
    /// `raw=true`: the file's text.
    Raw(String),
    /// The file parsed to JSON by the manager.
    Parsed(Value),
}

/// A `PUT /logtest` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogtestRequest {
    /// The log line.
    pub event: String,
    /// Log format, e.g. `syslog`, `json`, `eventchannel`.
    pub log_format: String,
    /// Where the log came from, e.g. `/var/log/auth.log`.
    pub location: String,
    /// A session token from an earlier answer, to keep decoder state across events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// What `PUT /logtest` answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogtestResult {
    /// Session token, to pass back for the next event of the same session.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub token: Option<String>,
    /// Messages of the engine.
    #[serde(deserialize_with = "lenient::string_list")]
    pub messages: Vec<String>,
    /// The decoded event and the matched rule (`output.rule.id`, `output.rule.level`...).
    pub output: Value,
    /// Whether an alert would be raised.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub alert: Option<bool>,
    /// Engine status code.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub codemsg: Option<i64>,
    /// Anything else.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `PUT /active-response` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveResponseRequest {
    /// Command to run; a leading `!` names a script instead of a configured command.
    pub command: String,
    /// Command arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    /// Alert data passed to the command (`{"data": {...}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<Value>,
    /// Target agents; empty means every agent (Wazuh's default), so the caller must say so
    /// explicitly with `all_agents`.
    #[serde(default)]
    pub agents: Vec<String>,
    /// Send to every agent; must be set when `agents` is empty.
    #[serde(default)]
    pub all_agents: bool,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn agents_parse_leniently() {
        let agent: Agent = serde_json::from_value(json!({
            "id": "001", "name": "web", "status": "active", "os": {"platform": "ubuntu", "major": 22},
            "group": "default", "lastKeepAlive": "2021-05-26T12:40:40Z", "registerIP": "any",
            "status_code": 0, "new_field": [1]
        }))
        .expect("agent");
        assert_eq!(agent.id.as_deref(), Some("001"));
        assert_eq!(agent.group, vec!["default"]);
        let os = agent.os.expect("os");
        assert_eq!(os.major.as_deref(), Some("22"));
        assert_eq!(agent.register_ip.as_deref(), Some("any"));
        assert!(agent.extra.contains_key("new_field"));

        let odd: Agent =
            serde_json::from_value(json!({"id": 7, "os": "linux", "group": null})).expect("agent");
        assert_eq!(odd.id.as_deref(), Some("7"));
        assert!(odd.os.is_none());
        assert!(odd.group.is_empty());
    }

    #[test]
    fn summary_and_logtest_parse() {
        let summary: AgentsSummary = serde_json::from_value(json!({
            "connection": {"active": 8, "disconnected": 0, "never_connected": "3", "pending": 0, "total": 11},
            "configuration": {"synced": 8, "not_synced": 3, "total": 11}
        }))
        .expect("summary");
        assert_eq!(summary.connection.never_connected, 3);
        assert_eq!(summary.configuration.total, 11);

        let result: LogtestResult = serde_json::from_value(json!({
            "messages": ["INFO: (7202): Session initialized with token '8cd2d6d1'"],
            "token": "8cd2d6d1",
            "output": {"rule": {"id": 1002, "level": 2}},
            "alert": false,
            "codemsg": 1
        }))
        .expect("logtest");
        assert_eq!(result.token.as_deref(), Some("8cd2d6d1"));
        assert_eq!(result.output["rule"]["id"], 1002);
        assert_eq!(result.alert, Some(false));
    }

    #[test]
    fn syscollector_kinds_round_trip() {
        for kind in SyscollectorKind::ALL {
            assert_eq!(kind.as_str().parse::<SyscollectorKind>().ok(), Some(kind));
        }
        assert!("browser".parse::<SyscollectorKind>().is_err());
    }
}
