//! The Scylla protocol extensions: the SCYLLA_* keys added to SUPPORTED (COMPRESSION
//! emptied), and what a client negotiates in STARTUP (SCYLLA_* keys stripped before the
//! STARTUP reaches Cassandra).

use crate::config::{BadSupported, Config, LWT_MASK, RATE_LIMIT_ERROR_CODE, ShardAwarePort};
use crate::wire::{Reader, put_string_map, put_string_multimap};

/// Extensions the client enabled in its STARTUP.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Negotiated {
    /// `SCYLLA_RATE_LIMIT_ERROR` was sent (and is advertised).
    pub rate_limit: bool,
    /// `SCYLLA_LWT_ADD_METADATA_MARK` was sent (and is advertised).
    pub lwt: bool,
    /// `TABLETS_ROUTING_V1` was sent (and is advertised: some `--tablets` keyspace).
    pub tablets: bool,
}

/// The SUPPORTED/STARTUP key of the tablets routing extension.
pub const TABLETS_ROUTING_V1: &str = "TABLETS_ROUTING_V1";

/// The SCYLLA_* keys advertised on a connection assigned `shard`.
pub fn scylla_keys(cfg: &Config, shard: u32) -> Vec<(String, Vec<String>)> {
    let nr_shards = match cfg.bad_supported {
        Some(BadSupported::NrShardsZero) => "0".to_string(),
        Some(BadSupported::NrShardsNegative) => "-1".to_string(),
        Some(BadSupported::NrShardsHuge) => "100000".to_string(),
        _ => cfg.shards.to_string(),
    };
    let algorithm = match cfg.bad_supported {
        Some(BadSupported::UnknownAlgorithm) => "scylla-sim-unknown-algorithm",
        _ => "biased-token-round-robin",
    };
    let one = |k: &str, v: String| (k.to_string(), vec![v]);
    let mut keys = vec![
        one("SCYLLA_SHARD", shard.to_string()),
        one("SCYLLA_NR_SHARDS", nr_shards),
        one(
            "SCYLLA_PARTITIONER",
            "org.apache.cassandra.dht.Murmur3Partitioner".into(),
        ),
        one("SCYLLA_SHARDING_ALGORITHM", algorithm.into()),
        one("SCYLLA_SHARDING_IGNORE_MSB", cfg.ignore_msb.to_string()),
    ];
    match cfg.shard_aware {
        ShardAwarePort::Listen(p) | ShardAwarePort::Closing(p) => {
            keys.push(one("SCYLLA_SHARD_AWARE_PORT", p.to_string()))
        }
        ShardAwarePort::Off => {}
    }
    if cfg.lwt_mark {
        keys.push(one(
            "SCYLLA_LWT_ADD_METADATA_MARK",
            format!("LWT_OPTIMIZATION_META_BIT_MASK={LWT_MASK}"),
        ));
    }
    if cfg.rate_limit_percent.is_some() {
        keys.push(one(
            "SCYLLA_RATE_LIMIT_ERROR",
            format!("ERROR_CODE={RATE_LIMIT_ERROR_CODE}"),
        ));
    }
    if !cfg.tablets.is_empty() {
        // The extension has no parameters: the key with one empty value.
        keys.push(one(TABLETS_ROUTING_V1, String::new()));
    }
    keys
}

/// Rewrites a SUPPORTED message: Cassandra's options with an empty COMPRESSION list (the key
/// stays: drivers such as the Python one require it) and without any SCYLLA_* key, then the
/// sim's keys. `None` if the message is malformed.
pub fn rewrite_supported(msg: &[u8], cfg: &Config, shard: u32) -> Option<Vec<u8>> {
    let mut options = Reader::new(msg).string_multimap()?;
    options.retain(|(k, _)| !k.starts_with("SCYLLA_"));
    match options.iter_mut().find(|(k, _)| k == "COMPRESSION") {
        Some((_, v)) => v.clear(),
        None => options.push(("COMPRESSION".into(), Vec::new())),
    }
    // The sim rejects v5 and later (as Scylla does): do not advertise them.
    for (k, v) in options.iter_mut() {
        if k == "PROTOCOL_VERSIONS" {
            v.retain(|p| p.starts_with("3/") || p.starts_with("4/"));
        }
    }
    options.extend(scylla_keys(cfg, shard));
    let mut out = Vec::new();
    put_string_multimap(&mut out, &options);
    Some(out)
}

/// What to do with a STARTUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Startup {
    /// Forward this message body to the backend.
    Forward(Vec<u8>, Negotiated),
    /// Answer with a protocol error carrying this message.
    Reject(String),
}

