//! SASL GSSAPI against a real MIT KDC: the client authenticator talks to an in-process acceptor
//! context holding the service keytab, through context establishment and the RFC 4752
//! security-layer exchange.
//!
//! Run with `scripts/kdc run -- cargo test -p dbauth --features gssapi --test gssapi`:
//! scripts/kdc makes the throwaway realm and exports KRB5_CONFIG, KRB5_KTNAME, KRB5CCNAME and
//! the DBAUTH_GSSAPI_* variables read here. Without them every test fails with that hint.
#![cfg(feature = "gssapi")]

use dbauth::sasl::DSE_AUTHENTICATOR;
use dbauth::sasl::gssapi::libgssapi;
use dbauth::sasl::gssapi::{LAYER_CONFIDENTIALITY, LAYER_INTEGRITY, LAYER_NONE};
use dbauth::{
    AuthProvider, Authenticator, Error, GssapiAuthenticator, HostInfo, SaslAuthProvider,
    SaslOptions, Secret,
};
use futures_executor::block_on;
use libgssapi::context::{SecurityContext, ServerCtx};
use libgssapi::credential::{Cred, CredUsage};
use libgssapi::name::Name;
use libgssapi::oid::{GSS_MECH_KRB5, GSS_NT_HOSTBASED_SERVICE, OidSet};

/// The realm scripts/kdc made.
struct Realm {
    service: String,
    host: String,
    principal: String,
    realm: String,
    password: String,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run these tests inside a throwaway realm: \
             scripts/kdc run -- cargo test -p dbauth --features gssapi --test gssapi"
        )
    })
}

fn realm() -> Realm {
    for v in ["KRB5_CONFIG", "KRB5_KTNAME", "KRB5CCNAME"] {
        var(v);
    }
    Realm {
        service: var("DBAUTH_GSSAPI_SERVICE"),
        host: var("DBAUTH_GSSAPI_HOST"),
        principal: var("DBAUTH_GSSAPI_PRINCIPAL"),
        realm: var("DBAUTH_GSSAPI_REALM"),
        password: var("DBAUTH_GSSAPI_PASSWORD"),
    }
}

impl Realm {
    /// The service principal as Kerberos spells it.
    fn service_principal(&self) -> String {
        format!("{}/{}@{}", self.service, self.host, self.realm)
    }

    /// An acceptor context with the service keytab (KRB5_KTNAME).
    fn acceptor(&self) -> ServerCtx {
        let name = Name::new(
            format!("{}@{}", self.service, self.host).as_bytes(),
            Some(GSS_NT_HOSTBASED_SERVICE),
        )
        .expect("service name");
        let mechs = OidSet::singleton(GSS_MECH_KRB5).expect("mechanism set");
        let cred = Cred::acquire(Some(&name), None, CredUsage::Accept, Some(&mechs))
            .expect("acceptor credentials from the service keytab");
        ServerCtx::new(Some(cred))
    }
}

/// What the server side saw.
struct Seen {
    client: String,
    service: String,
    reply: Vec<u8>,
}

/// Plays a server that runs SASL GSSAPI with `client`: context tokens until the acceptor is
/// complete, then a wrapped security-layer offer (`mask`, `max_size`), then unwraps the reply.
/// `tamper` may change the wrapped offer before the client sees it.
fn exchange(
    client: &mut dyn Authenticator,
    server: &mut ServerCtx,
    mask: u8,
    max_size: u32,
    tamper: impl FnOnce(&mut Vec<u8>),
) -> Result<Seen, Error> {
    let token = block_on(client.initial_response())?.expect("an initial token");
    exchange_from(client, token, server, mask, max_size, tamper)
}

/// [`exchange`] against DSE's DseAuthenticator: the client names the mechanism, the server
/// answers `GSSAPI-START`, then the GSSAPI exchange runs.
fn exchange_dse(
    client: &mut dyn Authenticator,
    server: &mut ServerCtx,
    mask: u8,
    max_size: u32,
) -> Result<Seen, Error> {
    let named = block_on(client.initial_response())?;
    assert_eq!(
        named.as_deref(),
        Some(&b"GSSAPI"[..]),
        "the mechanism first"
    );
    let token = block_on(client.evaluate_challenge(Some(b"GSSAPI-START")))?.expect("AP-REQ");
    exchange_from(client, token, server, mask, max_size, |_| {})
}

