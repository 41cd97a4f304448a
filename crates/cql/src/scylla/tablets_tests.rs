use super::*;

fn encode(first: i64, last: i64, replicas: &[(Uuid, i32)]) -> Vec<u8> {
    fn element(out: &mut Vec<u8>, b: &[u8]) {
        out.extend_from_slice(&(b.len() as i32).to_be_bytes());
        out.extend_from_slice(b);
    }
    let mut list = (replicas.len() as i32).to_be_bytes().to_vec();
    for (h, s) in replicas {
        let mut pair = Vec::new();
        element(&mut pair, h.as_bytes());
        element(&mut pair, &s.to_be_bytes());
        element(&mut list, &pair);
    }
    let mut out = Vec::new();
    element(&mut out, &first.to_be_bytes());
    element(&mut out, &last.to_be_bytes());
    element(&mut out, &list);
    out
}

fn host(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

fn tablet(first: i64, last: i64, hosts: &[u8]) -> Tablet {
    Tablet {
        first_token: first,
        last_token: last,
        replicas: hosts.iter().map(|h| (host(*h), u16::from(*h))).collect(),
    }
}

#[test]
fn a_payload_is_read() {
    let bytes = encode(-100, 200, &[(host(1), 3), (host(2), 0)]);
    let t = Tablet::decode(&bytes).expect("valid");
    assert_eq!(t.first_token, -100);
    assert_eq!(t.last_token, 200);
    assert_eq!(t.replicas, [(host(1), 3), (host(2), 0)]);
    assert!(!t.contains(Token(-100)) && t.contains(Token(-99)) && t.contains(Token(200)));
    assert!(!t.contains(Token(201)));
    assert_eq!(t.shard_on(host(1)), Some(3));
    assert_eq!(t.shard_on(host(9)), None);
}

#[test]
fn malformed_payloads_are_errors_not_panics() {
    let good = encode(-100, 200, &[(host(1), 3)]);
    // Every truncation, and every byte flipped to extremes, is an error or a valid tablet.
    for n in 0..good.len() {
        assert!(Tablet::decode(&good[..n]).is_err(), "truncated at {n}");
    }
    for i in 0..good.len() {
        for b in [0x00, 0x7f, 0x80, 0xff] {
            let mut bad = good.clone();
            bad[i] = b;
            let _ = Tablet::decode(&bad);
        }
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(Tablet::decode(&longer).is_err());
    assert!(
        Tablet::decode(&encode(5, 5, &[(host(1), 0)])).is_err(),
        "empty range"
    );
    assert!(Tablet::decode(&encode(0, 5, &[])).is_err(), "no replica");
    assert!(
        Tablet::decode(&encode(0, 5, &[(host(1), -1)])).is_err(),
        "negative shard"
    );
    // A huge replica count is refused before anything is allocated for it.
    let mut huge = encode(0, 5, &[(host(1), 0)]);
    let at = 4 + 8 + 4 + 8 + 4;
    huge[at..at + 4].copy_from_slice(&i32::MAX.to_be_bytes());
    assert!(Tablet::decode(&huge).is_err());
}

#[test]
fn lookups_follow_ranges_and_new_tablets_replace_overlapping_ones() {
    let m = TabletMap::default();
    assert!(m.get("ks", "t", Token(0)).is_none());
    m.insert("ks", "t", tablet(-100, 0, &[1]));
    m.insert("ks", "t", tablet(0, 100, &[2]));
    m.insert("ks", "t", tablet(100, 200, &[3]));
    let owner = |t: i64| m.get("ks", "t", Token(t)).map(|t| t.replicas[0].1);
    assert_eq!(owner(-100), None);
    assert_eq!(owner(-50), Some(1));
    assert_eq!(owner(0), Some(1));
    assert_eq!(owner(1), Some(2));
    assert_eq!(owner(150), Some(3));
    assert_eq!(owner(201), None);
    assert!(m.get("ks", "other", Token(1)).is_none());
    assert!(m.get("other", "t", Token(1)).is_none());
    // A tablet split or merged: the new range replaces the two it overlaps.
    m.insert("ks", "t", tablet(-50, 150, &[4]));
    assert_eq!(m.len(), 1);
    assert_eq!(owner(-60), None);
    assert_eq!(owner(-40), Some(4));
    assert_eq!(owner(150), Some(4));
    assert_eq!(owner(160), None);
    // Touching ranges do not overlap.
    m.insert("ks", "t", tablet(150, 300, &[5]));
    assert_eq!(m.len(), 2);
    assert_eq!(owner(150), Some(4));
}

#[test]
fn topology_and_schema_changes_drop_stale_tablets() {
    let m = TabletMap::default();
    m.insert("ks", "a", tablet(0, 10, &[1, 2]));
    m.insert("ks", "a", tablet(10, 20, &[2, 3]));
    m.insert("ks", "b", tablet(0, 10, &[1]));
    m.insert("ks2", "c", tablet(0, 10, &[1]));
    m.retain_hosts(&[host(1), host(2)]);
    assert!(m.get("ks", "a", Token(5)).is_some());
    assert!(m.get("ks", "a", Token(15)).is_none(), "node 3 left");
    m.drop_table("ks", Some("a"));
    assert!(m.get("ks", "a", Token(5)).is_none());
    assert!(m.get("ks", "b", Token(5)).is_some());
    m.drop_table("ks", None);
    assert!(m.get("ks", "b", Token(5)).is_none());
    assert_eq!(m.len(), 1);
}
