use super::*;

fn cp(s: &str) -> ContactPoint {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn every_documented_form_parses() {
    let ip4 = IpAddr::from([10, 0, 0, 1]);
    let ip6: IpAddr = "::1".parse().expect("v6");
    let cases = [
        ("localhost", HostPart::Name("localhost".into()), None),
        (
            "localhost:9042",
            HostPart::Name("localhost".into()),
            Some(9042),
        ),
        (
            "db-1.example.com.",
            HostPart::Name("db-1.example.com.".into()),
            None,
        ),
        ("10.0.0.1", HostPart::Ip(ip4), None),
        ("10.0.0.1:9142", HostPart::Ip(ip4), Some(9142)),
        (" 10.0.0.1 ", HostPart::Ip(ip4), None),
        ("::1", HostPart::Ip(ip6), None),
        ("[::1]", HostPart::Ip(ip6), None),
        ("[::1]:9042", HostPart::Ip(ip6), Some(9042)),
    ];
    for (text, host, port) in cases {
        assert_eq!(cp(text), ContactPoint { host, port }, "{text}");
    }
    assert!(cp("localhost").is_name());
    assert!(!cp("[::1]:1").is_name());
}

#[test]
fn display_gives_back_a_parseable_form() {
    for text in [
        "localhost",
        "h:1",
        "10.0.0.1",
        "10.0.0.1:9042",
        "::1",
        "[::1]:9042",
    ] {
        let shown = cp(text).to_string();
        assert_eq!(cp(&shown), cp(text), "{text} -> {shown}");
    }
    assert_eq!(cp("[fe80::2]:7").to_string(), "[fe80::2]:7");
}

#[test]
fn invalid_entries_are_errors_that_name_them() {
    for bad in [
        "",
        "   ",
        "host:",
        ":9042",
        "host:port",
        "host:0",
        "host:65536",
        "a:b:c",
        "[::1",
        "[nope]:9042",
        "[::1]9042",
        "bad host",
        "bad/host",
        "-bad.example",
        "a..b",
    ] {
        let err = bad.parse::<ContactPoint>().expect_err(bad);
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
        assert!(
            err.to_string().contains(&format!("\"{bad}\"")),
            "{bad}: {err}"
        );
    }
}

#[tokio::test]
async fn addresses_resolve_without_dns_and_names_through_it() {
    assert_eq!(
        cp("10.0.0.1").resolve(9042).await.expect("ip"),
        vec!["10.0.0.1:9042".parse::<SocketAddr>().expect("addr")]
    );
    assert_eq!(
        cp("[::1]:19042").resolve(9042).await.expect("ip"),
        vec!["[::1]:19042".parse::<SocketAddr>().expect("addr")]
    );
    let local = cp("localhost:9999").resolve(9042).await.expect("localhost");
    assert!(!local.is_empty());
    assert!(
        local
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 9999),
        "{local:?}"
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_named_in_the_error() {
    let err = resolve_all(&[cp("nosuchhost.invalid:9042")], 9042)
        .await
        .expect_err("RFC 6761: .invalid never resolves");
    assert!(err.to_string().contains("nosuchhost.invalid:9042"), "{err}");
    // With another that resolves, the bad one is skipped.
    let ok = resolve_all(&[cp("nosuchhost.invalid"), cp("10.0.0.1")], 9042)
        .await
        .expect("one resolves");
    assert_eq!(
        ok,
        vec!["10.0.0.1:9042".parse::<SocketAddr>().expect("addr")]
    );
}
