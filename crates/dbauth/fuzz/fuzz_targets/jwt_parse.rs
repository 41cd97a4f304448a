//! JWT parsing and HS256 verification on arbitrary strings: errors, never panics.
//!
//! `JwtToken::new` (header/claims decoding) and, when it parses, `validate`/`needs_refresh`
//! with extreme leeways; `JwtToken::verify_hs256` with the secret that signed the
//! `seeds/jwt_parse/pyjwt_hs256` seed (made with PyJWT), so the accepting path is reached too.
#![no_main]

use std::time::Duration;

use dbauth::Secret;
use dbauth::http::JwtToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = JwtToken::new(s) {
        let _ = t.validate(Duration::from_secs(60));
        let _ = t.validate(Duration::MAX);
        let _ = t.needs_refresh(Duration::from_secs(u64::MAX / 2));
        let _ = t.needs_refresh(Duration::ZERO);
        let _ = t.is_expired();
        let _ = (t.exp(), t.iat(), t.claims());
    }
    if JwtToken::verify_hs256(s, &Secret::new("fuzz-secret")).is_ok() {
        // A signature that verifies with one secret must not verify with another.
        assert!(JwtToken::verify_hs256(s, &Secret::new("other-secret")).is_err());
    }
});
