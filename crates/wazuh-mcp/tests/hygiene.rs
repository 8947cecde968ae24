//! Secret hygiene of the real binary: `wazuh-mcp serve` with logs at trace level runs every tool
//! it lists, over streamable HTTP and over stdio, plus calls that fail (a wrong API key, an
//! expired token, bad arguments), and nothing it writes anywhere — stdout, stderr, the audit
//! file, tool results, `/metrics`, HTTP headers and bodies — holds a password, an API key, a
//! token or the token signing key.
//!
//! The simulator's users have well-known passwords (`wazuh`/`wazuh`, `admin`/`admin`) that
//! cannot be searched for in text about Wazuh. So the binary talks to the simulator through a
//! small gateway that swaps a random password for the simulator's one in `Authorization: Basic`
//! headers: the binary only ever knows a unique random password, and the gateway also collects
//! the JWTs the simulator issues, so the test knows each secret exactly. Beyond the known
//! secrets, any JWT-shaped string (`eyJ...`) in the output fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Longest wait for one answer, one command or the server to start or stop.
const PATIENCE: Duration = Duration::from_secs(60);

/// The simulator's own credentials (its README): the binary never sees them.
const SIM_MANAGER_USER: (&str, &str) = ("wazuh", "wazuh");

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

/// Manager and indexer addresses of one simulator for the whole test binary, on its own thread
/// and runtime.
fn sim() -> (SocketAddr, SocketAddr) {
    static SIM: OnceLock<(SocketAddr, SocketAddr)> = OnceLock::new();
    *SIM.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
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
                if tx.send((sim.manager_addr(), sim.indexer_addr())).is_ok() {
                    std::future::pending::<()>().await;
                }
            });
        });
        rx.recv_timeout(PATIENCE).expect("the simulator starts")
    })
}

/// `n` random hex digits (std's hasher keys are random per process and per hasher).
fn random_hex(n: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    while out.len() < n {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(n);
    out
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// JWT-shaped strings in `text`: `eyJ` (base64url of `{"`) and at least 16 more base64url
/// characters, dots included, so headers alone and truncated tokens count too.
fn jwt_like(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(pos) = text[at..].find("eyJ") {
        let start = at + pos;
        let end = bytes[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
            .map_or(bytes.len(), |n| start + n);
        if end - start >= 19 {
            found.push(text[start..end].to_string());
        }
        at = end.max(start + 3);
    }
    found
}

// ---------------------------------------------------------------------------------------------
// The gateway between the binary and the simulator.

/// Forwards HTTP/1.1 to the simulator, swapping one Basic credential for another and collecting
/// every JWT in the answers.
struct Gateway {
    addr: SocketAddr,
    /// Requests whose credential was swapped.
    swapped: Arc<AtomicUsize>,
    /// JWTs seen in the simulator's answers.
    tokens: Arc<Mutex<BTreeSet<String>>>,
}

impl Gateway {
    /// A gateway to `upstream` where `user:password` stands for `user:real`.
    fn start(upstream: SocketAddr, user: &str, password: &str, real: &str) -> Gateway {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the gateway binds");
        let addr = listener.local_addr().expect("the gateway's address");
        let from = base64(format!("{user}:{password}").as_bytes());
        let to = base64(format!("{user}:{real}").as_bytes());
        let swapped = Arc::new(AtomicUsize::new(0));
        let tokens = Arc::new(Mutex::new(BTreeSet::new()));
        let (swapped2, tokens2) = (swapped.clone(), tokens.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (from, to, swapped, tokens) =
                    (from.clone(), to.clone(), swapped2.clone(), tokens2.clone());
                std::thread::spawn(move || {
                    let (Ok(client_w), Ok(server_r)) = (client.try_clone(), server.try_clone())
                    else {
                        return;
                    };
                    std::thread::spawn(move || copy_answers(server_r, client_w, &tokens));
                    let _ = forward_requests(client, server, &from, &to, &swapped);
                });
            }
        });
        Gateway {
            addr,
            swapped,
            tokens,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn tokens(&self) -> Vec<String> {
        self.tokens.lock().unwrap().iter().cloned().collect()
    }
}

/// Copies requests from `client` to `server`, one at a time (head, then a `Content-Length` or
/// chunked body), swapping `Authorization: Basic from` for `Basic to`.
fn forward_requests(
    client: TcpStream,
    mut server: TcpStream,
    from: &str,
    to: &str,
    swapped: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client);
    loop {
        let mut head = String::new();
        let mut length = 0u64;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                let _ = server.shutdown(Shutdown::Write);
                return Ok(());
            }
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
            if lower.starts_with("authorization:") {
                let value = line["authorization:".len()..].trim();
                if value.strip_prefix("Basic ").map(str::trim) == Some(from) {
                    line = format!("authorization: Basic {to}\r\n");
                    swapped.fetch_add(1, Ordering::SeqCst);
                }
            }
            let end = line == "\r\n" || line == "\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        server.write_all(head.as_bytes())?;
        if chunked {
            loop {
                let mut size_line = String::new();
                reader.read_line(&mut size_line)?;
                server.write_all(size_line.as_bytes())?;
                let size =
                    u64::from_str_radix(size_line.trim().split(';').next().unwrap_or(""), 16)
                        .unwrap_or(0);
                // The chunk and its CRLF; after the last chunk, the (empty) trailer line.
                std::io::copy(&mut (&mut reader).take(size + 2), &mut server)?;
                if size == 0 {
                    break;
                }
            }
        } else {
            std::io::copy(&mut (&mut reader).take(length), &mut server)?;
        }
    }
}

/// Copies answers back to the client, collecting the JWTs in them.
fn copy_answers(mut server: TcpStream, mut client: TcpStream, tokens: &Mutex<BTreeSet<String>>) {
    let mut seen: Vec<u8> = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match server.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if client.write_all(&buffer[..n]).is_err() {
            break;
        }
        // Scan the new bytes with some overlap, so a token split across reads is still found.
        let keep = seen.len().saturating_sub(4096);
        seen.drain(..keep);
        seen.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&seen);
        let found = jwt_like(&text);
        if !found.is_empty() {
            let mut tokens = tokens.lock().unwrap();
            for token in found {
                // Only whole tokens (three parts); a piece cut by the window is found whole later.
                if token.split('.').count() == 3 && !token.ends_with('.') {
                    tokens.insert(token);
                }
            }
        }
    }
    let _ = client.shutdown(Shutdown::Write);
}

