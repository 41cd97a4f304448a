use std::collections::{BTreeMap, HashMap};

use super::*;
use crate::metadata::ColumnSpec;

fn ser<T: SerializeValue + ?Sized>(
    v: &T,
    t: Option<&ColumnType>,
) -> Result<Vec<u8>, SerializeError> {
    let mut b = BytesMut::new();
    v.serialize(t, &mut b).map(|()| b.to_vec())
}

fn specs(types: &[(&str, ColumnType)]) -> Vec<ColumnSpec> {
    types
        .iter()
        .map(|(n, t)| ColumnSpec::new("ks", "t", n, t.clone()))
        .collect()
}

fn row<R: SerializeRow + ?Sized>(
    r: &R,
    s: Option<&[ColumnSpec]>,
) -> Result<(Vec<u8>, usize, bool), SerializeError> {
    let mut b = BytesMut::new();
    let mut w = RowWriter::new(&mut b);
    r.serialize_row(s, &mut w)?;
    let (n, named) = w.finish()?;
    Ok((b.to_vec(), n, named))
}

#[test]
fn golden_scalars() {
    assert_eq!(
        ser(&1i32, Some(&ColumnType::Int)).unwrap(),
        [0, 0, 0, 4, 0, 0, 0, 1]
    );
    assert_eq!(ser(&-1i8, None).unwrap(), [0, 0, 0, 1, 0xff]);
    assert_eq!(ser(&true, None).unwrap(), [0, 0, 0, 1, 1]);
    assert_eq!(ser("ab", None).unwrap(), [0, 0, 0, 2, b'a', b'b']);
    assert_eq!(ser(&None::<i32>, None).unwrap(), [0xff; 4]);
    assert_eq!(ser(&Unset, None).unwrap(), [0xff, 0xff, 0xff, 0xfe]);
    // 300 as varint: minimal two's complement.
    assert_eq!(
        ser(&300i32, Some(&ColumnType::Varint)).unwrap(),
        [0, 0, 0, 2, 1, 0x2c]
    );
    // list<int> [1]: [int] count 1, then [bytes] 1.
    assert_eq!(
        ser(
            &vec![1i32],
            Some(&ColumnType::List(Box::new(ColumnType::Int)))
        )
        .unwrap(),
        [0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1]
    );
    // duration 1mo 2d 3ns: zig-zag vints 2, 4, 6.
    let d = crate::types::CqlDuration {
        months: 1,
        days: 2,
        nanoseconds: 3,
    };
    assert_eq!(ser(&d, None).unwrap(), [0, 0, 0, 3, 2, 4, 6]);
}

#[test]
fn vectors_fixed_and_variable() {
    let vf = ColumnType::Vector {
        element: Box::new(ColumnType::Float),
        dimensions: 2,
    };
    let b = ser(&vec![1.0f32, 2.0], Some(&vf)).unwrap();
    assert_eq!(b, [0, 0, 0, 8, 0x3f, 0x80, 0, 0, 0x40, 0, 0, 0]);
    assert!(ser(&vec![1.0f32], Some(&vf)).is_err(), "wrong dimension");
    let vt = ColumnType::Vector {
        element: Box::new(ColumnType::Text),
        dimensions: 2,
    };
    let b = ser(&vec!["a", "bc"], Some(&vt)).unwrap();
    assert_eq!(b, [0, 0, 0, 5, 1, b'a', 2, b'b', b'c']);
    let long = "x".repeat(200);
    let b = ser(&vec![long.as_str(), ""], Some(&vt)).unwrap();
    assert_eq!(&b[4..6], &[0x80, 200]);
    assert_eq!(b.len(), 4 + 2 + 200 + 1);
}

#[test]
fn type_mismatch_is_typed() {
    let e = ser(&1i32, Some(&ColumnType::Text)).unwrap_err();
    assert!(matches!(e, SerializeError::TypeMismatch { .. }), "{e}");
    assert!(ser("é", Some(&ColumnType::Ascii)).is_err());
    assert!(
        ser(
            &vec![Unset],
            Some(&ColumnType::List(Box::new(ColumnType::Int)))
        )
        .is_err()
    );
}

