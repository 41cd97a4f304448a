use super::*;

const USER: &str = "user";
const PASSWORD: &str = "pencil";
const CLIENT_NONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST: &str =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL: &str = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL: &str = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn rfc() -> ScramSha256 {
    ScramSha256::with_nonce(USER, PASSWORD, None, CLIENT_NONCE)
}

#[test]
fn rfc7677_example_exchange() {
    let mut s = rfc();
    assert_eq!(
        s.client_first().expect("first"),
        "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    );
    assert_eq!(
        s.handle_server_first(SERVER_FIRST.as_bytes())
            .expect("final"),
        CLIENT_FINAL
    );
    s.handle_server_final(SERVER_FINAL.as_bytes())
        .expect("server verified");
    assert!(s.is_done());
}

#[test]
fn rfc7677_through_the_authenticator_trait() {
    futures_executor::block_on(async {
        let mut s = rfc();
        let first = s.initial_response().await.expect("first").expect("token");
        assert_eq!(first, b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let fin = s
            .evaluate_challenge(Some(SERVER_FIRST.as_bytes()))
            .await
            .expect("final");
        assert_eq!(fin.as_deref(), Some(CLIENT_FINAL.as_bytes()));
        // Cassandra-style: the server-final message arrives with AUTH_SUCCESS.
        s.on_authentication_success(Some(SERVER_FINAL.as_bytes()))
            .await
            .expect("verified");
        assert!(s.is_done());
    });
}

#[test]
fn wrong_password_gives_a_different_proof_and_fails_server_verification() {
    let mut s = ScramSha256::with_nonce(USER, "pencil2", None, CLIENT_NONCE);
    s.client_first().expect("first");
    let fin = s
        .handle_server_first(SERVER_FIRST.as_bytes())
        .expect("final");
    assert_ne!(fin, CLIENT_FINAL);
    assert_eq!(
        s.handle_server_final(SERVER_FINAL.as_bytes()),
        Err(Error::BadServerSignature)
    );
}

#[test]
fn server_error_is_typed() {
    let mut s = rfc();
    s.client_first().expect("first");
    s.handle_server_first(SERVER_FIRST.as_bytes())
        .expect("final");
    assert_eq!(
        s.handle_server_final(b"e=invalid-proof"),
        Err(Error::ServerReported("invalid-proof".into()))
    );
    let mut s = rfc();
    s.client_first().expect("first");
    assert_eq!(
        s.handle_server_first(b"e=unknown-user"),
        Err(Error::ServerReported("unknown-user".into()))
    );
}

#[test]
fn nonce_must_extend_the_client_nonce() {
    let mut s = rfc();
    s.client_first().expect("first");
    let forged = SERVER_FIRST.replace("rOprNGfwEbeRWgbNEkqO%", "XXprNGfwEbeRWgbNEkqO%");
    assert_eq!(
        s.handle_server_first(forged.as_bytes()),
        Err(Error::NonceMismatch)
    );
    let mut s = rfc();
    s.client_first().expect("first");
    assert_eq!(
        s.handle_server_first(b"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
        Err(Error::NonceMismatch),
        "the server must add its own nonce"
    );
}

#[test]
fn malformed_challenges_are_errors() {
    for bad in [
        &b""[..],
        b"garbage",
        b"r=rOprNGfwEbeRWgbNEkqO%x,s=***,i=4096",
        b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=abc",
        b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
        b"r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1",
        b"s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqO%x,i=4096",
        b"m=ext,r=rOprNGfwEbeRWgbNEkqO%x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        &[0xff, 0xfe],
    ] {
        let mut s = rfc();
        s.client_first().expect("first");
        let err = s.handle_server_first(bad).expect_err("must reject");
        assert!(
            matches!(err, Error::MalformedServerMessage(_)),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn steps_out_of_order_are_errors() {
    let mut s = rfc();
    assert!(matches!(
        s.handle_server_first(SERVER_FIRST.as_bytes()),
        Err(Error::UnexpectedStep { .. })
    ));
    let mut s = rfc();
    s.client_first().expect("first");
    assert!(matches!(
        s.handle_server_final(SERVER_FINAL.as_bytes()),
        Err(Error::UnexpectedStep { .. })
    ));
    let mut s = rfc();
    s.client_first().expect("first");
    assert!(s.client_first().is_err());
    futures_executor::block_on(async {
        let mut s = rfc();
        s.initial_response().await.expect("first");
        s.evaluate_challenge(Some(SERVER_FIRST.as_bytes()))
            .await
            .expect("final");
        let err = s
            .on_authentication_success(None)
            .await
            .expect_err("server not verified");
        assert!(matches!(err, Error::MalformedServerMessage(_)));
    });
}

#[test]
fn usernames_are_escaped_and_passwords_saslprepped() {
    let mut s = ScramSha256::with_nonce("a=b,c", "x", Some("z,y".into()), "n0nce");
    assert_eq!(
        s.client_first().expect("first"),
        "n,a=z=2Cy,n=a=3Db=2Cc,r=n0nce"
    );
    // U+00AD (soft hyphen) maps to nothing under SASLprep: same proof as without it.
    let proof = |pw: &str| {
        let mut s = ScramSha256::with_nonce(USER, pw, None, CLIENT_NONCE);
        s.client_first().expect("first");
        s.handle_server_first(SERVER_FIRST.as_bytes())
            .expect("final")
    };
    assert_eq!(proof("pen\u{00AD}cil"), CLIENT_FINAL);
    // Prohibited characters (a control character) are refused.
    let mut s = ScramSha256::with_nonce(USER, "pen\u{0007}cil", None, CLIENT_NONCE);
    s.client_first().expect("first");
    assert!(matches!(
        s.handle_server_first(SERVER_FIRST.as_bytes()),
        Err(Error::InvalidCredentials(_))
    ));
}

#[test]
fn debug_shows_no_secret() {
    let s = rfc();
    let d = format!("{s:?}");
    assert!(!d.contains(PASSWORD) && !d.contains(CLIENT_NONCE), "{d}");
}
