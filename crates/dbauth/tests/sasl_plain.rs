//! PLAIN and DSE-PLAIN exchanges through the provider, as a CQL connection drives them.

use dbauth::{AuthProvider, Error, HostInfo, PlainTextAuthProvider, SaslAuthProvider, SaslOptions};
use futures_executor::block_on;

fn host() -> HostInfo {
    HostInfo::new("127.0.0.1:9042".parse().expect("addr"))
}

#[test]
fn cassandra_and_scylla_authenticators_get_plain_credentials() {
    block_on(async {
        let p = PlainTextAuthProvider::new("alice", "s3cret");
        for class in [
            "org.apache.cassandra.auth.PasswordAuthenticator",
            "com.scylladb.auth.TransitionalAuthenticator",
            "com.scylladb.auth.SaslauthdAuthenticator",
            "com.example.SomethingElse",
        ] {
            let mut a = p
                .new_authenticator(&host(), class)
                .await
                .expect("authenticator");
            assert_eq!(
                a.initial_response().await.expect("first"),
                Some(b"\0alice\0s3cret".to_vec()),
                "{class}"
            );
            assert!(matches!(
                a.evaluate_challenge(Some(b"?")).await,
                Err(Error::UnexpectedStep { .. })
            ));
        }
    });
}

#[test]
fn dse_authenticator_negotiates_the_mechanism_first() {
    block_on(async {
        let p = PlainTextAuthProvider::new("alice", "s3cret");
        let mut a = p
            .new_authenticator(&host(), "com.datastax.bdp.cassandra.auth.DseAuthenticator")
            .await
            .expect("authenticator");
        assert_eq!(
            a.initial_response().await.expect("first"),
            Some(b"PLAIN".to_vec())
        );
        assert_eq!(
            a.evaluate_challenge(Some(b"PLAIN-START"))
                .await
                .expect("credentials"),
            Some(b"\0alice\0s3cret".to_vec())
        );
        a.on_authentication_success(None).await.expect("done");

        let mut bad = p
            .new_authenticator(&host(), "com.datastax.bdp.cassandra.auth.DseAuthenticator")
            .await
            .expect("authenticator");
        bad.initial_response().await.expect("first");
        let err = bad
            .evaluate_challenge(Some(b"GSSAPI-START"))
            .await
            .expect_err("wrong challenge");
        assert!(matches!(err, Error::MalformedServerMessage(_)), "{err:?}");
    });
}

#[test]
fn authorization_id_is_sent_first() {
    block_on(async {
        let p = PlainTextAuthProvider::new("svc", "pw").with_authorization_id("bob");
        let mut a = p
            .new_authenticator(&host(), "x")
            .await
            .expect("authenticator");
        assert_eq!(
            a.initial_response().await.expect("first"),
            Some(b"bob\0svc\0pw".to_vec())
        );
    });
}

#[test]
fn sasl_provider_picks_mechanisms_by_name() {
    block_on(async {
        let plain =
            SaslAuthProvider::new("plain", "u", "p", SaslOptions::default()).expect("PLAIN");
        assert_eq!(plain.mechanism(), "PLAIN");
        let mut a = plain
            .new_authenticator(&host(), "x")
            .await
            .expect("authenticator");
        assert_eq!(
            a.initial_response().await.expect("first"),
            Some(b"\0u\0p".to_vec())
        );

        let scram =
            SaslAuthProvider::new("SCRAM-SHA-256", "user", "pencil", SaslOptions::default())
                .expect("SCRAM");
        let mut a = scram
            .new_authenticator(&host(), "x")
            .await
            .expect("authenticator");
        let first = a.initial_response().await.expect("first").expect("token");
        assert!(first.starts_with(b"n,,n=user,r="), "{first:?}");

        assert_eq!(
            SaslAuthProvider::new("DIGEST-MD5", "u", "p", SaslOptions::default()).map(|_| ()),
            Err(Error::MechanismNotSupported("DIGEST-MD5".into()))
        );
        assert!(SaslAuthProvider::new("GSSAPI", "u", "p", SaslOptions::default()).is_err());
    });
}

#[test]
fn debug_output_never_contains_the_password() {
    let p = PlainTextAuthProvider::new("alice", "s3cret-value");
    let s = SaslAuthProvider::new("PLAIN", "alice", "s3cret-value", SaslOptions::default())
        .expect("PLAIN");
    for d in [format!("{p:?}"), format!("{s:?}")] {
        assert!(!d.contains("s3cret-value"), "{d}");
    }
}
