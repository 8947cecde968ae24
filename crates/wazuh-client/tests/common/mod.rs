//! Shared helpers: the reference data, simulators and clients.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wazuh_client::{IndexerConfig, ManagerClient, ManagerConfig};
use wazuh_sim::{RunningSim, SimConfig};

/// Wazuh's reference content: `WAZUH_DATA_DIR`, else a `shared/wazuh` directory above the crate.
pub fn data_dir() -> PathBuf {
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

/// A simulator with the stock content, on ephemeral ports.
pub async fn sim_with(config: SimConfig) -> RunningSim {
    wazuh_sim::start(SimConfig {
        data_dir: Some(data_dir()),
        ..config
    })
    .await
    .expect("simulator starts")
}

/// A small simulator (10 agents: quicker to build) for a test that switches faults.
pub async fn small_sim(config: SimConfig) -> RunningSim {
    sim_with(SimConfig {
        agents: 10,
        ..config
    })
    .await
}

/// A small plain-HTTP simulator of its own.
pub async fn sim() -> RunningSim {
    small_sim(SimConfig::for_tests()).await
}

/// Where a simulator listens.
pub trait Urls {
    fn manager_url(&self) -> String;
    fn indexer_url(&self) -> String;
}

impl Urls for RunningSim {
    fn manager_url(&self) -> String {
        RunningSim::manager_url(self)
    }
    fn indexer_url(&self) -> String {
        RunningSim::indexer_url(self)
    }
}

/// The URLs of the shared simulator.
pub struct Shared {
    manager_url: String,
    indexer_url: String,
}

impl Urls for Shared {
    fn manager_url(&self) -> String {
        self.manager_url.clone()
    }
    fn indexer_url(&self) -> String {
        self.indexer_url.clone()
    }
}

/// One simulator shared by the tests that only read and switch no fault (building the world
/// costs a couple of CPU seconds in a debug build). It runs on its own thread and runtime for
/// the life of the test process.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime of the shared simulator");
            runtime.block_on(async move {
                let sim = sim_with(SimConfig::for_tests()).await;
                let urls = Shared {
                    manager_url: sim.manager_url(),
                    indexer_url: sim.indexer_url(),
                };
                if tx.send(urls).is_ok() {
                    std::future::pending::<()>().await;
                }
            });
        });
        rx.recv().expect("the shared simulator starts")
    })
}

/// Fast retries so that fault tests do not wait long.
pub fn fast(mut config: ManagerConfig) -> ManagerConfig {
    config.backoff_factor = Duration::from_millis(10);
    config.backoff_max = Duration::from_millis(100);
    config.timeout = Duration::from_secs(10);
    config
}

/// An admin client of the simulator's manager.
pub fn manager_config(sim: &impl Urls) -> ManagerConfig {
    fast(ManagerConfig::new(sim.manager_url(), "wazuh", "wazuh"))
}

pub fn manager(sim: &impl Urls) -> ManagerClient {
    ManagerClient::new(manager_config(sim)).expect("client builds")
}

pub fn indexer_config(sim: &impl Urls) -> IndexerConfig {
    let mut config = IndexerConfig::new(sim.indexer_url(), "admin", "admin");
    config.backoff_factor = Duration::from_millis(10);
    config.backoff_max = Duration::from_millis(100);
    config.timeout = Duration::from_secs(10);
    config
}

/// Collects what `tracing` prints while `f` runs on this thread.
pub fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::WARN)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&buffer.0.lock().expect("log buffer")).into_owned();
    (out, text)
}
