//! HTTPS on the server's own port: the rustls configuration built from `server.tls` (PEM
//! certificate chain and key, optionally a client CA for mutual TLS), and the client
//! certificate of a connection as a request extension.
//!
//! rustls runs with the `ring` provider passed explicitly (no process-wide default is installed),
//! TLS 1.2 and 1.3 only, and ALPN `h2` then `http/1.1`. Every failure names the file and what to
//! fix; none panics and none prints key material.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};

use crate::config::{ClientAuth, TlsSettings};

/// Why the TLS settings cannot be used. Each message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `server.tls` has no certificate or no key.
    #[error(
        "TLS needs both a certificate and a key: set server.tls.cert_file and server.tls.key_file (or --tls-cert and --tls-key)"
    )]
    NotConfigured,
    /// A file cannot be read.
    #[error(
        "cannot read the {what} {path} ({key}): {error}; check the path, and that the server's user may read it"
    )]
    Read {
        what: &'static str,
        key: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    /// A file does not hold what it should.
    #[error("the {what} {path} ({key}) {message}")]
    Invalid {
        what: &'static str,
        key: &'static str,
        path: PathBuf,
        message: String,
    },
    /// The key is not the certificate's.
    #[error(
        "the TLS key file {key} does not match the certificate in {cert}: give the private key of that certificate (the first certificate of the chain file must be the server's own, then its intermediates)"
    )]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    /// rustls refused the certificate or the key.
    #[error("cannot use the TLS certificate {cert} with the key {key}: {message}")]
    Certificate {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
    /// Anything else rustls refused.
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// A file of `server.tls`: what it is, and its key.
type FileKind = (&'static str, &'static str);

const CERT_FILE: FileKind = ("TLS certificate file", "server.tls.cert_file");
const KEY_FILE: FileKind = ("TLS key file", "server.tls.key_file");
const CLIENT_CA_FILE: FileKind = ("TLS client CA file", "server.tls.client_ca_file");

/// The rustls configuration of `settings`: its certificate chain and key, client certificates
/// checked against the client CA when one is given (`required` or `optional`), TLS 1.2+, and
/// ALPN `h2` + `http/1.1`.
pub fn server_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    let (Some(cert_path), Some(key_path)) = (&settings.cert_file, &settings.key_file) else {
        return Err(TlsError::NotConfigured);
    };
    let chain = read_certificates(cert_path, CERT_FILE)?;
    let key = read_key(key_path)?;
    warn_if_world_readable(key_path);

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Setup(e.to_string()))?;
    let builder = match (&settings.client_ca_file, settings.client_auth()) {
        (Some(ca_path), Some(mode)) => {
            let mut roots = RootCertStore::empty();
            let (added, _ignored) =
                roots.add_parsable_certificates(read_certificates(ca_path, CLIENT_CA_FILE)?);
            if added == 0 {
                return Err(TlsError::Invalid {
                    what: CLIENT_CA_FILE.0,
                    key: CLIENT_CA_FILE.1,
                    path: ca_path.clone(),
                    message: "holds no usable CA certificate: give the PEM certificate of the CA that signs client certificates".into(),
                });
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = match mode {
                ClientAuth::Required => verifier,
                ClientAuth::Optional => verifier.allow_unauthenticated(),
            };
            let verifier = verifier.build().map_err(|e| TlsError::Invalid {
                what: CLIENT_CA_FILE.0,
                key: CLIENT_CA_FILE.1,
                path: ca_path.clone(),
                message: format!("cannot be used to verify clients: {e}"),
            })?;
            builder.with_client_cert_verifier(verifier)
        }
        _ => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            TlsError::KeyMismatch {
                cert: cert_path.clone(),
                key: key_path.clone(),
            }
        }
        other => TlsError::Certificate {
            cert: cert_path.clone(),
            key: key_path.clone(),
            message: other.to_string(),
        },
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read(path: &Path, (what, key): FileKind) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        what,
        key,
        path: path.to_path_buf(),
        error,
    })
}

