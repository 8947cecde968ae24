//! A spec-faithful simulator of a Wazuh deployment: the manager REST API (port 55000) and the
//! indexer (OpenSearch, port 9200), over real sockets.
//!
//! The data is generated deterministically from a seed: a fleet of agents with their inventory,
//! alerts built from the stock ruleset, SCA results from the stock CIS policies, vulnerabilities
//! and FIM events. Faults (latency, token expiry, 429, 5xx, resets, truncated bodies, indexer
//! outage) can be switched on from the command line or at run time through [`Faults`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), wazuh_sim::SimError> {
//! let sim = wazuh_sim::start(wazuh_sim::SimConfig::for_tests()).await?;
//! println!("manager at {}, indexer at {}", sim.manager_url(), sim.indexer_url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod config;
pub mod faults;
pub mod indexer;
pub mod manager;
pub mod query;
pub mod reference;
mod server;
pub mod world;

use std::sync::{Arc, Mutex};

pub use config::{ApiVersion, SimConfig};
pub use faults::{FaultSpec, Faults};
pub use server::{RunningSim, SimError, start};

use auth::Authority;
use manager::RateWindow;
use manager::validate::Op;
use world::World;

/// Everything the listeners share.
#[derive(Debug)]
pub struct SimState {
    pub config: SimConfig,
    pub world: World,
    pub authority: Authority,
    pub faults: Arc<Faults>,
    /// Operations of the simulated version's spec.
    pub ops: &'static [Op],
    rate: Mutex<RateWindow>,
}

impl SimState {
    /// Builds the state: loads the stock content and generates the world.
    pub fn new(config: SimConfig, reference: reference::Reference) -> SimState {
        let world = World::generate(
            world::WorldConfig {
                agents: config.agents,
                seed: config.seed,
                api_version: config.api_version,
                now: chrono::Utc::now(),
            },
            Arc::new(reference),
        );
        SimState {
            authority: Authority::new(auth::default_users(), config.token_ttl, config.seed),
            ops: manager::ops(config.api_version),
            faults: Arc::new(Faults::default()),
            rate: Mutex::new(RateWindow::default()),
            world,
            config,
        }
    }

    /// Applies a fault spec, revoking tokens at once when it asks to.
    pub fn apply_faults(&self, spec: &FaultSpec) {
        if spec.expire_tokens == Some(true) {
            self.authority.revoke_all();
        }
        let spec = FaultSpec {
            expire_tokens: None,
            ..spec.clone()
        };
        self.faults.set(&spec);
    }

    fn rate_limit_ok(&self) -> bool {
        let limit = self.config.rate_limit;
        self.rate
            .lock()
            .map(|mut w| w.admit(limit, std::time::Instant::now()))
            .unwrap_or(true)
    }
}
