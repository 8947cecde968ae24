//! The simulator over real sockets: authentication, RBAC, validation, faults, TLS, versions and
//! the indexer, exercised with an ordinary HTTP client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod auth;
mod faults;
mod indexer;
mod manager;
mod rbac;
mod tls;
mod versions;
