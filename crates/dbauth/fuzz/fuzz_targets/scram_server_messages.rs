//! SCRAM-SHA-256 server-first and server-final parsing on arbitrary bytes: any outcome but a
//! panic is fine. Input: server-first, a 0xFF separator, server-final.
#![no_main]

use dbauth::ScramSha256;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (first, last) = match data.iter().position(|b| *b == 0xff) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    // PBKDF2 runs `i=` rounds (up to the accepted 1,000,000): keep the fuzzer fast by skipping
    // inputs that would ask for more than 10,000; the parser's bound is unit-tested.
    if let Some(pos) = first.windows(3).position(|w| w == b",i=") {
        let digits: Vec<u8> = first[pos + 3..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .copied()
            .collect();
        if digits.len() > 5
            || std::str::from_utf8(&digits)
                .ok()
                .and_then(|d| d.parse::<u32>().ok())
                .is_some_and(|n| n > 10_000)
        {
            return;
        }
    }
    let mut s = ScramSha256::with_nonce("user", "pencil", None, "rOprNGfwEbeRWgbNEkqO");
    if s.client_first().is_err() {
        return;
    }
    if s.handle_server_first(first).is_ok() {
        let _ = s.handle_server_final(last);
    }
});