/// Handles a STARTUP message body. `None` if malformed.
pub fn startup(msg: &[u8], cfg: &Config) -> Option<Startup> {
    let mut options = Reader::new(msg).string_map()?;
    if let Some((_, c)) = options
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("COMPRESSION"))
    {
        return Some(Startup::Reject(format!(
            "scylla-sim does not support compression (requested {c}); it is not advertised"
        )));
    }
    let mut n = Negotiated::default();
    for (k, _) in &options {
        match k.as_str() {
            "SCYLLA_RATE_LIMIT_ERROR" => n.rate_limit = cfg.rate_limit_percent.is_some(),
            "SCYLLA_LWT_ADD_METADATA_MARK" => n.lwt = cfg.lwt_mark,
            TABLETS_ROUTING_V1 => n.tablets = !cfg.tablets.is_empty(),
            _ => {}
        }
    }
    options.retain(|(k, _)| !k.starts_with("SCYLLA_") && !k.starts_with("TABLETS_ROUTING"));
    let mut out = Vec::new();
    put_string_map(&mut out, &options);
    Some(Startup::Forward(out, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::put_string_multimap;

    fn cfg(extra: &str) -> Config {
        let s = format!("--backend 127.0.0.31:9042=127.0.0.44 {extra}");
        Config::parse(s.split_whitespace().map(String::from)).unwrap()
    }

    #[test]
    fn supported_gets_scylla_keys_and_loses_compression() {
        let mut b = Vec::new();
        put_string_multimap(
            &mut b,
            &[
                ("CQL_VERSION".into(), vec!["3.4.5".into()]),
                ("COMPRESSION".into(), vec!["lz4".into(), "snappy".into()]),
                (
                    "PROTOCOL_VERSIONS".into(),
                    vec!["3/v3".into(), "4/v4".into(), "5/v5".into()],
                ),
            ],
        );
        let out = rewrite_supported(&b, &cfg("--shards 3 --lwt-mark"), 2).unwrap();
        let m = Reader::new(&out).string_multimap().unwrap();
        let get = |k: &str| m.iter().find(|(n, _)| n == k).map(|(_, v)| v[0].clone());
        let compression = m.iter().find(|(n, _)| n == "COMPRESSION").unwrap();
        assert!(compression.1.is_empty());
        assert_eq!(get("CQL_VERSION").as_deref(), Some("3.4.5"));
        assert_eq!(get("SCYLLA_SHARD").as_deref(), Some("2"));
        let versions = m.iter().find(|(n, _)| n == "PROTOCOL_VERSIONS").unwrap();
        assert_eq!(versions.1, vec!["3/v3".to_string(), "4/v4".to_string()]);
        assert_eq!(get("SCYLLA_NR_SHARDS").as_deref(), Some("3"));
        assert_eq!(get("SCYLLA_SHARDING_IGNORE_MSB").as_deref(), Some("12"));
        assert_eq!(get("SCYLLA_SHARD_AWARE_PORT").as_deref(), Some("19042"));
        assert_eq!(
            get("SCYLLA_LWT_ADD_METADATA_MARK").as_deref(),
            Some("LWT_OPTIMIZATION_META_BIT_MASK=2147483648")
        );
        assert_eq!(get("SCYLLA_RATE_LIMIT_ERROR"), None);
        assert_eq!(get(TABLETS_ROUTING_V1), None);
        let t = scylla_keys(&cfg("--tablets ks"), 0);
        assert!(t.contains(&(TABLETS_ROUTING_V1.into(), vec![String::new()])));
        let bad = scylla_keys(
            &cfg("--bad-supported nr-shards-negative --no-shard-aware-port"),
            0,
        );
        assert!(bad.contains(&("SCYLLA_NR_SHARDS".into(), vec!["-1".into()])));
        assert!(!bad.iter().any(|(k, _)| k == "SCYLLA_SHARD_AWARE_PORT"));
    }

    #[test]
    fn startup_negotiation() {
        let mut b = Vec::new();
        put_string_map(
            &mut b,
            &[
                ("CQL_VERSION".into(), "3.0.0".into()),
                ("SCYLLA_RATE_LIMIT_ERROR".into(), "".into()),
                ("SCYLLA_LWT_ADD_METADATA_MARK".into(), "2147483648".into()),
            ],
        );
        let c = cfg("--rate-limit-percent 5");
        let Some(Startup::Forward(out, n)) = startup(&b, &c) else {
            panic!()
        };
        assert_eq!(
            n,
            Negotiated {
                rate_limit: true,
                lwt: false,
                tablets: false
            }
        );
        assert_eq!(Reader::new(&out).string_map().unwrap().len(), 1);
        let mut z = Vec::new();
        put_string_map(&mut z, &[("COMPRESSION".into(), "lz4".into())]);
        assert!(matches!(startup(&z, &c), Some(Startup::Reject(_))));
        assert!(startup(&[0, 1], &c).is_none());
        let mut t = Vec::new();
        put_string_map(&mut t, &[(TABLETS_ROUTING_V1.into(), "".into())]);
        let Some(Startup::Forward(out, n)) = startup(&t, &cfg("--tablets ks")) else {
            panic!()
        };
        assert!(n.tablets);
        assert_eq!(Reader::new(&out).string_map().unwrap().len(), 0);
        let Some(Startup::Forward(_, n)) = startup(&t, &c) else {
            panic!()
        };
        assert!(!n.tablets, "not advertised without --tablets");
    }
}
