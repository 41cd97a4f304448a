use super::*;

fn addr(n: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, n], 9042))
}

fn timeout(n: u8) -> Error {
    Error::Timeout {
        addr: addr(n),
        timeout: Duration::from_secs(2),
    }
}

fn connect_timeout(n: u8) -> Error {
    Error::ConnectTimeout {
        addr: addr(n),
        timeout: Duration::from_secs(5),
    }
}

fn refused(n: u8) -> Error {
    Error::Connect {
        addr: addr(n),
        source: std::io::ErrorKind::ConnectionRefused.into(),
    }
}

fn closed(n: u8, in_flight: bool) -> Error {
    Error::ConnectionClosed {
        addr: addr(n),
        reason: "reset".into(),
        in_flight,
    }
}

fn bad_password(n: u8) -> Error {
    Error::AuthenticationFailed {
        addr: addr(n),
        message: "Provided username cassandra and/or password are incorrect".into(),
    }
}

fn overloaded(n: u8) -> Error {
    Error::Server {
        addr: addr(n),
        error: Box::new(ServerError {
            code: 0x1001,
            message: "overloaded".into(),
            kind: ServerErrorKind::Overloaded,
        }),
        tracing_id: None,
    }
}

/// `NoHostAvailable` with one error per node, nodes numbered from 1.
fn no_host(errors: Vec<Error>) -> Error {
    Error::NoHostAvailable((1..).zip(errors).map(|(n, e)| (addr(n), e)).collect())
}

#[test]
fn timeouts_are_request_and_connect_timeouts() {
    assert!(timeout(1).is_timeout());
    assert!(connect_timeout(1).is_timeout());
    for e in [refused(1), closed(1, true), bad_password(1), overloaded(1)] {
        assert!(!e.is_timeout(), "{e}");
    }
}

#[test]
fn connection_errors_are_the_ones_another_connection_may_not_have() {
    let tls = Error::Tls {
        addr: addr(1),
        source: std::io::ErrorKind::InvalidData.into(),
    };
    let busy = Error::Busy { addr: addr(1) };
    for e in [
        refused(1),
        connect_timeout(1),
        closed(1, true),
        closed(1, false),
        busy,
        tls,
    ] {
        assert!(e.is_connection(), "{e}");
    }
    for e in [timeout(1), bad_password(1), overloaded(1)] {
        assert!(!e.is_connection(), "{e}");
    }
}

#[test]
fn no_host_available_is_a_timeout_when_every_node_timed_out() {
    assert!(no_host(vec![timeout(1)]).is_timeout());
    assert!(no_host(vec![timeout(1), connect_timeout(2), timeout(3)]).is_timeout());
    assert!(!no_host(vec![timeout(1), closed(2, true)]).is_timeout());
    assert!(!no_host(vec![overloaded(1), timeout(2)]).is_timeout());
    // Request timeouts are not connection failures, inside or not.
    assert!(!no_host(vec![timeout(1), timeout(2)]).is_connection());
}

#[test]
fn no_host_available_is_a_connection_error_when_every_node_had_one() {
    assert!(no_host(vec![refused(1)]).is_connection());
    assert!(no_host(vec![refused(1), closed(2, false), connect_timeout(3)]).is_connection());
    assert!(!no_host(vec![refused(1), timeout(2)]).is_connection());
    assert!(!no_host(vec![closed(1, true), bad_password(2)]).is_connection());
    // Connect timeouts are both.
    let e = no_host(vec![connect_timeout(1), connect_timeout(2)]);
    assert!(e.is_connection() && e.is_timeout());
}

#[test]
fn no_host_available_is_an_authentication_error_when_every_node_rejected_it() {
    let provider = Error::AuthProvider {
        addr: addr(2),
        source: dbauth::Error::BadCredentials("no".into()),
    };
    let required = Error::AuthenticationRequired {
        addr: addr(3),
        authenticator: "org.apache.cassandra.auth.PasswordAuthenticator".into(),
    };
    assert!(bad_password(1).is_authentication());
    assert!(no_host(vec![bad_password(1), provider, required]).is_authentication());
    assert!(!no_host(vec![bad_password(1), refused(2)]).is_authentication());
    assert!(!refused(1).is_authentication());
}

#[test]
fn an_empty_no_host_available_is_none_of_the_kinds() {
    // No node was tried (e.g. no connection at all): nothing to say about their errors.
    let e = Error::NoHostAvailable(Vec::new());
    assert!(!e.is_timeout());
    assert!(!e.is_connection());
    assert!(!e.is_authentication());
}

#[test]
fn nested_no_host_available_is_looked_into() {
    let inner = no_host(vec![timeout(1), timeout(2)]);
    assert!(no_host(vec![inner, connect_timeout(3)]).is_timeout());
    let inner = no_host(vec![refused(1)]);
    assert!(no_host(vec![inner, closed(2, true)]).is_connection());
    let inner = no_host(vec![bad_password(1)]);
    assert!(no_host(vec![inner, bad_password(2)]).is_authentication());
}

#[test]
fn an_encoding_failure_keeps_the_values_error_typed() {
    use cql_protocol::serialize::SerializeError;
    let out_of_range = SerializeError::ValueOutOfRange {
        cql_type: "time",
        value: "CqlTime(-1)".into(),
        allowed: "0..=86399999999999",
    };
    let e = Error::encode(cql_protocol::ProtocolError::Serialize(out_of_range));
    assert!(
        matches!(
            &e,
            Error::Serialize(SerializeError::ValueOutOfRange {
                cql_type: "time",
                ..
            })
        ),
        "{e:?}"
    );
    // The cause is reachable through the standard error chain too.
    assert!(std::error::Error::source(&e).is_some());
    let e = Error::encode(cql_protocol::ProtocolError::UnknownOpcode(0x7f));
    assert!(matches!(e, Error::Encode(_)), "{e:?}");
}
