//! The fleet: the manager (`000`) and N agents with realistic names, addresses, OS mix,
//! groups and connection states.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::WorldConfig;
use super::catalog::{self, Family, OsInfo};
use super::rng::{agent_rng, hex_of, pick, world_rng};

/// Name the manager reports for itself.
pub(crate) const MANAGER_NAME: &str = "wazuh-manager";
/// Cluster node name.
pub(crate) const NODE_NAME: &str = "node01";
/// Indexer cluster name (`wazuh.cluster.name`).
pub(crate) const CLUSTER_NAME: &str = "wazuh";
/// The attacker host of the planted threats.
pub const ATTACKER_IP: &str = "192.168.1.100";

/// What a host does; drives names, groups, packages, processes and ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Manager,
    Web,
    Db,
    App,
    Mail,
    Docker,
    Bastion,
    Dc,
    FileServer,
    Sql,
    Workstation,
    Laptop,
    Mac,
}

impl Role {
    /// Package/process tag this role enables.
    pub(crate) fn tags(self) -> &'static [&'static str] {
        match self {
            Role::Web => &["web"],
            Role::Db => &["db"],
            Role::App => &["app"],
            Role::Mail => &["mail"],
            Role::Docker => &["docker"],
            Role::Manager => &["manager"],
            Role::Dc | Role::FileServer => &["srv", "dc"],
            Role::Sql => &["srv", "sql"],
            Role::Workstation | Role::Laptop => &["desk"],
            Role::Bastion | Role::Mac => &[],
        }
    }

    pub(crate) fn is_server(self) -> bool {
        !matches!(self, Role::Workstation | Role::Laptop | Role::Mac)
    }
}

/// Connection state of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Active,
    Disconnected,
    NeverConnected,
    Pending,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disconnected => "disconnected",
            Status::NeverConnected => "never_connected",
            Status::Pending => "pending",
        }
    }
}

/// Threats planted on an agent (see [`super::World::planted_threats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Planted {
    pub encoded_powershell: bool,
    pub reverse_shell: bool,
    pub persistence: bool,
    pub attacker_connection: bool,
}

/// Everything needed to regenerate one agent's data.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub id: String,
    pub name: String,
    pub ip: String,
    pub os: &'static OsInfo,
    pub role: Role,
    pub status: Status,
    pub groups: Vec<String>,
    /// Agent version, e.g. `4.9.2`.
    pub version: String,
    pub date_add: DateTime<Utc>,
    pub last_keepalive: Option<DateTime<Utc>>,
    pub disconnection_time: Option<DateTime<Utc>>,
    pub planted: Planted,
    /// Hex digits of the agent's MAC address tail, stable per agent.
    pub mac_tail: String,
    /// Windows domain / DNS suffix.
    pub domain: &'static str,
}

impl Profile {
    pub(crate) fn family(&self) -> Family {
        self.os.family
    }

    /// Whether the agent ever reported data (inventory, SCA, FIM, alerts).
    pub(crate) fn has_data(&self) -> bool {
        matches!(self.status, Status::Active | Status::Disconnected)
    }

    /// End of the agent's reporting: now for active agents, the disconnection otherwise.
    pub(crate) fn last_seen(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.status {
            Status::Active => now,
            _ => self.last_keepalive.unwrap_or(now),
        }
    }

    pub(crate) fn fqdn(&self) -> String {
        format!("{}.{}", self.name, self.domain)
    }
}

const DEPTS: &[&str] = &["FIN", "HR", "ENG", "OPS", "SALES", "MKT", "LEGAL", "IT"];
const ENVS: &[&str] = &["prod", "prod", "prod", "stg", "dev"];