fn exchange_from(
    client: &mut dyn Authenticator,
    mut token: Vec<u8>,
    server: &mut ServerCtx,
    mask: u8,
    max_size: u32,
    tamper: impl FnOnce(&mut Vec<u8>),
) -> Result<Seen, Error> {
    assert!(!token.is_empty(), "the AP-REQ is not empty");
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 10, "context establishment does not end");
        let out = server
            .step(&token, None)
            .unwrap_or_else(|e| panic!("acceptor step failed: {e}"));
        if server.is_complete() {
            if let Some(last) = out {
                // Mutual authentication: the AP-REP; the client completes and answers empty.
                let answer = block_on(client.evaluate_challenge(Some(&last)))?;
                assert_eq!(answer, Some(Vec::new()), "empty response after completion");
            }
            break;
        }
        let out = out.expect("a continuing acceptor has a token");
        token = block_on(client.evaluate_challenge(Some(&out)))?.expect("a client token");
    }
    let size = max_size.to_be_bytes();
    let mut offer = server
        .wrap(false, &[mask, size[1], size[2], size[3]])
        .expect("wrap the offer")
        .to_vec();
    tamper(&mut offer);
    let wrapped_reply = block_on(client.evaluate_challenge(Some(&offer)))?.expect("a reply");
    let reply = server
        .unwrap(&wrapped_reply)
        .expect("the reply unwraps with the established context")
        .to_vec();
    block_on(client.on_authentication_success(None))?;
    Ok(Seen {
        client: server.source_name().expect("source name").to_string(),
        service: server.target_name().expect("target name").to_string(),
        reply,
    })
}

#[test]
fn default_credentials_establish_both_names() {
    let r = realm();
    let mut server = r.acceptor();
    let mut client = GssapiAuthenticator::new(&r.service, &r.host).unwrap();
    assert_eq!(client.target(), format!("{}@{}", r.service, r.host));
    let seen = exchange(&mut client, &mut server, LAYER_NONE, 0, |_| {}).unwrap();

    assert_eq!(seen.client, r.principal);
    assert_eq!(seen.service, r.service_principal());
    assert_eq!(client.source_name().unwrap(), r.principal);
    assert_eq!(client.target_name().unwrap(), r.service_principal());
    assert_eq!(
        seen.reply,
        [LAYER_NONE, 0, 0, 0],
        "no layer, size 0, no authzid"
    );
    assert!(client.is_done());
    let offered = client.server_layers().unwrap();
    assert_eq!((offered.layers, offered.max_size), (LAYER_NONE, 0));

    // The exchange is over: a further challenge is an error.
    assert!(matches!(
        client.respond(b"more"),
        Err(Error::UnexpectedStep { .. })
    ));
}

#[test]
fn sasl_provider_with_host_info_name_and_authzid() {
    let r = realm();
    let mut options = SaslOptions::default();
    options.service = Some(r.service.clone());
    options.authorization_id = Some("bob".into());
    let provider = SaslAuthProvider::new("gssapi", "", "", options).unwrap();
    assert_eq!(provider.mechanism(), "GSSAPI");
    let host = HostInfo::new("127.0.0.1:9042".parse().unwrap()).with_name(r.host.clone());
    let mut client = block_on(provider.new_authenticator(&host, DSE_AUTHENTICATOR)).unwrap();
    let mut server = r.acceptor();
    // DSE: "GSSAPI", then GSSAPI-START. The server offers every layer and a size; the client
    // still picks "none", size 0.
    let all = LAYER_NONE | LAYER_INTEGRITY | LAYER_CONFIDENTIALITY;
    let seen = exchange_dse(client.as_mut(), &mut server, all, 65536).unwrap();
    assert_eq!(seen.client, r.principal);
    assert_eq!(seen.service, r.service_principal());
    assert_eq!(seen.reply, b"\x01\x00\x00\x00bob");

    // Any other class: the GSSAPI exchange straight away.
    let mut client =
        block_on(provider.new_authenticator(&host, "com.example.auth.KerberosAuthenticator"))
            .unwrap();
    let seen = exchange(client.as_mut(), &mut r.acceptor(), LAYER_NONE, 0, |_| {}).unwrap();
    assert_eq!(seen.reply, b"\x01\x00\x00\x00bob");
}

