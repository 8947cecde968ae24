//! Query strings, built safely, and the typed filters of the list endpoints.
//!
//! Every key and value is percent-encoded (all but `A-Z a-z 0-9 - . _ ~`), so a WQL `q` such as
//! `status=active;os.platform=ubuntu` or a search term with `&`, `=`, `#` or spaces travels as
//! one value and can never add or change parameters.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Characters left as they are: RFC 3986 "unreserved".
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An ordered list of query parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// An empty query.
    pub fn new() -> Query {
        Query::default()
    }

    /// Adds `key=value`.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Query {
        self.pairs.push((key.into(), value.into()));
        self
    }

    /// Adds `key=value` when `value` is set.
    pub fn push_opt<V: ToString>(&mut self, key: &str, value: Option<V>) -> &mut Query {
        if let Some(v) = value {
            self.pairs.push((key.to_string(), v.to_string()));
        }
        self
    }

    /// Adds `key=a,b,c` when `values` is not empty.
    pub fn push_list<V: AsRef<str>>(&mut self, key: &str, values: &[V]) -> &mut Query {
        if !values.is_empty() {
            let joined: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
            self.pairs.push((key.to_string(), joined.join(",")));
        }
        self
    }

    /// The parameters, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Whether there is no parameter.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `k1=v1&k2=v2`, percent-encoded.
    pub fn encode(&self) -> String {
        self.pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, QUERY_VALUE),
                    utf8_percent_encode(v, QUERY_VALUE)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Query {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Query {
        Query {
            pairs: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

/// Percent-encodes one path segment.
pub(crate) fn segment(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// The parameters every Wazuh list endpoint takes, plus endpoint-specific filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// First item to return (0-based).
    pub offset: Option<u64>,
    /// Most items to return (Wazuh's default is 500, its maximum 100000).
    pub limit: Option<u64>,
    /// Sort fields: `+name,-id` (ascending by default).
    pub sort: Option<String>,
    /// Free-text search; a leading `-` negates it.
    pub search: Option<String>,
    /// Fields to return (dotted for nested fields: `os.name`).
    pub select: Vec<String>,
    /// A WQL filter, e.g. `status=active;os.platform=ubuntu`; sent as one encoded value.
    pub q: Option<String>,
    /// Return only distinct values of the selected fields.
    pub distinct: Option<bool>,
    /// Endpoint-specific filters (`name`, `vendor`, `pid`, `file`...), sent as given.
    pub filters: Vec<(String, String)>,
}

impl ListQuery {
    /// A query with only `limit`.
    pub fn with_limit(limit: u64) -> ListQuery {
        ListQuery {
            limit: Some(limit),
            ..ListQuery::default()
        }
    }

    /// Adds an endpoint-specific filter.
    pub fn filter(mut self, key: impl Into<String>, value: impl Into<String>) -> ListQuery {
        self.filters.push((key.into(), value.into()));
        self
    }

    pub(crate) fn append_to(&self, query: &mut Query) -> Result<()> {
        if let Some(limit) = self.limit
            && limit == 0
        {
            return Err(Error::validation(
                "limit",
                "0",
                "must be at least 1 (Wazuh's maximum is 100000)",
            ));
        }
        query
            .push_opt("offset", self.offset)
            .push_opt("limit", self.limit)
            .push_opt("sort", self.sort.as_deref().filter(|s| !s.is_empty()))
            .push_opt("search", self.search.as_deref().filter(|s| !s.is_empty()))
            .push_list("select", &self.select)
            .push_opt("q", self.q.as_deref().filter(|s| !s.is_empty()))
            .push_opt("distinct", self.distinct);
        for (k, v) in &self.filters {
            if k.is_empty() {
                return Err(Error::validation(
                    "filters",
                    v.clone(),
                    "a filter needs a parameter name",
                ));
            }
            query.push(k.clone(), v.clone());
        }
        Ok(())
    }

    pub(crate) fn to_query(&self) -> Result<Query> {
        let mut query = Query::new();
        self.append_to(&mut query)?;
        Ok(query)
    }
}

/// Connection status of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Connected and reporting.
    Active,
    /// Registered, handshake not completed.
    Pending,
    /// Registered, never connected.
    NeverConnected,
    /// Was connected, no longer reporting.
    Disconnected,
}

impl AgentStatus {
    /// The value Wazuh uses.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentStatus::Active => "active",
            AgentStatus::Pending => "pending",
            AgentStatus::NeverConnected => "never_connected",
            AgentStatus::Disconnected => "disconnected",
        }
    }
}