/// Every `CERTIFICATE` block of a PEM file, in order.
fn read_certificates(
    path: &Path,
    kind: FileKind,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path, kind)?;
    let invalid = |message: String| TlsError::Invalid {
        what: kind.0,
        key: kind.1,
        path: path.to_path_buf(),
        message,
    };
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("is not valid PEM: {}", pem_problem(&e))))?;
    if certs.is_empty() {
        let hint = if PrivateKeyDer::from_pem_slice(&bytes).is_ok() {
            " (it holds a private key: is it the key file?)"
        } else {
            ""
        };
        return Err(invalid(format!(
            "holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` block){hint}"
        )));
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path, KEY_FILE)?;
    let invalid = |message: String| TlsError::Invalid {
        what: KEY_FILE.0,
        key: KEY_FILE.1,
        path: path.to_path_buf(),
        message,
    };
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => {
            let encrypted = bytes
                .windows(b"ENCRYPTED PRIVATE KEY".len())
                .any(|w| w == b"ENCRYPTED PRIVATE KEY");
            let holds_certificate = CertificateDer::pem_slice_iter(&bytes).any(|c| c.is_ok());
            Err(invalid(if encrypted {
                "holds an encrypted key: give it unencrypted (`openssl pkey -in KEY -out KEY.plain`) and chmod 600 it".into()
            } else if holds_certificate {
                "holds no private key but a certificate: is it the certificate file?".into()
            } else {
                "holds no PEM private key (`-----BEGIN PRIVATE KEY-----`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`)".into()
            }))
        }
        Err(e) => Err(invalid(format!("is not valid PEM: {}", pem_problem(&e)))),
    }
}

/// A PEM error in words, without echoing the file's content.
fn pem_problem(error: &pem::Error) -> &'static str {
    match error {
        pem::Error::MissingSectionEnd { .. } => "a block has no `-----END ...-----` line",
        pem::Error::IllegalSectionStart { .. } => "a `-----BEGIN ...-----` line is malformed",
        pem::Error::Base64Decode(_) => "a block is not valid base64",
        pem::Error::SectionTooLarge => "a block is too large",
        _ => "it cannot be parsed",
    }
}

/// The key is a secret: say so when every user can read it.
fn warn_if_world_readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o004 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the TLS private key is readable by every user (mode {mode:03o}): run `chmod 600 {}`",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Logs a connection that failed before HTTP: a client refused for its certificate at `warn`
/// (it is an authentication failure), anything else (scanners, plain HTTP, clients that
/// distrust our certificate) at `debug`.
pub fn log_handshake_failure(source: Option<&std::net::SocketAddr>, error: &io::Error) {
    let shown = source.map_or_else(|| "unknown".to_string(), ToString::to_string);
    let rustls_error = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    match rustls_error {
        Some(rustls::Error::NoCertificatesPresented) => tracing::warn!(
            source = %shown,
            "refused a TLS client: it presented no client certificate (server.tls.client_auth: required)"
        ),
        Some(rustls::Error::InvalidCertificate(reason)) => tracing::warn!(
            source = %shown,
            reason = ?reason,
            "refused a TLS client: its certificate is not valid for server.tls.client_ca_file"
        ),
        _ => tracing::debug!(source = %shown, error = %error, "TLS handshake failed"),
    }
}

/// The verified certificate a client presented (mutual TLS), put in every request's extensions
/// by the HTTP transport; absent on plain HTTP and for clients without a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCertificate {
    /// The subject's common name (CN), control characters removed; `None` if it has none.
    pub common_name: Option<String>,
    /// SHA-256 of the certificate (DER), lowercase hex.
    pub sha256: String,
}

