//! Unit tests that need no KDC: the RFC 4752 security-layer messages and the step order.
//! The Kerberos exchange itself is tested in `tests/gssapi.rs` (under `scripts/kdc run`).

use futures_executor::block_on;

use super::*;

#[test]
fn server_layers_are_read() {
    let l = parse_server_layers(&[0x07, 0x01, 0x00, 0x00]).unwrap();
    assert_eq!(
        l.layers,
        LAYER_NONE | LAYER_INTEGRITY | LAYER_CONFIDENTIALITY
    );
    assert_eq!(l.max_size, 65536);
    let l = parse_server_layers(&[LAYER_NONE, 0, 0, 0]).unwrap();
    assert_eq!((l.layers, l.max_size), (LAYER_NONE, 0));
    let l = parse_server_layers(&[0x01, 0xff, 0xff, 0xff]).unwrap();
    assert_eq!(l.max_size, 0x00ff_ffff);
}

#[test]
fn server_layers_must_be_four_bytes() {
    for bad in [&[][..], &[0x01], &[0x01, 0, 0], &[0x01, 0, 0, 0, 0]] {
        let err = parse_server_layers(bad).unwrap_err();
        assert!(
            matches!(&err, Error::Gssapi(m) if m.contains(&format!("{} bytes", bad.len()))),
            "{err:?}"
        );
    }
}

#[test]
fn a_server_that_requires_a_layer_is_refused() {
    for mask in [0x00, LAYER_INTEGRITY, LAYER_CONFIDENTIALITY, 0x06] {
        let err = parse_server_layers(&[mask, 0, 0x10, 0]).unwrap_err();
        assert!(
            matches!(&err, Error::Gssapi(m) if m.contains("requires a security layer")),
            "{err:?}"
        );
    }
}

#[test]
fn layer_reply_is_no_layer_zero_size_and_authzid() {
    assert_eq!(layer_reply(None).unwrap(), vec![0x01, 0, 0, 0]);
    assert_eq!(
        layer_reply(Some("bob")).unwrap(),
        vec![0x01, 0, 0, 0, b'b', b'o', b'b']
    );
    assert_eq!(
        layer_reply(Some("zoë")).unwrap()[4..],
        *"zoë".as_bytes(),
        "the authzid is UTF-8"
    );
    let huge = "a".repeat(MAX_AUTHZID_LEN + 1);
    assert!(matches!(
        layer_reply(Some(&huge)),
        Err(Error::InvalidCredentials(_))
    ));
}

#[test]
fn service_and_host_are_checked() {
    for (service, host) in [("", "localhost"), ("cassandra", ""), ("a@b", "localhost")] {
        let err = GssapiAuthenticator::new(service, host).unwrap_err();
        assert!(matches!(err, Error::Gssapi(_)), "{err:?}");
    }
    let auth = GssapiAuthenticator::new("cassandra", "node1.example.com").unwrap();
    assert_eq!(auth.target(), "cassandra@node1.example.com");
    assert!(!auth.is_done());
    assert_eq!(auth.server_layers(), None);
}

#[test]
fn steps_out_of_order_are_errors() {
    let mut auth = GssapiAuthenticator::new("cassandra", "node1.example.com")
        .unwrap()
        .with_authorization_id("bob");
    assert!(format!("{auth:?}").contains("bob"));
    assert!(matches!(
        auth.source_name(),
        Err(Error::UnexpectedStep { .. })
    ));
    assert!(matches!(
        auth.target_name(),
        Err(Error::UnexpectedStep { .. })
    ));
    let err = auth.respond(b"token").unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnexpectedStep {
                mechanism: "GSSAPI",
                ..
            }
        ),
        "{err:?}"
    );
    // Failed for good: no initial token afterwards.
    assert!(auth.initial_token().is_err());

    let mut auth = GssapiAuthenticator::new("cassandra", "node1.example.com").unwrap();
    let err = block_on(auth.on_authentication_success(None)).unwrap_err();
    assert!(matches!(err, Error::UnexpectedStep { .. }), "{err:?}");
}

#[test]
fn sasl_provider_checks_gssapi_options_up_front() {
    use crate::{SaslAuthProvider, SaslOptions};

    let err = SaslAuthProvider::new("GSSAPI", "", "", SaslOptions::default()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidCredentials(m) if m.contains("service")),
        "{err:?}"
    );

    let options = SaslOptions {
        service: Some("cassandra".into()),
        ..SaslOptions::default()
    };
    let err = SaslAuthProvider::new("GSSAPI", "", "pw", options.clone()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidCredentials(m) if m.contains("principal") && !m.contains("pw")),
        "{err:?}"
    );

    let mut conf = options.clone();
    conf.qop = Some("auth-conf".into());
    assert!(matches!(
        SaslAuthProvider::new("GSSAPI", "", "", conf),
        Err(Error::MechanismNotSupported(_))
    ));

    let p = SaslAuthProvider::new("gssapi", "alice@EXAMPLE.COM", "secret", options).unwrap();
    assert_eq!(p.mechanism(), "GSSAPI");
    assert!(!format!("{p:?}").contains("secret"));
}
