//! Transports: stdio, streamable HTTP (`/mcp`) and the legacy HTTP+SSE transport (`/sse`), over
//! plain HTTP or TLS.

pub mod http;
pub mod sse;
pub mod tls;
