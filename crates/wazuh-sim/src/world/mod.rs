//! The simulated deployment: a fleet of agents and everything Wazuh knows about them, generated
//! deterministically from a seed.
//!
//! Items are `serde_json::Value`s shaped exactly as the manager API returns them in
//! `affected_items` (or as the indexer stores them in `_source`), so the HTTP layer only adds
//! envelopes, filters and paging. Per-agent inventory is generated on demand from the seed and
//! the agent id, so a fleet of 10,000 agents stays small in memory.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::config::ApiVersion;
use crate::reference::Reference;

/// What to generate.
#[derive(Debug, Clone)]
pub struct WorldConfig {
    pub agents: usize,
    pub seed: u64,
    pub api_version: ApiVersion,
    /// "Now" for every generated timestamp (alerts cover the days before it).
    pub now: DateTime<Utc>,
}

/// The syscollector inventory kinds of `GET /syscollector/{agent_id}/{kind}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syscollector {
    Os,
    Hardware,
    Packages,
    Processes,
    Ports,
    Netaddr,
    Netiface,
    Netproto,
    Hotfixes,
}

/// The `wazuh-states-inventory-*` indices (4.13+).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryKind {
    Packages,
    Ports,
    Processes,
    System,
    Hotfixes,
}

/// One indexer document.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Concrete index name, e.g. `wazuh-alerts-4.x-2026.11.27`.
    pub index: Arc<str>,
    pub id: String,
    pub source: Value,
}

/// The generated deployment.
#[derive(Debug)]
pub struct World {
    pub config: WorldConfig,
    pub reference: Arc<Reference>,
}

impl World {
    /// Generates the deployment.
    pub fn generate(config: WorldConfig, reference: Arc<Reference>) -> World {
        World { config, reference }
    }

    /// Every agent, `000` (the manager) first, as `GET /agents` items with all fields.
    pub fn agents(&self) -> &[Value] {
        &[]
    }

    /// One agent by id.
    pub fn agent(&self, id: &str) -> Option<&Value> {
        self.agents().iter().find(|a| a["id"] == id)
    }

    /// Syscollector items of one agent; `None` for an unknown agent.
    pub fn syscollector(&self, agent_id: &str, kind: Syscollector) -> Option<Vec<Value>> {
        let _ = (agent_id, kind);
        None
    }

    /// `GET /sca/{agent_id}` items; `None` for an unknown agent.
    pub fn sca(&self, agent_id: &str) -> Option<Vec<Value>> {
        let _ = agent_id;
        None
    }

    /// `GET /sca/{agent_id}/checks/{policy_id}` items; `None` for an unknown agent or policy.
    pub fn sca_checks(&self, agent_id: &str, policy_id: &str) -> Option<Vec<Value>> {
        let _ = (agent_id, policy_id);
        None
    }

    /// `GET /syscheck/{agent_id}` items; `None` for an unknown agent.
    pub fn syscheck(&self, agent_id: &str) -> Option<Vec<Value>> {
        let _ = agent_id;
        None
    }

    /// `GET /rootcheck/{agent_id}` items; `None` for an unknown agent.
    pub fn rootcheck(&self, agent_id: &str) -> Option<Vec<Value>> {
        let _ = agent_id;
        None
    }

    /// `GET /vulnerability/{agent_id}` items (4.7.5 API); `None` for an unknown agent.
    pub fn vulnerabilities(&self, agent_id: &str) -> Option<Vec<Value>> {
        let _ = agent_id;
        None
    }

    /// `GET /groups` items.
    pub fn groups(&self) -> Vec<Value> {
        Vec::new()
    }

    /// `GET /mitre/{techniques,tactics,groups}` items.
    pub fn mitre(&self, kind: &str) -> Vec<Value> {
        let _ = kind;
        Vec::new()
    }

    /// Alert documents of `wazuh-alerts-4.x-*`, oldest first.
    pub fn alerts(&self) -> &[Doc] {
        &[]
    }

    /// Documents of `wazuh-states-vulnerabilities-<cluster>` (4.8+).
    pub fn vulnerability_states(&self) -> &[Doc] {
        &[]
    }

    /// Documents of `wazuh-states-inventory-<kind>-<cluster>` (4.13+), generated on the fly.
    pub fn inventory_states(
        &self,
        kind: InventoryKind,
    ) -> Box<dyn Iterator<Item = Cow<'_, Doc>> + '_> {
        let _ = kind;
        Box::new(std::iter::empty())
    }
}
