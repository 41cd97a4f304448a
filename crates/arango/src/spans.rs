//! The client's `tracing` spans, with the OpenTelemetry attribute names (database and HTTP
//! client conventions): `arango.request` for each call (`db.system.name` = `arangodb`,
//! `db.namespace`, `db.operation.name`, `db.collection.name` where the path names one,
//! `db.response.status_code`, `error.type`), `arango.http` for each HTTP attempt under it
//! (`http.request.method`, `server.address`, `server.port`, `url.path` without the query,
//! `http.response.status_code`, `error.type`), and `arango.token_refresh` for each token
//! renewal or login (`arango.refresh.kind`, `error.type`). Target `arango::request`, level
//! INFO. Request bodies, query strings, credentials and tokens are never recorded.

use tracing::Span;
use tracing::field::Empty;

/// The `tracing` target of the spans.
pub const TARGET: &str = "arango::request";

/// `METHOD /_api/<endpoint>`: the operation, without keys or names.
fn operation(method: &str, path: &str) -> String {
    let mut segs = path.trim_start_matches('/').split('/');
    let mut first = segs.next().unwrap_or("");
    if first == "_db" {
        segs.next();
        first = segs.next().unwrap_or("");
    }
    match segs.next() {
        Some(endpoint) if first == "_api" || first == "_admin" || first == "_open" => {
            format!("{method} /{first}/{endpoint}")
        }
        _ => format!("{method} /{first}"),
    }
}

/// The collection a path names (`/_api/document/<c>/...`, `/_api/collection/<c>/...`, ...).
fn collection(path: &str) -> Option<&str> {
    let rest = path.split_once("/_api/")?.1;
    let (endpoint, rest) = rest.split_once('/')?;
    matches!(endpoint, "document" | "collection" | "index" | "edge")
        .then(|| rest.split('/').next())
        .flatten()
        .filter(|c| !c.is_empty() && !c.starts_with('?'))
}

/// `path` is asked for only when a subscriber wants the span.
pub(crate) fn request(db: &str, method: &str, path: impl FnOnce() -> String) -> Span {
    let span = tracing::info_span!(
        target: "arango::request",
        "arango.request",
        otel.name = Empty,
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = "arangodb",
        db.namespace = db,
        db.operation.name = Empty,
        db.collection.name = Empty,
        db.response.status_code = Empty,
        error.type = Empty,
    );
    if !span.is_disabled() {
        let path = path();
        let path = path.split('?').next().unwrap_or("");
        let op = operation(method, path);
        span.record("otel.name", op.as_str());
        span.record("db.operation.name", op.as_str());
        if let Some(c) = collection(path) {
            span.record("db.collection.name", c);
        }
    }
    span
}

/// `host` is `scheme://address:port`.
pub(crate) fn http(method: &str, host: &str, path: &str) -> Span {
    let span = tracing::info_span!(
        target: "arango::request",
        "arango.http",
        otel.name = method,
        otel.kind = "client",
        otel.status_code = Empty,
        http.request.method = method,
        server.address = Empty,
        server.port = Empty,
        url.path = Empty,
        http.response.status_code = Empty,
        error.type = Empty,
    );
    if !span.is_disabled() {
        let authority = host.split_once("://").map_or(host, |(_, a)| a);
        let authority = authority.split('/').next().unwrap_or("");
        let (addr, port) = match authority.rsplit_once(':') {
            Some((a, p)) if !a.ends_with(']') || a.starts_with('[') => (a, p.parse::<u16>().ok()),
            _ => (authority, None),
        };
        span.record("server.address", addr.trim_matches(['[', ']']));
        if let Some(p) = port {
            span.record("server.port", p);
        }
        span.record("url.path", path.split('?').next().unwrap_or(""));
    }
    span
}

pub(crate) fn refresh(kind: &'static str) -> Span {
    tracing::info_span!(
        target: "arango::request",
        "arango.token_refresh",
        otel.kind = "client",
        otel.status_code = Empty,
        arango.refresh.kind = kind,
        error.type = Empty,
    )
}

/// Records an HTTP status on a request or HTTP span (4xx/5xx: an error).
pub(crate) fn status(span: &Span, status: u16, http: bool) {
    if span.is_disabled() {
        return;
    }
    if http {
        span.record("http.response.status_code", status);
    } else {
        span.record("db.response.status_code", status.to_string().as_str());
    }
    if status >= 400 {
        span.record("error.type", status.to_string().as_str());
        span.record("otel.status_code", "ERROR");
    }
}

/// Records a failure that has no HTTP status.
pub(crate) fn failed(span: &Span, kind: &str) {
    if !span.is_disabled() {
        span.record("error.type", kind);
        span.record("otel.status_code", "ERROR");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_collections_name_no_keys() {
        assert_eq!(
            operation("GET", "/_db/app/_api/document/users/secret-key"),
            "GET /_api/document"
        );
        assert_eq!(operation("POST", "/_open/auth"), "POST /_open/auth");
        assert_eq!(operation("GET", "/_api/version"), "GET /_api/version");
        assert_eq!(collection("/_db/app/_api/document/users/k1"), Some("users"));
        assert_eq!(collection("/_db/app/_api/cursor"), None);
    }
}
