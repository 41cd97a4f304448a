//! Command-line flags of the simulator.

use std::net::{IpAddr, SocketAddr};

/// One virtual Scylla node: a listen address in front of one backend Cassandra node.
#[derive(Debug, Clone)]
pub struct Backend {
    /// The backend's native transport address.
    pub backend: SocketAddr,
    /// The address the sim listens on for this node (regular and shard-aware ports).
    pub listen: IpAddr,
}

/// What the sim does on the shard-aware port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardAwarePort {
    /// Listen on the port and assign `source_port % nr_shards`.
    Listen(u16),
    /// Advertise the port, accept connections and close them at once (fallback tests).
    Closing(u16),
    /// Neither advertise nor listen.
    Off,
}

/// Deliberately wrong SUPPORTED values for clients' bad-input tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadSupported {
    /// `SCYLLA_NR_SHARDS` = 0.
    NrShardsZero,
    /// `SCYLLA_NR_SHARDS` = -1.
    NrShardsNegative,
    /// `SCYLLA_NR_SHARDS` = 100000.
    NrShardsHuge,
    /// `SCYLLA_SHARDING_ALGORITHM` = an unknown name.
    UnknownAlgorithm,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Virtual nodes.
    pub backends: Vec<Backend>,
    /// Regular CQL port of every virtual node.
    pub port: u16,
    /// `SCYLLA_NR_SHARDS`.
    pub shards: u32,
    /// `SCYLLA_SHARDING_IGNORE_MSB`.
    pub ignore_msb: u32,
    /// Shard-aware port behaviour.
    pub shard_aware: ShardAwarePort,
    /// Advertise `SCYLLA_LWT_ADD_METADATA_MARK` and mark conditional statements.
    pub lwt_mark: bool,
    /// Advertise `SCYLLA_RATE_LIMIT_ERROR` and reject this percentage of requests.
    pub rate_limit_percent: Option<u32>,
    /// Nonsense to advertise instead of the real sharding parameters.
    pub bad_supported: Option<BadSupported>,
    /// Control (stats) endpoint.
    pub control: Option<SocketAddr>,
    /// Keyspaces whose tables are tablet tables (`--tablets`, repeatable).
    pub tablets: Vec<String>,
    /// Tablets per table (`--tablets-per-table`).
    pub tablets_per_table: u32,
}

/// The LWT bit Scylla uses in prepared metadata flags.
pub const LWT_MASK: u32 = 0x8000_0000;
/// The error code advertised for rate-limit errors.
pub const RATE_LIMIT_ERROR_CODE: i32 = 0xF000;

/// Usage text.
pub const USAGE: &str = "usage: scylla-sim --backend HOST:PORT=LISTEN_IP [--backend ...] \
[--port 9042] [--shards 8] [--ignore-msb 12] [--shard-aware-port 19042] [--no-shard-aware-port] \
[--shard-aware-port-closing] [--lwt-mark] [--rate-limit-percent P] \
[--bad-supported nr-shards-0|nr-shards-negative|nr-shards-huge|unknown-algorithm] \
[--control IP:PORT] [--tablets KEYSPACE ...] [--tablets-per-table 16]";

