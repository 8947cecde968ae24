//! Integration tests of the manager and indexer clients against the in-process simulator, over
//! real sockets. One binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod auth;
mod common;
mod identity;
mod indexer;
mod retries;
mod tls;