impl ClientCertificate {
    /// Reads the subject CN of a DER certificate (already verified by the handshake).
    pub fn from_der(der: &[u8]) -> ClientCertificate {
        let digest = Sha256::digest(der);
        ClientCertificate {
            common_name: subject_common_name(der),
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// A name for logs and audit: the CN, or `sha256:<16 hex digits>` without one.
    pub fn subject(&self) -> String {
        match &self.common_name {
            Some(cn) => cn.clone(),
            None => format!("sha256:{}", self.sha256.get(..16).unwrap_or(&self.sha256)),
        }
    }
}

/// One DER element: its tag, its content, and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
/// 2.5.4.3, the common name.
const CN_OID: &[u8] = &[0x55, 0x04, 0x03];

/// The last CN of the subject of a DER certificate (the most specific one).
fn subject_common_name(der: &[u8]) -> Option<String> {
    let (SEQUENCE, certificate, _) = der_element(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = der_element(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    // [0] version (optional), serial, signature algorithm, issuer, validity, subject.
    let (tag, _, after) = der_element(rest)?;
    if tag == 0xa0 {
        rest = after;
    }
    for _ in 0..4 {
        rest = der_element(rest)?.2;
    }
    let (SEQUENCE, mut name, _) = der_element(rest)? else {
        return None;
    };
    let mut found = None;
    while !name.is_empty() {
        let (tag, rdn, after) = der_element(name)?;
        name = after;
        if tag != SET {
            continue;
        }
        let mut attributes = rdn;
        while !attributes.is_empty() {
            let (tag, attribute, after) = der_element(attributes)?;
            attributes = after;
            if tag != SEQUENCE {
                continue;
            }
            let (OID, oid, value) = der_element(attribute)? else {
                continue;
            };
            if oid == CN_OID
                && let Some((string_tag, text, _)) = der_element(value)
                && let Some(text) = decode_string(string_tag, text)
            {
                found = Some(text);
            }
        }
    }
    found.filter(|cn| !cn.is_empty())
}

/// A directory string, cleaned of control characters and cut to 256 characters.
fn decode_string(tag: u8, bytes: &[u8]) -> Option<String> {
    let text = match tag {
        // UTF8String, PrintableString, IA5String, TeletexString (read as Latin-1 when not UTF-8).
        0x0c | 0x13 | 0x16 => String::from_utf8_lossy(bytes).into_owned(),
        0x14 => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_string(),
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        },
        // BMPString: UTF-16BE.
        0x1e => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => return None,
    };
    Some(text.chars().filter(|c| !c.is_control()).take(256).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    struct Pki {
        ca_pem: String,
        cert_pem: String,
        key_pem: String,
        client_der: Vec<u8>,
    }

    fn pki() -> Pki {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);

        let server = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let server_key = KeyPair::generate().unwrap();
        let server_cert = server.signed_by(&server_key, &issuer).unwrap();

        let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
        client
            .distinguished_name
            .push(DnType::OrganizationName, "SOC");
        client
            .distinguished_name
            .push(DnType::CommonName, "analyst1\u{1b}[31m");
        let client_key = KeyPair::generate().unwrap();
        let client_cert = client.signed_by(&client_key, &issuer).unwrap();
        Pki {
            ca_pem: ca_cert.pem(),
            cert_pem: server_cert.pem(),
            key_pem: server_key.serialize_pem(),
            client_der: client_cert.der().to_vec(),
        }
    }

    fn files(dir: &Path, pki: &Pki) -> TlsSettings {
        std::fs::write(dir.join("cert.pem"), &pki.cert_pem).unwrap();
        std::fs::write(dir.join("key.pem"), &pki.key_pem).unwrap();
        std::fs::write(dir.join("ca.pem"), &pki.ca_pem).unwrap();
        TlsSettings {
            cert_file: Some(dir.join("cert.pem")),
            key_file: Some(dir.join("key.pem")),
            client_ca_file: None,
            client_auth: None,
        }
    }

    #[test]
    fn builds_with_alpn_and_client_ca() {
        let dir = tempfile::tempdir().unwrap();
        let pki = pki();
        let mut settings = files(dir.path(), &pki);
        let config = server_config(&settings).unwrap();
        assert_eq!(
            config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        settings.client_ca_file = Some(dir.path().join("ca.pem"));
        server_config(&settings).unwrap();
        settings.client_auth = Some(ClientAuth::Optional);
        server_config(&settings).unwrap();
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let pki = pki();
        let good = files(dir.path(), &pki);
        let error = |settings: &TlsSettings| server_config(settings).unwrap_err().to_string();

        let missing = TlsSettings {
            key_file: Some(dir.path().join("nope.key")),
            ..good.clone()
        };
        let message = error(&missing);
        assert!(
            message.contains("nope.key") && message.contains("cannot read the TLS key file"),
            "{message}"
        );

        // Key and certificate swapped.
        let swapped = TlsSettings {
            cert_file: good.key_file.clone(),
            key_file: good.cert_file.clone(),
            ..good.clone()
        };
        let message = error(&swapped);
        assert!(
            message.contains("key.pem") && message.contains("is it the key file?"),
            "{message}"
        );
        let key_is_cert = TlsSettings {
            key_file: good.cert_file.clone(),
            ..good.clone()
        };
        let message = error(&key_is_cert);
        assert!(message.contains("is it the certificate file?"), "{message}");

        // A key of another certificate.
        let other = KeyPair::generate().unwrap();
        std::fs::write(dir.path().join("other.key"), other.serialize_pem()).unwrap();
        let mismatched = TlsSettings {
            key_file: Some(dir.path().join("other.key")),
            ..good.clone()
        };
        let message = error(&mismatched);
        assert!(
            message.contains("other.key") && message.contains("does not match"),
            "{message}"
        );
        assert!(!message.contains("PRIVATE KEY"), "{message}");

        std::fs::write(dir.path().join("garbage.pem"), "not a certificate\n").unwrap();
        let garbage = TlsSettings {
            cert_file: Some(dir.path().join("garbage.pem")),
            ..good.clone()
        };
        let message = error(&garbage);
        assert!(
            message.contains("garbage.pem") && message.contains("no PEM certificate"),
            "{message}"
        );
        let truncated: String = pki.key_pem.lines().take(2).collect::<Vec<_>>().join("\n");
        std::fs::write(dir.path().join("truncated.key"), truncated).unwrap();
        let broken = TlsSettings {
            key_file: Some(dir.path().join("truncated.key")),
            ..good.clone()
        };
        let message = error(&broken);
        assert!(
            message.contains("truncated.key") && message.contains("END"),
            "{message}"
        );

        let bad_ca = TlsSettings {
            client_ca_file: Some(dir.path().join("garbage.pem")),
            ..good.clone()
        };
        let message = error(&bad_ca);
        assert!(message.contains("client CA file"), "{message}");
        assert!(matches!(
            server_config(&TlsSettings::default()),
            Err(TlsError::NotConfigured)
        ));
    }

    #[test]
    fn client_certificate_subject() {
        let pki = pki();
        let cert = ClientCertificate::from_der(&pki.client_der);
        assert_eq!(cert.common_name.as_deref(), Some("analyst1[31m"));
        assert_eq!(cert.subject(), "analyst1[31m");
        assert_eq!(cert.sha256.len(), 64);

        let mut params = CertificateParams::new(vec!["bot.example".to_string()]).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        let key = KeyPair::generate().unwrap();
        let anonymous = params.self_signed(&key).unwrap();
        let cert = ClientCertificate::from_der(anonymous.der());
        assert_eq!(cert.common_name, None);
        assert!(cert.subject().starts_with("sha256:"), "{}", cert.subject());
        assert_eq!(cert.subject().len(), "sha256:".len() + 16);

        // Garbage and truncations never panic.
        for end in 0..pki.client_der.len() {
            let _ = subject_common_name(&pki.client_der[..end]);
        }
        assert_eq!(subject_common_name(&[0x30, 0x84, 0xff, 0xff]), None);
        assert_eq!(subject_common_name(b""), None);
    }
}
