//! `wazuh-mcp`: an MCP server for the Wazuh SIEM, and the tools around it.

mod commands;
mod sim;
mod token;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// MCP server for the Wazuh SIEM: lets AI assistants query (and, where policy allows, act on)
/// a Wazuh manager and its indexer.
#[derive(Debug, Parser)]
#[command(name = "wazuh-mcp", version, about, long_about = None)]
struct Cli {
    /// Log filter (`info`, `debug`, `wazuh_mcp_server=trace`, ...); logs go to stderr.
    #[arg(long, global = true, env = "WAZUH_MCP_LOG")]
    log_level: Option<String>,

    /// Log as JSON lines instead of text.
    #[arg(long, global = true)]
    log_json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP: stdio by default (Claude Desktop, Claude Code, IDEs), or HTTP with
    /// `--transport http` (streamable HTTP at /mcp and the legacy SSE transport at /sse), over
    /// TLS with `--tls-cert` and `--tls-key`.
    Serve(ServeArgs),
    /// Check the configuration, reach Wazuh, log in, and print the version and enabled tools.
    Check(ConfigArgs),
    /// List the tools the configuration enables, one line each.
    Tools(ConfigArgs),
    /// Run one tool and print its answer (text, or the structured result with --json).
    Call(CallArgs),
    /// Start a simulated Wazuh and the server on 127.0.0.1, and print client setups.
    Demo(DemoArgs),
    /// Run a simulated Wazuh (manager API and indexer) with realistic generated data.
    Sim(sim::SimArgs),
    /// Issue a JWT for an analyst (`token issue --subject analyst1 --scope tools:read --ttl 8h`)
    /// or make a new API key (`token new-key --name soc-bot`).
    Token(token::TokenArgs),
}

/// Where the configuration comes from.
#[derive(Debug, Clone, Args)]
struct ConfigArgs {
    /// YAML configuration file (see config.example.yaml).
    #[arg(long, short = 'c', env = "WAZUH_MCP_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// `.env` file read for variables the environment does not set.
    #[arg(long, value_name = "FILE", default_value = ".env")]
    env_file: PathBuf,
    /// Manager API URL (overrides wazuh.url and WAZUH_PROD_URL).
    #[arg(long, value_name = "URL")]
    wazuh_url: Option<String>,
    /// Request timeout in seconds (overrides wazuh.timeout and WAZUH_TIMEOUT).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TransportArg {
    Stdio,
    Http,
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Transport (overrides server.transport).
    #[arg(long, value_enum)]
    transport: Option<TransportArg>,
    /// Address to listen on with `--transport http` (overrides server.host).
    #[arg(long)]
    host: Option<String>,
    /// Port to listen on with `--transport http` (overrides server.port).
    #[arg(long)]
    port: Option<u16>,
    /// DANGEROUS: serve HTTP on a non-loopback address without client authentication
    /// (overrides auth.insecure_no_auth). Only behind another layer that authenticates clients.
    #[arg(long)]
    insecure_no_auth: bool,
    /// Serve HTTPS with this PEM certificate chain, the server's certificate first (overrides
    /// server.tls.cert_file and MCP_SERVER_TLS_CERT). Needs --tls-key.
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of the --tls-cert certificate (overrides server.tls.key_file and
    /// MCP_SERVER_TLS_KEY); keep it chmod 600.
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// PEM bundle of the CAs that sign client certificates: enables mutual TLS (overrides
    /// server.tls.client_ca_file and MCP_SERVER_TLS_CLIENT_CA). With `required`, clients
    /// without such a certificate are refused at the handshake, and that counts as client
    /// authentication for a non-loopback --host.
    #[arg(long, value_name = "FILE")]
    tls_client_ca: Option<PathBuf>,
    /// Whether clients must present a certificate from --tls-client-ca (overrides
    /// server.tls.client_auth and MCP_SERVER_TLS_CLIENT_AUTH).
    #[arg(long, value_enum, value_name = "MODE")]
    tls_client_auth: Option<ClientAuthArg>,
}

/// `--tls-client-auth`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ClientAuthArg {
    /// Refuse clients without a valid certificate (the default with --tls-client-ca).
    Required,
    /// Accept clients without a certificate; a certificate that is presented must be valid.
    Optional,
}

#[derive(Debug, Clone, Args)]
struct CallArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Run against a simulated Wazuh started in-process instead of the configured one.
    #[arg(long)]
    demo: bool,
    /// Print the structured result as JSON instead of the text.
    #[arg(long)]
    json: bool,
    /// Tool name, e.g. get_agents.
    tool: String,
    /// Arguments as a JSON object, e.g. '{"status": "active", "limit": 5}'.
    #[arg(default_value = "{}")]
    arguments: String,
}

#[derive(Debug, Clone, Args)]
struct DemoArgs {
    /// Port of the MCP server (HTTP: /mcp and /sse).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Agents in the simulated fleet.
    #[arg(long, default_value_t = 50)]
    agents: usize,
    /// Directory with Wazuh's stock content (ruleset/, sca/); the built-in sample without it.
    #[arg(long, env = "WAZUH_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

fn init_logging(filter: &str, json: bool) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Logging options from the command line; commands that read a configuration file combine them
/// with `server.log_level` / `server.log_json`.
#[derive(Debug, Clone)]
pub struct LogOptions {
    pub level: Option<String>,
    pub json: bool,
}

impl LogOptions {
    /// Starts logging: the command line's level wins over `config_level`.
    pub fn init(&self, config_level: Option<&str>, config_json: bool) {
        let level = self.level.as_deref().or(config_level).unwrap_or("info");
        init_logging(level, self.json || config_json);
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let log = LogOptions {
        level: cli.log_level.clone(),
        json: cli.log_json,
    };
    if matches!(cli.command, Command::Sim(_) | Command::Demo(_)) {
        log.init(None, false);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => commands::serve(args, &log).await,
            Command::Check(args) => commands::check(args, &log).await,
            Command::Tools(args) => commands::tools(args, &log),
            Command::Call(args) => commands::call(args, &log).await,
            Command::Demo(args) => commands::demo(args).await,
            Command::Sim(args) => sim::run(args).await,
            Command::Token(args) => token::run(args),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
