//! Binding, serving (HTTP or HTTPS with a generated certificate) and shutting down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::faults::FaultSpec;
use crate::reference::{Reference, ReferenceError};
use crate::{SimConfig, SimState, indexer, manager};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The stock content could not be loaded.
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    /// The TLS certificate could not be made.
    #[error("cannot set up TLS: {0}")]
    Tls(String),
}

/// A started simulator. Dropping it does not stop it; call [`RunningSim::shutdown`].
#[derive(Debug)]
pub struct RunningSim {
    state: Arc<SimState>,
    manager_addr: SocketAddr,
    indexer_addr: SocketAddr,
    scheme: &'static str,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSim {
    /// `http(s)://host:port` of the manager API.
    pub fn manager_url(&self) -> String {
        format!("{}://{}", self.scheme, self.manager_addr)
    }

    /// `http(s)://host:port` of the indexer.
    pub fn indexer_url(&self) -> String {
        format!("{}://{}", self.scheme, self.indexer_addr)
    }

    pub fn manager_addr(&self) -> SocketAddr {
        self.manager_addr
    }

    pub fn indexer_addr(&self) -> SocketAddr {
        self.indexer_addr
    }

    /// The PEM of the CA that signed the server certificate, when serving HTTPS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The shared state (world, faults, tokens).
    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    /// Switches faults on or off.
    pub fn set_faults(&self, spec: &FaultSpec) {
        self.state.apply_faults(spec);
    }

    /// Stops both listeners and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Loads stock content, generates the world and starts both listeners.
pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
    let reference = match &config.data_dir {
        Some(dir) => {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || Reference::load(&dir))
                .await
                .map_err(|e| SimError::Tls(format!("loader task failed: {e}")))??
        }
        None => Reference::builtin(),
    };
    let config_for_state = config.clone();
    let state = tokio::task::spawn_blocking(move || SimState::new(config_for_state, reference))
        .await
        .map_err(|e| SimError::Tls(format!("generator task failed: {e}")))?;
    let state = Arc::new(state);

    let (tls, ca_pem) = if config.tls {
        let (tls, ca) = tls_config(&config.host)?;
        (Some(tls), Some(ca))
    } else {
        (None, None)
    };

    let manager_listener = bind(&config.host, config.manager_port)?;
    let indexer_listener = bind(&config.host, config.indexer_port)?;
    let manager_addr = local_addr(&manager_listener)?;
    let indexer_addr = local_addr(&indexer_listener)?;
    let (stop, stop_rx) = watch::channel(false);

    let manager_app = manager::router(state.clone());
    let manager_task = tokio::spawn(serve(
        manager_listener,
        manager_app,
        tls.clone(),
        stop_rx.clone(),
    ));
    let indexer_task = tokio::spawn(indexer_loop(
        state.clone(),
        indexer_listener,
        indexer_addr,
        tls,
        stop_rx,
    ));

    Ok(RunningSim {
        state,
        manager_addr,
        indexer_addr,
        scheme: if config.tls { "https" } else { "http" },
        ca_pem,
        stop,
        tasks: vec![manager_task, indexer_task],
    })
}

fn bind(host: &str, port: u16) -> Result<std::net::TcpListener, SimError> {
    let addr = format!("{host}:{port}");
    let listener = std::net::TcpListener::bind(&addr).map_err(|source| SimError::Bind {
        addr: addr.clone(),
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| SimError::Bind { addr, source })?;
    Ok(listener)
}

fn local_addr(listener: &std::net::TcpListener) -> Result<SocketAddr, SimError> {
    listener.local_addr().map_err(|source| SimError::Bind {
        addr: "listener".into(),
        source,
    })
}

/// Serves `app` until `stop` turns true.
async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    tls: Option<RustlsConfig>,
    mut stop: watch::Receiver<bool>,
) {
    let handle = axum_server::Handle::new();
    let watcher = {
        let handle = handle.clone();
        tokio::spawn(async move {
            while !*stop.borrow() {
                if stop.changed().await.is_err() {
                    break;
                }
            }
            handle.graceful_shutdown(Some(Duration::from_secs(2)));
        })
    };
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let result = match tls {
        Some(tls) => match axum_server::from_tcp_rustls(listener, tls) {
            Ok(server) => server.handle(handle).serve(service).await,
            Err(e) => Err(e),
        },
        None => match axum_server::from_tcp(listener) {
            Ok(server) => server.handle(handle).serve(service).await,
            Err(e) => Err(e),
        },
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "simulator listener failed");
    }
    watcher.abort();
}

/// Serves the indexer, closing its port while the "indexer down" fault is on.
async fn indexer_loop(
    state: Arc<SimState>,
    listener: std::net::TcpListener,
    addr: SocketAddr,
    tls: Option<RustlsConfig>,
    stop: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    loop {
        if *stop.borrow() {
            return;
        }
        if state.faults.indexer_down() {
            drop(listener.take());
            let changed = state.faults.changed();
            let mut stop_wait = stop.clone();
            tokio::select! {
                _ = changed => {}
                _ = stop_wait.changed() => {}
            }
            continue;
        }
        let current = match listener.take() {
            Some(l) => l,
            None => match bind(&addr.ip().to_string(), addr.port()) {
                Ok(l) => l,
                Err(e) => {
                    tracing::error!(error = %e, "cannot bring the indexer back up");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Serve until stopped or taken down.
        let (local_stop, local_rx) = watch::channel(false);
        let app = indexer::router(state.clone());
        let server = tokio::spawn(serve(current, app, tls.clone(), local_rx));
        let mut stop_wait = stop.clone();
        loop {
            if state.faults.indexer_down() || *stop_wait.borrow() {
                break;
            }
            let changed = state.faults.changed();
            tokio::select! {
                _ = changed => {}
                _ = stop_wait.changed() => {}
            }
        }
        let _ = local_stop.send(true);
        let _ = server.await;
    }
}

/// A fresh CA and a server certificate it signs, for `host`, `localhost` and `127.0.0.1`.
fn tls_config(host: &str) -> Result<(RustlsConfig, String), SimError> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let err = |e: rcgen::Error| SimError::Tls(e.to_string());

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "wazuh-sim test CA");
    let ca_key = KeyPair::generate().map_err(err)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let ca_pem = ca_cert.pem();
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !names.iter().any(|n| n == host) {
        names.push(host.to_string());
    }
    let mut params = CertificateParams::new(names).map_err(err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "wazuh-sim");
    let key = KeyPair::generate().map_err(err)?;
    let cert = params.signed_by(&key, &issuer).map_err(err)?;

    let cert_der = cert.der().clone();
    let key_der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
        .map_err(|e| SimError::Tls(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SimError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(|e| SimError::Tls(e.to_string()))?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((RustlsConfig::from_config(Arc::new(server)), ca_pem))
}
