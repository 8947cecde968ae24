//! The `wazuh-mcp` binary end to end: `--help`, `check` on good and bad configurations,
//! precedence of file, `.env`, environment and flags, `tools` with policy lists, and `call`.
//!
//! The binary runs with a cleared environment and in an empty directory (no stray `.env`);
//! every variable it needs is passed with `Command::env`, never set in the test process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Longest a command may run.
const PATIENCE: Duration = Duration::from_secs(90);

/// A password nobody would print by accident; the tests check that it is never shown.
const WRONG_PASSWORD: &str = "Wr0ng-Pa55word-do-not-print";

/// Wazuh's reference content: `WAZUH_DATA_DIR`, else a `shared/wazuh` directory above the crate.
fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WAZUH_DATA_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("ruleset").is_dir(),
            "WAZUH_DATA_DIR={} holds no ruleset/: point it at shared/wazuh",
            dir.display()
        );
        return dir;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared").join("wazuh"))
        .find(|p| p.join("ruleset").is_dir())
        .expect(
            "Wazuh reference content not found: set WAZUH_DATA_DIR to the shared/wazuh directory \
             (the one holding ruleset/ and sca/)",
        )
}

/// The manager URL of one simulator for the whole test binary, on its own thread and runtime.
fn sim_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime of the simulator");
            runtime.block_on(async move {
                let sim = wazuh_sim::start(wazuh_sim::SimConfig {
                    data_dir: Some(data_dir()),
                    agents: 20,
                    ..wazuh_sim::SimConfig::for_tests()
                })
                .await
                .expect("simulator starts");
                if tx.send(sim.manager_url()).is_ok() {
                    std::future::pending::<()>().await;
                }
            });
        });
        rx.recv().expect("the simulator starts")
    })
}

/// What a run of the binary printed.
#[derive(Debug)]
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A temporary working directory with files in it.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().expect("a temporary directory"))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("writes the file");
        path
    }

    /// Runs `wazuh-mcp args...` in this directory with only `env` set; bounded in time. Output
    /// goes to files, so a chatty child can never block on a full pipe.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = self.path().join(".stdout");
        let err = self.path().join(".stderr");
        let mut command = Command::new(env!("CARGO_BIN_EXE_wazuh-mcp"));
        command
            .args(args)
            .current_dir(self.path())
            .env_clear()
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"));
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the binary starts");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waits for the binary") {
                break status;
            }
            if started.elapsed() > PATIENCE {
                let _ = child.kill();
                let _ = child.wait();
                panic!("wazuh-mcp {args:?} did not finish in {PATIENCE:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            success: status.success(),
            stdout: std::fs::read_to_string(out).expect("stdout"),
            stderr: std::fs::read_to_string(err).expect("stderr"),
        }
    }
}

/// A configuration for the simulator, with the URL and the password from the environment.
const GOOD_CONFIG: &str = "\
wazuh:
  url: ${TEST_WAZUH_URL}
  username: wazuh
  password: ${TEST_WAZUH_PASSWORD}
  ssl_verify: false
  timeout: 10
  max_retries: 1
";

#[test]
fn help_lists_the_subcommands() {
    let dir = Dir::new();
    let run = dir.run(&["--help"], &[]);
    assert!(run.success, "{run:?}");
    for command in ["serve", "check", "tools", "call", "demo", "sim"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(command)),
            "`{command}` missing from --help:\n{}",
            run.stdout
        );
    }
    let run = dir.run(&["check", "--help"], &[]);
    assert!(run.success, "{run:?}");
    for flag in ["--config", "--env-file", "--wazuh-url", "--timeout"] {
        assert!(run.stdout.contains(flag), "{flag}:\n{}", run.stdout);
    }
    let run = dir.run(&["frobnicate"], &[]);
    assert!(!run.success);
}

