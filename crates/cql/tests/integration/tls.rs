//! TLS against `scripts/cassandra start --tls` (the CA path comes from CQL_TEST_TLS_CA).

use cql::{ProtocolVersion, TlsConfig};

use crate::common::builder;

fn ca_path() -> String {
    std::env::var("CQL_TEST_TLS_CA").unwrap_or_else(|_| {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../.run/cassandra/tls/ca.pem"
        );
        root.to_owned()
    })
}

#[tokio::test]
async fn connects_over_tls_verifying_the_server_certificate() {
    let tls = TlsConfig::with_ca_file(ca_path())
        .unwrap_or_else(|e| panic!("{e}; start the server with scripts/cassandra start --tls"));
    for v in [ProtocolVersion::V4, ProtocolVersion::V5] {
        let s = builder(v)
            .credentials("cassandra", "cassandra")
            .tls(tls.clone())
            .build()
            .expect("config")
            .connect()
            .await
            .expect("TLS connect");
        let rs = s
            .execute("SELECT release_version FROM system.local", ())
            .await
            .expect("query");
        assert_eq!(rs.rows_count(), 1);
    }
}

#[tokio::test]
async fn a_wrong_ca_fails_with_a_tls_error() {
    // A CA that did not sign the server's certificate.
    let other_ca = include_str!("data/unrelated-ca.pem");
    let tls = TlsConfig::with_ca_pem(other_ca.as_bytes()).expect("parse CA");
    let err = builder(ProtocolVersion::V5)
        .credentials("cassandra", "cassandra")
        .tls(tls)
        .build()
        .expect("config")
        .connect()
        .await
        .expect_err("must not trust the server");
    let cql::Error::NoHostAvailable(errors) = &err else {
        panic!("{err:?}")
    };
    assert!(matches!(errors[0].1, cql::Error::Tls { .. }), "{err:?}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}
