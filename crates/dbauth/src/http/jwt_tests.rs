use std::time::Duration;

use super::*;

fn secret() -> Secret {
    Secret::new("jwt-secret-for-tests")
}

fn token_with(claims: &str) -> String {
    let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(claims);
    format!("{h}.{p}.c2ln")
}

#[test]
fn generated_token_has_the_python_clients_shape_and_verifies() {
    let opts = GenerateOptions {
        iat: Some(1_700_000_000),
        ..GenerateOptions::default()
    };
    let t = JwtToken::generate_token(&secret(), opts).expect("generate");
    assert_eq!(t.iat(), Some(1_700_000_000));
    assert_eq!(t.exp(), Some(1_700_003_600));
    let claims = JwtToken::verify_hs256(t.token().expose(), &secret()).expect("verify");
    assert_eq!(claims.get("iss").and_then(Value::as_str), Some("arangodb"));
    assert_eq!(
        claims.get("server_id").and_then(Value::as_str),
        Some("client")
    );
    let header = t.token().expose().split('.').next().expect("header");
    assert_eq!(
        URL_SAFE_NO_PAD.decode(header).expect("b64"),
        br#"{"alg":"HS256","typ":"JWT"}"#
    );
    assert!(
        !t.token().expose().contains('='),
        "base64url without padding"
    );
    // A wrong secret, a tampered payload, alg=none: all rejected.
    assert_eq!(
        JwtToken::verify_hs256(t.token().expose(), &Secret::new("other")),
        Err(Error::BadSignature)
    );
    let parts: Vec<&str> = t.token().expose().split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(r#"{"iat":1,"exp":9999999999,"iss":"arangodb","server_id":"x"}"#),
        parts[2]
    );
    assert_eq!(
        JwtToken::verify_hs256(&forged, &secret()),
        Err(Error::BadSignature)
    );
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        parts[1]
    );
    assert!(matches!(
        JwtToken::verify_hs256(&none, &secret()),
        Err(Error::MalformedToken(_))
    ));
}

#[test]
fn expiry_and_leeway() {
    let now = now_secs();
    let t = JwtToken::new(token_with(&format!(
        r#"{{"exp":{},"iat":{}}}"#,
        now + 30,
        now
    )))
    .expect("parse");
    assert!(!t.is_expired());
    assert!(!t.needs_refresh(Duration::from_secs(10)));
    assert!(
        t.needs_refresh(Duration::from_secs(30)),
        "now >= exp - leeway"
    );
    assert!(t.validate(Duration::from_secs(5)).is_ok());
    assert!(matches!(
        t.validate(Duration::from_secs(60)),
        Err(Error::TokenExpired { .. })
    ));
    let old = JwtToken::new(token_with(&format!(r#"{{"exp":{}}}"#, now))).expect("parse");
    assert!(old.is_expired(), "expired when now >= exp");
}

#[test]
fn iat_in_the_future_is_clock_skew() {
    let now = now_secs();
    let t = JwtToken::new(token_with(&format!(
        r#"{{"exp":{},"iat":{}}}"#,
        now + 7200,
        now + 600
    )))
    .expect("parse");
    assert!(matches!(
        t.validate(Duration::from_secs(60)),
        Err(Error::ClockSkew { .. })
    ));
    assert!(
        t.validate(Duration::from_secs(900)).is_ok(),
        "within the leeway"
    );
}

#[test]
fn malformed_tokens_are_typed_errors() {
    let cases = [
        "".to_owned(),
        "abc".to_owned(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        "!!!.e30.sig".to_owned(),
        token_with("not json"),
        token_with("[1,2]"),
        token_with(r#"{"exp":"soon"}"#),
        token_with(r#"{"exp":1e300}"#),
        format!(
            "{}.{}.s",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#)
        ),
        "x".repeat(MAX_TOKEN_LEN + 1),
    ];
    for c in cases {
        assert!(
            matches!(JwtToken::new(c.as_str()), Err(Error::MalformedToken(_))),
            "{c:.40}"
        );
    }
}

#[test]
fn tokens_without_exp_are_accepted_and_never_expire() {
    // ArangoDB's own superuser tokens may have no `exp`.
    let t = JwtToken::new(token_with(r#"{"iss":"arangodb","server_id":"x"}"#)).expect("parse");
    assert_eq!((t.exp(), t.iat()), (None, None));
    assert!(!t.is_expired());
    assert!(!t.needs_refresh(Duration::from_secs(1_000_000)));
    assert!(t.validate(Duration::ZERO).is_ok());
    let g = JwtToken::generate_token(&secret(), GenerateOptions::default().without_exp())
        .expect("generate");
    assert_eq!(g.exp(), None);
    let claims = JwtToken::verify_hs256(g.token().expose(), &secret()).expect("verify");
    assert!(!claims.contains_key("exp"), "{claims:?}");
    assert!(claims.contains_key("iat") && claims.contains_key("server_id"));
}

#[test]
fn debug_never_shows_the_token() {
    let t = JwtToken::generate_token(&secret(), GenerateOptions::default()).expect("generate");
    let d = format!("{t:?}");
    assert!(!d.contains(t.token().expose()) && !d.contains("eyJ"), "{d}");
}
