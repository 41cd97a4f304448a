//! DSE's DseAuthenticator through SaslAuthProvider: the mechanism is named first, the server's
//! `<MECHANISM>-START` is answered with the mechanism's first message, the rest is the
//! mechanism's own exchange (here SCRAM-SHA-256 with the RFC 7677 server messages).

use dbauth::sasl::{DSE_AUTHENTICATOR, DseNegotiation};
use dbauth::{
    AuthProvider, Authenticator, Error, HostInfo, SaslAuthProvider, SaslOptions, ScramSha256,
};
use futures_executor::block_on;

fn host() -> HostInfo {
    HostInfo::new("127.0.0.1:9042".parse().expect("addr"))
}

#[test]
fn plain_through_the_sasl_provider_names_the_mechanism_for_dse_only() {
    block_on(async {
        let p = SaslAuthProvider::new("PLAIN", "alice", "s3cret", SaslOptions::default())
            .expect("PLAIN");
        let mut a = p
            .new_authenticator(&host(), DSE_AUTHENTICATOR)
            .await
            .expect("authenticator");
        assert_eq!(a.initial_response().await.unwrap(), Some(b"PLAIN".to_vec()));
        assert_eq!(
            a.evaluate_challenge(Some(b"PLAIN-START")).await.unwrap(),
            Some(b"\0alice\0s3cret".to_vec())
        );
        a.on_authentication_success(None).await.expect("done");

        // Not DSE: the credentials straight away.
        let mut a = p
            .new_authenticator(&host(), "org.apache.cassandra.auth.PasswordAuthenticator")
            .await
            .expect("authenticator");
        assert_eq!(
            a.initial_response().await.unwrap(),
            Some(b"\0alice\0s3cret".to_vec())
        );
    });
}

#[test]
fn a_wrong_start_challenge_is_malformed_and_ends_the_exchange() {
    block_on(async {
        let p = SaslAuthProvider::new("PLAIN", "alice", "s3cret", SaslOptions::default())
            .expect("PLAIN");
        for bad in [
            &b"GSSAPI-START"[..],
            b"PLAIN",
            b"plain-start",
            b"PLAIN-START\0",
            b"",
        ] {
            let mut a = p
                .new_authenticator(&host(), DSE_AUTHENTICATOR)
                .await
                .expect("authenticator");
            a.initial_response().await.unwrap();
            let err = a.evaluate_challenge(Some(bad)).await.unwrap_err();
            assert!(
                matches!(&err, Error::MalformedServerMessage(m) if m.contains("PLAIN-START")),
                "{bad:?}: {err:?}"
            );
            assert!(!err.to_string().contains("s3cret"));
            // The credentials are never sent after a refused start.
            assert!(a.evaluate_challenge(Some(b"PLAIN-START")).await.is_err());
        }
        let mut none = p
            .new_authenticator(&host(), DSE_AUTHENTICATOR)
            .await
            .unwrap();
        none.initial_response().await.unwrap();
        assert!(matches!(
            none.evaluate_challenge(None).await,
            Err(Error::MalformedServerMessage(_))
        ));
    });
}

#[test]
fn steps_out_of_order_are_errors() {
    block_on(async {
        let p = SaslAuthProvider::new("PLAIN", "alice", "s3cret", SaslOptions::default())
            .expect("PLAIN");
        let mut a = p
            .new_authenticator(&host(), DSE_AUTHENTICATOR)
            .await
            .unwrap();
        assert!(matches!(
            a.evaluate_challenge(Some(b"PLAIN-START")).await,
            Err(Error::UnexpectedStep { .. })
        ));
        let mut a = p
            .new_authenticator(&host(), DSE_AUTHENTICATOR)
            .await
            .unwrap();
        a.initial_response().await.unwrap();
        assert!(matches!(
            a.on_authentication_success(None).await,
            Err(Error::UnexpectedStep { .. })
        ));
        let mut a = p
            .new_authenticator(&host(), DSE_AUTHENTICATOR)
            .await
            .unwrap();
        a.initial_response().await.unwrap();
        assert!(a.initial_response().await.is_err());
    });
}

/// RFC 7677 §3 messages.
const CLIENT_FIRST: &[u8] = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST: &[u8] = b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

#[test]
fn scram_runs_inside_the_dse_negotiation() {
    block_on(async {
        let scram = ScramSha256::with_nonce("user", "pencil", None, "rOprNGfwEbeRWgbNEkqO");
        let mut a = DseNegotiation::new("SCRAM-SHA-256", Box::new(scram));
        assert_eq!(a.mechanism(), "SCRAM-SHA-256");
        assert_eq!(
            a.initial_response().await.unwrap(),
            Some(b"SCRAM-SHA-256".to_vec())
        );
        assert_eq!(
            a.evaluate_challenge(Some(b"SCRAM-SHA-256-START"))
                .await
                .unwrap(),
            Some(CLIENT_FIRST.to_vec())
        );
        assert_eq!(
            a.evaluate_challenge(Some(SERVER_FIRST)).await.unwrap(),
            Some(CLIENT_FINAL.to_vec())
        );
        // The server signature arrives with AUTH_SUCCESS and is checked by SCRAM.
        a.on_authentication_success(Some(SERVER_FINAL))
            .await
            .expect("server verified");

        // A forged server signature is still caught through the wrapper.
        let scram = ScramSha256::with_nonce("user", "pencil", None, "rOprNGfwEbeRWgbNEkqO");
        let mut a = DseNegotiation::new("SCRAM-SHA-256", Box::new(scram));
        a.initial_response().await.unwrap();
        a.evaluate_challenge(Some(b"SCRAM-SHA-256-START"))
            .await
            .unwrap();
        a.evaluate_challenge(Some(SERVER_FIRST)).await.unwrap();
        let forged = b"v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
        assert_eq!(
            a.on_authentication_success(Some(forged)).await,
            Err(Error::BadServerSignature)
        );
    });
}

/// A mechanism whose first message is empty still answers the START challenge (with an empty
/// token, not none).
#[test]
fn an_empty_first_message_is_sent_as_an_empty_token() {
    struct Silent;
    #[async_trait::async_trait]
    impl Authenticator for Silent {
        async fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
            Ok(None)
        }
        async fn evaluate_challenge(&mut self, c: Option<&[u8]>) -> Result<Option<Vec<u8>>, Error> {
            Ok(c.map(|c| c.iter().rev().copied().collect()))
        }
        async fn on_authentication_success(&mut self, _t: Option<&[u8]>) -> Result<(), Error> {
            Ok(())
        }
    }
    block_on(async {
        let mut a = DseNegotiation::new("X-TEST", Box::new(Silent));
        assert_eq!(
            a.initial_response().await.unwrap(),
            Some(b"X-TEST".to_vec())
        );
        assert_eq!(
            a.evaluate_challenge(Some(b"X-TEST-START")).await.unwrap(),
            Some(Vec::new())
        );
        assert_eq!(
            a.evaluate_challenge(Some(b"abc")).await.unwrap(),
            Some(b"cba".to_vec())
        );
        assert!(format!("{a:?}").contains("X-TEST"));
    });
}
