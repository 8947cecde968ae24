//! `wazuh-mcp sim`: the simulator as a command.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use wazuh_sim::{ApiVersion, FaultSpec, SimConfig};

/// Options of `wazuh-mcp sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Manager API port (0 picks a free port).
    #[arg(long, default_value_t = 55000)]
    port: u16,
    /// Indexer port (0 picks a free port).
    #[arg(long, default_value_t = 9200)]
    indexer_port: u16,
    /// Number of agents besides the manager (000).
    #[arg(long, default_value_t = 50)]
    agents: usize,
    /// Seed of the generated data: the same seed gives the same deployment.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Lifetime of issued JWTs, in seconds.
    #[arg(long, default_value_t = 900)]
    token_ttl: u64,
    /// Wazuh version to answer as: 4.14.7, 4.7.5 or 5.0.0.
    #[arg(long, default_value = "4.14.7")]
    api_version: ApiVersion,
    /// Serve HTTPS with a freshly generated CA and certificate.
    #[arg(long)]
    tls: bool,
    /// Where to write the CA certificate (PEM) when serving HTTPS.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Requests per minute before 429 (code 6001), like the API's max_request_per_minute; 0 = no limit.
    #[arg(long, default_value_t = 300)]
    rate_limit: u32,
    /// Directory with Wazuh's stock content (ruleset/rules, ruleset/decoders, ruleset/testing, sca);
    /// without it a small built-in sample is served.
    #[arg(long, env = "WAZUH_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Fault: added latency for every answer, in milliseconds.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Fault: answer the first N manager requests with 429 and Retry-After.
    #[arg(long, value_name = "N")]
    fail_429: Option<u32>,
    /// Fault: answer the first N manager requests with 500.
    #[arg(long, value_name = "N")]
    fail_5xx: Option<u32>,
    /// Fault: close the connection without an answer for the first N manager requests.
    #[arg(long, value_name = "N")]
    resets: Option<u32>,
    /// Fault: cut the first N manager answers in half.
    #[arg(long, value_name = "N")]
    truncate: Option<u32>,
    /// Fault: send every manager answer slowly, spread over this many milliseconds.
    #[arg(long, value_name = "MS")]
    slow_body_ms: Option<u64>,
    /// Fault: start with the indexer down (connections refused).
    #[arg(long)]
    indexer_down: bool,
}

/// Runs the simulator until Ctrl-C or SIGTERM.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let config = SimConfig {
        host: args.host,
        manager_port: args.port,
        indexer_port: args.indexer_port,
        agents: args.agents,
        seed: args.seed,
        token_ttl: args.token_ttl,
        api_version: args.api_version,
        tls: args.tls,
        rate_limit: args.rate_limit,
        data_dir: args.data_dir,
    };
    let started = std::time::Instant::now();
    let sim = wazuh_sim::start(config.clone())
        .await
        .context("starting the simulator")?;
    sim.set_faults(&FaultSpec {
        latency_ms: args.latency_ms,
        too_many_requests: args.fail_429,
        server_errors: args.fail_5xx,
        resets: args.resets,
        truncated: args.truncate,
        slow_body_ms: args.slow_body_ms,
        indexer_down: args.indexer_down.then_some(true),
        ..FaultSpec::default()
    });
    let mut ca_note = String::new();
    if let Some(pem) = sim.ca_pem() {
        let path = args
            .ca_out
            .unwrap_or_else(|| std::env::temp_dir().join("wazuh-sim-ca.pem"));
        std::fs::write(&path, pem)
            .with_context(|| format!("writing the CA certificate to {}", path.display()))?;
        ca_note = format!("\n  CA certificate:  {}", path.display());
    }
    let world = &sim.state().world;
    println!(
        "wazuh-sim {version} ready in {ms} ms: {agents} agents, {alerts} alerts, {rules} rules{content}
  manager API:     {manager}
    users:         wazuh/wazuh, wazuh-wui/wazuh-wui (administrator, allow_run_as), analyst/analyst (read-only),
                   linux-analyst/linux-analyst (read-only, agents of group linux)
    run_as:        POST /security/user/authenticate/run_as with {{\"groups\": [\"linux\"|\"windows\"|\"analysts\"|\"admins\"]}}
  indexer:         {indexer}   user: admin/admin{ca_note}
  faults:          POST {manager}/__sim/faults  e.g. {{\"expire_tokens\":true}}
Press Ctrl-C to stop.",
        version = config.api_version,
        ms = started.elapsed().as_millis(),
        agents = world.agents().len().saturating_sub(1),
        alerts = world.alerts().len(),
        rules = world.reference.rules.len(),
        content = if config.data_dir.is_some() { "" } else { " (built-in sample ruleset)" },
        manager = sim.manager_url(),
        indexer = sim.indexer_url(),
    );
    crate::shutdown_signal().await;
    sim.shutdown().await;
    Ok(())
}