/// Generates the fleet, `000` first.
pub(crate) fn generate(config: &WorldConfig) -> Vec<Profile> {
    let now = config.now;
    let mut rng = world_rng(config.seed, "fleet");
    let n = config.agents;
    let mut out = Vec::with_capacity(n + 1);
    out.push(manager(config));

    // Special positions: exactly one never_connected (the last agent for small fleets, a
    // random late one otherwise), one pending in bigger fleets.
    let never = if n >= 2 {
        Some(if n <= 6 { n } else { rng.random_range(6..=n) })
    } else {
        None
    };
    let pending = if n >= 20 {
        let mut p = rng.random_range(6..=n);
        if Some(p) == never {
            p = if p > 6 { p - 1 } else { p + 1 };
        }
        Some(p)
    } else {
        None
    };

    let mut counters: std::collections::HashMap<String, usize> = Default::default();
    for i in 1..=n {
        let id = format!("{i:03}");
        let mut arng = agent_rng(config.seed, &id, "profile");
        let (os_key, role) = match i {
            1 => ("ubuntu22", Role::Web),
            2 => ("win2022", Role::Dc),
            3 => ("win11", Role::Laptop),
            4 => ("rhel9", Role::Db),
            5 => ("macos14", Role::Mac),
            _ => random_kind(&mut arng),
        };
        let os = catalog::os(os_key);
        let name = hostname(role, &mut arng, &mut counters);
        let status = if Some(i) == never {
            Status::NeverConnected
        } else if Some(i) == pending {
            Status::Pending
        } else if i > 5 && arng.random_bool(0.08) {
            Status::Disconnected
        } else {
            Status::Active
        };
        let ip = address(i, role);
        let mut groups = vec!["default".to_string()];
        match os.family {
            Family::Linux => groups.push("linux".into()),
            Family::Windows => groups.push("windows".into()),
            Family::Macos => groups.push("macos".into()),
        }
        let role_group = match role {
            Role::Web => Some("webservers"),
            Role::Db | Role::Sql => Some("databases"),
            Role::Dc => Some("dc"),
            Role::Mail => Some("mail"),
            Role::Docker => Some("containers"),
            Role::Bastion => Some("dmz"),
            Role::Laptop | Role::Workstation => Some("workstations"),
            _ => None,
        };
        if let Some(g) = role_group {
            groups.push(g.into());
        }
        if name.starts_with("FIN-") {
            groups.push("finance".into());
        }
        let version = agent_version(os, &mut arng);
        let date_add = now
            - Duration::days(arng.random_range(20..400))
            - Duration::seconds(arng.random_range(0..86_400));
        let (last_keepalive, disconnection_time) = match status {
            Status::Active => (
                Some(now - Duration::seconds(arng.random_range(1..60))),
                None,
            ),
            Status::Disconnected => {
                let hours = if arng.random_bool(0.5) {
                    arng.random_range(2..24)
                } else {
                    arng.random_range(24..24 * 6)
                };
                let last =
                    now - Duration::hours(hours) - Duration::seconds(arng.random_range(0..3600));
                (
                    Some(last),
                    Some(last + Duration::seconds(arng.random_range(600..1200))),
                )
            }
            Status::Pending => (
                Some(now - Duration::seconds(arng.random_range(1..120))),
                None,
            ),
            Status::NeverConnected => (None, None),
        };
        let planted = Planted {
            encoded_powershell: i == 2 || i == 3,
            reverse_shell: i == 1,
            persistence: i == 1 || i == 2,
            attacker_connection: (1..=4).contains(&i),
        };
        let domain = match os.family {
            Family::Windows => "corp.example.com",
            _ => "example.internal",
        };
        out.push(Profile {
            mac_tail: hex_of(&format!("{}:{id}", config.seed), 6),
            id,
            name,
            ip,
            os,
            role,
            status,
            groups,
            version,
            date_add,
            last_keepalive,
            disconnection_time,
            planted,
            domain,
        });
    }
    out
}

fn manager(config: &WorldConfig) -> Profile {
    let mut rng = agent_rng(config.seed, "000", "profile");
    Profile {
        id: "000".into(),
        name: MANAGER_NAME.into(),
        ip: "127.0.0.1".into(),
        os: catalog::os("ubuntu22"),
        role: Role::Manager,
        status: Status::Active,
        groups: Vec::new(),
        version: config.api_version.as_str().to_string(),
        date_add: config.now - Duration::days(rng.random_range(400..500)),
        last_keepalive: None,
        disconnection_time: None,
        planted: Planted::default(),
        mac_tail: hex_of(&format!("{}:000", config.seed), 6),
        domain: "example.internal",
    }
}

