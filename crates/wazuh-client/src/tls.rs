//! The rustls configuration shared by both clients.
//!
//! * Crypto provider: `ring`, passed explicitly, so `aws-lc` is never compiled.
//! * Trust: the CA bundle of `ca_file` when set (it *replaces* the default roots, as
//!   `curl --cacert` does: a Wazuh deployment is normally signed by its own `root-ca.pem`);
//!   otherwise the Mozilla roots of `webpki-roots`. We chose `webpki-roots` over the OS store
//!   because it behaves the same on every machine and in minimal containers that have no
//!   `ca-certificates`, and because `rustls-native-certs` reads `SSL_CERT_FILE`/`SSL_CERT_DIR` by
//!   itself, while this crate leaves the environment to the binary.
//! * ALPN offers `h2` then `http/1.1`, so HTTP/2 is used where the server offers it.
//! * `verify_tls: false` accepts any certificate (handshake signatures are still checked) and
//!   logs a warning when the client is built.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result, Service};

/// Builds the TLS configuration.
pub(crate) fn client_config(
    service: Service,
    verify: bool,
    ca_file: Option<&Path>,
) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?;
    let mut config = if verify {
        let roots = match ca_file {
            Some(path) => roots_from_file(path)?,
            None => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        tracing::warn!(
            service = %service,
            "TLS certificate verification is OFF (verify_tls: false): the connection can be \
             intercepted; use ca_file with the deployment's CA instead"
        );
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate { provider }))
            .with_no_client_auth()
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Reads every certificate of a PEM file into a root store.
fn roots_from_file(path: &Path) -> Result<RootCertStore> {
    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| Error::Config(format!("cannot read ca_file {shown}: {e}")))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| {
            Error::Config(format!("ca_file {shown} is not a valid PEM bundle: {e}"))
        })?;
        roots.add(cert).map_err(|e| {
            Error::Config(format!(
                "ca_file {shown} holds an unusable certificate: {e}"
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(Error::Config(format!(
            "ca_file {shown} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)"
        )));
    }
    Ok(roots)
}

/// Accepts any server certificate; used only with `verify_tls: false`.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn default_roots_and_alpn() {
        let c = client_config(Service::Manager, true, None).expect("config");
        assert_eq!(c.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }

    #[test]
    fn ca_file_errors_are_config_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing.pem");
        let err = client_config(Service::Manager, true, Some(&missing)).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let err = client_config(Service::Manager, true, Some(&empty)).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }
}
