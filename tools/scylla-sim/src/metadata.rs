//! Result and prepared metadata (v4): column specs with their types, and the partition-key
//! indexes of a PREPARED result.

use crate::wire::Reader;

/// Metadata flag: one global keyspace/table for all columns.
pub const GLOBAL_TABLES_SPEC: i32 = 0x0001;
/// Metadata flag: a paging state follows.
pub const HAS_MORE_PAGES: i32 = 0x0002;
/// Metadata flag: no column specs.
pub const NO_METADATA: i32 = 0x0004;

/// CQL type id of `int`.
pub const TYPE_INT: u16 = 0x0009;
/// CQL type id of `inet`.
pub const TYPE_INET: u16 = 0x0010;

/// One column spec (only what the sim needs: where it comes from, its name, its top type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Keyspace.
    pub keyspace: String,
    /// Table.
    pub table: String,
    /// Column name.
    pub name: String,
    /// Type id of the column's type option (collections etc. keep their outer id).
    pub type_id: u16,
}

/// Parsed metadata.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// The flags int.
    pub flags: i32,
    /// Column count announced.
    pub columns_count: usize,
    /// Partition-key bind indexes (prepared metadata only).
    pub pk_indexes: Vec<u16>,
    /// Column specs, `None` with NO_METADATA.
    pub columns: Option<Vec<Column>>,
}

fn skip_type(r: &mut Reader<'_>, depth: u32) -> Option<u16> {
    if depth > 32 {
        return None;
    }
    let id = r.u16()?;
    match id {
        0x0000 => {
            r.string()?;
        }
        0x0020 | 0x0022 => {
            skip_type(r, depth + 1)?;
        }
        0x0021 => {
            skip_type(r, depth + 1)?;
            skip_type(r, depth + 1)?;
        }
        0x0030 => {
            r.string()?;
            r.string()?;
            let n = r.u16()?;
            for _ in 0..n {
                r.string()?;
                skip_type(r, depth + 1)?;
            }
        }
        0x0031 => {
            let n = r.u16()?;
            for _ in 0..n {
                skip_type(r, depth + 1)?;
            }
        }
        _ => {}
    }
    Some(id)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Reads metadata at the reader's position. `prepared` = the bind-variable metadata of a
/// PREPARED result (v4: pk indexes, no paging state); otherwise rows/result metadata.
pub fn read_metadata(r: &mut Reader<'_>, prepared: bool) -> Option<Metadata> {
    let flags = r.i32()?;
    let columns_count = usize::try_from(r.i32()?).ok()?;
    let mut pk_indexes = Vec::new();
    if prepared {
        let pk_count = usize::try_from(r.i32()?).ok()?;
        for _ in 0..pk_count {
            pk_indexes.push(r.u16()?);
        }
    }
    if !prepared && flags & HAS_MORE_PAGES != 0 {
        r.bytes()?;
    }
    if flags & NO_METADATA != 0 {
        return Some(Metadata {
            flags,
            columns_count,
            pk_indexes,
            columns: None,
        });
    }
    let global = if flags & GLOBAL_TABLES_SPEC != 0 {
        Some((text(r.string()?), text(r.string()?)))
    } else {
        None
    };
    // Each column spec takes at least 4 bytes: a hostile count cannot allocate much.
    let mut columns = Vec::with_capacity(columns_count.min(r.rest().len() / 4 + 1));
    for _ in 0..columns_count {
        let (keyspace, table) = match &global {
            Some((k, t)) => (k.clone(), t.clone()),
            None => (text(r.string()?), text(r.string()?)),
        };
        let name = text(r.string()?);
        let type_id = skip_type(r, 0)?;
        columns.push(Column {
            keyspace,
            table,
            name,
            type_id,
        });
    }
    Some(Metadata {
        flags,
        columns_count,
        pk_indexes,
        columns: Some(columns),
    })
}

/// A PREPARED result (v4), from the RESULT message body (starting at the kind int).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Statement id.
    pub id: Vec<u8>,
    /// Offset of the bind metadata flags int in the message (for the LWT mark).
    pub flags_offset: usize,
    /// Bind metadata.
    pub bind: Metadata,
    /// Result metadata (columns of the rows an EXECUTE returns).
    pub result: Metadata,
}