fn random_kind(rng: &mut impl Rng) -> (&'static str, Role) {
    let x: f64 = rng.random();
    if x < 0.45 {
        let os = *pick(
            rng,
            &[
                "ubuntu22", "ubuntu22", "ubuntu22", "ubuntu20", "ubuntu20", "rhel9", "centos7",
                "amzn2", "debian12",
            ],
        )
        .unwrap_or(&"ubuntu22");
        let role = *pick(
            rng,
            &[
                Role::Web,
                Role::Web,
                Role::Db,
                Role::App,
                Role::App,
                Role::Mail,
                Role::Docker,
                Role::Bastion,
            ],
        )
        .unwrap_or(&Role::App);
        (os, role)
    } else if x < 0.90 {
        if rng.random_bool(0.3) {
            let os = *pick(rng, &["win2022", "win2022", "win2019"]).unwrap_or(&"win2022");
            let role = *pick(
                rng,
                &[Role::Dc, Role::FileServer, Role::Sql, Role::FileServer],
            )
            .unwrap_or(&Role::FileServer);
            (os, role)
        } else {
            let os = *pick(rng, &["win10", "win11", "win11"]).unwrap_or(&"win11");
            let role = if rng.random_bool(0.5) {
                Role::Laptop
            } else {
                Role::Workstation
            };
            (os, role)
        }
    } else {
        (
            *pick(rng, &["macos14", "macos14", "macos13"]).unwrap_or(&"macos14"),
            Role::Mac,
        )
    }
}

fn next(counters: &mut std::collections::HashMap<String, usize>, key: &str) -> usize {
    let c = counters.entry(key.to_string()).or_insert(0);
    *c += 1;
    *c
}

fn hostname(
    role: Role,
    rng: &mut impl Rng,
    counters: &mut std::collections::HashMap<String, usize>,
) -> String {
    match role {
        Role::Web => format!("web-{:02}", next(counters, "web")),
        Role::Db => {
            let env = *pick(rng, ENVS).unwrap_or(&"prod");
            let key = format!("db-{env}");
            format!("db-{env}-{:02}", next(counters, &key))
        }
        Role::App => {
            let env = *pick(rng, ENVS).unwrap_or(&"prod");
            let key = format!("app-{env}");
            format!("app-{env}-{:02}", next(counters, &key))
        }
        Role::Mail => format!("mail-{:02}", next(counters, "mail")),
        Role::Docker => format!("k8s-node-{:02}", next(counters, "k8s")),
        Role::Bastion => format!("bastion-{:02}", next(counters, "bastion")),
        Role::Dc => format!("WIN-DC{:02}", next(counters, "dc")),
        Role::FileServer => format!("WIN-FS{:02}", next(counters, "fs")),
        Role::Sql => format!("WIN-SQL{:02}", next(counters, "sql")),
        Role::Workstation | Role::Laptop => {
            let dept = *pick(rng, DEPTS).unwrap_or(&"IT");
            let kind = if role == Role::Laptop { "LAPTOP" } else { "WS" };
            let key = format!("{dept}-{kind}");
            format!("{key}-{:02}", next(counters, &key))
        }
        Role::Mac => {
            let team = *pick(rng, &["eng", "design", "exec", "mkt"]).unwrap_or(&"eng");
            let key = format!("{team}-mbp");
            format!("{key}-{:02}", next(counters, &key))
        }
        Role::Manager => MANAGER_NAME.to_string(),
    }
}

/// Unique address per agent: servers in 10.10.0.0/16, offices in 172.16.0.0/12, branches in
/// 192.168.10.0+ (never the attacker's 192.168.1.0/24).
fn address(i: usize, role: Role) -> String {
    let hi = (i / 250) % 250;
    let lo = i % 250 + 2;
    if role.is_server() {
        format!("10.10.{hi}.{lo}")
    } else if i.is_multiple_of(3) {
        format!("192.168.{}.{lo}", 10 + hi % 200)
    } else {
        format!("172.16.{hi}.{lo}")
    }
}

fn agent_version(os: &OsInfo, rng: &mut impl Rng) -> String {
    let v = os
        .packages
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case("wazuh-agent") || p.name == "Wazuh Agent")
        .map(|p| p.new.trim_end_matches("-1").to_string())
        .unwrap_or_else(|| "4.9.2".into());
    if rng.random_bool(0.1) {
        "4.8.2".into()
    } else {
        v
    }
}

/// Agent date format of the 4.x API.
pub(crate) fn api_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

