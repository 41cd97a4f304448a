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

fn out_of_range(e: &SerializeError) -> Option<&'static str> {
    match e {
        SerializeError::ValueOutOfRange { cql_type, .. } => Some(cql_type),
        SerializeError::Column { source, .. } => out_of_range(source),
        _ => None,
    }
}

#[test]
fn time_outside_the_day_is_refused() {
    use crate::types::{CqlTime, CqlValue};
    let time = ColumnType::Time;
    for bad in [-1, CqlTime::NANOS_PER_DAY, i64::MIN, i64::MAX] {
        for t in [None, Some(&time)] {
            let e = ser(&CqlTime(bad), t).unwrap_err();
            assert_eq!(out_of_range(&e), Some("time"), "{bad}: {e}");
            let e = ser(&CqlValue::Time(CqlTime(bad)), t).unwrap_err();
            assert_eq!(out_of_range(&e), Some("time"), "{bad}: {e}");
        }
    }
    let e = ser(&CqlTime(-1), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "time value CqlTime(-1) is out of range: nanoseconds since midnight, 0 to 86399999999999"
    );
    // Inside a collection too.
    let list = ColumnType::List(Box::new(ColumnType::Time));
    let e = ser(&vec![CqlTime(0), CqlTime(-5)], Some(&list)).unwrap_err();
    assert_eq!(out_of_range(&e), Some("time"), "{e}");
    // The first and last nanosecond of the day are fine.
    assert_eq!(
        ser(&CqlTime(0), Some(&time)).unwrap(),
        [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    let last = ser(&CqlTime(CqlTime::NANOS_PER_DAY - 1), Some(&time)).unwrap();
    assert_eq!(last[4..], 86_399_999_999_999i64.to_be_bytes());
}

#[test]
fn duration_parts_of_different_signs_are_refused() {
    use crate::types::CqlDuration;
    let d = |months, days, nanoseconds| CqlDuration {
        months,
        days,
        nanoseconds,
    };
    for bad in [
        d(1, -1, 0),
        d(0, 1, -5),
        d(-1, 0, 1),
        d(i32::MIN, i32::MAX, 0),
    ] {
        let e = ser(&bad, Some(&ColumnType::Duration)).unwrap_err();
        assert_eq!(out_of_range(&e), Some("duration"), "{bad:?}: {e}");
        assert!(ser(&bad, None).is_err());
    }
    for good in [
        d(0, 0, 0),
        d(1, 2, 3),
        d(-1, -2, -3),
        d(0, 0, -1),
        d(5, 0, 0),
    ] {
        assert!(ser(&good, Some(&ColumnType::Duration)).is_ok(), "{good:?}");
    }
}

#[test]
fn zero_length_varints_and_decimals_are_refused() {
    use crate::types::{CqlDecimal, CqlValue, CqlVarint};
    let empty = CqlVarint::from_signed_bytes_be(Vec::new());
    for t in [None, Some(&ColumnType::Varint)] {
        let e = ser(&empty, t).unwrap_err();
        assert!(
            matches!(&e, SerializeError::InvalidValue { cql_type, .. } if cql_type == "varint"),
            "{e}"
        );
        assert!(ser(&CqlValue::Varint(empty.clone()), t).is_err());
    }
    let dec = CqlDecimal {
        unscaled: empty,
        scale: 2,
    };
    let e = ser(&dec, Some(&ColumnType::Decimal)).unwrap_err();
    assert!(
        matches!(&e, SerializeError::InvalidValue { cql_type, .. } if cql_type == "decimal"),
        "{e}"
    );
    assert_eq!(ser(&CqlVarint::from(0), None).unwrap(), [0, 0, 0, 1, 0]);
    assert!(ser(&CqlDecimal::new(0, i32::MIN), Some(&ColumnType::Decimal)).is_ok());
}

#[test]
fn timeuuid_columns_take_version_1_uuids_only() {
    use crate::types::CqlValue;
    let v1 = uuid::Uuid::parse_str("fe2b4360-28c6-11e2-81c1-0800200c9a66").unwrap();
    let v4 = uuid::Uuid::parse_str("550e8400-e29b-41d4-a716-446655440000").unwrap();
    assert!(ser(&v1, Some(&ColumnType::Timeuuid)).is_ok());
    assert!(ser(&v4, Some(&ColumnType::Uuid)).is_ok());
    for bad in [v4, uuid::Uuid::nil()] {
        let e = ser(&bad, Some(&ColumnType::Timeuuid)).unwrap_err();
        assert!(
            matches!(&e, SerializeError::InvalidValue { cql_type, .. } if cql_type == "timeuuid"),
            "{e}"
        );
        assert!(ser(&CqlValue::Timeuuid(bad), Some(&ColumnType::Timeuuid)).is_err());
        assert!(ser(&CqlValue::Timeuuid(bad), None).is_err());
        // A plain Uuid without a column type cannot be told from a uuid.
        assert!(ser(&bad, None).is_ok());
    }
}

#[test]
fn raw_custom_bytes_go_to_custom_columns_only() {
    use crate::types::CqlValue;
    let raw = CqlValue::Custom(bytes::Bytes::from_static(&[1, 2, 3]));
    // Three bytes are no inet (4 or 16) and no int (4).
    for t in [ColumnType::Inet, ColumnType::Int, ColumnType::Time] {
        let e = ser(&raw, Some(&t)).unwrap_err();
        assert!(matches!(e, SerializeError::TypeMismatch { .. }), "{e}");
    }
    let custom = ColumnType::Custom(std::sync::Arc::from("com.example.T"));
    assert_eq!(ser(&raw, Some(&custom)).unwrap(), [0, 0, 0, 3, 1, 2, 3]);
    assert_eq!(ser(&raw, None).unwrap(), [0, 0, 0, 3, 1, 2, 3]);
    // An empty value stays possible for any type.
    assert_eq!(
        ser(&CqlValue::Empty, Some(&ColumnType::Inet)).unwrap(),
        [0; 4]
    );
}

#[cfg(feature = "bigdecimal")]
#[test]
fn decimal_scale_past_i32_is_refused() {
    let d = bigdecimal::BigDecimal::new(1.into(), i64::from(i32::MAX) + 1);
    let e = ser(&d, Some(&ColumnType::Decimal)).unwrap_err();
    assert_eq!(out_of_range(&e), Some("decimal"), "{e}");
    let fits = bigdecimal::BigDecimal::new(1.into(), i64::from(i32::MIN));
    assert!(ser(&fits, Some(&ColumnType::Decimal)).is_ok());
}
