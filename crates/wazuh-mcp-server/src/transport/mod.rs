//! Transports: stdio, streamable HTTP (`/mcp`) and the legacy HTTP+SSE transport (`/sse`).

pub mod http;
pub mod sse;