/// RESULT kind Rows.
pub const KIND_ROWS: i32 = 0x0002;
/// RESULT kind Prepared.
pub const KIND_PREPARED: i32 = 0x0004;

/// Parses a v4 PREPARED result; `None` if it is not one or is malformed.
pub fn read_prepared(msg: &[u8]) -> Option<Prepared> {
    let mut r = Reader::new(msg);
    if r.i32()? != KIND_PREPARED {
        return None;
    }
    let id = r.short_bytes()?.to_vec();
    let flags_offset = r.pos();
    let bind = read_metadata(&mut r, true)?;
    let result = read_metadata(&mut r, false)?;
    Some(Prepared {
        id,
        flags_offset,
        bind,
        result,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::wire::{put_i32, put_string, put_u16};

    /// Builds v4 prepared metadata for `ks.t` with the given (name, type) and pk indexes.
    pub(crate) fn prepared_body(id: &[u8], cols: &[(&str, u16)], pk: &[u16]) -> Vec<u8> {
        let mut b = Vec::new();
        put_i32(&mut b, KIND_PREPARED);
        put_u16(&mut b, id.len() as u16);
        b.extend_from_slice(id);
        put_i32(&mut b, GLOBAL_TABLES_SPEC);
        put_i32(&mut b, cols.len() as i32);
        put_i32(&mut b, pk.len() as i32);
        for p in pk {
            put_u16(&mut b, *p);
        }
        put_string(&mut b, "ks");
        put_string(&mut b, "t");
        for (n, t) in cols {
            put_string(&mut b, n);
            put_u16(&mut b, *t);
        }
        put_i32(&mut b, NO_METADATA);
        put_i32(&mut b, 0);
        b
    }

    #[test]
    fn prepared_pk_indexes() {
        let body = prepared_body(b"\x01\x02", &[("v", 0x000D), ("k", TYPE_INT)], &[1]);
        let p = read_prepared(&body).unwrap();
        assert_eq!(p.id, vec![1, 2]);
        assert_eq!(p.bind.pk_indexes, vec![1]);
        assert_eq!(p.flags_offset, 8);
        assert_eq!(p.bind.columns.unwrap()[1].name, "k");
        assert!(p.result.columns.is_none());
        assert!(read_prepared(&body[..body.len() - 3]).is_none());
    }

    #[test]
    fn nested_types_are_skipped() {
        let mut b = Vec::new();
        put_i32(&mut b, GLOBAL_TABLES_SPEC);
        put_i32(&mut b, 2);
        put_string(&mut b, "system");
        put_string(&mut b, "local");
        put_string(&mut b, "m");
        b.extend_from_slice(&[0, 0x21, 0, 0x0D, 0, 0x20, 0, 0x10]);
        put_string(&mut b, "rpc_address");
        put_u16(&mut b, TYPE_INET);
        let m = read_metadata(&mut Reader::new(&b), false).unwrap();
        let cols = m.columns.unwrap();
        assert_eq!(cols[1].name, "rpc_address");
        assert_eq!(cols[1].type_id, TYPE_INET);
        // A self-nesting list deeper than the limit is refused, not a stack overflow.
        let mut deep = Vec::new();
        put_i32(&mut deep, GLOBAL_TABLES_SPEC);
        put_i32(&mut deep, 1);
        put_string(&mut deep, "a");
        put_string(&mut deep, "b");
        put_string(&mut deep, "c");
        for _ in 0..100 {
            deep.extend_from_slice(&[0, 0x20]);
        }
        assert!(read_metadata(&mut Reader::new(&deep), false).is_none());
    }
}