// ---------------------------------------------------------------------------------------------
// The secrets and the search for them.

/// Everything that must never be shown.
struct Secrets {
    wazuh_password: String,
    indexer_password: String,
    api_key: String,
    jwt_secret: String,
    /// Tokens this server issued, for the test.
    issued: Vec<String>,
}

impl Secrets {
    fn new() -> Secrets {
        Secrets {
            wazuh_password: format!("wzpw-{}", random_hex(40)),
            indexer_password: format!("ixpw-{}", random_hex(40)),
            api_key: String::new(),
            jwt_secret: format!("jwtk-{}", random_hex(48)),
            issued: Vec::new(),
        }
    }

    /// Every needle with its name: each secret, the Basic credentials built from the passwords
    /// (the binary's and the simulator's), the issued tokens and the simulator's tokens with
    /// their signatures alone.
    fn needles(&self, sim_tokens: &[String]) -> Vec<(String, String)> {
        let basic = |user: &str, password: &str| {
            let b64 = base64(format!("{user}:{password}").as_bytes());
            // Without the padding and the last character, which depends on what follows.
            let trimmed = b64.trim_end_matches('=');
            trimmed[..trimmed.len() - 1].to_string()
        };
        let (index_user, index_real) = wazuh_sim::indexer::INDEXER_USER;
        let mut needles = vec![
            ("wazuh password".into(), self.wazuh_password.clone()),
            (
                "wazuh Basic credential".into(),
                basic(SIM_MANAGER_USER.0, &self.wazuh_password),
            ),
            (
                "simulator's manager Basic credential".into(),
                basic(SIM_MANAGER_USER.0, SIM_MANAGER_USER.1),
            ),
            ("indexer password".into(), self.indexer_password.clone()),
            (
                "indexer Basic credential".into(),
                basic(index_user, &self.indexer_password),
            ),
            (
                "simulator's indexer Basic credential".into(),
                basic(index_user, index_real),
            ),
            ("API key".into(), self.api_key.clone()),
            (
                "API key without its prefix".into(),
                self.api_key.trim_start_matches("wmk_").to_string(),
            ),
            ("JWT signing key".into(), self.jwt_secret.clone()),
        ];
        for (i, token) in self.issued.iter().chain(sim_tokens).enumerate() {
            needles.push((format!("token {i}"), token.clone()));
            if let Some(signature) = token.rsplit('.').next() {
                needles.push((format!("signature of token {i}"), signature.to_string()));
            }
        }
        for (name, value) in &needles {
            assert!(value.len() >= 12, "the {name} is too short to search for");
        }
        needles
    }
}

