//! Contact points: the addresses a session makes its first connections to, as the user wrote
//! them (`host`, `host:port`, `ip`, `ip:port`, `[v6]:port`), checked when the cluster is
//! built and resolved when it connects (again when every known node is unreachable, so that
//! a DNS name that now points elsewhere is followed).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use crate::error::Error;

/// One contact point: an IP address or a DNS name, with the port if one was given (else the
/// cluster's port, 9042 by default).
///
/// ```
/// use cql::ContactPoint;
/// for ok in ["localhost", "db1.example.com:9142", "10.0.0.1", "10.0.0.1:9042", "::1", "[::1]:9042"] {
///     ok.parse::<ContactPoint>().unwrap();
/// }
/// for bad in ["", "host:", "host:port", "a:b:c", "[::1", "bad host", "host:70000"] {
///     assert!(bad.parse::<ContactPoint>().is_err(), "{bad}");
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    host: HostPart,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPart {
    Ip(IpAddr),
    Name(String),
}

impl ContactPoint {
    /// `127.0.0.1`, the default.
    pub(crate) fn localhost() -> Self {
        ContactPoint {
            host: HostPart::Ip(IpAddr::from([127, 0, 0, 1])),
            port: None,
        }
    }

    /// Whether this is a DNS name (resolved at connect time, and again when every known node
    /// is unreachable).
    pub fn is_name(&self) -> bool {
        matches!(self.host, HostPart::Name(_))
    }

    /// The port given with the address, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The addresses this contact point stands for; `default_port` when none was given.
    pub(crate) async fn resolve(&self, default_port: u16) -> Result<Vec<SocketAddr>, Error> {
        let port = self.port.unwrap_or(default_port);
        match &self.host {
            HostPart::Ip(ip) => Ok(vec![SocketAddr::new(*ip, port)]),
            HostPart::Name(name) => {
                let found = tokio::net::lookup_host((name.as_str(), port))
                    .await
                    .map_err(|e| {
                        Error::Config(format!("cannot resolve contact point \"{self}\": {e}"))
                    })?;
                let found: Vec<SocketAddr> = found.collect();
                if found.is_empty() {
                    return Err(Error::Config(format!(
                        "contact point \"{self}\" resolves to no address"
                    )));
                }
                Ok(found)
            }
        }
    }
}

/// Resolves every contact point. One that does not resolve is skipped with a warning when
/// others do; when none does, the error names each of them.
pub(crate) async fn resolve_all(
    points: &[ContactPoint],
    default_port: u16,
) -> Result<Vec<SocketAddr>, Error> {
    let mut out: Vec<SocketAddr> = Vec::new();
    let mut failures = Vec::new();
    for p in points {
        match p.resolve(default_port).await {
            Ok(addrs) => {
                for a in addrs {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    if out.is_empty() {
        return Err(match failures.len() {
            0 => Error::Config("no contact points".into()),
            _ => Error::Config(failures.join("; ")),
        });
    }
    for f in failures {
        tracing::warn!(error = %f, "contact point skipped");
    }
    Ok(out)
}

impl FromStr for ContactPoint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let invalid = |why: &str| Error::Config(format!("invalid contact point \"{s}\": {why}"));
        let text = s.trim();
        if text.is_empty() {
            return Err(invalid("empty"));
        }
        // [v6] or [v6]:port
        if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or_else(|| invalid("missing ']'"))?;
            let ip: Ipv6Addr = inside
                .parse()
                .map_err(|_| invalid("not an IPv6 address inside [ ]"))?;
            let port = match after {
                "" => None,
                p => Some(parse_port(
                    p.strip_prefix(':')
                        .ok_or_else(|| invalid("expected ':port' after ']'"))?,
                    &invalid,
                )?),
            };
            return Ok(ContactPoint {
                host: HostPart::Ip(IpAddr::V6(ip)),
                port,
            });
        }
        // A bare address: 10.0.0.1, ::1, fe80::2
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(ContactPoint {
                host: HostPart::Ip(ip),
                port: None,
            });
        }
        let (host, port) = match text.split_once(':') {
            None => (text, None),
            Some((h, p)) if !p.contains(':') => (h, Some(parse_port(p, &invalid)?)),
            Some(_) => {
                return Err(invalid(
                    "more than one ':' and not an IPv6 address (write [address]:port)",
                ));
            }
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(ContactPoint {
                host: HostPart::Ip(ip),
                port,
            });
        }
        check_name(host).map_err(|why| invalid(&why))?;
        Ok(ContactPoint {
            host: HostPart::Name(host.to_owned()),
            port,
        })
    }
}

fn parse_port(p: &str, invalid: &dyn Fn(&str) -> Error) -> Result<u16, Error> {
    match p.parse::<u16>() {
        Ok(0) => Err(invalid("port 0")),
        Ok(port) => Ok(port),
        Err(_) => Err(invalid("the port is not a number from 1 to 65535")),
    }
}

/// A DNS name: labels of letters, digits, '-' and '_' separated by dots (RFC 1123, with the
/// underscore some private networks use), at most 253 characters.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("no host before ':'".into());
    }
    if name.len() > 253 {
        return Err("a host name is at most 253 characters".into());
    }
    for label in name.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("a host name label is 1 to 63 characters".into());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!("{c:?} is not allowed in a host name"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a host name label cannot start or end with '-'".into());
        }
    }
    Ok(())
}

impl fmt::Display for ContactPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.host, self.port) {
            (HostPart::Ip(IpAddr::V6(ip)), Some(port)) => write!(f, "[{ip}]:{port}"),
            (HostPart::Ip(ip), Some(port)) => write!(f, "{ip}:{port}"),
            (HostPart::Ip(ip), None) => write!(f, "{ip}"),
            (HostPart::Name(n), Some(port)) => write!(f, "{n}:{port}"),
            (HostPart::Name(n), None) => write!(f, "{n}"),
        }
    }
}

#[cfg(test)]
#[path = "contact_points_tests.rs"]
mod tests;
