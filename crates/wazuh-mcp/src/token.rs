//! `wazuh-mcp token`: issue a JWT for an analyst, or make a new API key.

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use secrecy::ExposeSecret;
use wazuh_mcp_server::auth::{self, generate_api_key, hash_api_key, issue_token, parse_duration};
use wazuh_mcp_server::config::{CliOverrides, Config, Sources};

use crate::ConfigArgs;

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum TokenCommand {
    /// Sign a JWT with `auth.jwt.secret` and print it on stdout (nothing else goes there).
    Issue(IssueArgs),
    /// Generate a random API key; print it once, with the hash to put in `auth.api_keys`.
    NewKey(NewKeyArgs),
}

#[derive(Debug, Clone, Args)]
struct IssueArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// Who the token is for (its `sub`, shown in logs and audit), e.g. analyst1.
    #[arg(long)]
    subject: String,
    /// Scope to grant, repeatable: `*`, `tools:read`, `tools:write`, `toolset:<name>`,
    /// `tool:<name>`. `tools:read` when none is given.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// Agent group the token may see, repeatable; every group when none is given.
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// Lifetime (`8h`, `30m`, `7d`); `auth.jwt.default_ttl` when left out.
    #[arg(long, value_name = "DURATION")]
    ttl: Option<String>,
}

#[derive(Debug, Clone, Args)]
struct NewKeyArgs {
    /// Name of the key (shown in logs and audit as `key:<name>`).
    #[arg(long)]
    name: String,
    /// Scope to grant, repeatable; `tools:read` when none is given.
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
}

pub fn run(args: TokenArgs) -> anyhow::Result<()> {
    match args.command {
        TokenCommand::Issue(args) => issue(args),
        TokenCommand::NewKey(args) => new_key(args),
    }
}

fn scopes_or_default(scopes: Vec<String>) -> Vec<String> {
    if scopes.is_empty() {
        vec!["tools:read".into()]
    } else {
        scopes
    }
}

fn issue(args: IssueArgs) -> anyhow::Result<()> {
    let sources = Sources {
        file: args.config.config.clone(),
        dotenv: Some(args.config.env_file.clone()),
        env: std::env::vars().collect(),
        cli: CliOverrides::default(),
    };
    let config = Config::load(&sources)?;
    let Some(jwt) = &config.auth.jwt else {
        bail!(
            "auth.jwt is not configured: add `auth: {{ jwt: {{ secret: \"${{WAZUH_MCP_JWT_SECRET}}\" }} }}` to the configuration the server uses"
        );
    };
    let ttl = args
        .ttl
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("--ttl")?;
    let scopes = scopes_or_default(args.scopes);
    let groups = (!args.groups.is_empty()).then_some(args.groups.as_slice());
    let token = issue_token(jwt, &args.subject, &scopes, groups, ttl)?;
    let ttl = ttl.unwrap_or(jwt.default_ttl);
    eprintln!(
        "token for `{}` with scopes [{}], valid for {}s (audience `{}`):",
        args.subject,
        scopes.join(", "),
        ttl.as_secs(),
        jwt.audience
    );
    println!("{token}");
    Ok(())
}

fn new_key(args: NewKeyArgs) -> anyhow::Result<()> {
    let scopes = scopes_or_default(args.scopes);
    let key = generate_api_key();
    // Checks the name and the scopes as the server will.
    let entry = auth::ApiKey::from_plain(&args.name, key.expose_secret(), scopes.clone(), None)?;
    auth::Authenticator::new(&auth::AuthSettings {
        api_keys: vec![entry],
        ..auth::AuthSettings::default()
    })?;
    let quoted: Vec<String> = scopes.iter().map(|s| format!("\"{s}\"")).collect();
    println!(
        "key (shown once, give it to the client): {}",
        key.expose_secret()
    );
    println!();
    println!("configuration:");
    println!("  auth:");
    println!("    api_keys:");
    println!("      - name: {}", args.name);
    println!("        hash: \"{}\"", hash_api_key(key.expose_secret()));
    println!("        scopes: [{}]", quoted.join(", "));
    println!();
    println!(
        "or, in a container: WAZUH_MCP_API_KEYS=\"{}:{}:{}\"",
        args.name,
        key.expose_secret(),
        scopes.join(",")
    );
    Ok(())
}