/// The leaks in `text` (named `what`): needles found and JWT-shaped strings, each with a little
/// context.
fn leaks(what: &str, text: &str, needles: &[(String, String)]) -> Vec<String> {
    let boundary = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let context = |pos: usize| {
        text[boundary(pos.saturating_sub(80))..boundary(pos + 120)].replace('\n', "\\n")
    };
    let mut out = Vec::new();
    for (name, needle) in needles {
        if let Some(pos) = text.find(needle.as_str()) {
            out.push(format!(
                "{what}: the {name} at byte {pos}: …{}…",
                context(pos)
            ));
        }
    }
    for token in jwt_like(text) {
        let pos = text.find(&token).unwrap_or(0);
        out.push(format!("{what}: a JWT-shaped string: …{}…", context(pos)));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The binary and a working directory.

/// A temporary directory for one run: configuration, logs, audit.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// `wazuh-mcp args...` in this directory with only `env` set (and `PATH`).
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wazuh-mcp"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("NO_COLOR", "1");
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    /// Runs a short command to its end; stdout and stderr.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
        let out = self.path(".out");
        let err = self.path(".err");
        let mut child = self
            .command(args, env)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .expect("the binary starts");
        let status = wait_for(&mut child, PATIENCE)
            .unwrap_or_else(|| panic!("wazuh-mcp {args:?} did not finish in {PATIENCE:?}"));
        (
            status.success(),
            std::fs::read_to_string(out).unwrap(),
            std::fs::read_to_string(err).unwrap(),
        )
    }
}

/// Waits for `child` at most `limit`; kills it if it is still running then.
fn wait_for(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waits for the binary") {
            return Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Stops `child` with SIGTERM, as a service manager would, and waits for it.
fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIGTERM was sent");
    wait_for(child, PATIENCE).expect("the server stops on SIGTERM")
}

/// Everything a test sets up: secrets, gateways, a configuration.
struct Fixture {
    work: Workdir,
    secrets: Secrets,
    manager: Gateway,
    indexer: Gateway,
    config: PathBuf,
}

impl Fixture {
    /// Secrets, gateways, an API key from `token new-key` and a configuration that uses them,
    /// with logs at trace level and write tools allowed.
    fn new(transport: &str) -> Fixture {
        let (manager_addr, indexer_addr) = sim();
        let work = Workdir::new();
        let mut secrets = Secrets::new();
        let manager = Gateway::start(
            manager_addr,
            SIM_MANAGER_USER.0,
            &secrets.wazuh_password,
            SIM_MANAGER_USER.1,
        );
        let (index_user, index_real) = wazuh_sim::indexer::INDEXER_USER;
        let indexer = Gateway::start(
            indexer_addr,
            index_user,
            &secrets.indexer_password,
            index_real,
        );

        // A key as an operator makes one.
        let (ok, out, err) = work.run(
            &["token", "new-key", "--name", "hygiene", "--scope", "*"],
            &[],
        );
        assert!(ok, "token new-key: {err}");
        secrets.api_key = out
            .lines()
            .find_map(|l| l.strip_prefix("key (shown once, give it to the client): "))
            .unwrap_or_else(|| panic!("no key in: {out}"))
            .trim()
            .to_string();
        let hash = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("hash: "))
            .unwrap_or_else(|| panic!("no hash in: {out}"))
            .trim_matches('"')
            .to_string();
        assert!(
            leaks("new-key stderr", &err, &secrets.needles(&[])).is_empty(),
            "{err}"
        );

        let audit = work.path("audit.jsonl");
        let config = work.path("config.yaml");
        // The Wazuh password and the signing key come from the environment, the indexer password
        // from the file itself: both paths are covered.
        std::fs::write(
            &config,
            format!(
                "wazuh:
  url: {manager_url}
  username: {manager_user}
  password: ${{HYGIENE_WAZUH_PASSWORD}}
  timeout: 20
  max_retries: 2
indexer:
  url: {indexer_url}
  username: {index_user}
  password: \"{indexer_password}\"
server:
  transport: {transport}
  host: 127.0.0.1
  port: 0
  log_level: trace
security:
  read_only_mode: false
auth:
  api_keys:
    - name: hygiene
      hash: \"{hash}\"
      scopes: [\"*\"]
  jwt:
    secret: ${{HYGIENE_JWT_SECRET}}
audit:
  path: {audit}
limits:
  global_per_second: 0
  per_principal_per_second: 0
  upstream_per_minute: 0
",
                manager_url = manager.url(),
                manager_user = SIM_MANAGER_USER.0,
                indexer_url = indexer.url(),
                indexer_password = secrets.indexer_password,
                audit = audit.display(),
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        Fixture {
            work,
            secrets,
            manager,
            indexer,
            config,
        }
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "HYGIENE_WAZUH_PASSWORD",
                self.secrets.wazuh_password.clone(),
            ),
            ("HYGIENE_JWT_SECRET", self.secrets.jwt_secret.clone()),
        ]
    }

    /// `token issue` for `subject` with every scope, valid for `ttl`; its stderr is checked.
    fn issue(&mut self, subject: &str, ttl: &str) -> String {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let config = self.config.to_str().unwrap().to_string();
        let (ok, out, err) = self.work.run(
            &[
                "token",
                "issue",
                "--config",
                &config,
                "--subject",
                subject,
                "--scope",
                "*",
                "--ttl",
                ttl,
            ],
            &env,
        );
        assert!(ok, "token issue: {err}");
        let token = out.trim().to_string();
        assert_eq!(token.split('.').count(), 3, "a JWT: {out}");
        self.secrets.issued.push(token.clone());
        assert!(
            leaks("token issue stderr", &err, &self.secrets.needles(&[])).is_empty(),
            "{err}"
        );
        token
    }