impl std::str::FromStr for AgentStatus {
    type Err = Error;

    fn from_str(s: &str) -> Result<AgentStatus> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "active" => Ok(AgentStatus::Active),
            "pending" => Ok(AgentStatus::Pending),
            "never_connected" => Ok(AgentStatus::NeverConnected),
            "disconnected" => Ok(AgentStatus::Disconnected),
            _ => Err(Error::validation(
                "status",
                s,
                "use active, pending, never_connected or disconnected",
            )),
        }
    }
}

/// Filters of `GET /agents`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentQuery {
    /// Paging, sorting, `select`, `search`, `q`.
    #[serde(flatten)]
    pub list: ListQuery,
    /// Only these agent ids (`agents_list`); each must be 3+ digits.
    pub agents_list: Vec<String>,
    /// Any of these statuses.
    pub status: Vec<AgentStatus>,
    /// `os.platform` (e.g. `ubuntu`, `windows`).
    pub os_platform: Option<String>,
    /// `os.name`.
    pub os_name: Option<String>,
    /// `os.version`.
    pub os_version: Option<String>,
    /// Agent name.
    pub name: Option<String>,
    /// Agent IP.
    pub ip: Option<String>,
    /// Group name.
    pub group: Option<String>,
    /// Agent version, e.g. `Wazuh v4.14.7` or `4.14.7`.
    pub version: Option<String>,
    /// Manager node name.
    pub node_name: Option<String>,
    /// Agents whose last keep-alive is older than this timeframe (`1d`, `10m`).
    pub older_than: Option<String>,
}

impl AgentQuery {
    pub(crate) fn to_query(&self) -> Result<Query> {
        for id in &self.agents_list {
            crate::validate::agent_id(id)?;
        }
        let mut query = Query::new();
        let statuses: Vec<&str> = self.status.iter().map(|s| s.as_str()).collect();
        query
            .push_list("agents_list", &self.agents_list)
            .push_list("status", &statuses)
            .push_opt("os.platform", self.os_platform.as_deref())
            .push_opt("os.name", self.os_name.as_deref())
            .push_opt("os.version", self.os_version.as_deref())
            .push_opt("name", self.name.as_deref())
            .push_opt("ip", self.ip.as_deref())
            .push_opt("group", self.group.as_deref())
            .push_opt("version", self.version.as_deref())
            .push_opt("node_name", self.node_name.as_deref())
            .push_opt("older_than", self.older_than.as_deref());
        self.list.append_to(&mut query)?;
        Ok(query)
    }
}

/// Whether a rule file is enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// Loaded by the manager.
    Enabled,
    /// Excluded in `ossec.conf`.
    Disabled,
    /// Both.
    All,
}

impl RuleStatus {
    fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Enabled => "enabled",
            RuleStatus::Disabled => "disabled",
            RuleStatus::All => "all",
        }
    }
}

/// Filters of `GET /rules`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleQuery {
    /// Paging, sorting, `select`, `search`, `q`.
    #[serde(flatten)]
    pub list: ListQuery,
    /// Only these rule ids.
    pub rule_ids: Vec<u64>,
    /// A level (`"5"`) or an inclusive range (`"5-10"`), levels 0 to 16.
    pub level: Option<String>,
    /// Rule group (e.g. `authentication_failed`).
    pub group: Option<String>,
    /// Rule file name (e.g. `0095-sshd_rules.xml`).
    pub filename: Option<String>,
    /// Directory of the rule file (e.g. `ruleset/rules`).
    pub relative_dirname: Option<String>,
    /// PCI DSS requirement (e.g. `10.2.4`).
    pub pci_dss: Option<String>,
    /// GDPR article (e.g. `IV_35.7.d`).
    pub gdpr: Option<String>,
    /// GPG13 requirement.
    pub gpg13: Option<String>,
    /// HIPAA requirement (e.g. `164.312.b`).
    pub hipaa: Option<String>,
    /// NIST 800-53 control (e.g. `AU.14`).
    pub nist_800_53: Option<String>,
    /// TSC criterion (e.g. `CC6.1`).
    pub tsc: Option<String>,
    /// MITRE ATT&CK technique id (e.g. `T1110`).
    pub mitre: Option<String>,
    /// Enabled, disabled or all rule files.
    pub status: Option<RuleStatus>,
}