/// The `os` object of `GET /agents`.
pub(crate) fn agent_os(p: &Profile) -> Value {
    let os = p.os;
    match os.family {
        Family::Linux => {
            let mut m = Map::new();
            m.insert("arch".into(), json!(os.arch));
            if !os.codename.is_empty() {
                m.insert("codename".into(), json!(os.codename));
            }
            m.insert("major".into(), json!(os.major));
            if !os.minor.is_empty() {
                m.insert("minor".into(), json!(os.minor));
            }
            m.insert("name".into(), json!(os.name));
            m.insert("platform".into(), json!(os.platform));
            m.insert(
                "uname".into(),
                json!(format!(
                    "Linux |{} |{} |{} |{}",
                    p.name, os.release, os.kernel_version, os.arch
                )),
            );
            m.insert("version".into(), json!(os.version));
            Value::Object(m)
        }
        Family::Windows => json!({
            "arch": os.arch,
            "build": os.build,
            "major": os.major,
            "minor": os.minor,
            "name": os.name,
            "platform": os.platform,
            "uname": os.name,
            "version": os.version,
        }),
        Family::Macos => json!({
            "arch": os.arch,
            "build": os.build,
            "codename": os.codename,
            "major": os.major,
            "minor": os.minor,
            "name": os.name,
            "platform": os.platform,
            "uname": format!("Darwin |{} |{} |{} |{}", p.name, os.release, os.kernel_version, os.arch),
            "version": os.version,
        }),
    }
}

/// `mergedSum`/`configSum` of a group.
pub(crate) fn group_sums(group: &str) -> (String, String) {
    (
        hex_of(&format!("merged:{group}"), 32),
        hex_of(&format!("config:{group}"), 32),
    )
}

/// The `GET /agents` item of one agent.
pub(crate) fn agent_json(p: &Profile, config: &WorldConfig) -> Value {
    let mut m = Map::new();
    if p.id == "000" {
        m.insert("os".into(), agent_os(p));
        m.insert("id".into(), json!(p.id));
        m.insert("name".into(), json!(p.name));
        m.insert("ip".into(), json!("127.0.0.1"));
        m.insert("registerIP".into(), json!("127.0.0.1"));
        m.insert("status".into(), json!("active"));
        m.insert("node_name".into(), json!(NODE_NAME));
        m.insert(
            "version".into(),
            json!(format!("Wazuh v{}", config.api_version.as_str())),
        );
        m.insert("manager".into(), json!(MANAGER_NAME));
        m.insert("dateAdd".into(), json!(api_date(p.date_add)));
        m.insert("lastKeepAlive".into(), json!("9999-12-31T23:59:59+00:00"));
        m.insert("group_config_status".into(), json!("synced"));
        m.insert("status_code".into(), json!(0));
        return Value::Object(m);
    }
    if matches!(p.status, Status::Active | Status::Disconnected) {
        m.insert("os".into(), agent_os(p));
    }
    m.insert("id".into(), json!(p.id));
    m.insert("name".into(), json!(p.name));
    m.insert("ip".into(), json!(p.ip));
    m.insert("registerIP".into(), json!("any"));
    m.insert("status".into(), json!(p.status.as_str()));
    m.insert("node_name".into(), json!(NODE_NAME));
    if p.status != Status::NeverConnected {
        m.insert("version".into(), json!(format!("Wazuh v{}", p.version)));
        m.insert("manager".into(), json!(MANAGER_NAME));
    }
    m.insert("dateAdd".into(), json!(api_date(p.date_add)));
    if let Some(t) = p.last_keepalive {
        m.insert("lastKeepAlive".into(), json!(api_date(t)));
    }
    if let Some(t) = p.disconnection_time {
        m.insert("disconnection_time".into(), json!(api_date(t)));
    }
    m.insert("group".into(), json!(p.groups));
    if p.status != Status::NeverConnected {
        let key = p.groups.join(",");
        m.insert(
            "mergedSum".into(),
            json!(hex_of(&format!("merged:{key}"), 32)),
        );
        m.insert(
            "configSum".into(),
            json!(hex_of(&format!("config:{key}"), 32)),
        );
    }
    let synced = p.status == Status::Active || p.id.ends_with('7');
    m.insert(
        "group_config_status".into(),
        json!(if synced { "synced" } else { "not synced" }),
    );
    m.insert("status_code".into(), json!(0));
    Value::Object(m)
}