    /// Starts `serve` with stdin, stdout and stderr as given.
    fn serve(&self, extra: &[&str], stdin: Stdio, stdout: Stdio) -> Child {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut args = vec!["serve", "--config", self.config.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.work
            .command(&args, &env)
            .stdin(stdin)
            .stdout(stdout)
            .stderr(std::fs::File::create(self.work.path("stderr.log")).unwrap())
            .spawn()
            .expect("wazuh-mcp serve starts")
    }
}

// ---------------------------------------------------------------------------------------------
// Minimal MCP clients: JSON-RPC over raw HTTP/1.1 and over the child's stdio.

/// One HTTP answer, as received.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }

    /// The JSON-RPC messages of the body (JSON, or the `data:` lines of an event stream).
    fn messages(&self) -> Vec<Value> {
        if let Ok(value) = serde_json::from_str::<Value>(&self.body) {
            return vec![value];
        }
        self.body
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the whole answer.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut stream = TcpStream::connect_timeout(&addr, PATIENCE).expect("connects to the server");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (key, value) in headers {
        request.push_str(&format!("{key}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("{method} {path}: the answer ends in {PATIENCE:?}: {e}"));
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {path}: an HTTP answer: {raw}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {head}"));
    let mut answer = Answer {
        status,
        head: head.to_string(),
        body: rest.to_string(),
    };
    if answer
        .header("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        answer.body = dechunk(rest);
    }
    answer
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("a chunk size: {size}"));
        if size == 0 {
            break;
        }
        body.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    body
}

/// Something that answers JSON-RPC requests.
trait Rpc {
    /// Sends `method` with `params`; the answer (with `result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value;
    /// Sends a notification.
    fn notify(&mut self, method: &str);
}

/// Streamable HTTP at `/mcp`, every answer kept.
struct HttpMcp {
    addr: SocketAddr,
    credential: String,
    session: Option<String>,
    protocol: Option<String>,
    next_id: u64,
    answers: Vec<Answer>,
}

impl HttpMcp {
    fn new(addr: SocketAddr, credential: &str) -> HttpMcp {
        HttpMcp {
            addr,
            credential: credential.to_string(),
            session: None,
            protocol: None,
            next_id: 1,
            answers: Vec::new(),
        }
    }

    fn post(&mut self, body: &Value) -> Answer {
        let authorization = format!("Bearer {}", self.credential);
        let mut headers = vec![
            ("authorization", authorization.as_str()),
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        let session = self.session.clone();
        let protocol = self.protocol.clone();
        if let Some(session) = &session {
            headers.push(("mcp-session-id", session));
        }
        if let Some(protocol) = &protocol {
            headers.push(("mcp-protocol-version", protocol));
        }
        let answer = http(self.addr, "POST", "/mcp", &headers, &body.to_string());
        self.answers.push(answer.clone());
        answer
    }

    /// Ends the session.
    fn close(&mut self) {
        if let Some(session) = self.session.take() {
            let authorization = format!("Bearer {}", self.credential);
            let answer = http(
                self.addr,
                "DELETE",
                "/mcp",
                &[
                    ("authorization", &authorization),
                    ("mcp-session-id", &session),
                ],
                "",
            );
            self.answers.push(answer);
        }
    }
}

impl Rpc for HttpMcp {
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let answer =
            self.post(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        assert_eq!(answer.status, 200, "{method}: {answer:?}");
        if self.session.is_none() {
            self.session = answer.header("mcp-session-id");
        }
        let message = answer
            .messages()
            .into_iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{method}: no answer with id {id}: {answer:?}"));
        if method == "initialize" {
            self.protocol = message["result"]["protocolVersion"]
                .as_str()
                .map(str::to_string);
        }
        message
    }

    fn notify(&mut self, method: &str) {
        let answer = self.post(&json!({"jsonrpc": "2.0", "method": method}));
        assert!(answer.status == 202 || answer.status == 200, "{answer:?}");
    }
}

/// The stdio transport of a child process, every line kept.
struct StdioMcp {
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
    next_id: u64,
    transcript: Vec<String>,
}

impl Rpc for StdioMcp {
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        writeln!(self.stdin, "{line}").expect("writes to the server");
        self.stdin.flush().unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("{method}: no answer in {PATIENCE:?}: {e}"));
            self.transcript.push(line.clone());
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC lines ({e}): {line}"));
            if message["id"] == id {
                return message;
            }
        }
    }

    fn notify(&mut self, method: &str) {
        writeln!(
            self.stdin,
            "{}",
            json!({"jsonrpc": "2.0", "method": method})
        )
        .unwrap();
        self.stdin.flush().unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Every tool, and calls that fail.

/// What a session did.
struct Session {
    /// Tools listed.
    tools: Vec<String>,
    /// Each call: tool, arguments, answer.
    calls: Vec<(String, Value, Value)>,
}

/// Arguments that make `tool` work, from its schema's properties and the simulator's data.
fn arguments_for(tool: &Value, rule_file: &str, policy: &str) -> Value {
    let properties = tool["inputSchema"]["properties"].as_object();
    let has = |name: &str| properties.is_some_and(|p| p.contains_key(name));
    let mut args = serde_json::Map::new();
    for name in tool["inputSchema"]["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        let value = match name {
            "agent_id" => json!("001"),
            "filename" => json!(rule_file),
            "policy_id" => json!(policy),
            _ => json!("x"),
        };
        args.insert(name.to_string(), value);
    }
    if has("limit") {
        args.insert("limit".into(), json!(3));
    }
    // Write tools ask for the user's agreement; here the test is the user.
    if has("confirm") {
        args.insert("confirm".into(), json!(true));
    }
    Value::Object(args)
}

fn call(rpc: &mut dyn Rpc, session: &mut Session, tool: &str, args: Value) -> Value {
    let answer = rpc.request("tools/call", json!({"name": tool, "arguments": args}));
    session
        .calls
        .push((tool.to_string(), args.clone(), answer.clone()));
    answer
}

fn is_tool_error(answer: &Value) -> bool {
    answer["result"]["isError"] == true
}

/// Initializes, lists the tools and calls every one with working arguments, then makes calls
/// that fail. Every tool whose required arguments are known must succeed.
fn exercise(rpc: &mut dyn Rpc) -> Session {
    let init = rpc.request(
        "initialize",
        json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "hygiene-test", "version": "1.0"},
        }),
    );
    assert!(init["result"]["serverInfo"].is_object(), "{init}");
    rpc.notify("notifications/initialized");
    let mut tools: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let listed = rpc.request("tools/list", params);
        tools.extend(
            listed["result"]["tools"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        cursor = listed["result"]["nextCursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    let names: Vec<String> = tools
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    assert!(names.len() >= 10, "every tool is listed: {names:?}");
    let mut session = Session {
        tools: names.clone(),
        calls: Vec::new(),
    };

    // Real names to read with.
    let files = call(rpc, &mut session, "get_rule_files", json!({"limit": 5}));
    let rule_file = files["result"]["structuredContent"]["items"][0]["filename"]
        .as_str()
        .unwrap_or_else(|| panic!("a rule file: {files}"))
        .to_string();
    let sca = call(
        rpc,
        &mut session,
        "get_agent_sca",
        json!({"agent_id": "001"}),
    );
    let policy = sca["result"]["structuredContent"]["items"][0]["policy_id"]
        .as_str()
        .unwrap_or_else(|| panic!("an SCA policy: {sca}"))
        .to_string();

    for tool in &tools {
        let name = tool["name"].as_str().unwrap_or_default().to_string();
        let args = arguments_for(tool, &rule_file, &policy);
        let answer = call(rpc, &mut session, &name, args.clone());
        let known = tool["inputSchema"]["required"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|r| matches!(r.as_str(), Some("agent_id" | "filename" | "policy_id")));
        if known {
            assert!(
                answer["result"].is_object() && !is_tool_error(&answer),
                "{name} {args} works: {answer}"
            );
        }
    }

    // Calls that fail: bad arguments, traversal, an unknown tool, a wrong type.
    for (tool, args) in [
        ("get_agent_ports", json!({"agent_id": "1"})),
        (
            "get_agent_processes",
            json!({"agent_id": "../../etc/passwd"}),
        ),
        (
            "get_rule_file_content",
            json!({"filename": "../../../etc/shadow"}),
        ),
        (
            "get_sca_policy_checks",
            json!({"agent_id": "001", "policy_id": "../x"}),
        ),
        ("list_rules", json!({"level": "99"})),
        ("get_agents", json!({"status": "sleeping"})),
    ] {
        let answer = call(rpc, &mut session, tool, args.clone());
        assert!(is_tool_error(&answer), "{tool} {args} fails: {answer}");
    }
    let unknown = call(rpc, &mut session, "get_all_the_secrets", json!({}));
    assert!(unknown["error"].is_object(), "{unknown}");
    let _ = call(rpc, &mut session, "get_agents", json!({"limit": {"a": 1}}));
    // A value made to forge a log line and colour a terminal.
    let _ = call(
        rpc,
        &mut session,
        "get_agents",
        json!({"name": FORGED_LOG_LINE, "search": FORGED_LOG_LINE}),
    );
    session
}

/// An argument that would start a log line of its own if written unescaped.
const FORGED_LOG_LINE: &str =
    "x\r\n2099-01-01T00:00:00.000000Z ERROR forged-log-line: admin logged in\u{1b}[31m red";

/// No line of `log` was forged by an argument, and no escape sequence made it through.
fn assert_log_not_forged(what: &str, log: &str) {
    for line in log.lines() {
        assert!(
            !line
                .trim_start()
                .starts_with("2099-01-01T00:00:00.000000Z ERROR forged"),
            "{what}: an argument forged a log line: {line}"
        );
    }
    assert!(
        !log.contains('\u{1b}'),
        "{what}: an escape sequence reached the log"
    );
}

/// Checks that a log really is at trace level and from every layer.
fn assert_trace_logs(what: &str, log: &str) {
    let trace_lines: Vec<&str> = log.lines().filter(|l| l.contains("TRACE")).collect();
    assert!(
        log.len() > 20_000 && trace_lines.len() > 50,
        "{what}: trace logging is on ({} bytes, {} TRACE lines)",
        log.len(),
        trace_lines.len()
    );
    for crate_name in ["rmcp", "hyper", "reqwest"] {
        assert!(
            log.lines()
                .any(|l| l.contains(crate_name) && (l.contains("TRACE") || l.contains("DEBUG"))),
            "{what}: no debug or trace line from {crate_name}"
        );
    }
}

/// Fails with every leak found in `haystacks`, after checking that the search itself works.
fn assert_no_leaks(
    secrets: &Secrets,
    sim_tokens: &[String],
    haystacks: &[(String, String)],
) -> usize {
    let needles = secrets.needles(sim_tokens);
    // The search finds each needle, and each token by its shape alone.
    for (name, needle) in &needles {
        let found = leaks(
            "control",
            &format!("\"{needle}\""),
            std::slice::from_ref(&(name.clone(), needle.clone())),
        );
        assert!(!found.is_empty(), "the search finds the {name}");
    }
    for token in secrets.issued.iter().chain(sim_tokens) {
        assert!(!leaks("control", &format!("x={token};"), &[]).is_empty());
    }
    let found: Vec<String> = haystacks
        .iter()
        .flat_map(|(what, text)| leaks(what, text, &needles))
        .collect();
    assert!(
        found.is_empty(),
        "secrets leaked ({}):\n{}",
        found.len(),
        found.join("\n")
    );
    haystacks.iter().map(|(_, t)| t.len()).sum()
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[test]
fn every_tool_over_http_at_trace_level_leaks_no_secret() {
    let started = Instant::now();
    let mut fixture = Fixture::new("http");
    // A token that expires in one second, and is refused after the verifier's 30 s leeway.
    let short_lived = fixture.issue("hygiene-expiring", "1s");
    let issued_at = Instant::now();
    let token = fixture.issue("hygiene-analyst", "1h");

    let mut child = fixture.serve(&[], Stdio::null(), Stdio::null());
    // Ready when the log says where it listens.
    let deadline = Instant::now() + PATIENCE;
    let addr: SocketAddr = loop {
        let log = fixture.work.read("stderr.log");
        if let Some(addr) = log
            .lines()
            .find(|l| l.contains("serving MCP over HTTP"))
            .and_then(|l| l.split("addr=").nth(1))
            .and_then(|a| a.split_whitespace().next())
            .and_then(|a| a.parse().ok())
        {
            break addr;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the server exited ({status}): {log}");
        }
        assert!(Instant::now() < deadline, "the server starts: {log}");
        std::thread::sleep(Duration::from_millis(20));
    };

    // Every tool with the API key.
    let mut with_key = HttpMcp::new(addr, &fixture.secrets.api_key);
    let session = exercise(&mut with_key);
    with_key.close();

    // The issued token works too.
    let mut with_token = HttpMcp::new(addr, &token);
    with_token.request(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    );
    with_token.notify("notifications/initialized");
    let listed = with_token.request("tools/list", json!({}));
    assert!(
        listed["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
    );
    // The simulator revokes every token: the server's next call is refused, and it logs in
    // again (the renewal path logs too).
    let logins = fixture.manager.swapped.load(Ordering::SeqCst);
    let revoked = http(
        sim().0,
        "POST",
        "/__sim/faults",
        &[("content-type", "application/json")],
        r#"{"expire_tokens": true}"#,
    );
    assert_eq!(revoked.status, 200, "{revoked:?}");
    let after = with_token.request(
        "tools/call",
        json!({"name": "get_agents", "arguments": {"limit": 1}}),
    );
    assert!(
        after["result"].is_object() && !is_tool_error(&after),
        "{after}"
    );
    assert!(
        fixture.manager.swapped.load(Ordering::SeqCst) > logins,
        "the server logged in again"
    );
    with_token.close();

    // Refused credentials.
    let mut refused: Vec<Answer> = Vec::new();
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let wrong_key = format!("wmk_{}", random_hex(43));
    let tampered = format!("{}x", &token[..token.len() - 1]);
    for (header, value) in [
        ("authorization", format!("Bearer {wrong_key}")),
        ("x-api-key", wrong_key.clone()),
        ("authorization", format!("Bearer {tampered}")),
        (
            "authorization",
            "Bearer eyJhbGciOiJub25lIn0.e30.".to_string(),
        ),
        (
            "authorization",
            format!(
                "Basic {}",
                base64(format!("wazuh:{}", fixture.secrets.wazuh_password).as_bytes())
            ),
        ),
    ] {
        let answer = http(
            addr,
            "POST",
            "/mcp",
            &[
                (header, value.as_str()),
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
            ],
            ping,
        );
        assert_eq!(answer.status, 401, "{header}: {answer:?}");
        refused.push(answer);
    }
    let no_credential = http(addr, "GET", "/sse", &[], "");
    assert_eq!(no_credential.status, 401, "{no_credential:?}");
    refused.push(no_credential);

    // Endpoints outside authentication.
    let metrics = http(addr, "GET", "/metrics", &[], "");
    assert_eq!(metrics.status, 200, "{metrics:?}");
    assert!(metrics.body.contains("wazuh_mcp_"), "{}", metrics.body);
    let health = http(addr, "GET", "/healthz", &[], "");
    assert_eq!(health.status, 200);
    let metadata = http(
        addr,
        "GET",
        "/.well-known/oauth-protected-resource",
        &[],
        "",
    );

    // The short-lived token: accepted at first, refused as expired once its time (and the
    // leeway) is over. Polled, not slept.
    let mut expired: Option<Answer> = None;
    let mut accepted_before = false;
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    })
    .to_string();
    while issued_at.elapsed() < Duration::from_secs(60) {
        let authorization = format!("Bearer {short_lived}");
        let answer = http(
            addr,
            "POST",
            "/mcp",
            &[
                ("authorization", &authorization),
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
            ],
            &initialize,
        );
        if answer.status == 401 {
            expired = Some(answer);
            break;
        }
        accepted_before = true;
        refused.push(answer);
        std::thread::sleep(Duration::from_millis(1000));
    }
    let expired = expired.expect("the short-lived token expires");
    assert!(
        accepted_before || issued_at.elapsed() < Duration::from_secs(2),
        "the short-lived token was valid at first"
    );
    assert!(
        format!("{}{}", expired.head, expired.body).contains("expired"),
        "the refusal says why: {expired:?}"
    );
    refused.push(expired);

    let status = terminate(&mut child);
    assert!(
        status.success(),
        "the server stops cleanly on SIGTERM: {status}"
    );

    // Controls: the password went through the gateway, the simulator issued tokens, the logs are
    // at trace level, and the audit log recorded the calls and the refusals.
    assert!(
        fixture.manager.swapped.load(Ordering::SeqCst) >= 1,
        "the server logged in with its password"
    );
    let sim_tokens = fixture.manager.tokens();
    // (Two logins in the same second get the same token: the simulator's are deterministic.)
    assert!(!sim_tokens.is_empty(), "the simulator issued tokens");
    let log = fixture.work.read("stderr.log");
    assert_trace_logs("HTTP server log", &log);
    assert_log_not_forged("HTTP server log", &log);
    let audit = fixture.work.read("audit.jsonl");
    let tool_calls = audit
        .lines()
        .filter(|l| l.contains("\"event\":\"tool_call\""))
        .count();
    assert!(
        tool_calls >= session.calls.len() - 1,
        "the audit log has the tool calls ({tool_calls} of {}): {audit}",
        session.calls.len()
    );
    assert!(
        audit.contains("\"event\":\"auth_failure\""),
        "the audit log has the refusals"
    );
    assert_log_not_forged("HTTP audit log", &audit);
    assert!(
        leaks(
            "config",
            &std::fs::read_to_string(&fixture.config).unwrap(),
            &fixture.secrets.needles(&sim_tokens)
        )
        .iter()
        .any(|l| l.contains("indexer password")),
        "the configuration holds the indexer password, so the search would find it"
    );

    let mut haystacks: Vec<(String, String)> = vec![
        ("HTTP server stderr".into(), log),
        ("HTTP audit file".into(), audit),
    ];
    for (i, answer) in with_key
        .answers
        .iter()
        .chain(&with_token.answers)
        .chain(&refused)
        .chain([&metrics, &health, &metadata])
        .enumerate()
    {
        haystacks.push((
            format!("HTTP answer {i}"),
            format!("{}\r\n\r\n{}", answer.head, answer.body),
        ));
    }
    for (tool, args, answer) in &session.calls {
        haystacks.push((format!("result of {tool} {args}"), answer.to_string()));
    }
    let bytes = assert_no_leaks(&fixture.secrets, &sim_tokens, &haystacks);
    eprintln!(
        "HTTP: {} tools, {} calls, {} secrets and {} simulator tokens searched in {} outputs ({} KB) in {:?}",
        session.tools.len(),
        session.calls.len(),
        fixture.secrets.needles(&[]).len(),
        sim_tokens.len(),
        haystacks.len(),
        bytes / 1024,
        started.elapsed()
    );
}

#[test]
fn every_tool_over_stdio_at_trace_level_leaks_no_secret() {
    let started = Instant::now();
    let fixture = Fixture::new("stdio");
    let mut child = fixture.serve(&["--log-json"], Stdio::piped(), Stdio::piped());
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut stdio = StdioMcp {
        stdin: child.stdin.take().expect("stdin"),
        lines: rx,
        next_id: 1,
        transcript: Vec::new(),
    };
    let session = exercise(&mut stdio);

    // Closing stdin ends the server; what it still wrote is kept.
    let StdioMcp {
        stdin,
        lines,
        mut transcript,
        ..
    } = stdio;
    drop(stdin);
    let status = wait_for(&mut child, PATIENCE).expect("the server stops when stdin closes");
    transcript.extend(lines.try_iter());
    assert!(status.success(), "the server ends cleanly: {status}");
    for line in &transcript {
        let message: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC ({e}): {line}"));
        assert_eq!(message["jsonrpc"], "2.0", "{line}");
    }

    assert!(fixture.manager.swapped.load(Ordering::SeqCst) >= 1);
    let sim_tokens = fixture.manager.tokens();
    assert!(!sim_tokens.is_empty(), "the simulator issued tokens");
    let log = fixture.work.read("stderr.log");
    assert_trace_logs("stdio server log", &log);
    assert!(
        log.lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "--log-json writes JSON lines"
    );
    assert_log_not_forged("stdio server log", &log);
    let audit = fixture.work.read("audit.jsonl");
    assert!(
        audit
            .lines()
            .filter(|l| l.contains("\"event\":\"tool_call\""))
            .count()
            >= session.calls.len() - 1,
        "the audit log has the tool calls: {audit}"
    );
    assert!(audit.contains("\"transport\":\"stdio\""), "{audit}");
    assert_log_not_forged("stdio audit log", &audit);

    // `check` and `tools` at trace level, with the same configuration.
    let env = fixture.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = fixture.config.to_str().unwrap();
    let (ok, check_out, check_err) = fixture.work.run(&["check", "--config", config], &env);
    assert!(ok, "check: {check_out}{check_err}");
    assert!(check_out.contains("wazuh indexer: "), "{check_out}");
    let (ok, tools_out, tools_err) = fixture.work.run(&["tools", "--config", config], &env);
    assert!(ok, "tools: {tools_err}");

    let sim_tokens = fixture.manager.tokens();
    let mut haystacks: Vec<(String, String)> = vec![
        ("stdio server stderr".into(), log),
        ("stdio server stdout".into(), transcript.join("\n")),
        ("stdio audit file".into(), audit),
        ("check stdout".into(), check_out),
        ("check stderr".into(), check_err),
        ("tools stdout".into(), tools_out),
        ("tools stderr".into(), tools_err),
    ];
    for (tool, args, answer) in &session.calls {
        haystacks.push((format!("result of {tool} {args}"), answer.to_string()));
    }
    assert!(
        fixture.indexer.swapped.load(Ordering::SeqCst) >= 1,
        "check reached the indexer with its password"
    );
    let bytes = assert_no_leaks(&fixture.secrets, &sim_tokens, &haystacks);
    eprintln!(
        "stdio: {} tools, {} calls, {} simulator tokens, {} outputs ({} KB) in {:?}",
        session.tools.len(),
        session.calls.len(),
        sim_tokens.len(),
        haystacks.len(),
        bytes / 1024,
        started.elapsed()
    );
}

/// The helpers themselves: base64 as the standard says, JWT shapes found, chunked bodies joined.
#[test]
fn the_helpers_work() {
    assert_eq!(base64(b"wazuh:wazuh"), "d2F6dWg6d2F6dWg=");
    assert_eq!(base64(b"admin:admin"), "YWRtaW46YWRtaW4=");
    assert_eq!(base64(b"ab"), "YWI=");
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
    assert_eq!(jwt_like(&format!("token \"{token}\" here")), [token]);
    assert_eq!(jwt_like("eyJhbGciOiJIUzI1NiJ9"), ["eyJhbGciOiJIUzI1NiJ9"]);
    assert!(jwt_like("keyJ and eyJ alone").is_empty());
    assert_eq!(
        dechunk("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
        "hello world"
    );
    assert_ne!(random_hex(32), random_hex(32));
}