#[test]
fn check_with_a_good_config() {
    let dir = Dir::new();
    let config = dir.write("config.yaml", GOOD_CONFIG);
    let run = dir.run(
        &["check", "--config", config.to_str().unwrap()],
        &[
            ("TEST_WAZUH_URL", sim_url()),
            ("TEST_WAZUH_PASSWORD", "wazuh"),
        ],
    );
    assert!(run.success, "{run:?}");
    assert!(run.stdout.contains("configuration: ok"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "wazuh manager: {} (API 4.14.7), logged in as wazuh",
            sim_url()
        )),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("wazuh indexer: not configured"));
    let tools = run
        .stdout
        .lines()
        .find(|l| l.starts_with("tools ("))
        .unwrap_or_else(|| panic!("no tools line: {}", run.stdout));
    assert!(tools.starts_with("tools (10, read-only mode): "), "{tools}");
    for tool in [
        "authenticate",
        "get_agents",
        "list_rules",
        "get_sca_policy_checks",
    ] {
        assert!(tools.contains(tool), "{tools}");
    }
}

#[test]
fn check_logs_in_every_wazuh_identity() {
    let dir = Dir::new();
    let identities = "  identities:\n    linux-context:\n      run_as: {groups: [linux]}\n    linux-user:\n      username: linux-analyst\n      password: linux-analyst\n";
    let config = dir.write("config.yaml", &format!("{GOOD_CONFIG}{identities}"));
    let env = [
        ("TEST_WAZUH_URL", sim_url()),
        ("TEST_WAZUH_PASSWORD", "wazuh"),
    ];
    let run = dir.run(&["check", "--config", config.to_str().unwrap()], &env);
    assert!(run.success, "{run:?}");
    assert!(
        run.stdout
            .contains("wazuh identity linux-context: logged in as wazuh (run_as), roles [100]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("wazuh identity linux-user: logged in as linux-analyst, roles [100]"),
        "{}",
        run.stdout
    );

    let wrong = "  identities:\n    tier2:\n      username: linux-analyst\n      password: not-the-password\n";
    let config = dir.write("wrong.yaml", &format!("{GOOD_CONFIG}{wrong}"));
    let run = dir.run(&["check", "--config", config.to_str().unwrap()], &env);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("logging in as the Wazuh identity `tier2`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-password"), "{}", run.stderr);
}

#[test]
fn check_with_bad_configs() {
    let dir = Dir::new();
    let config = dir.write("config.yaml", GOOD_CONFIG);
    let config = config.to_str().unwrap();

    // Wrong password: authentication failed, and the password is not printed.
    let run = dir.run(
        &["check", "--config", config],
        &[
            ("TEST_WAZUH_URL", sim_url()),
            ("TEST_WAZUH_PASSWORD", WRONG_PASSWORD),
        ],
    );
    assert!(!run.success, "{run:?}");
    assert!(
        run.stderr.contains("authentication failed"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains(WRONG_PASSWORD), "{}", run.all());

    // An unknown key is named.
    let typo = dir.write(
        "typo.yaml",
        "wazuh:\n  url: ${TEST_WAZUH_URL}\n  passwrd: wazuh\n",
    );
    let run = dir.run(
        &["check", "--config", typo.to_str().unwrap()],
        &[("TEST_WAZUH_URL", sim_url())],
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("passwrd"), "{}", run.stderr);

    // No password at all.
    let no_password = dir.write("nopw.yaml", "wazuh:\n  url: ${TEST_WAZUH_URL}\n");
    let run = dir.run(
        &["check", "--config", no_password.to_str().unwrap()],
        &[("TEST_WAZUH_URL", sim_url())],
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("wazuh.password"), "{}", run.stderr);

    // A variable that is not set.
    let run = dir.run(
        &["check", "--config", config],
        &[("TEST_WAZUH_URL", sim_url())],
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("TEST_WAZUH_PASSWORD"), "{}", run.stderr);

    // A file that does not exist.
    let run = dir.run(&["check", "--config", "missing.yaml"], &[]);
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("missing.yaml"), "{}", run.stderr);

    // An unknown tool in a policy list.
    let policy = dir.write(
        "policy.yaml",
        "wazuh:\n  url: ${TEST_WAZUH_URL}\n  password: wazuh\nsecurity:\n  allowed_tools: [GetAlertsTool]\n",
    );
    let run = dir.run(
        &["check", "--config", policy.to_str().unwrap()],
        &[("TEST_WAZUH_URL", sim_url())],
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("GetAlertsTool"), "{}", run.stderr);

    // Nothing listens: the URL is named.
    let run = dir.run(
        &[
            "check",
            "--config",
            config,
            "--wazuh-url",
            "http://127.0.0.1:9",
        ],
        &[
            ("TEST_WAZUH_URL", sim_url()),
            ("TEST_WAZUH_PASSWORD", "wazuh"),
        ],
    );
    assert!(!run.success, "{run:?}");
    assert!(run.stderr.contains("127.0.0.1:9"), "{}", run.stderr);
}

