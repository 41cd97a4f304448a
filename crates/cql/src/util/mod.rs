//! Value helpers that users of the Python driver know from `cassandra.util` and
//! `cassandra.encoder`:
//!
//! - [`timeuuid`]: version-1 UUIDs from times and back (`uuid_from_time`,
//!   `min_uuid_from_time`, `max_uuid_from_time`, `unix_time_from_uuid1`,
//!   `datetime_from_uuid1`).
//! - [`encoder`]: any [`CqlValue`](crate::CqlValue) as CQL literal text
//!   (`Encoder.cql_encode_all_types`).
//! - [`OrderedMap`]: a map that keeps the wire order of a CQL `map` and looks entries up by
//!   key (`OrderedMap` / `OrderedMapSerializedKey`).
//!
//! The typed accessors of [`CqlValue`](crate::CqlValue) (`as_i32`, `as_str`, `as_map`,
//! `into_list`, ...) are methods of the value itself.
//!
//! ```
//! use cql::CqlValue;
//! use cql::util::{OrderedMap, ToCqlLiteral, min_uuid_from_time};
//!
//! let lo = min_uuid_from_time(1_700_000_000.0)?;
//! let query = format!("SELECT * FROM ks.events WHERE id > {}", CqlValue::Timeuuid(lo).to_cql_literal());
//! assert_eq!(query, "SELECT * FROM ks.events WHERE id > 04afc000-833b-11ee-8080-808080808080");
//!
//! let m: OrderedMap<&str, i32> = [("b", 2), ("a", 1)].into_iter().collect();
//! assert_eq!(m.get("a"), Some(&1));
//! # Ok::<(), cql::util::timeuuid::TimeuuidError>(())
//! ```

pub mod encoder;
pub mod timeuuid;

pub use cql_protocol::types::OrderedMap;
pub use encoder::{CqlLiteral, ToCqlLiteral, encode_sequence};
pub use timeuuid::{
    HIGHEST_TIME_UUID, LOWEST_TIME_UUID, TimeuuidError, UuidTime, datetime_from_uuid1,
    max_uuid_from_time, min_uuid_from_time, unix_time_from_uuid1, uuid_from_time,
};
