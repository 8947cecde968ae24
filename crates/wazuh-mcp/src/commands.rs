//! The subcommands that run the MCP server or its tools.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;
use wazuh_mcp_server::App;
use wazuh_mcp_server::config::{CliOverrides, ClientAuth, Config, Sources, Transport};
use wazuh_mcp_server::transport::http::{self, HttpOptions, RequestLimits};
use wazuh_mcp_server::transport::tls;

use crate::{CallArgs, ClientAuthArg, ConfigArgs, DemoArgs, LogOptions, ServeArgs, TransportArg};

fn load_config(args: &ConfigArgs, cli: CliOverrides, log: &LogOptions) -> anyhow::Result<Config> {
    let config = read_config(args, cli)?;
    log.init(Some(&config.server.log_level), config.server.log_json);
    // Found while loading, before logging was set up (e.g. secrets in a file others can read).
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

fn read_config(args: &ConfigArgs, mut cli: CliOverrides) -> anyhow::Result<Config> {
    cli.wazuh_url = args.wazuh_url.clone();
    cli.timeout = args.timeout;
    let sources = Sources {
        file: args.config.clone(),
        dotenv: Some(args.env_file.clone()),
        env: std::env::vars().collect(),
        cli,
    };
    Ok(Config::load(&sources)?)
}

pub async fn serve(args: ServeArgs, log: &LogOptions) -> anyhow::Result<()> {
    let config = load_config(
        &args.config,
        CliOverrides {
            transport: args.transport.map(|t| match t {
                TransportArg::Stdio => Transport::Stdio,
                TransportArg::Http => Transport::Http,
            }),
            host: args.host.clone(),
            port: args.port,
            insecure_no_auth: args.insecure_no_auth.then_some(true),
            tls_cert: args.tls_cert.clone(),
            tls_key: args.tls_key.clone(),
            tls_client_ca: args.tls_client_ca.clone(),
            tls_client_auth: args.tls_client_auth.map(|mode| match mode {
                ClientAuthArg::Required => ClientAuth::Required,
                ClientAuthArg::Optional => ClientAuth::Optional,
            }),
            ..CliOverrides::default()
        },
        log,
    )?;
    let app = App::new(&config)?;
    match config.server.transport {
        Transport::Stdio => {
            if config.server.tls.enabled() {
                tracing::warn!(
                    "server.tls is set but the transport is stdio: TLS applies to --transport http only"
                );
            }
            serve_stdio(app).await
        }
        Transport::Http => {
            let tls_settings = &config.server.tls;
            // Certificate problems stop the start-up before anything listens.
            let tls = tls_settings
                .enabled()
                .then(|| tls::server_config(tls_settings))
                .transpose()?;
            refuse_open_bind(
                &config.server.host,
                &app,
                tls_settings.requires_client_certificates(),
            )?;
            let options = HttpOptions {
                allowed_hosts: config.server.allowed_hosts.clone(),
                allowed_origins: config.server.allowed_origins.clone(),
            };
            let listen = Listen {
                host: config.server.host.clone(),
                port: config.server.port,
                limits: RequestLimits::from_settings(&config.server),
                tls: tls.map(|config| (config, tls_settings.client_auth())),
            };
            serve_http(app, listen, options, None).await
        }
    }
}

/// Listening beyond this machine without client authentication hands the SIEM to anyone who
/// can reach the port: refuse unless the operator said so explicitly. Mutual TLS with required
/// client certificates counts as client authentication: only holders of a certificate from the
/// configured CA complete the handshake (bearer authentication still applies when configured).
fn refuse_open_bind(
    host: &str,
    app: &App,
    client_certificates_required: bool,
) -> anyhow::Result<()> {
    let loopback = matches!(host, "127.0.0.1" | "::1" | "localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let auth = app.authenticator();
    if loopback || auth.enabled() {
        return Ok(());
    }
    if client_certificates_required {
        tracing::info!(
            host,
            "clients are authenticated by their TLS certificates only (server.tls.client_auth: required); every holder of a certificate from the client CA gets the server's full tool policy"
        );
        return Ok(());
    }
    if auth.insecure_no_auth() {
        tracing::warn!(
            host,
            "serving MCP on a non-loopback address WITHOUT client authentication (auth.insecure_no_auth)"
        );
        return Ok(());
    }
    bail!(
        "refusing to listen on {host} without client authentication: configure auth.api_keys, auth.jwt or auth.oauth, or required client certificates (server.tls.client_ca_file, --tls-client-ca; see config.example.yaml), or set auth.insecure_no_auth: true (or --insecure-no-auth) if another layer authenticates clients"
    )
}

async fn serve_stdio(app: App) -> anyhow::Result<()> {
    tracing::info!(tools = app.enabled.len(), "serving MCP over stdio");
    let running = app
        .server()
        .serve(rmcp::transport::stdio())
        .await
        .context("starting the stdio transport")?;
    let ct = running.cancellation_token();
    tokio::select! {
        result = running.waiting() => { result.context("stdio transport")?; }
        _ = crate::shutdown_signal() => ct.cancel(),
    }
    Ok(())
}

/// Where and how `serve_http` listens.
struct Listen {
    host: String,
    port: u16,
    limits: RequestLimits,
    /// The TLS configuration and how client certificates are checked; plain HTTP when `None`.
    tls: Option<(Arc<rustls::ServerConfig>, Option<ClientAuth>)>,
}

async fn serve_http(
    app: App,
    listen: Listen,
    options: HttpOptions,
    banner: Option<Box<dyn FnOnce(std::net::SocketAddr) + Send>>,
) -> anyhow::Result<()> {
    let Listen {
        host,
        port,
        limits,
        tls,
    } = listen;
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let router = http::router_with_limits(&app, options, limits, shutdown.clone());
    let stopper = shutdown.clone();
    tokio::spawn(async move {
        crate::shutdown_signal().await;
        stopper.cancel();
    });
    match tls {
        None => {
            tracing::info!(%addr, "serving MCP over HTTP: /mcp (streamable) and /sse (legacy)");
            if let Some(banner) = banner {
                banner(addr);
            }
            http::serve(listener, router, shutdown).await?;
        }
        Some((config, client_auth)) => {
            let client_certificates = match client_auth {
                Some(ClientAuth::Required) => "required",
                Some(ClientAuth::Optional) => "optional",
                None => "not requested",
            };
            tracing::info!(
                %addr,
                client_certificates,
                "serving MCP over HTTPS: /mcp (streamable) and /sse (legacy)"
            );
            if let Some(banner) = banner {
                banner(addr);
            }
            http::serve_tls(listener, router, config, shutdown).await?;
        }
    }
    Ok(())
}

pub async fn check(args: ConfigArgs, log: &LogOptions) -> anyhow::Result<()> {
    let config = load_config(&args, CliOverrides::default(), log)?;
    println!("configuration: ok");
    if config.server.tls.enabled() {
        tls::server_config(&config.server.tls)?;
        println!(
            "server TLS: certificate and key load{}",
            if config.server.tls.requires_client_certificates() {
                ", client certificates required"
            } else {
                ""
            }
        );
    }
    let app = App::new(&config)?;
    let session = app
        .ctx
        .manager
        .authenticate()
        .await
        .with_context(|| format!("logging in to {}", config.wazuh.url))?;
    println!(
        "wazuh manager: {} (API {}), logged in as {}",
        config.wazuh.url,
        session.api.api_version.as_deref().unwrap_or("unknown"),
        session.user
    );
    let mut identities: Vec<_> = app.ctx.identities.iter().collect();
    identities.sort_by(|a, b| a.0.cmp(b.0));
    for (name, client) in identities {
        let session = client
            .authenticate()
            .await
            .with_context(|| format!("logging in as the Wazuh identity `{name}`"))?;
        let roles = client
            .token_claims()
            .map(|c| c.rbac_roles)
            .unwrap_or_default();
        println!(
            "wazuh identity {name}: logged in as {}{}, roles {roles:?}",
            session.user,
            if session.run_as { " (run_as)" } else { "" },
        );
    }
    if let Some(indexer) = &app.ctx.indexer {
        let info = indexer.info().await.context("reaching the indexer")?;
        println!(
            "wazuh indexer: {} ({} {})",
            indexer.base_url(),
            info["version"]["distribution"]
                .as_str()
                .unwrap_or("opensearch"),
            info["version"]["number"].as_str().unwrap_or("")
        );
    } else {
        println!("wazuh indexer: not configured (indexer.url)");
    }
    println!(
        "tools ({}{}): {}",
        app.enabled.len(),
        if config.security.read_only_mode {
            ", read-only mode"
        } else {
            ""
        },
        app.enabled.join(", ")
    );
    Ok(())
}

pub fn tools(args: ConfigArgs, log: &LogOptions) -> anyhow::Result<()> {
    let config = load_config(&args, CliOverrides::default(), log)?;
    let app = App::new(&config)?;
    for tool in app.server().tools() {
        let description = tool.description.as_deref().unwrap_or("");
        let first = description.split(". ").next().unwrap_or(description);
        println!("{:<24} {}", tool.name, first.trim_end_matches('.'));
    }
    Ok(())
}

/// Configuration pointing at a simulator.
fn sim_config(sim: &wazuh_sim::RunningSim) -> Config {
    let mut config = Config::default();
    config.wazuh.url = sim.manager_url();
    config.wazuh.username = "wazuh".into();
    config.wazuh.password = Some(SecretString::from("wazuh"));
    config.indexer.url = Some(sim.indexer_url());
    config.indexer.username = wazuh_sim::indexer::INDEXER_USER.0.into();
    config.indexer.password = Some(SecretString::from(wazuh_sim::indexer::INDEXER_USER.1));
    // A local demo: scripts and test suites call much faster than an analyst does.
    config.limits.global_per_second = 200.0;
    config.limits.global_burst = 200;
    config.limits.per_principal_per_second = 100.0;
    config.limits.per_principal_burst = 100;
    // The simulator has no API rate limit of its own here, so no outbound pacing either.
    config.limits.upstream_per_minute = 0.0;
    config
}

async fn start_sim(
    agents: usize,
    data_dir: Option<std::path::PathBuf>,
) -> anyhow::Result<wazuh_sim::RunningSim> {
    wazuh_sim::start(wazuh_sim::SimConfig {
        agents,
        data_dir,
        ..wazuh_sim::SimConfig::for_tests()
    })
    .await
    .context("starting the simulator")
}

pub async fn call(args: CallArgs, log: &LogOptions) -> anyhow::Result<()> {
    let arguments: serde_json::Value = serde_json::from_str(&args.arguments)
        .context("the arguments must be a JSON object, e.g. '{\"agent_id\": \"001\"}'")?;
    let Some(arguments) = arguments.as_object().cloned() else {
        bail!("the arguments must be a JSON object, e.g. '{{\"agent_id\": \"001\"}}'");
    };
    let (app, sim) = if args.demo {
        log.init(Some("warn"), false);
        let data_dir = std::env::var_os("WAZUH_DATA_DIR").map(Into::into);
        let sim = start_sim(50, data_dir).await?;
        let mut config = sim_config(&sim);
        // A one-off call against a throwaway simulator: nothing worth auditing.
        config.audit.enabled = false;
        (App::new(&config)?, Some(sim))
    } else {
        (
            App::new(&load_config(&args.config, CliOverrides::default(), log)?)?,
            None,
        )
    };
    if !app.enabled.iter().any(|t| t == &args.tool) {
        bail!(
            "no tool `{}` is enabled; enabled tools: {}",
            args.tool,
            app.enabled.join(", ")
        );
    }
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    let server = app.server();
    let server_task = tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    let client = ().serve(client_io).await.context("starting the MCP client")?;
    let result = client
        .call_tool(CallToolRequestParams::new(args.tool.clone()).with_arguments(arguments))
        .await
        .context("calling the tool")?;
    let _ = client.cancel().await;
    server_task.abort();
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    let failed = result.is_error.unwrap_or(false);
    if args.json && !failed {
        let value = result
            .structured_content
            .clone()
            .unwrap_or(serde_json::Value::Null);
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        for block in &result.content {
            if let Some(text) = block.as_text() {
                println!("{}", text.text);
            }
        }
    }
    if failed {
        bail!("the tool reported an error");
    }
    Ok(())
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let using_reference = args.data_dir.is_some();
    let sim = Arc::new(start_sim(args.agents, args.data_dir).await?);
    let app = App::new(&sim_config(&sim))?;
    let manager = sim.manager_url();
    let indexer = sim.indexer_url();
    let banner = Box::new(move |addr: std::net::SocketAddr| {
        let base = format!("http://{addr}");
        println!(
            r#"wazuh-mcp demo: a simulated Wazuh ({agents} agents{content}) and the MCP server are running.

  MCP streamable HTTP:  {base}/mcp
  MCP legacy SSE:       {base}/sse/
  Simulated manager:    {manager}  (wazuh / wazuh)
  Simulated indexer:    {indexer}  (admin / admin)

Claude Code:
  claude mcp add --transport http wazuh {base}/mcp

Claude Desktop (claude_desktop_config.json), stdio against the simulator:
  {{"mcpServers": {{"wazuh": {{"command": "wazuh-mcp", "args": ["serve"],
    "env": {{"WAZUH_PROD_URL": "{manager}", "WAZUH_PROD_USERNAME": "wazuh", "WAZUH_PROD_PASSWORD": "wazuh"}}}}}}}}

LangChain (langchain-mcp-adapters):
  client = MultiServerMCPClient({{"wazuh": {{"transport": "sse", "url": "{base}/sse/"}}}})
  tools = await client.get_tools()

MCP Inspector:
  npx @modelcontextprotocol/inspector --cli {base}/mcp --transport http --method tools/list

Try a tool without an LLM:
  wazuh-mcp call --demo get_agents '{{"status": "active", "limit": 5}}'

Press Ctrl-C to stop."#,
            agents = args.agents,
            content = if using_reference {
                ""
            } else {
                ", built-in sample ruleset"
            },
        );
    });
    let listen = Listen {
        host: "127.0.0.1".into(),
        port: args.port,
        limits: RequestLimits::default(),
        tls: None,
    };
    let result = serve_http(app, listen, HttpOptions::default(), Some(banner)).await;
    if let Ok(sim) = Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_client_certificates_count_as_authentication() {
        let mut config = Config::default();
        config.wazuh.password = Some(SecretString::from("x"));
        config.audit.enabled = false;
        let app = App::new(&config).unwrap();
        let error = refuse_open_bind("0.0.0.0", &app, false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--tls-client-ca") && error.contains("--insecure-no-auth"),
            "{error}"
        );
        refuse_open_bind("0.0.0.0", &app, true).unwrap();
        refuse_open_bind("127.0.0.1", &app, false).unwrap();
        refuse_open_bind("::1", &app, false).unwrap();
    }
}
