//! Authentication with your own provider: credentials looked up per node at connection time
//! (here from environment variables, standing in for a secrets service), logged without the
//! password, then handed to PLAIN.
//!
//! `CQL_USER=cassandra CQL_PASSWORD=cassandra cargo run -p cql --example custom_auth`

use cql::Cluster;
use cql::dbauth::{self, AuthProvider, Authenticator, HostInfo, PlainTextAuthProvider, Secret};

struct EnvProvider;

#[async_trait::async_trait]
impl AuthProvider for EnvProvider {
    async fn new_authenticator(
        &self,
        host: &HostInfo,
        authenticator_class: &str,
    ) -> Result<Box<dyn Authenticator>, dbauth::Error> {
        let user = std::env::var("CQL_USER").unwrap_or_else(|_| "cassandra".into());
        let password =
            Secret::new(std::env::var("CQL_PASSWORD").unwrap_or_else(|_| "cassandra".into()));
        // `password` prints as *** even here.
        println!(
            "authenticating to {} ({authenticator_class}) as {user} with {password}",
            host.address
        );
        PlainTextAuthProvider::new(user, password)
            .new_authenticator(host, authenticator_class)
            .await
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .auth_provider(EnvProvider)
        .build()?
        .connect()
        .await?;
    let rs = session
        .execute("SELECT release_version FROM system.local", ())
        .await?;
    let (v,): (&str,) = rs.first_row_typed()?;
    println!("connected; Cassandra {v}");
    Ok(())
}
