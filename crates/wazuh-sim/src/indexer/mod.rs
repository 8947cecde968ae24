//! The indexer: an OpenSearch-compatible subset serving Wazuh's indices.

pub mod dsl;