fn value(args: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, String> {
    args.next().ok_or_else(|| format!("{flag} needs a value"))
}

fn number<T: std::str::FromStr>(s: &str, flag: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{flag}: not a valid number: {s}"))
}

impl Config {
    /// Parses flags (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut args = args.into_iter();
        let mut c = Config {
            backends: Vec::new(),
            port: 9042,
            shards: 8,
            ignore_msb: 12,
            shard_aware: ShardAwarePort::Listen(19042),
            lwt_mark: false,
            rate_limit_percent: None,
            bad_supported: None,
            control: None,
            tablets: Vec::new(),
            tablets_per_table: 16,
        };
        let mut sa_port = 19042u16;
        let mut sa_off = false;
        let mut sa_closing = false;
        while let Some(flag) = args.next() {
            match flag.as_str() {
                "--backend" => {
                    let v = value(&mut args, &flag)?;
                    let (b, l) = v
                        .split_once('=')
                        .ok_or("--backend wants HOST:PORT=LISTEN_IP")?;
                    let backend = b
                        .parse()
                        .map_err(|_| format!("--backend: bad address {b}"))?;
                    let listen = l
                        .parse()
                        .map_err(|_| format!("--backend: bad listen IP {l}"))?;
                    c.backends.push(Backend { backend, listen });
                }
                "--port" => c.port = number(&value(&mut args, &flag)?, &flag)?,
                "--shards" => c.shards = number(&value(&mut args, &flag)?, &flag)?,
                "--ignore-msb" => c.ignore_msb = number(&value(&mut args, &flag)?, &flag)?,
                "--shard-aware-port" => sa_port = number(&value(&mut args, &flag)?, &flag)?,
                "--no-shard-aware-port" => sa_off = true,
                "--shard-aware-port-closing" => sa_closing = true,
                "--lwt-mark" => c.lwt_mark = true,
                "--rate-limit-percent" => {
                    let p: u32 = number(&value(&mut args, &flag)?, &flag)?;
                    if p > 100 {
                        return Err("--rate-limit-percent must be 0..=100".into());
                    }
                    c.rate_limit_percent = Some(p);
                }
                "--bad-supported" => {
                    c.bad_supported = Some(match value(&mut args, &flag)?.as_str() {
                        "nr-shards-0" => BadSupported::NrShardsZero,
                        "nr-shards-negative" => BadSupported::NrShardsNegative,
                        "nr-shards-huge" => BadSupported::NrShardsHuge,
                        "unknown-algorithm" => BadSupported::UnknownAlgorithm,
                        other => return Err(format!("--bad-supported: unknown kind {other}")),
                    })
                }
                "--control" => {
                    let v = value(&mut args, &flag)?;
                    c.control = Some(
                        v.parse()
                            .map_err(|_| format!("--control: bad address {v}"))?,
                    );
                }
                "--tablets" => c.tablets.push(value(&mut args, &flag)?),
                "--tablets-per-table" => {
                    c.tablets_per_table = number(&value(&mut args, &flag)?, &flag)?
                }
                other => return Err(format!("unknown flag {other}")),
            }
        }
        if c.backends.is_empty() {
            return Err("at least one --backend is required".into());
        }
        if c.shards == 0 || c.shards > 4096 {
            return Err("--shards must be 1..=4096".into());
        }
        if c.ignore_msb > 63 {
            return Err("--ignore-msb must be 0..=63".into());
        }
        if c.tablets_per_table == 0 || c.tablets_per_table > 65536 {
            return Err("--tablets-per-table must be 1..=65536".into());
        }
        c.shard_aware = match (sa_off, sa_closing) {
            (true, true) => {
                return Err("--no-shard-aware-port and --shard-aware-port-closing conflict".into());
            }
            (true, false) => ShardAwarePort::Off,
            (false, true) => ShardAwarePort::Closing(sa_port),
            (false, false) => ShardAwarePort::Listen(sa_port),
        };
        Ok(c)
    }

    /// The listen IP of the virtual node in front of `backend_ip`, if any.
    pub fn listen_for(&self, backend_ip: IpAddr) -> Option<IpAddr> {
        self.backends
            .iter()
            .find(|b| b.backend.ip() == backend_ip)
            .map(|b| b.listen)
    }

    /// The index of the virtual node in front of `backend_ip`, if any.
    pub fn node_of_backend(&self, backend_ip: IpAddr) -> Option<usize> {
        self.backends
            .iter()
            .position(|b| b.backend.ip() == backend_ip)
    }

    /// Whether `keyspace` is a tablet keyspace (exact name, as in result metadata).
    pub fn is_tablet_keyspace(&self, keyspace: &str) -> bool {
        self.tablets.iter().any(|k| k == keyspace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, String> {
        Config::parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn defaults_and_flags() {
        let c = parse("--backend 127.0.0.31:9042=127.0.0.44").unwrap();
        assert_eq!(c.shards, 8);
        assert_eq!(c.ignore_msb, 12);
        assert_eq!(c.shard_aware, ShardAwarePort::Listen(19042));
        let c =
            parse("--backend 127.0.0.31:9042=127.0.0.44 --shards 3 --no-shard-aware-port").unwrap();
        assert_eq!(c.shards, 3);
        assert_eq!(c.shard_aware, ShardAwarePort::Off);
        assert!(parse("--shards 3").is_err());
        assert!(parse("--backend 127.0.0.31:9042=127.0.0.44 --shards 0").is_err());
        assert!(parse("--backend x=y").is_err());
        let c = parse("--backend 127.0.0.31:9042=127.0.0.44 --tablets a --tablets b").unwrap();
        assert_eq!(c.tablets, vec!["a".to_string(), "b".to_string()]);
        assert_eq!(c.tablets_per_table, 16);
        assert!(c.is_tablet_keyspace("b") && !c.is_tablet_keyspace("c"));
        assert!(parse("--backend 127.0.0.31:9042=127.0.0.44 --tablets-per-table 0").is_err());
    }
}
