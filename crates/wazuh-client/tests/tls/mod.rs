//! TLS: a custom CA, an untrusted certificate, verification turned off, HTTP/2 by ALPN.

use std::io::Write;

use wazuh_client::indexer::IndexerClient;
use wazuh_client::{Error, ManagerClient, TransportKind};
use wazuh_sim::{RunningSim, SimConfig};

use crate::common::{capture_logs, indexer_config, manager_config, small_sim};

async fn tls_sim() -> RunningSim {
    small_sim(SimConfig {
        tls: true,
        ..SimConfig::for_tests()
    })
    .await
}

fn ca_file(sim: &RunningSim) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(sim.ca_pem().expect("a TLS simulator has a CA").as_bytes())
        .expect("write CA");
    file
}

#[tokio::test]
async fn a_custom_ca_is_trusted_and_http2_is_negotiated() {
    let sim = tls_sim().await;
    assert!(sim.manager_url().starts_with("https://"));
    let ca = ca_file(&sim);
    let mut config = manager_config(&sim);
    config.ca_file = Some(ca.path().to_path_buf());
    let client = ManagerClient::new(config).expect("client");
    let info = client.api_info().await.expect("TLS with the custom CA");
    assert_eq!(info.api_version.as_deref(), Some("4.14.7"));
    let stats = client.stats();
    assert_eq!(
        stats.http2_responses, stats.requests,
        "HTTP/2 over ALPN: {stats:?}"
    );

    let mut config = indexer_config(&sim);
    config.ca_file = Some(ca.path().to_path_buf());
    let indexer = IndexerClient::new(config).expect("indexer client");
    indexer.info().await.expect("indexer over TLS");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let sim = tls_sim().await;
    // Default roots (webpki-roots) do not include the simulator's CA.
    let client = ManagerClient::new(manager_config(&sim)).expect("client");
    let err = client.api_info().await.unwrap_err();
    let Error::Transport { kind, message, .. } = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(*kind, TransportKind::Tls, "{err}");
    assert!(message.to_lowercase().contains("certificate"), "{message}");
    assert!(
        err.to_string().contains("ca_file"),
        "the hint names the fix: {err}"
    );
    // A TLS failure is not retried: it would fail the same way.
    assert_eq!(client.stats().retries, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn verification_off_works_and_warns() {
    let sim = tls_sim().await;
    let mut config = manager_config(&sim);
    config.verify_tls = false;
    let (client, logs) = capture_logs(|| ManagerClient::new(config));
    let client = client.expect("client");
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("verification is OFF"), "{logs}");
    client
        .api_info()
        .await
        .expect("accepted without verification");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_bad_ca_file_is_a_config_error() {
    let sim = tls_sim().await;
    let mut config = manager_config(&sim);
    let dir = tempfile::tempdir().expect("temp dir");
    config.ca_file = Some(dir.path().join("missing.pem"));
    let err = ManagerClient::new(config).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    sim.shutdown().await;
}
