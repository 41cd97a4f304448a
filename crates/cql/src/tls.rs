//! TLS for client connections, on rustls.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls;

use crate::error::Error;

/// How to reach nodes over TLS.
///
/// The server certificate is verified against the given roots; the name checked is the
/// node's IP address unless a server name is set.
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("server_name", &self.server_name)
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
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// Uses a rustls configuration as it is (client certificates, custom verifiers, ...).
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> Self {
        Self {
            config,
            server_name: None,
        }
    }

    /// Checks the certificate against this name instead of the node's address.
    #[must_use]
    pub fn server_name(mut self, name: impl Into<String>) -> Self {
        self.server_name = Some(name.into());
        self
    }

    pub(crate) fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(Arc::clone(&self.config))
    }

    pub(crate) fn name_for(&self, ip: IpAddr) -> Result<ServerName<'static>, Error> {
        match &self.server_name {
            Some(name) => ServerName::try_from(name.clone())
                .map_err(|e| Error::Config(format!("invalid TLS server name {name:?}: {e}"))),
            None => Ok(ServerName::IpAddress(ip.into())),
        }
    }
}
