//! TLS: connect with the server certificate verified against a CA file.
//!
//! `scripts/cassandra start --tls` prints the CA path; then
//! `cargo run -p cql --example tls -- .run/cassandra/tls/ca.pem`.

use cql::{Cluster, TlsConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ca = std::env::args()
        .nth(1)
        .unwrap_or_else(|| ".run/cassandra/tls/ca.pem".into());
    let session = Cluster::builder()
        .contact_points(["127.0.0.1"])
        .credentials("cassandra", "cassandra")
        .tls(TlsConfig::with_ca_file(&ca)?)
        .build()?
        .connect()
        .await?;
    let rs = session
        .execute("SELECT release_version FROM system.local", ())
        .await?;
    let (v,): (&str,) = rs.first_row_typed()?;
    println!("connected over TLS (CA {ca}); Cassandra {v}");
    Ok(())
}