#[test]
fn sasl_provider_host_name_option_wins_over_host_info() {
    let r = realm();
    let mut options = SaslOptions::default();
    options.service = Some(r.service.clone());
    options.host_name = Some(r.host.clone());
    let provider = SaslAuthProvider::new("GSSAPI", "", "", options).unwrap();
    let host = HostInfo::new("127.0.0.1:9042".parse().unwrap()).with_name("no-such-host.invalid");
    let mut client = block_on(provider.new_authenticator(&host, "x")).unwrap();
    let seen = exchange(client.as_mut(), &mut r.acceptor(), LAYER_NONE, 0, |_| {}).unwrap();
    assert_eq!(seen.service, r.service_principal());

    // Without either name there is no service principal to ask for.
    let mut options = SaslOptions::default();
    options.service = Some(r.service.clone());
    let provider = SaslAuthProvider::new("GSSAPI", "", "", options).unwrap();
    let bare = HostInfo::new("127.0.0.1:9042".parse().unwrap());
    let err = block_on(provider.new_authenticator(&bare, "x"))
        .err()
        .expect("no host name");
    assert!(
        matches!(&err, Error::Gssapi(m) if m.contains("no host name")),
        "{err:?}"
    );
}

#[test]
fn principal_from_the_cache_and_with_a_password() {
    let r = realm();
    let mut client =
        GssapiAuthenticator::for_principal(&r.service, &r.host, &r.principal, None).unwrap();
    let seen = exchange(&mut client, &mut r.acceptor(), LAYER_NONE, 0, |_| {}).unwrap();
    assert_eq!(seen.client, r.principal);

    let password = Secret::new(r.password.clone());
    let mut options = SaslOptions::default();
    options.service = Some(r.service.clone());
    options.host_name = Some(r.host.clone());
    let provider = SaslAuthProvider::new("GSSAPI", r.principal.clone(), password, options).unwrap();
    assert!(!format!("{provider:?}").contains(&r.password));
    let host = HostInfo::new("127.0.0.1:9042".parse().unwrap());
    let mut client = block_on(provider.new_authenticator(&host, "x")).unwrap();
    let seen = exchange(client.as_mut(), &mut r.acceptor(), LAYER_NONE, 0, |_| {}).unwrap();
    assert_eq!(seen.client, r.principal);
}

#[test]
fn wrong_password_is_a_gssapi_error() {
    let r = realm();
    let wrong = Secret::new("not-the-password");
    let err = GssapiAuthenticator::for_principal(&r.service, &r.host, &r.principal, Some(&wrong))
        .unwrap_err();
    let Error::Gssapi(msg) = &err else {
        panic!("expected a Gssapi error, got {err:?}");
    };
    eprintln!("wrong password: {err}");
    assert!(msg.contains(&r.principal), "{msg}");
    assert!(!msg.contains("not-the-password"), "{msg}");
}

#[test]
fn wrong_service_principal_is_a_gssapi_error() {
    let r = realm();
    let mut client = GssapiAuthenticator::new("nosuchservice", &r.host).unwrap();
    let err = block_on(client.initial_response()).unwrap_err();
    let Error::Gssapi(msg) = &err else {
        panic!("expected a Gssapi error, got {err:?}");
    };
    eprintln!("wrong service principal: {err}");
    // The target, then the library's major and minor status texts.
    assert!(msg.contains("nosuchservice@"), "{msg}");
    assert!(
        msg.to_lowercase()
            .contains("not found in kerberos database"),
        "the KDC's reason is in the text: {msg}"
    );
    // The exchange is dead.
    assert!(block_on(client.evaluate_challenge(Some(b"x"))).is_err());
}

#[test]
fn a_server_that_requires_a_security_layer_is_refused() {
    let r = realm();
    let mut client = GssapiAuthenticator::new(&r.service, &r.host).unwrap();
    let err = exchange(
        &mut client,
        &mut r.acceptor(),
        LAYER_INTEGRITY | LAYER_CONFIDENTIALITY,
        4096,
        |_| {},
    )
    .err()
    .expect("refused");
    assert!(
        matches!(&err, Error::Gssapi(m) if m.contains("requires a security layer")),
        "{err:?}"
    );
    assert!(!client.is_done());
}

#[test]
fn a_tampered_security_layer_message_is_a_gssapi_error() {
    let r = realm();
    let mut client = GssapiAuthenticator::new(&r.service, &r.host).unwrap();
    let err = exchange(&mut client, &mut r.acceptor(), LAYER_NONE, 0, |offer| {
        let last = offer.len() - 1;
        offer[last] ^= 0x55;
    })
    .err()
    .expect("tampering detected");
    assert!(
        matches!(&err, Error::Gssapi(m) if m.starts_with("unwrapping the server's")),
        "{err:?}"
    );
    // No success after a failed negotiation.
    assert!(block_on(client.on_authentication_success(None)).is_err());
}
