//! Authentication against PasswordAuthenticator: right, wrong and missing credentials, and a
//! role without permissions.

use std::time::{Duration, Instant};

use cql::{Cluster, Error, ServerErrorKind};

use crate::common::{
    CONNECT_TIMEOUT, REQUEST_TIMEOUT, VERSIONS, builder, keyspace, max_attempts, session,
};

#[tokio::test]
async fn correct_credentials_connect_and_negotiate_the_version() {
    for v in VERSIONS {
        let s = session(v).await;
        assert_eq!(s.protocol_version(), v);
        let rs = s
            .execute("SELECT release_version FROM system.local", ())
            .await
            .expect("query");
        let (version,): (String,) = rs.first_row_typed().expect("row");
        assert!(version.starts_with("5."), "release_version {version}");
    }
}

#[tokio::test]
async fn default_negotiation_picks_v5() {
    let s = Cluster::builder()
        .contact_points(crate::common::hosts())
        .credentials("cassandra", "cassandra")
        .request_timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    assert_eq!(s.protocol_version(), cql::ProtocolVersion::V5);
}

#[tokio::test]
async fn wrong_password_is_an_authentication_error_with_the_servers_message() {
    for v in VERSIONS {
        let err = builder(v)
            .credentials("cassandra", "definitely-wrong")
            .build()
            .expect("config")
            .connect()
            .await
            .expect_err("must not connect");
        assert!(err.is_authentication(), "{v:?}: {err:?}");
        let text = err.to_string();
        assert!(
            text.contains("Provided username cassandra and/or password are incorrect"),
            "{v:?}: {text}"
        );
        assert!(
            !text.contains("definitely-wrong"),
            "password leaked into the error: {text}"
        );
        let Error::NoHostAvailable(errors) = &err else {
            panic!("{err:?}")
        };
        assert!(
            matches!(errors[0].1, Error::AuthenticationFailed { .. }),
            "{errors:?}"
        );
    }
}

#[tokio::test]
async fn missing_credentials_name_the_servers_authenticator() {
    for v in VERSIONS {
        let err = builder(v)
            .build()
            .expect("config")
            .connect()
            .await
            .expect_err("must not connect");
        let Error::NoHostAvailable(errors) = &err else {
            panic!("{err:?}")
        };
        match &errors[0].1 {
            Error::AuthenticationRequired { authenticator, .. } => {
                assert_eq!(
                    authenticator,
                    "org.apache.cassandra.auth.PasswordAuthenticator"
                );
            }
            other => panic!("{v:?}: {other:?}"),
        }
        assert!(
            err.to_string().contains("credentials(user, password)"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn role_without_select_gets_unauthorized() {
    let admin = session(cql::ProtocolVersion::V5).await;
    let ks = keyspace(&admin, "authz").await;
    admin
        .execute(
            format!("CREATE TABLE {ks}.secret (id int PRIMARY KEY, v text)").as_str(),
            (),
        )
        .await
        .expect("table");
    let role = format!("reader_{}", std::process::id());
    admin
        .execute(
            format!(
                "CREATE ROLE IF NOT EXISTS {role} WITH PASSWORD = 'pw-{role}' AND LOGIN = true"
            )
            .as_str(),
            (),
        )
        .await
        .expect("role");
    for v in crate::common::VERSIONS {
        let s = builder(v)
            .credentials(role.as_str(), format!("pw-{role}"))
            .build()
            .expect("config")
            .connect()
            .await
            .expect("role can log in");
        let err = s
            .execute(format!("SELECT * FROM {ks}.secret").as_str(), ())
            .await
            .expect_err("no SELECT permission");
        let server = err.server_error().unwrap_or_else(|| panic!("{err:?}"));
        assert!(
            matches!(server.kind, ServerErrorKind::Unauthorized),
            "{server:?}"
        );
        assert!(
            server.message.contains("has no SELECT permission"),
            "{}",
            server.message
        );
    }
    admin
        .execute(format!("DROP ROLE {role}").as_str(), ())
        .await
        .expect("drop role");
}

/// Good credentials for the first connection, a wrong password for every later one.
struct WrongAfterFirst {
    calls: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl dbauth::AuthProvider for WrongAfterFirst {
    async fn new_authenticator(
        &self,
        host: &dbauth::HostInfo,
        class: &str,
    ) -> Result<Box<dyn dbauth::Authenticator>, dbauth::Error> {
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let password = if n == 0 {
            "cassandra"
        } else {
            "wrong-password"
        };
        dbauth::PlainTextAuthProvider::new("cassandra", password)
            .new_authenticator(host, class)
            .await
    }
}

#[tokio::test]
async fn a_rejected_password_backs_off_instead_of_storming_the_node() {
    let (base, max) = (Duration::from_millis(200), Duration::from_millis(800));
    let started = Instant::now();
    let s = builder(cql::ProtocolVersion::V5)
        .auth_provider(WrongAfterFirst {
            calls: std::sync::atomic::AtomicUsize::new(0),
        })
        .connections_per_host(3)
        .reconnection_backoff(base, max)
        .build()
        .expect("config")
        .connect()
        .await
        .expect("first connection authenticates");
    // The pool keeps trying to open its two missing connections, with the server rejecting
    // each attempt. Watched for 3 s at least, and until two attempts were rejected (polled: a
    // cold server is slow to check passwords). Without back-off this would be hundreds of
    // attempts in 3 seconds.
    let window = Duration::from_secs(3);
    loop {
        let m = s.metrics();
        if m.connection_attempts >= 3 && started.elapsed() >= window {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the pool gave up retrying: {m:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m = s.metrics();
    assert_eq!(m.open_connections, 1, "{m:?}");
    // The good attempt, then the rejected ones, no closer together than the back-off allows.
    let limit = 1 + u64::from(max_attempts(base, max, started.elapsed()));
    assert!(
        m.connection_attempts <= limit,
        "reconnect storm: {} attempts in {:?}, at most {limit} expected: {m:?}",
        m.connection_attempts,
        started.elapsed()
    );
    // The good connection keeps serving.
    s.execute("SELECT release_version FROM system.local", ())
        .await
        .expect("query on the authenticated connection");
}

#[tokio::test]
async fn default_keyspace_from_the_builder() {
    let admin = session(cql::ProtocolVersion::V5).await;
    let ks = keyspace(&admin, "default_ks").await;
    admin
        .execute(
            format!("CREATE TABLE {ks}.t (k int PRIMARY KEY)").as_str(),
            (),
        )
        .await
        .expect("table");
    let s = builder(cql::ProtocolVersion::V4)
        .credentials("cassandra", "cassandra")
        .keyspace(ks.as_str())
        .build()
        .expect("config")
        .connect()
        .await
        .expect("connect");
    s.execute("INSERT INTO t (k) VALUES (1)", ())
        .await
        .expect("unqualified");
    let rs = admin
        .execute(format!("SELECT k FROM {ks}.t").as_str(), ())
        .await
        .expect("select");
    assert_eq!(rs.rows_count(), 1);
}
