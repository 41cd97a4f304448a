//! SCRAM-SHA-256 server-first parsing on arbitrary bytes: any outcome but a panic is fine.
//!
//! The exchange is `ScramSha256::with_nonce` (the RFC 7677 client nonce, so the seed's nonce
//! matches) -> `client_first` -> `handle_server_first(data)`; when that succeeds, the fixed
//! RFC 7677 server-final is fed too (it verifies only for the RFC's exact server-first).
//!
//! Iteration cap (fuzzer speed only): the crate accepts `i=` up to
//! `dbauth::sasl::scram::MAX_ITERATIONS` (1,000,000) PBKDF2 rounds, which would make a single
//! input take about a second. Inputs whose `i=` attribute parses (the way the crate parses
//! it: `u32::from_str` on the text after `i=`) to more than 10,000 are skipped BEFORE the
//! parser is called. The range check itself (4096..=1,000,000) is covered by the crate's unit
//! tests; values between the cap and the maximum are not fuzzed.
#![no_main]

use dbauth::ScramSha256;
use libfuzzer_sys::fuzz_target;

/// The largest `i=` this target lets through to the parser.
const FUZZ_MAX_ITERATIONS: u32 = 10_000;

/// Whether `data` asks for more PBKDF2 rounds than the fuzzer should spend.
fn too_many_iterations(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false; // the parser rejects non-UTF-8 before any key derivation
    };
    text.split(',')
        .filter_map(|attr| attr.strip_prefix("i="))
        .any(|i| i.parse::<u32>().is_ok_and(|n| n > FUZZ_MAX_ITERATIONS))
}

fuzz_target!(|data: &[u8]| {
    if too_many_iterations(data) {
        return;
    }
    let mut scram = ScramSha256::with_nonce("user", "pencil", None, "rOprNGfwEbeRWgbNEkqO");
    if scram.client_first().is_err() {
        return;
    }
    if let Ok(client_final) = scram.handle_server_first(data) {
        assert!(client_final.starts_with("c=biws,r=rOprNGfwEbeRWgbNEkqO"));
        assert!(client_final.contains(",p="));
        let _ = scram.handle_server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    } else {
        assert!(!scram.is_done());
    }
});
