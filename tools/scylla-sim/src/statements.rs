//! What the sim learned from PREPARED results, shared by every connection: statement id →
//! partition-key indexes, result columns (for rows sent without metadata) and kind.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::metadata::Column;
use crate::shard::shard_of;
use crate::token::{murmur3_token, routing_key};

/// One prepared statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// Bind indexes of the partition-key components, in partition-key order.
    pub pk_indexes: Vec<u16>,
    /// Result columns, if the PREPARED result carried them.
    pub result_columns: Option<Vec<Column>>,
    /// Conditional statement (LWT).
    pub conditional: bool,
    /// SELECT statement.
    pub read: bool,
    /// Names a `system*` keyspace table, or changes the schema (never rate limited).
    pub system: bool,
    /// (keyspace, table) of the bind markers, from the PREPARED metadata.
    pub table: Option<(String, String)>,
}

impl Statement {
    /// The token of an EXECUTE of this statement with `values`, or `None` when the routing
    /// key cannot be built (no pk, missing/null component).
    pub fn token(&self, values: &[Option<&[u8]>]) -> Option<i64> {
        let parts: Option<Vec<Option<&[u8]>>> = self
            .pk_indexes
            .iter()
            .map(|&i| values.get(i as usize).copied())
            .collect();
        let key = routing_key(&parts?)?;
        Some(murmur3_token(&key))
    }

    /// The token shard of an EXECUTE of this statement with `values` (see [`Self::token`]).
    pub fn shard(&self, values: &[Option<&[u8]>], nr_shards: u32, ignore_msb: u32) -> Option<u32> {
        Some(shard_of(self.token(values)?, nr_shards, ignore_msb))
    }
}

/// The shared map.
#[derive(Debug, Default)]
pub struct Statements {
    map: RwLock<HashMap<Vec<u8>, Arc<Statement>>>,
}

impl Statements {
    /// Records (or replaces) a statement.
    pub fn insert(&self, id: Vec<u8>, s: Statement) {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::new(s));
    }

    /// Looks a statement up.
    pub fn get(&self, id: &[u8]) -> Option<Arc<Statement>> {
        self.map
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_of_values() {
        let s = Statement {
            pk_indexes: vec![1],
            result_columns: None,
            conditional: false,
            read: false,
            system: false,
            table: None,
        };
        let v: Vec<Option<&[u8]>> = vec![Some(b"x"), Some(b"abc")];
        let want = shard_of(murmur3_token(b"abc"), 8, 12);
        assert_eq!(s.shard(&v, 8, 12), Some(want));
        assert_eq!(s.shard(&v[..1], 8, 12), None);
        assert_eq!(s.token(&v), Some(murmur3_token(b"abc")));
        let none = Statement {
            pk_indexes: vec![],
            ..s
        };
        assert_eq!(none.shard(&v, 8, 12), None);
    }
}
