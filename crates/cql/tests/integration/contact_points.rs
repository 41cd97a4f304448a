//! Contact points in every documented form connect to the real server; a name that does not
//! resolve and an entry that does not parse are errors naming them.

use cql::{Cluster, Error, ProtocolVersion};

use crate::common::{builder, hosts};

async fn connects(contact_point: &str) {
    let s = builder(ProtocolVersion::V4)
        .contact_points([contact_point])
        .credentials("cassandra", "cassandra")
        .build()
        .unwrap_or_else(|e| panic!("{contact_point}: {e}"))
        .connect()
        .await
        .unwrap_or_else(|e| panic!("{contact_point}: {e}"));
    let (v,): (String,) = s
        .execute("SELECT release_version FROM system.local", ())
        .await
        .expect("query")
        .first_row_typed()
        .expect("row");
    assert!(!v.is_empty());
    s.shutdown().await;
}

#[tokio::test]
async fn every_form_of_contact_point_connects() {
    // The first test host, which is an IP address (CQL_TEST_HOSTS).
    let ip = hosts()[0].clone();
    connects(&ip).await;
    connects(&format!("{ip}:9042")).await;
    if ip == "127.0.0.1" {
        connects("localhost").await;
        connects("localhost:9042").await;
    } else {
        eprintln!("host names: skipped, the test server is at {ip}, not at localhost");
    }
    if tokio::net::TcpStream::connect("[::1]:9042").await.is_ok() {
        connects("[::1]:9042").await;
    } else {
        eprintln!("[::1]:9042: skipped, the test server does not listen on ::1");
    }
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_an_error_naming_it() {
    let err = Cluster::builder()
        .contact_points(["nosuchhost.invalid:9042"])
        .build()
        .expect("it parses")
        .connect()
        .await
        .expect_err("RFC 6761: .invalid never resolves");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(err.to_string().contains("nosuchhost.invalid:9042"), "{err}");
}

#[test]
fn an_entry_that_does_not_parse_fails_the_build_naming_it() {
    let err = Cluster::builder()
        .contact_points(["127.0.0.1", "db:9o42"])
        .build()
        .expect_err("bad port");
    assert!(err.to_string().contains("\"db:9o42\""), "{err}");
}
