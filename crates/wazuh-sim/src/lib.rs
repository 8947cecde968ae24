//! A spec-faithful simulator of a Wazuh deployment: the manager REST API (port 55000) and the
//! indexer (OpenSearch, port 9200), over real sockets.
//!
//! The data is generated deterministically from a seed: a fleet of agents with their inventory,
//! alerts built from the stock ruleset, SCA results from the stock CIS policies, vulnerabilities
//! and FIM events. Faults (latency, token expiry, 429, 5xx, resets, truncated bodies, indexer
//! outage) can be switched on from the command line or at run time through [`Faults`].

pub mod config;
pub mod indexer;
pub mod query;
pub mod reference;
pub mod world;

pub use config::{ApiVersion, SimConfig};
