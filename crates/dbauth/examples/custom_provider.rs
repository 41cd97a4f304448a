//! A custom authentication provider: a token fetched per host from somewhere else (here a
//! closure standing in for a secrets service), sent with PLAIN-style framing, and the server's
//! final token checked. Any type implementing `AuthProvider` plugs into the CQL driver with
//! `Cluster::builder().auth_provider(...)`.

use std::sync::Arc;

use dbauth::{AuthProvider, Authenticator, Error, HostInfo, Secret};

/// Looks a per-node password up, e.g. from a vault.
type Lookup = Arc<dyn Fn(&HostInfo) -> Option<Secret> + Send + Sync>;

struct VaultProvider {
    user: String,
    lookup: Lookup,
}

struct VaultAuthenticator {
    user: String,
    password: Secret,
}

#[async_trait::async_trait]
impl AuthProvider for VaultProvider {
    async fn new_authenticator(
        &self,
        host: &HostInfo,
        class: &str,
    ) -> Result<Box<dyn Authenticator>, Error> {
        let password = (self.lookup)(host).ok_or_else(|| {
            Error::Provider(format!("no credentials for {} ({class})", host.address))
        })?;
        Ok(Box::new(VaultAuthenticator {
            user: self.user.clone(),
            password,
        }))
    }
}

#[async_trait::async_trait]
impl Authenticator for VaultAuthenticator {
    async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        Ok(Some(
            format!("\0{}\0{}", self.user, self.password.expose()).into_bytes(),
        ))
    }

    async fn evaluate_challenge(
        &mut self,
        _challenge: Option<&[u8]>,
    ) -> Result<Option<Vec<u8>>, Error> {
        Err(Error::UnexpectedStep {
            mechanism: "vault",
            detail: "this mechanism has a single step",
        })
    }

    async fn on_authentication_success(&mut self, _token: Option<&[u8]>) -> Result<(), Error> {
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let provider = VaultProvider {
        user: "cassandra".into(),
        lookup: Arc::new(|host| (host.address.port() == 9042).then(|| Secret::new("cassandra"))),
    };
    let host = HostInfo::new(
        "127.0.0.1:9042"
            .parse()
            .map_err(|_| Error::Provider("addr".into()))?,
    );
    futures_executor::block_on(async {
        let mut auth = provider
            .new_authenticator(&host, "org.apache.cassandra.auth.PasswordAuthenticator")
            .await?;
        let token = auth.initial_response().await?.unwrap_or_default();
        println!(
            "first token for {}: {} bytes (not printed: it holds the password)",
            host.address,
            token.len()
        );
        Ok(())
    })
}