#[test]
fn rows_positional_named_and_checked() {
    let s = specs(&[("a", ColumnType::Int), ("b", ColumnType::Text)]);
    let (b, n, named) = row(&(1i32, "x"), Some(&s)).unwrap();
    assert_eq!((n, named), (2, false));
    assert_eq!(b, [0, 2, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, b'x']);
    // A wrong type names the column.
    let e = row(&(1i32, 2i32), Some(&s)).unwrap_err();
    assert!(e.to_string().contains("column b"), "{e}");
    assert!(matches!(
        row(&(1i32,), Some(&s)).unwrap_err(),
        SerializeError::WrongValueCount {
            expected: 2,
            got: 1
        }
    ));
    // Named values are reordered by bind marker when prepared and sent without names.
    let mut m: HashMap<&str, Box<dyn SerializeValue>> = HashMap::new();
    m.insert("b", Box::new("x"));
    m.insert("a", Box::new(1i32));
    let (b2, n2, named2) = row(&m, Some(&s)).unwrap();
    assert_eq!((b2, n2, named2), (b, 2, false));
    // Unprepared: names go on the wire.
    let bm: BTreeMap<&str, i32> = [("k", 5)].into_iter().collect();
    let (b3, _, named3) = row(&bm, None).unwrap();
    assert!(named3);
    assert_eq!(b3, [0, 1, 0, 1, b'k', 0, 0, 0, 4, 0, 0, 0, 5]);
    // Missing and unknown names.
    let only_a: BTreeMap<&str, i32> = [("a", 1)].into_iter().collect();
    assert!(
        matches!(row(&only_a, Some(&s)).unwrap_err(), SerializeError::MissingNamedValue(n) if n == "b")
    );
    let extra: BTreeMap<&str, MaybeUnset<i32>> = [
        ("a", MaybeUnset::Set(1)),
        ("b", MaybeUnset::Unset),
        ("c", MaybeUnset::Unset),
    ]
    .into_iter()
    .collect();
    let s2 = specs(&[("a", ColumnType::Int), ("b", ColumnType::Int)]);
    assert!(
        matches!(row(&extra, Some(&s2)).unwrap_err(), SerializeError::UnknownNamedValue(n) if n == "c")
    );
    // Empty rows write nothing.
    assert_eq!(row(&(), None).unwrap(), (vec![], 0, false));
}

#[test]
fn serialized_values_replay() {
    let s = specs(&[("a", ColumnType::Int), ("b", ColumnType::Text)]);
    let pre = SerializedValues::from_row(&(1i32, "x"), Some(&s)).unwrap();
    assert_eq!(pre.len(), 2);
    assert_eq!(
        row(&pre, Some(&s)).unwrap(),
        row(&(1i32, "x"), Some(&s)).unwrap()
    );
    let mut sv = SerializedValues::new();
    sv.add_named_value("a", &1i32, None).unwrap();
    assert!(sv.add_value(&2i32, None).is_err());
    assert!(sv.is_named());
}

#[test]
fn serialized_values_hold_the_values_without_the_count() {
    let s = specs(&[("a", ColumnType::Int), ("b", ColumnType::Text)]);
    let pre = SerializedValues::from_row(&(1i32, "x"), Some(&s)).unwrap();
    assert_eq!(pre.as_bytes(), [0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, b'x']);
    let none = SerializedValues::from_row(&(), None).unwrap();
    assert!(none.is_empty() && none.as_bytes().is_empty());
    // A type error is reported as before.
    assert!(SerializedValues::from_row(&("no", "x"), Some(&s)).is_err());
}

#[test]
fn serialized_values_from_one_buffer_share_it() {
    let s = specs(&[("a", ColumnType::Int), ("b", ColumnType::Text)]);
    let mut buf = bytes::BytesMut::with_capacity(256);
    let first = SerializedValues::from_row_in(&mut buf, &(1i32, "x"), Some(&s)).unwrap();
    let second = SerializedValues::from_row_in(&mut buf, &(2i32, "yz"), Some(&s)).unwrap();
    assert!(buf.is_empty());
    assert_eq!(
        first,
        SerializedValues::from_row(&(1i32, "x"), Some(&s)).unwrap()
    );
    assert_eq!(
        second,
        SerializedValues::from_row(&(2i32, "yz"), Some(&s)).unwrap()
    );
    // The second statement's values follow the first's in the same allocation.
    let end_of_first = first.as_bytes().as_ptr_range().end;
    assert_eq!(second.as_bytes().as_ptr(), end_of_first);
    // A failed row leaves the buffer empty and usable.
    assert!(SerializedValues::from_row_in(&mut buf, &("no", "x"), Some(&s)).is_err());
    assert!(buf.is_empty());
    let named: BTreeMap<&str, i32> = [("k", 5)].into_iter().collect();
    let third = SerializedValues::from_row_in(&mut buf, &named, None).unwrap();
    assert!(third.is_named() && third.len() == 1);
    // A buffer holding other bytes is refused, not mixed in.
    let mut dirty = bytes::BytesMut::from(&b"zz"[..]);
    assert!(SerializedValues::from_row_in(&mut dirty, &(1i32, "x"), Some(&s)).is_err());
    assert_eq!(&dirty[..], b"zz");
}
