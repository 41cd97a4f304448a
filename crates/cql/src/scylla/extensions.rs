//! The protocol extensions negotiated at start-up besides sharding: ScyllaDB's rate limit
//! error (`SCYLLA_RATE_LIMIT_ERROR`), the LWT mark of prepared statements
//! (`SCYLLA_LWT_ADD_METADATA_MARK`) and tablet routing (`TABLETS_ROUTING_V1`). A node offers them in SUPPORTED with their arguments
//! (`ARG=VALUE`); the driver takes those it knows and names them in STARTUP.

use std::collections::HashMap;

/// The key of the rate limit error extension.
pub const RATE_LIMIT_ERROR: &str = "SCYLLA_RATE_LIMIT_ERROR";

/// The key of the LWT mark extension.
pub const LWT_ADD_METADATA_MARK: &str = "SCYLLA_LWT_ADD_METADATA_MARK";

/// The extensions one connection uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extensions {
    /// The error code of rate limit errors.
    pub rate_limit_error_code: Option<i32>,
    /// The bit of a PREPARED result's metadata flags that marks a conditional (LWT) statement.
    pub lwt_mask: Option<u32>,
    /// Responses of requests sent to a non-replica carry the tablet's replicas.
    pub tablets_routing_v1: bool,
}

impl Extensions {
    /// The extensions a SUPPORTED answer offers that this driver uses; an offer whose
    /// argument is missing or malformed is left out (logged).
    pub fn from_supported(supported: &HashMap<String, Vec<String>>) -> Extensions {
        let rate_limit_error_code = supported.get(RATE_LIMIT_ERROR).and_then(|vals| {
            let code = argument(vals, "ERROR_CODE").and_then(|v| v.parse::<i32>().ok());
            if code.is_none() {
                tracing::warn!(
                    ?vals,
                    "SCYLLA_RATE_LIMIT_ERROR offered without a valid ERROR_CODE; not used"
                );
            }
            code
        });
        let lwt_mask = supported.get(LWT_ADD_METADATA_MARK).and_then(|vals| {
            let mask = argument(vals, "LWT_OPTIMIZATION_META_BIT_MASK")
                .and_then(|v| v.parse::<u32>().ok())
                .filter(|m| *m != 0);
            if mask.is_none() {
                tracing::warn!(
                    ?vals,
                    "SCYLLA_LWT_ADD_METADATA_MARK offered without a valid bit mask; not used"
                );
            }
            mask
        });
        Extensions {
            rate_limit_error_code,
            lwt_mask,
            tablets_routing_v1: supported.contains_key(super::tablets::TABLETS_ROUTING_V1),
        }
    }

    /// The STARTUP options that enable them (as the reference driver sends them).
    pub fn startup_options(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.rate_limit_error_code.is_some() {
            out.push((RATE_LIMIT_ERROR, String::new()));
        }
        if let Some(mask) = self.lwt_mask {
            out.push((LWT_ADD_METADATA_MARK, mask.to_string()));
        }
        if self.tablets_routing_v1 {
            out.push((super::tablets::TABLETS_ROUTING_V1, String::new()));
        }
        out
    }
}

/// The value of `key=VALUE` among an option's values.
fn argument<'v>(vals: &'v [String], key: &str) -> Option<&'v str> {
    vals.iter().find_map(|v| {
        v.trim()
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::trim)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect()
    }

    #[test]
    fn offered_extensions_are_read_and_named_in_startup() {
        let e = Extensions::from_supported(&offer(&[
            (RATE_LIMIT_ERROR, "ERROR_CODE=61440"),
            (
                LWT_ADD_METADATA_MARK,
                "LWT_OPTIMIZATION_META_BIT_MASK=2147483648",
            ),
            ("TABLETS_ROUTING_V1", ""),
        ]));
        assert_eq!(e.rate_limit_error_code, Some(61440));
        assert_eq!(e.lwt_mask, Some(1 << 31));
        assert!(e.tablets_routing_v1);
        assert_eq!(
            e.startup_options(),
            [
                (RATE_LIMIT_ERROR, String::new()),
                (LWT_ADD_METADATA_MARK, "2147483648".to_owned()),
                ("TABLETS_ROUTING_V1", String::new()),
            ]
        );
    }

    #[test]
    fn cassandra_and_malformed_offers_enable_nothing() {
        assert_eq!(
            Extensions::from_supported(&offer(&[])),
            Extensions::default()
        );
        for (k, v) in [
            (RATE_LIMIT_ERROR, ""),
            (RATE_LIMIT_ERROR, "ERROR_CODE=lots"),
            (RATE_LIMIT_ERROR, "ERROR_CODE61440"),
            (LWT_ADD_METADATA_MARK, "LWT_OPTIMIZATION_META_BIT_MASK=0"),
            (LWT_ADD_METADATA_MARK, "LWT_OPTIMIZATION_META_BIT_MASK=-1"),
            (LWT_ADD_METADATA_MARK, "MASK=4"),
        ] {
            let e = Extensions::from_supported(&offer(&[(k, v)]));
            assert_eq!(e, Extensions::default(), "{k}={v}");
            assert!(e.startup_options().is_empty());
        }
    }
}
