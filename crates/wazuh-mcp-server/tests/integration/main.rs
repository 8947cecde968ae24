//! Integration tests of the MCP server: every tool through a real MCP client against the
//! in-process simulator, over the in-memory, streamable HTTP and legacy SSE transports; the
//! tool definitions (snapshots and checks); policy. One binary, one module per area.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod common;
mod confirm;
mod errors;
mod http;
mod identity;
mod injection;
mod matrix;
mod policy;
mod security;
mod tls;
mod tool_schemas;
mod tools;
