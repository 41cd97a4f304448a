//! Address rewrite: the backend's addresses in `system.local`, `system.peers`,
//! `system.peers_v2` rows and in TOPOLOGY/STATUS_CHANGE events become the sim's listen
//! addresses, and `native_port` becomes the sim's regular port.

use std::net::IpAddr;

use crate::metadata::{Column, KIND_ROWS, TYPE_INET, TYPE_INT, read_metadata};
use crate::wire::{Reader, put_bytes, put_i32, put_string};

/// Backend IP → listen IP, and the port clients must use.
#[derive(Debug, Clone)]
pub struct AddrMap {
    /// (backend IP, listen IP) pairs.
    pub pairs: Vec<(IpAddr, IpAddr)>,
    /// The sim's regular CQL port.
    pub port: u16,
}

impl AddrMap {
    fn map(&self, ip: IpAddr) -> IpAddr {
        self.pairs
            .iter()
            .find(|(b, _)| *b == ip)
            .map(|(_, l)| *l)
            .unwrap_or(ip)
    }
}

fn decode_ip(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

fn encode_ip(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

const ADDRESS_COLUMNS: [&str; 4] = ["rpc_address", "native_address", "peer", "broadcast_address"];
const TABLES: [&str; 3] = ["local", "peers", "peers_v2"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    Keep,
    Inet,
    Port,
}

fn rewrite_of(c: &Column) -> Rewrite {
    if c.keyspace != "system" || !TABLES.contains(&c.table.as_str()) {
        return Rewrite::Keep;
    }
    if c.type_id == TYPE_INET && ADDRESS_COLUMNS.contains(&c.name.as_str()) {
        Rewrite::Inet
    } else if c.type_id == TYPE_INT && c.name == "native_port" {
        Rewrite::Port
    } else {
        Rewrite::Keep
    }
}

/// Whether a listen IP belongs to a removed virtual node (see [`rewrite_rows`]).
pub type IsRemoved<'a> = &'a dyn Fn(IpAddr) -> bool;

/// Rewrites a RESULT message (starting at the kind int). `cached` = the result columns of
/// the prepared statement, for rows sent with NO_METADATA. Rows of `system.peers` and
/// `system.peers_v2` with an address column whose (rewritten) address is a removed node's
/// (`removed`) are left out, and the rows count is adjusted. `Err(())` = malformed,
/// `Ok(None)` = nothing to change.
#[allow(clippy::result_unit_err)]
pub fn rewrite_rows(
    msg: &[u8],
    cached: Option<&[Column]>,
    map: &AddrMap,
    removed: IsRemoved<'_>,
) -> Result<Option<Vec<u8>>, ()> {
    let mut r = Reader::new(msg);
    if r.i32().ok_or(())? != KIND_ROWS {
        return Ok(None);
    }
    let meta = read_metadata(&mut r, false).ok_or(())?;
    let columns: &[Column] = match (&meta.columns, cached) {
        (Some(c), _) => c,
        (None, Some(c)) if c.len() == meta.columns_count => c,
        _ => return Ok(None),
    };
    let plan: Vec<Rewrite> = columns.iter().map(rewrite_of).collect();
    if plan.iter().all(|p| *p == Rewrite::Keep) {
        return Ok(None);
    }
    let peers = columns
        .first()
        .is_some_and(|c| c.keyspace == "system" && (c.table == "peers" || c.table == "peers_v2"));
    let meta_end = r.pos();
    let rows = r.i32().ok_or(())?;
    let mut out = msg[..meta_end].to_vec();
    let mut body = Vec::new();
    let mut kept = 0i32;
    let mut row = Vec::new();
    for _ in 0..rows.max(0) {
        row.clear();
        let mut drop_row = false;
        for p in &plan {
            let cell = r.bytes().ok_or(())?;
            match (p, cell) {
                (Rewrite::Inet, Some(b)) => match decode_ip(b) {
                    Some(ip) => {
                        let listen = map.map(ip);
                        drop_row |= peers && removed(listen);
                        put_bytes(&mut row, Some(&encode_ip(listen)))
                    }
                    None => put_bytes(&mut row, Some(b)),
                },
                (Rewrite::Port, Some(b)) if b.len() == 4 => {
                    put_bytes(&mut row, Some(&i32::from(map.port).to_be_bytes()))
                }
                (_, cell) => put_bytes(&mut row, cell),
            }
        }
        if !drop_row {
            kept += 1;
            body.extend_from_slice(&row);
        }
    }
    put_i32(&mut out, kept);
    out.extend_from_slice(&body);
    out.extend_from_slice(r.rest());
    Ok(Some(out))
}

/// Rewrites the `[inet]` of a TOPOLOGY_CHANGE or STATUS_CHANGE EVENT message.
/// `Err(())` = malformed, `Ok(None)` = other event kinds.
#[allow(clippy::result_unit_err)]
pub fn rewrite_event(msg: &[u8], map: &AddrMap) -> Result<Option<Vec<u8>>, ()> {
    let mut r = Reader::new(msg);
    let kind = r.string().ok_or(())?;
    if kind != b"TOPOLOGY_CHANGE" && kind != b"STATUS_CHANGE" {
        return Ok(None);
    }
    let change = String::from_utf8_lossy(r.string().ok_or(())?).into_owned();
    let n = r.u8().ok_or(())? as usize;
    let ip = decode_ip(r.take(n).ok_or(())?).ok_or(())?;
    r.i32().ok_or(())?;
    let mut out = Vec::new();
    put_string(&mut out, &String::from_utf8_lossy(kind));
    put_string(&mut out, &change);
    let a = encode_ip(map.map(ip));
    out.push(a.len() as u8);
    out.extend_from_slice(&a);
    put_i32(&mut out, i32::from(map.port));
    out.extend_from_slice(r.rest());
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::{GLOBAL_TABLES_SPEC, NO_METADATA};
    use crate::wire::put_u16;

    fn map() -> AddrMap {
        AddrMap {
            pairs: vec![("127.0.0.31".parse().unwrap(), "127.0.0.44".parse().unwrap())],
            port: 9042,
        }
    }

    fn rows(table: &str, no_meta: bool, cells: &[Option<Vec<u8>>]) -> Vec<u8> {
        let mut b = Vec::new();
        put_i32(&mut b, KIND_ROWS);
        put_i32(
            &mut b,
            if no_meta {
                NO_METADATA
            } else {
                GLOBAL_TABLES_SPEC
            },
        );
        put_i32(&mut b, 3);
        if !no_meta {
            put_string(&mut b, "system");
            put_string(&mut b, table);
            for (n, t) in [
                ("key", 0x000D),
                ("rpc_address", TYPE_INET),
                ("native_port", TYPE_INT),
            ] {
                put_string(&mut b, n);
                put_u16(&mut b, t);
            }
        }
        put_i32(&mut b, (cells.len() / 3) as i32);
        for c in cells {
            put_bytes(&mut b, c.as_deref());
        }
        b
    }

    fn none(_: IpAddr) -> bool {
        false
    }

    fn cells(addr: [u8; 4], port: i32) -> Vec<Option<Vec<u8>>> {
        vec![
            Some(b"local".to_vec()),
            Some(addr.to_vec()),
            Some(port.to_be_bytes().to_vec()),
        ]
    }

    #[test]
    fn local_row_address_and_port_are_rewritten() {
        let mut c = cells([127, 0, 0, 31], 9142);
        c.extend(cells([10, 0, 0, 9], 9042));
        c.extend(vec![Some(b"x".to_vec()), None, None]);
        let out = rewrite_rows(&rows("peers_v2", false, &c), None, &map(), &none)
            .unwrap()
            .unwrap();
        let mut want = cells([127, 0, 0, 44], 9042);
        want.extend(cells([10, 0, 0, 9], 9042));
        want.extend(vec![Some(b"x".to_vec()), None, None]);
        assert_eq!(out, rows("peers_v2", false, &want));
    }

    #[test]
    fn other_tables_untouched_and_malformed_refused() {
        let c = cells([127, 0, 0, 31], 9042);
        assert_eq!(
            rewrite_rows(&rows("clients", false, &c), None, &map(), &none),
            Ok(None)
        );
        let body = rows("local", false, &c);
        assert_eq!(
            rewrite_rows(&body[..body.len() - 2], None, &map(), &none),
            Err(())
        );
    }

    #[test]
    fn no_metadata_uses_cached_columns() {
        let full = rows("local", false, &cells([127, 0, 0, 31], 9042));
        let mut r = Reader::new(&full);
        r.i32();
        let cols = read_metadata(&mut r, false).unwrap().columns.unwrap();
        let body = rows("local", true, &cells([127, 0, 0, 31], 9042));
        let out = rewrite_rows(&body, Some(&cols), &map(), &none)
            .unwrap()
            .unwrap();
        assert_eq!(out, rows("local", true, &cells([127, 0, 0, 44], 9042)));
        assert_eq!(rewrite_rows(&body, None, &map(), &none), Ok(None));
    }

    #[test]
    fn peers_rows_of_removed_nodes_are_left_out() {
        let map = AddrMap {
            pairs: vec![
                ("127.0.0.31".parse().unwrap(), "127.0.0.44".parse().unwrap()),
                ("127.0.0.32".parse().unwrap(), "127.0.0.45".parse().unwrap()),
            ],
            port: 9042,
        };
        let gone: IpAddr = "127.0.0.45".parse().unwrap();
        let removed = |ip: IpAddr| ip == gone;
        let mut c = cells([127, 0, 0, 31], 9042);
        c.extend(cells([127, 0, 0, 32], 9042));
        c.extend(vec![Some(b"x".to_vec()), None, None]);
        for table in ["peers", "peers_v2"] {
            let out = rewrite_rows(&rows(table, false, &c), None, &map, &removed)
                .unwrap()
                .unwrap();
            let mut want = cells([127, 0, 0, 44], 9042);
            want.extend(vec![Some(b"x".to_vec()), None, None]);
            assert_eq!(out, rows(table, false, &want), "{table}");
        }
        // Every row removed: zero rows, the metadata kept.
        let only = cells([127, 0, 0, 32], 9042);
        let out = rewrite_rows(&rows("peers", false, &only), None, &map, &removed)
            .unwrap()
            .unwrap();
        assert_eq!(out, rows("peers", false, &[]));
        // Rows sent without metadata (prepared SELECT) are filtered with the cached columns.
        let full = rows("peers", false, &only);
        let mut r = Reader::new(&full);
        r.i32();
        let cols = read_metadata(&mut r, false).unwrap().columns.unwrap();
        let out = rewrite_rows(&rows("peers", true, &c), Some(&cols), &map, &removed)
            .unwrap()
            .unwrap();
        let mut want = cells([127, 0, 0, 44], 9042);
        want.extend(vec![Some(b"x".to_vec()), None, None]);
        assert_eq!(out, rows("peers", true, &want));
        // The removed node's own system.local row is kept.
        let out = rewrite_rows(&rows("local", false, &only), None, &map, &removed)
            .unwrap()
            .unwrap();
        assert_eq!(out, rows("local", false, &cells([127, 0, 0, 45], 9042)));
        // A paging state / rest after the rows is kept.
        let mut paged = rows("peers", false, &c);
        paged.extend_from_slice(b"tail");
        let out = rewrite_rows(&paged, None, &map, &removed).unwrap().unwrap();
        assert!(out.ends_with(b"tail"));
    }

    #[test]
    fn events() {
        let mut b = Vec::new();
        put_string(&mut b, "STATUS_CHANGE");
        put_string(&mut b, "UP");
        b.extend_from_slice(&[4, 127, 0, 0, 31]);
        put_i32(&mut b, 9142);
        let out = rewrite_event(&b, &map()).unwrap().unwrap();
        let mut want = Vec::new();
        put_string(&mut want, "STATUS_CHANGE");
        put_string(&mut want, "UP");
        want.extend_from_slice(&[4, 127, 0, 0, 44]);
        put_i32(&mut want, 9042);
        assert_eq!(out, want);
        let mut s = Vec::new();
        put_string(&mut s, "SCHEMA_CHANGE");
        assert_eq!(rewrite_event(&s, &map()), Ok(None));
        assert_eq!(rewrite_event(&b[..10], &map()), Err(()));
    }
}
