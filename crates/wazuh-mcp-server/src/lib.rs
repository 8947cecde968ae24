//! The wazuh-mcp server: configuration, policy, tools and transports.

pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod confirm;
pub mod policy;
pub mod principal;
pub mod security;
pub mod server;
pub mod tools;
pub mod transport;

pub use app::{App, AppError};
pub use server::{Context, WazuhMcp};
