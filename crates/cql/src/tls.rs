//! TLS for client connections, on rustls.
//!
//! A [`TlsConfig`] is a handle on TLS material that can be replaced while the session runs
//! ([`TlsConfig::replace`]): every clone of it sees the new material, each new connection
//! uses what is current when it starts, and connections already open keep theirs until they
//! are rotated ([`Session::rotate_connections`](crate::Session::rotate_connections)).

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls;

use crate::error::Error;

/// How to reach nodes over TLS.
///
/// The server certificate is verified against the given roots; the name checked is the
/// node's IP address unless a server name is set. Clones share the material: see
/// [`replace`](Self::replace).
#[derive(Clone)]
pub struct TlsConfig {
    current: Arc<ArcSwap<Material>>,
}

/// What one TLS handshake uses.
struct Material {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The rustls config holds the client key: not shown.
        f.debug_struct("TlsConfig")
            .field("server_name", &self.current.load().server_name)
            .finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Trusts the CA certificates in a PEM file.
    pub fn with_ca_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map_err(|e| Error::Config(format!("cannot read CA file {}: {e}", path.display())))?;
        Self::with_ca_pem(&pem)
    }

    /// Trusts the CA certificates in PEM text.
    pub fn with_ca_pem(pem: &[u8]) -> Result<Self, Error> {
        let config = client_builder(roots(pem)?)?.with_no_client_auth();
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// Trusts the CA certificates in `ca_pem` and authenticates with a client certificate
    /// (`cert_pem`: the chain, leaf first) and its private key (`key_pem`: PKCS#8, PKCS#1 or
    /// SEC1), for nodes that require client certificates.
    pub fn with_client_cert_pem(
        ca_pem: &[u8],
        cert_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<Self, Error> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("bad PEM client certificate: {e}")))?;
        if chain.is_empty() {
            return Err(Error::Config(
                "no certificate in the client certificate PEM".into(),
            ));
        }
        // The key's parse error is not shown: it could quote key material.
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|_| Error::Config("no usable private key in the client key PEM".into()))?;
        let config = client_builder(roots(ca_pem)?)?
            .with_client_auth_cert(chain, key)
            .map_err(|e| Error::Config(format!("unusable client certificate or key: {e}")))?;
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// Makes new connections (of every session using a clone of this handle) use `other`'s
    /// material from now on: its CA, client certificate and server name. Open connections
    /// keep theirs until they are replaced; [`Session::rotate_connections`] replaces them.
    /// Load the new material first (e.g. [`with_ca_file`](Self::with_ca_file)): a file that
    /// cannot be read or parsed fails there, and nothing is replaced.
    ///
    /// [`Session::rotate_connections`]: crate::Session::rotate_connections
    pub fn replace(&self, other: &TlsConfig) {
        if !Arc::ptr_eq(&self.current, &other.current) {
            self.current.store(other.current.load_full());
        }
    }

    /// Whether two handles share their material (one is a clone of the other).
    pub fn shares_material_with(&self, other: &TlsConfig) -> bool {
        Arc::ptr_eq(&self.current, &other.current)
    }
}

fn roots(pem: &[u8]) -> Result<rustls::RootCertStore, Error> {
    let mut roots = rustls::RootCertStore::empty();
    let mut found = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| Error::Config(format!("bad PEM certificate: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| Error::Config(format!("unusable CA certificate: {e}")))?;
        found += 1;
    }
    if found == 0 {
        return Err(Error::Config("no certificate in the CA PEM".into()));
    }
    Ok(roots)
}

fn client_builder(
    roots: rustls::RootCertStore,
) -> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>, Error> {
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Config(format!("TLS set-up: {e}")))?
    .with_root_certificates(roots))
}

impl TlsConfig {
    /// Uses a rustls configuration as it is (client certificates, custom verifiers, ...).
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> Self {
        Self {
            current: Arc::new(ArcSwap::from_pointee(Material {
                config,
                server_name: None,
            })),
        }
    }

    /// Checks the certificate against this name instead of the node's address (for every
    /// handle sharing this material).
    #[must_use]
    pub fn server_name(self, name: impl Into<String>) -> Self {
        let config = Arc::clone(&self.current.load().config);
        self.current.store(Arc::new(Material {
            config,
            server_name: Some(name.into()),
        }));
        self
    }

    /// The connector and the name to check for a connection to `ip`, from the material
    /// current now (one snapshot, so a replacement meanwhile cannot mix the two).
    pub(crate) fn connector_for(
        &self,
        ip: IpAddr,
    ) -> Result<(tokio_rustls::TlsConnector, ServerName<'static>), Error> {
        let m = self.current.load();
        let name = match &m.server_name {
            Some(name) => ServerName::try_from(name.clone())
                .map_err(|e| Error::Config(format!("invalid TLS server name {name:?}: {e}")))?,
            None => ServerName::IpAddress(ip.into()),
        };
        Ok((
            tokio_rustls::TlsConnector::from(Arc::clone(&m.config)),
            name,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CA: &[u8] = include_bytes!("../tests/integration/data/unrelated-ca.pem");

    #[test]
    fn replaced_material_is_seen_by_every_clone_and_bad_pem_is_a_typed_error() {
        let a = TlsConfig::with_ca_pem(CA).expect("CA");
        let clone = a.clone();
        let b = TlsConfig::with_ca_pem(CA)
            .expect("CA")
            .server_name("node.example");
        assert!(a.shares_material_with(&clone) && !a.shares_material_with(&b));
        a.replace(&b);
        let (_, name) = clone
            .connector_for("127.0.0.1".parse().expect("ip"))
            .expect("material");
        assert_eq!(
            format!("{name:?}"),
            format!("{:?}", ServerName::try_from("node.example").expect("name"))
        );
        assert!(matches!(
            TlsConfig::with_ca_pem(b"not a pem"),
            Err(Error::Config(_))
        ));
        // A certificate without its key, and a key that is not one.
        let no_key = TlsConfig::with_client_cert_pem(
            CA,
            CA,
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        );
        let Err(Error::Config(msg)) = no_key else {
            panic!("{no_key:?}")
        };
        assert!(!msg.contains("AAAA"), "{msg}");
        assert!(matches!(
            TlsConfig::with_client_cert_pem(CA, b"", b""),
            Err(Error::Config(_))
        ));
    }
}