/// The manager URL `check` reports, which shows which layer won.
fn checked_url(run: &Run) -> String {
    assert!(run.success, "{run:?}");
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix("wazuh manager: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no manager line: {}", run.stdout))
        .to_string()
}

#[test]
fn precedence_file_dotenv_env_flag() {
    let dir = Dir::new();
    let sim = sim_url();
    // The simulator answers on 127.0.0.1 and on localhost alike: each layer names it its own way.
    let port = sim.rsplit(':').next().expect("a port");
    let via_file = format!("http://127.0.0.1:{port}");
    let via_dotenv = format!("http://localhost:{port}");
    let via_env = format!("http://127.0.0.1:{port}/");
    let via_flag = format!("http://localhost:{port}/");
    let config = dir.write(
        "config.yaml",
        &format!("wazuh:\n  url: {via_file}\n  username: wazuh\n  password: ${{PW}}\n"),
    );
    let config = config.to_str().unwrap();
    let dotenv = dir.write(
        "custom.env",
        &format!("PW=wazuh\nWAZUH_PROD_URL={via_dotenv}\n"),
    );
    let dotenv = dotenv.to_str().unwrap();

    // The file alone (its ${PW} from the environment).
    let run = dir.run(&["check", "-c", config], &[("PW", "wazuh")]);
    assert_eq!(checked_url(&run), via_file);

    // .env beats the file, and feeds ${PW}.
    let run = dir.run(&["check", "-c", config, "--env-file", dotenv], &[]);
    assert_eq!(checked_url(&run), via_dotenv);

    // The environment beats .env.
    let run = dir.run(
        &["check", "-c", config, "--env-file", dotenv],
        &[("WAZUH_PROD_URL", &via_env)],
    );
    assert_eq!(checked_url(&run), via_env);

    // The flag beats everything.
    let run = dir.run(
        &[
            "check",
            "-c",
            config,
            "--env-file",
            dotenv,
            "--wazuh-url",
            &via_flag,
        ],
        &[("WAZUH_PROD_URL", &via_env)],
    );
    assert_eq!(checked_url(&run), via_flag);

    // The config file can come from WAZUH_MCP_CONFIG, and no file at all is fine with env only.
    let run = dir.run(&["check"], &[("WAZUH_MCP_CONFIG", config), ("PW", "wazuh")]);
    assert_eq!(checked_url(&run), via_file);
    let run = dir.run(
        &["check"],
        &[
            ("WAZUH_PROD_URL", &via_env),
            ("WAZUH_PROD_PASSWORD", "wazuh"),
        ],
    );
    assert_eq!(checked_url(&run), via_env);
    // ./.env is read by default.
    dir.write(
        ".env",
        &format!("WAZUH_PROD_URL={via_dotenv}\nWAZUH_PROD_PASSWORD=wazuh\n"),
    );
    let run = dir.run(&["check"], &[]);
    assert_eq!(checked_url(&run), via_dotenv);
}