impl RuleQuery {
    pub(crate) fn to_query(&self) -> Result<Query> {
        if let Some(level) = &self.level {
            crate::validate::rule_level(level)?;
        }
        if let Some(filename) = &self.filename {
            crate::validate::file_name(filename)?;
        }
        let ids: Vec<String> = self.rule_ids.iter().map(u64::to_string).collect();
        let mut query = Query::new();
        query
            .push_list("rule_ids", &ids)
            .push_opt("level", self.level.as_deref().map(str::trim))
            .push_opt("group", self.group.as_deref())
            .push_opt("filename", self.filename.as_deref())
            .push_opt("relative_dirname", self.relative_dirname.as_deref())
            .push_opt("pci_dss", self.pci_dss.as_deref())
            .push_opt("gdpr", self.gdpr.as_deref())
            .push_opt("gpg13", self.gpg13.as_deref())
            .push_opt("hipaa", self.hipaa.as_deref())
            .push_opt("nist-800-53", self.nist_800_53.as_deref())
            .push_opt("tsc", self.tsc.as_deref())
            .push_opt("mitre", self.mitre.as_deref())
            .push_opt("status", self.status.map(RuleStatus::as_str));
        self.list.append_to(&mut query)?;
        Ok(query)
    }
}

/// Result of an SCA check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaResult {
    /// The check passed.
    Passed,
    /// The check failed.
    Failed,
    /// The check could not be evaluated.
    NotApplicable,
}

impl ScaResult {
    fn as_str(self) -> &'static str {
        match self {
            ScaResult::Passed => "passed",
            ScaResult::Failed => "failed",
            ScaResult::NotApplicable => "not applicable",
        }
    }
}

/// Filters of `GET /sca/{agent_id}/checks/{policy_id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScaCheckQuery {
    /// Paging, sorting, `select`, `search`, `q`.
    #[serde(flatten)]
    pub list: ListQuery,
    /// Only checks with this result.
    pub result: Option<ScaResult>,
    /// Title filter.
    pub title: Option<String>,
    /// Description filter.
    pub description: Option<String>,
    /// Rationale filter.
    pub rationale: Option<String>,
    /// Remediation filter.
    pub remediation: Option<String>,
    /// Command filter.
    pub command: Option<String>,
    /// Reason filter.
    pub reason: Option<String>,
    /// File filter.
    pub file: Option<String>,
    /// Process filter.
    pub process: Option<String>,
    /// Directory filter.
    pub directory: Option<String>,
    /// Registry filter.
    pub registry: Option<String>,
    /// References filter.
    pub references: Option<String>,
    /// Condition filter (`all`, `any`, `none`).
    pub condition: Option<String>,
}

impl ScaCheckQuery {
    pub(crate) fn to_query(&self) -> Result<Query> {
        let mut query = Query::new();
        query
            .push_opt("result", self.result.map(ScaResult::as_str))
            .push_opt("title", self.title.as_deref())
            .push_opt("description", self.description.as_deref())
            .push_opt("rationale", self.rationale.as_deref())
            .push_opt("remediation", self.remediation.as_deref())
            .push_opt("command", self.command.as_deref())
            .push_opt("reason", self.reason.as_deref())
            .push_opt("file", self.file.as_deref())
            .push_opt("process", self.process.as_deref())
            .push_opt("directory", self.directory.as_deref())
            .push_opt("registry", self.registry.as_deref())
            .push_opt("references", self.references.as_deref())
            .push_opt("condition", self.condition.as_deref());
        self.list.append_to(&mut query)?;
        Ok(query)
    }
}

