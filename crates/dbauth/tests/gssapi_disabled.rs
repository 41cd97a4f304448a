//! Without the `gssapi` feature, GSSAPI is an unsupported mechanism (not a silent fallback).
#![cfg(not(feature = "gssapi"))]

use dbauth::{Error, SaslAuthProvider, SaslOptions};

#[test]
fn gssapi_needs_the_feature() {
    let mut options = SaslOptions::default();
    options.service = Some("cassandra".into());
    for name in ["GSSAPI", "gssapi"] {
        let err = SaslAuthProvider::new(name, "", "", options.clone()).unwrap_err();
        assert_eq!(err, Error::MechanismNotSupported("GSSAPI".into()));
    }
}