#[test]
fn the_example_config_is_valid() {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../config.example.yaml")
        .canonicalize()
        .expect("config.example.yaml exists");
    let dir = Dir::new();
    let run = dir.run(
        &[
            "check",
            "-c",
            example.to_str().unwrap(),
            "--wazuh-url",
            sim_url(),
        ],
        &[
            ("WAZUH_PASSWORD", "wazuh"),
            ("WAZUH_PROD_USERNAME", "wazuh"),
        ],
    );
    assert!(run.success, "{run:?}");
}

/// The tool names `tools` prints.
fn listed_tools(run: &Run) -> Vec<String> {
    assert!(run.success, "{run:?}");
    let mut names: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[test]
fn tools_follow_the_policy_lists() {
    let dir = Dir::new();
    let env = [("TEST_WAZUH_URL", "http://127.0.0.1:9")];
    let all = dir.write(
        "all.yaml",
        "wazuh:\n  url: ${TEST_WAZUH_URL}\n  password: x\n",
    );
    let run = dir.run(&["tools", "-c", all.to_str().unwrap()], &env);
    assert_eq!(listed_tools(&run).len(), 10, "{}", run.stdout);
    assert!(
        run.stdout.lines().all(|l| l.split_whitespace().count() > 1),
        "each tool with its description: {}",
        run.stdout
    );

    let allowed = dir.write(
        "allowed.yaml",
        "wazuh:\n  url: ${TEST_WAZUH_URL}\n  password: x\nsecurity:\n  allowed_tools: [GetAgentsTool, GetAgentPortsTool, GetRuleFileContentTool]\n",
    );
    let run = dir.run(&["tools", "-c", allowed.to_str().unwrap()], &env);
    assert_eq!(
        listed_tools(&run),
        vec!["get_agent_ports", "get_agents", "get_rule_file_content"]
    );

    let disabled = dir.write(
        "disabled.yaml",
        "wazuh:\n  url: ${TEST_WAZUH_URL}\n  password: x\nsecurity:\n  disabled_tools: [GetAgentSCATool, GetSCAPolicyChecksTool, ListRulesTool, GetRuleFilesTool, GetRuleFileContentTool]\n",
    );
    let run = dir.run(&["tools", "-c", disabled.to_str().unwrap()], &env);
    assert_eq!(
        listed_tools(&run),
        vec![
            "authenticate",
            "get_agent_packages",
            "get_agent_ports",
            "get_agent_processes",
            "get_agents"
        ]
    );
    // WAZUH_DISABLED_TOOLS adds to the file's list.
    let run = dir.run(
        &["tools", "-c", disabled.to_str().unwrap()],
        &[
            ("TEST_WAZUH_URL", "http://127.0.0.1:9"),
            ("WAZUH_DISABLED_TOOLS", "AuthenticateTool,get_agent_p*"),
        ],
    );
    assert_eq!(listed_tools(&run), vec!["get_agents"]);
}

#[test]
fn call_against_the_demo_simulator() {
    let dir = Dir::new();
    let data = data_dir();
    let env = [("WAZUH_DATA_DIR", data.to_str().unwrap())];
    let run = dir.run(&["call", "--demo", "get_agents", r#"{"limit":2}"#], &env);
    assert!(run.success, "{run:?}");
    let summary = run.stdout.lines().next().unwrap_or_default();
    assert!(
        summary.starts_with("2 of 51 agents (offset 0; more: call again with offset=2)"),
        "{summary}"
    );

    let run = dir.run(
        &[
            "call",
            "--demo",
            "--json",
            "list_rules",
            r#"{"rule_ids":"5710"}"#,
        ],
        &env,
    );
    assert!(run.success, "{run:?}");
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON output");
    assert_eq!(value["items"][0]["level"], 5);

    let run = dir.run(
        &["call", "--demo", "get_agent_ports", r#"{"agent_id":"1"}"#],
        &env,
    );
    assert!(!run.success, "{run:?}");
    assert!(
        run.stdout.contains("`001`"),
        "the fix is printed: {}",
        run.all()
    );

    let run = dir.run(&["call", "--demo", "get_agents", "not json"], &env);
    assert!(!run.success);
    assert!(run.stderr.contains("JSON object"), "{}", run.stderr);
    let run = dir.run(&["call", "--demo", "get_alerts"], &env);
    assert!(!run.success);
    assert!(run.stderr.contains("get_alerts"), "{}", run.stderr);
}

/// A CA and a server certificate for 127.0.0.1 it signs, as (CA PEM, certificate PEM, key PEM).
fn tls_files() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "wazuh-mcp CLI test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let server =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = server.signed_by(&key, &issuer).unwrap();
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

#[cfg(unix)]
#[test]
fn serve_over_tls() {
    use std::os::unix::fs::PermissionsExt;

    let dir = Dir::new();
    let (ca_pem, cert_pem, key_pem) = tls_files();
    let cert = dir.write("server.pem", &cert_pem);
    let key = dir.write("server.key", &key_pem);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    // Nothing here calls Wazuh: /healthz answers without it.
    let env = [
        ("WAZUH_PROD_URL", "http://127.0.0.1:9"),
        ("WAZUH_PROD_PASSWORD", "x"),
    ];
    let serve = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["serve", "--transport", "http", "--port", "0"];
        args.extend_from_slice(extra);
        args.into_iter().map(str::to_string).collect()
    };

    // Bad TLS files stop the start-up with the file and the fix.
    for (flags, expected) in [
        (
            vec!["--tls-cert", cert, "--tls-key", cert],
            "is it the certificate file?",
        ),
        (
            vec!["--tls-cert", cert, "--tls-key", "missing.key"],
            "missing.key",
        ),
        (vec!["--tls-cert", cert], "server.tls.key_file"),
    ] {
        let args = serve(&flags);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = dir.run(&args, &env);
        assert!(!run.success, "{run:?}");
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let other = rcgen::KeyPair::generate().unwrap();
    let wrong = dir.write("wrong.key", &other.serialize_pem());
    let args = serve(&["--tls-cert", cert, "--tls-key", wrong.to_str().unwrap()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = dir.run(&args, &env);
    assert!(!run.success, "{run:?}");
    assert!(
        run.stderr.contains("wrong.key") && run.stderr.contains("does not match"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("PRIVATE KEY"), "{}", run.all());

    // A good pair: the server answers /healthz over HTTPS only, and stops on SIGTERM.
    let err = dir.path().join(".serve-stderr");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wazuh-mcp"));
    command
        .args(serve(&["--tls-cert", cert, "--tls-key", key]))
        .current_dir(dir.path())
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("the binary starts");
    let started = Instant::now();
    let addr = loop {
        let log = std::fs::read_to_string(&err).unwrap_or_default();
        if let Some(line) = log.lines().find(|l| l.contains("serving MCP over HTTPS")) {
            let addr = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("addr="))
                .unwrap_or_else(|| panic!("no addr in {line}"))
                .to_string();
            break addr;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("serve exited with {status}: {log}");
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not start in {PATIENCE:?}: {log}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, body, plain) = runtime.block_on(async {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut roots = rustls::RootCertStore::empty();
        let ca = rustls::pki_types::pem::PemObject::from_pem_slice(ca_pem.as_bytes()).unwrap();
        roots.add(ca).unwrap();
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .no_proxy()
            .tls_backend_preconfigured(tls)
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let answer = client
            .get(format!("https://{addr}/healthz"))
            .send()
            .await
            .expect("GET /healthz over HTTPS");
        let status = answer.status().as_u16();
        let body = answer.text().await.unwrap();
        let plain = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap()
            .get(format!("http://{addr}/healthz"))
            .send()
            .await;
        (status, body, plain.is_ok())
    });
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(!plain, "plain HTTP must not be answered on the TLS port");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve did not stop on SIGTERM in {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let log = std::fs::read_to_string(&err).unwrap_or_default();
    assert!(status.success(), "serve exits cleanly on SIGTERM: {log}");
}
