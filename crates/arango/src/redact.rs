//! Cuts credentials out of texts that quote what a server (or a proxy) sent back.

/// Header names whose values are credentials.
const SECRET_HEADERS: [&str; 4] = ["authorization", "cookie", "set-cookie", "x-arango-jwt"];

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/' | '~')
}

/// Words after which the next word is a credential (`bearer <token>`, `password=<pw>`).
const BEFORE_SECRET: [&str; 7] = [
    "bearer", "basic", "password", "passwd", "token", "jwt", "secret",
];

/// `text` with credential header values, `bearer`/`basic` credentials, JWT-shaped words and
/// each of `known` (the connection's own secrets) replaced by `***`.
pub(crate) fn redact(text: &str, known: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let lower = line.to_ascii_lowercase();
        if let Some(pos) = SECRET_HEADERS.iter().find_map(|h| {
            let at = lower.find(h)?;
            lower[at + h.len()..]
                .trim_start()
                .starts_with([':', '='])
                .then_some(at + h.len())
        }) {
            out.push_str(&line[..pos]);
            out.push_str(": ***");
            continue;
        }
        out.push_str(&redact_words(line));
    }
    for k in known.iter().filter(|k| k.len() >= 4) {
        out = out.replace(k, "***");
    }
    out
}

/// Replaces the word after `bearer`, `basic`, `password`, `token`, ... and any word that
/// looks like a JWT.
fn redact_words(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut hide_next = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, hide_next: &mut bool| {
        if word.is_empty() {
            return;
        }
        let jwt_like = word.contains("eyJ") && word.matches('.').count() >= 2;
        if *hide_next || jwt_like {
            out.push_str("***");
        } else {
            out.push_str(word);
        }
        let lw = word.to_ascii_lowercase();
        *hide_next = BEFORE_SECRET.contains(&lw.as_str());
        word.clear();
    };
    for c in line.chars() {
        if is_token_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut hide_next);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut hide_next);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_schemes_tokens_and_known_secrets_are_cut() {
        let t = redact(
            "GET / HTTP/1.1\r\nAuthorization: Basic cm9vdDpwdw==\r\nhost: x\nuse bearer abc.def now\n\
             token eyJhbGciOi.eyJzdWIi.c2ln here\nmy pw is hunter22\nx token=abc.eyJh.c2 y\n\
             password: opensesame",
            &["hunter22"],
        );
        assert!(!t.contains("cm9vdDpwdw"), "{t}");
        assert!(!t.contains("abc.def"), "{t}");
        assert!(!t.contains("eyJhbGciOi"), "{t}");
        assert!(!t.contains("hunter22"), "{t}");
        assert!(!t.contains("eyJh") && !t.contains("opensesame"), "{t}");
        assert!(t.contains("Authorization: ***"), "{t}");
        assert!(t.contains("host: x") && t.contains("here"), "{t}");
    }
}
