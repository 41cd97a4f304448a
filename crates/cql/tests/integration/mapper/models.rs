//! The models the mapper tests share.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use cql::protocol::types::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use uuid::Uuid;

/// A user type.
#[derive(Debug, Clone, PartialEq, cql::UserType)]
#[cql(name = "address")]
pub(crate) struct Address {
    pub(crate) street: String,
    pub(crate) zip: Option<i32>,
    pub(crate) tags: Option<Vec<String>>,
}

/// A time series: composite partition key, two clustering columns (one descending), a
/// static column, an index, a renamed column.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "events", option = "comment = 'mapper events'")]
pub(crate) struct Event {
    #[cql(partition_key)]
    pub(crate) tenant: String,
    #[cql(partition_key)]
    pub(crate) day: i32,
    #[cql(clustering = "desc")]
    pub(crate) at: i64,
    #[cql(clustering)]
    pub(crate) seq: i32,
    #[cql(static_column)]
    pub(crate) owner: Option<String>,
    #[cql(index)]
    pub(crate) kind: String,
    #[cql(rename = "body_text", default)]
    pub(crate) body: Option<String>,
    pub(crate) score: Option<f64>,
}

/// Every kind of CQL type as one row.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "all_types")]
pub(crate) struct AllTypes {
    #[cql(partition_key)]
    pub(crate) id: Uuid,
    #[cql(cql_type = "timeuuid")]
    pub(crate) tu: Option<Uuid>,
    #[cql(cql_type = "ascii")]
    pub(crate) a: Option<String>,
    pub(crate) big: Option<i64>,
    pub(crate) blob: Option<Vec<u8>>,
    pub(crate) flag: Option<bool>,
    pub(crate) date: Option<CqlDate>,
    pub(crate) dec: Option<CqlDecimal>,
    pub(crate) dbl: Option<f64>,
    pub(crate) dur: Option<CqlDuration>,
    pub(crate) flt: Option<f32>,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) int: Option<i32>,
    pub(crate) small: Option<i16>,
    pub(crate) txt: Option<String>,
    pub(crate) time: Option<CqlTime>,
    pub(crate) ts: Option<CqlTimestamp>,
    pub(crate) tiny: Option<i8>,
    pub(crate) var: Option<CqlVarint>,
    pub(crate) list: Option<Vec<i32>>,
    pub(crate) set: Option<BTreeSet<String>>,
    pub(crate) map: Option<BTreeMap<String, i64>>,
    pub(crate) nested: Option<Vec<BTreeSet<i32>>>,
    pub(crate) tuple: Option<(i32, String, bool)>,
    pub(crate) addr: Option<Address>,
    pub(crate) addrs: Option<HashMap<String, Address>>,
    #[cql(cql_type = "frozen<list<int>>")]
    pub(crate) frozen: Option<Vec<i32>>,
    #[cql(cql_type = "vector<float, 3>")]
    pub(crate) vec: Option<Vec<f32>>,
}

/// A counter table.
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "page_hits")]
pub(crate) struct Hits {
    #[cql(partition_key)]
    pub(crate) page: String,
    #[cql(counter)]
    pub(crate) hits: i64,
    #[cql(counter)]
    pub(crate) bytes: i64,
}

/// A simple keyed row with collections (writes, LWT, TTL).
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "accounts", default_ttl = 0)]
pub(crate) struct Account {
    #[cql(partition_key)]
    pub(crate) id: i32,
    pub(crate) name: String,
    pub(crate) balance: Option<i64>,
    pub(crate) tags: Option<BTreeSet<String>>,
    pub(crate) log: Option<Vec<String>>,
    pub(crate) attrs: Option<BTreeMap<String, String>>,
}

/// Many rows in one partition (the stream test).
#[derive(Debug, Clone, PartialEq, cql::Model)]
#[cql(table = "readings")]
pub(crate) struct Reading {
    #[cql(partition_key)]
    pub(crate) sensor: i32,
    #[cql(clustering)]
    pub(crate) n: i32,
    pub(crate) value: f64,
}
