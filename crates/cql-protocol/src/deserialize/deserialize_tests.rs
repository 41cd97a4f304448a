use bytes::{BufMut, BytesMut};

use super::*;
use crate::metadata::ColumnSpec;

fn raw_rows(values: &[Option<&[u8]>]) -> Bytes {
    let mut b = BytesMut::new();
    for v in values {
        match v {
            Some(v) => {
                b.put_i32(v.len() as i32);
                b.put_slice(v);
            }
            None => b.put_i32(-1),
        }
    }
    b.freeze()
}

fn specs() -> Vec<ColumnSpec> {
    vec![
        ColumnSpec::new("ks", "t", "id", ColumnType::Int),
        ColumnSpec::new("ks", "t", "name", ColumnType::Text),
        ColumnSpec::new("ks", "t", "data", ColumnType::Blob),
    ]
}

#[test]
fn rows_borrow_from_the_frame() {
    let raw = raw_rows(&[Some(&[0, 0, 0, 7]), Some(b"seven"), Some(b"\x01\x02")]);
    let s = specs();
    let mut it =
        TypedRowIterator::<(i32, &str, &[u8])>::new(RowIterator::new(&raw, 1, &s)).unwrap();
    let (id, name, data) = it.next().unwrap().unwrap();
    assert_eq!(id, 7);
    assert_eq!(name, "seven");
    // Zero copy: the &str points into the frame buffer.
    let start = raw.as_ptr() as usize;
    assert!((name.as_ptr() as usize) >= start && (name.as_ptr() as usize) < start + raw.len());
    assert_eq!(data, &[1, 2]);
    assert!(it.next().is_none());
}

#[test]
fn type_mismatch_names_the_column() {
    let raw = raw_rows(&[]);
    let s = specs();
    let err =
        TypedRowIterator::<(i32, i64, Vec<u8>)>::new(RowIterator::new(&raw, 0, &s)).unwrap_err();
    match &err {
        DeserializeError::Column { name, source } => {
            assert_eq!(name, "name");
            assert!(matches!(**source, DeserializeError::TypeMismatch { .. }));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        TypedRowIterator::<(i32,)>::new(RowIterator::new(&raw, 0, &s)).unwrap_err(),
        DeserializeError::WrongColumnCount {
            expected: 1,
            actual: 3
        }
    ));
}

#[test]
fn nulls_truncation_and_malformed() {
    let s = specs();
    let raw = raw_rows(&[None, Some(b"x"), None]);
    let mut it =
        TypedRowIterator::<(i32, &str, Option<&[u8]>)>::new(RowIterator::new(&raw, 1, &s)).unwrap();
    let err = it.next().unwrap().unwrap_err();
    assert!(err.to_string().contains("column id"), "{err}");
    let mut it = TypedRowIterator::<(Option<i32>, String, Option<Bytes>)>::new(RowIterator::new(
        &raw, 1, &s,
    ))
    .unwrap();
    assert_eq!(it.next().unwrap().unwrap(), (None, "x".to_owned(), None));
    // More rows announced than present.
    let mut it = RowIterator::new(&raw, 2, &s);
    assert!(it.next().unwrap().is_ok());
    assert!(matches!(
        it.next().unwrap(),
        Err(DeserializeError::Truncated)
    ));
    assert!(it.next().is_none());
    // Wrong length for an int.
    let raw = raw_rows(&[Some(&[1, 2]), Some(b""), None]);
    let mut it =
        TypedRowIterator::<(i32, &str, Option<&[u8]>)>::new(RowIterator::new(&raw, 1, &s)).unwrap();
    assert!(matches!(
        it.next().unwrap().unwrap_err(),
        DeserializeError::Column { .. }
    ));
}

#[test]
fn hostile_collection_counts_are_refused() {
    let t = ColumnType::List(Box::new(ColumnType::Int));
    let frame = Bytes::from_static(&[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 4]);
    let v = RawValue::new(&frame, &frame[..]);
    assert!(Vec::<i32>::deserialize(&t, Some(v)).is_err());
    assert!(crate::types::CqlValue::deserialize(&t, Some(v)).is_err());
}

#[test]
fn a_value_longer_than_the_rows_is_truncation() {
    let s = specs();
    // id = 7, name = "x", then a blob claiming 100 bytes with 2 present.
    let mut raw = raw_rows(&[Some(&7i32.to_be_bytes()), Some(b"x")]).to_vec();
    raw.extend_from_slice(&100i32.to_be_bytes());
    raw.extend_from_slice(b"ab");
    let raw = Bytes::from(raw);
    let mut it = RowIterator::new(&raw, 1, &s);
    assert!(matches!(
        it.next().unwrap(),
        Err(DeserializeError::Truncated)
    ));
    assert!(it.next().is_none());
    // A length prefix cut short is truncation too.
    let raw = Bytes::from_static(&[0, 0]);
    let mut it = RowIterator::new(&raw, 1, &s);
    assert!(matches!(
        it.next().unwrap(),
        Err(DeserializeError::Truncated)
    ));
}

#[test]
fn an_ascii_column_refuses_non_ascii_text_a_text_column_takes_it() {
    let raw = raw_rows(&[Some("é".as_bytes())]);
    let read = |typ: ColumnType| {
        let s = vec![ColumnSpec::new("ks", "t", "v", typ)];
        let mut it = TypedRowIterator::<(&str,)>::new(RowIterator::new(&raw, 1, &s)).unwrap();
        it.next().unwrap().map(|(v,)| v.to_owned())
    };
    assert_eq!(read(ColumnType::Text).unwrap(), "é");
    let err = read(ColumnType::Ascii).unwrap_err();
    assert!(err.to_string().contains("non-ASCII"), "{err}");
}
