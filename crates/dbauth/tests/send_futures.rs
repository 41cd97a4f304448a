//! Every future of the crate's public API can move between threads: the CQL driver awaits the
//! authenticators inside its connection tasks and the ArangoDB client awaits the token holder
//! inside requests that callers spawn. A compile-time check: this file fails to build if one
//! stops being Send.
//!
//! How the list was gathered (keep it complete when adding API): every `pub async fn`, every
//! pub fn returning a future, and the async trait methods in crates/dbauth/src, from
//! `grep -rn 'async fn\|-> impl .*Future\|BoxFuture\|Pin<Box<dyn\|async_trait' crates/dbauth/src`
//! (private helpers left out), called on every public type implementing the traits and on
//! the trait objects the driver holds.
//!
//! Each future is checked as returned and, with `send_nested!`, awaited inside another async
//! block, which is what `tokio::spawn(async move { .. })` compiles (some higher-ranked
//! lifetime errors show up only there).

use std::sync::Arc;
use std::time::Duration;

use dbauth::http::{GenerateOptions, JwtToken, TokenHolder};
use dbauth::sasl::{DseNegotiation, PlainAuthenticator};
use dbauth::{
    AuthProvider, Authenticator, Error, HostInfo, PlainTextAuthProvider, SaslAuthProvider,
    SaslOptions, ScramAuthProvider, ScramSha256, Secret,
};

fn assert_send<T: Send>(_: &T) {}

/// The future both as returned and held across an await in an enclosing async block.
macro_rules! send_nested {
    ($f:expr) => {
        assert_send(&$f);
        assert_send(&async {
            let _ = $f.await;
        });
    };
}

const CLASS: &str = "org.apache.cassandra.auth.PasswordAuthenticator";

#[allow(dead_code)]
fn provider_futures_are_send(
    host: &HostInfo,
    plain: &PlainTextAuthProvider,
    sasl: &SaslAuthProvider,
    scram: &ScramAuthProvider,
    shared: &Arc<dyn AuthProvider>,
) {
    send_nested!(plain.new_authenticator(host, CLASS));
    send_nested!(sasl.new_authenticator(host, CLASS));
    send_nested!(scram.new_authenticator(host, CLASS));
    send_nested!(shared.new_authenticator(host, CLASS));
}

/// The three steps of an exchange on one authenticator.
macro_rules! authenticator_steps {
    ($a:expr) => {
        send_nested!($a.initial_response());
        send_nested!($a.evaluate_challenge(Some(b"challenge")));
        send_nested!($a.evaluate_challenge(None));
        send_nested!($a.on_authentication_success(Some(b"final")));
    };
}

#[allow(dead_code)]
fn authenticator_futures_are_send(
    plain: &mut PlainAuthenticator,
    scram: &mut ScramSha256,
    dse: &mut DseNegotiation,
    boxed: &mut Box<dyn Authenticator>,
) {
    authenticator_steps!(plain);
    authenticator_steps!(scram);
    authenticator_steps!(dse);
    authenticator_steps!(boxed);
}

#[cfg(feature = "gssapi")]
#[allow(dead_code)]
fn gssapi_futures_are_send(gssapi: &mut dbauth::GssapiAuthenticator) {
    authenticator_steps!(gssapi);
}

#[allow(dead_code)]
fn token_holder_futures_are_send(holder: &TokenHolder, secret: &Secret) {
    send_nested!(
        holder.get(|| async { JwtToken::generate_token(secret, GenerateOptions::default()) })
    );
    send_nested!(holder.get(|| std::future::ready(Err(Error::Provider("no".into())))));
    send_nested!(holder.refresh_after_rejection(1, || async {
        JwtToken::generate_token(secret, GenerateOptions::default())
    }));
}

/// The futures made on this thread and driven on another one (the checks above are
/// compile-only; `thread::spawn` needs the future to be Send).
#[test]
fn authenticator_and_token_futures_run_on_another_thread() {
    let provider: Arc<dyn AuthProvider> = Arc::new(
        SaslAuthProvider::new("PLAIN", "alice", "s3cret", SaslOptions::default()).expect("PLAIN"),
    );
    let holder = Arc::new(TokenHolder::new(Duration::from_secs(60)));
    let (p, h) = (Arc::clone(&provider), Arc::clone(&holder));
    let exchange = async move {
        let host = HostInfo::new("127.0.0.1:9042".parse().expect("addr"));
        let mut auth = p.new_authenticator(&host, CLASS).await?;
        let first = auth.initial_response().await?;
        let secret = Secret::new("jwt secret");
        let (_, generation) = h
            .get(|| async { JwtToken::generate_token(&secret, GenerateOptions::default()) })
            .await?;
        Ok::<_, Error>((first, generation))
    };
    let (first, generation) = std::thread::spawn(move || futures_executor::block_on(exchange))
        .join()
        .expect("thread")
        .expect("exchange");
    assert_eq!(first, Some(b"\0alice\0s3cret".to_vec()));
    assert_eq!(generation, 1);
    assert_eq!(holder.generation(), 1);
}
