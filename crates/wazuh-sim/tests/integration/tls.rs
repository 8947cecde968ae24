use wazuh_sim::SimConfig;

use crate::common::start;

#[tokio::test]
async fn https_with_the_generated_ca_and_refusal_without_it() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sim = start(SimConfig {
        tls: true,
        ..SimConfig::for_tests()
    })
    .await;
    assert!(sim.manager_url().starts_with("https://"));
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().unwrap().as_bytes()).unwrap();
    let trusted = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let response = trusted
        .post(format!(
            "{}/security/user/authenticate?raw=true",
            sim.manager_url()
        ))
        .basic_auth("wazuh", Some("wazuh"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let untrusted = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .unwrap();
    let refused = untrusted
        .get(format!("{}/", sim.manager_url()))
        .send()
        .await;
    assert!(refused.is_err(), "an unknown CA is refused");
    sim.shutdown().await;
}
