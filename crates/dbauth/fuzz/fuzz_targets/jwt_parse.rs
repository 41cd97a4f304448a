//! JWT parsing and HS256 verification on arbitrary strings: errors, never panics.
#![no_main]

use dbauth::Secret;
use dbauth::http::JwtToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = JwtToken::new(s) {
        let _ = t.validate(std::time::Duration::from_secs(60));
        let _ = t.needs_refresh(std::time::Duration::from_secs(u64::MAX / 2));
    }
    let _ = JwtToken::verify_hs256(s, &Secret::new("fuzz-secret"));
});
