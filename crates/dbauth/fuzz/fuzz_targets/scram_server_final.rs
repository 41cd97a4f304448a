//! SCRAM-SHA-256 server-final parsing on arbitrary bytes: any outcome but a panic is fine,
//! and only the RFC 7677 signature may be accepted.
//!
//! The exchange is `ScramSha256::with_nonce` -> `client_first` -> `handle_server_first` with
//! the RFC 7677 server-first (fixed, 4096 iterations: the crate's minimum, so no cap is
//! needed here) -> `handle_server_final(data)`. The exchange type is not `Clone`, so the key
//! derivation runs for every input; that bounds this target at a few hundred execs/s.
#![no_main]

use dbauth::ScramSha256;
use libfuzzer_sys::fuzz_target;

const SERVER_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const SIGNATURE: &str = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fuzz_target!(|data: &[u8]| {
    let mut scram = ScramSha256::with_nonce("user", "pencil", None, "rOprNGfwEbeRWgbNEkqO");
    let Ok(_) = scram.client_first() else {
        panic!("client-first failed");
    };
    let Ok(_) = scram.handle_server_first(SERVER_FIRST) else {
        panic!("the RFC 7677 server-first was rejected");
    };
    let accepted = scram.handle_server_final(data).is_ok();
    assert_eq!(accepted, scram.is_done());
    if accepted {
        // Only `v=<the RFC signature>` (possibly followed by extension attributes) verifies.
        let text = std::str::from_utf8(data).unwrap_or_default();
        let first = text.split(',').next().unwrap_or_default();
        assert_eq!(first, format!("v={SIGNATURE}"));
    }
});