/// Filters of `GET /manager/logs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogsQuery {
    /// Paging, sorting, `select`, `search`, `q`.
    #[serde(flatten)]
    pub list: ListQuery,
    /// Daemon tag, e.g. `wazuh-analysisd`.
    pub tag: Option<String>,
    /// `critical`, `debug`, `debug2`, `error`, `info` or `warning`.
    pub level: Option<String>,
}

impl LogsQuery {
    pub(crate) fn to_query(&self) -> Result<Query> {
        let mut query = Query::new();
        query
            .push_opt("tag", self.tag.as_deref())
            .push_opt("level", self.level.as_deref());
        self.list.append_to(&mut query)?;
        Ok(query)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_inject_parameters() {
        let mut q = Query::new();
        q.push("q", "name=web&limit=1;os.platform=ubuntu,status!=active")
            .push("search", "a b+c#d/é");
        assert_eq!(
            q.encode(),
            "q=name%3Dweb%26limit%3D1%3Bos.platform%3Dubuntu%2Cstatus%21%3Dactive\
             &search=a%20b%2Bc%23d%2F%C3%A9"
        );
    }

    #[test]
    fn agent_query_builds_spec_parameters() {
        let q = AgentQuery {
            list: ListQuery {
                limit: Some(10),
                select: vec!["id".into(), "os.name".into()],
                q: Some("lastKeepAlive<1d".into()),
                ..ListQuery::default()
            },
            status: vec![AgentStatus::Active, AgentStatus::NeverConnected],
            os_platform: Some("ubuntu".into()),
            agents_list: vec!["001".into(), "002".into()],
            ..AgentQuery::default()
        };
        assert_eq!(
            q.to_query().expect("valid").encode(),
            "agents_list=001%2C002&status=active%2Cnever_connected&os.platform=ubuntu\
             &limit=10&select=id%2Cos.name&q=lastKeepAlive%3C1d"
        );
        let bad = AgentQuery {
            agents_list: vec!["1".into()],
            ..AgentQuery::default()
        };
        assert!(matches!(bad.to_query(), Err(Error::Validation { .. })));
    }

    #[test]
    fn rule_query_checks_level_and_filename() {
        let q = RuleQuery {
            level: Some("5-10".into()),
            nist_800_53: Some("AU.14".into()),
            rule_ids: vec![5710, 5712],
            ..RuleQuery::default()
        };
        assert_eq!(
            q.to_query().expect("valid").encode(),
            "rule_ids=5710%2C5712&level=5-10&nist-800-53=AU.14"
        );
        for bad in ["10-5", "17", "high", "5-"] {
            let q = RuleQuery {
                level: Some(bad.into()),
                ..RuleQuery::default()
            };
            assert!(q.to_query().is_err(), "{bad}");
        }
        let q = RuleQuery {
            filename: Some("../etc/passwd".into()),
            ..RuleQuery::default()
        };
        assert!(q.to_query().is_err());
    }

    #[test]
    fn statuses_parse_leniently() {
        assert_eq!(
            "Never-Connected".parse::<AgentStatus>().ok(),
            Some(AgentStatus::NeverConnected)
        );
        assert!("up".parse::<AgentStatus>().is_err());
        let q = ScaCheckQuery {
            result: Some(ScaResult::NotApplicable),
            ..ScaCheckQuery::default()
        };
        assert_eq!(
            q.to_query().expect("valid").encode(),
            "result=not%20applicable"
        );
    }

    #[test]
    fn zero_limit_is_refused() {
        let q = ListQuery::with_limit(0);
        assert!(q.to_query().is_err());
    }

    #[test]
    fn list_queries_deserialize_flat() {
        let q: AgentQuery = serde_json::from_value(serde_json::json!({
            "limit": 5, "status": ["active"], "os_platform": "windows"
        }))
        .expect("valid");
        assert_eq!(q.list.limit, Some(5));
        assert_eq!(q.status, vec![AgentStatus::Active]);
    }
}
