//! Typed accessors of [`CqlValue`]: `as_*` borrow the contents of one or a few variants,
//! `into_*` take them out, and both return `None` for any other variant.
//!
//! An accessor never converts between variants of different Rust types (`as_i64` of an
//! `Int` is `None`, `as_f64` of a `Float` is `None`); it reads the variants that hold the
//! same Rust type under the same name: `as_str` reads `ascii` and `text`, `as_i64` reads
//! `bigint` and `counter`, `as_uuid` reads `uuid` and `timeuuid`. The strict forms
//! (`as_ascii`, `as_text`, `as_counter`, `as_timeuuid`, ...) read one variant only.

use std::net::IpAddr;

use bytes::Bytes;
use uuid::Uuid;

use super::{CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlValue, CqlVarint};

/// The fields of a user-defined type value, in definition order; `None` is a null field.
pub type UdtFields = [(String, Option<CqlValue>)];

impl CqlValue {
    /// The string of an `ascii` or `text` value.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Text("hi".into()).as_str(), Some("hi"));
    /// assert_eq!(CqlValue::Ascii("hi".into()).as_str(), Some("hi"));
    /// assert_eq!(CqlValue::Int(1).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            CqlValue::Ascii(s) | CqlValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The string of an `ascii` value (not `text`).
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Ascii("a".into()).as_ascii(), Some("a"));
    /// assert_eq!(CqlValue::Text("a".into()).as_ascii(), None);
    /// ```
    pub fn as_ascii(&self) -> Option<&str> {
        match self {
            CqlValue::Ascii(s) => Some(s),
            _ => None,
        }
    }

    /// The string of a `text` value (not `ascii`).
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Text("a".into()).as_text(), Some("a"));
    /// assert_eq!(CqlValue::Ascii("a".into()).as_text(), None);
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        match self {
            CqlValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// A `tinyint`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::TinyInt(-8).as_i8(), Some(-8));
    /// ```
    pub fn as_i8(&self) -> Option<i8> {
        match self {
            CqlValue::TinyInt(v) => Some(*v),
            _ => None,
        }
    }

    /// A `smallint`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::SmallInt(-8).as_i16(), Some(-8));
    /// ```
    pub fn as_i16(&self) -> Option<i16> {
        match self {
            CqlValue::SmallInt(v) => Some(*v),
            _ => None,
        }
    }

    /// An `int`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Int(7).as_i32(), Some(7));
    /// assert_eq!(CqlValue::BigInt(7).as_i32(), None);
    /// ```
    pub fn as_i32(&self) -> Option<i32> {
        match self {
            CqlValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// A `bigint` or `counter`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::BigInt(7).as_i64(), Some(7));
    /// assert_eq!(CqlValue::Counter(7).as_i64(), Some(7));
    /// assert_eq!(CqlValue::Int(7).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            CqlValue::BigInt(v) | CqlValue::Counter(v) => Some(*v),
            _ => None,
        }
    }

    /// A `counter` (not `bigint`).
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Counter(7).as_counter(), Some(7));
    /// assert_eq!(CqlValue::BigInt(7).as_counter(), None);
    /// ```
    pub fn as_counter(&self) -> Option<i64> {
        match self {
            CqlValue::Counter(v) => Some(*v),
            _ => None,
        }
    }

    /// A `float`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Float(0.5).as_f32(), Some(0.5));
    /// assert_eq!(CqlValue::Double(0.5).as_f32(), None);
    /// ```
    pub fn as_f32(&self) -> Option<f32> {
        match self {
            CqlValue::Float(v) => Some(*v),
            _ => None,
        }
    }

    /// A `double`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Double(0.5).as_f64(), Some(0.5));
    /// assert_eq!(CqlValue::Float(0.5).as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            CqlValue::Double(v) => Some(*v),
            _ => None,
        }
    }

    /// A `boolean`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Boolean(true).as_bool(), Some(true));
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            CqlValue::Boolean(v) => Some(*v),
            _ => None,
        }
    }

    /// The bytes of a `blob`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Blob(bytes::Bytes::from_static(b"\x01\x02"));
    /// assert_eq!(v.as_bytes().map(|b| &b[..]), Some(&[1u8, 2][..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            CqlValue::Blob(b) => Some(b),
            _ => None,
        }
    }

    /// The raw bytes of a value of a custom type.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Custom(bytes::Bytes::from_static(b"\x01"));
    /// assert_eq!(v.as_custom().map(|b| b.len()), Some(1));
    /// assert_eq!(v.as_bytes(), None);
    /// ```
    pub fn as_custom(&self) -> Option<&Bytes> {
        match self {
            CqlValue::Custom(b) => Some(b),
            _ => None,
        }
    }

    /// A `uuid` or `timeuuid`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// use uuid::Uuid;
    /// assert_eq!(CqlValue::Uuid(Uuid::nil()).as_uuid(), Some(Uuid::nil()));
    /// assert_eq!(CqlValue::Timeuuid(Uuid::nil()).as_uuid(), Some(Uuid::nil()));
    /// ```
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            CqlValue::Uuid(u) | CqlValue::Timeuuid(u) => Some(*u),
            _ => None,
        }
    }

    /// A `timeuuid` (not `uuid`).
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// use uuid::Uuid;
    /// assert_eq!(CqlValue::Timeuuid(Uuid::nil()).as_timeuuid(), Some(Uuid::nil()));
    /// assert_eq!(CqlValue::Uuid(Uuid::nil()).as_timeuuid(), None);
    /// ```
    pub fn as_timeuuid(&self) -> Option<Uuid> {
        match self {
            CqlValue::Timeuuid(u) => Some(*u),
            _ => None,
        }
    }

    /// An `inet`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let ip: std::net::IpAddr = "::1".parse().unwrap();
    /// assert_eq!(CqlValue::Inet(ip).as_inet(), Some(ip));
    /// ```
    pub fn as_inet(&self) -> Option<IpAddr> {
        match self {
            CqlValue::Inet(v) => Some(*v),
            _ => None,
        }
    }

    /// A `date`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlDate, CqlValue};
    /// let d = CqlDate::from_days_since_epoch(-1);
    /// assert_eq!(CqlValue::Date(d).as_date(), Some(d));
    /// ```
    pub fn as_date(&self) -> Option<CqlDate> {
        match self {
            CqlValue::Date(v) => Some(*v),
            _ => None,
        }
    }

    /// A `time`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlTime, CqlValue};
    /// assert_eq!(CqlValue::Time(CqlTime(5)).as_time(), Some(CqlTime(5)));
    /// ```
    pub fn as_time(&self) -> Option<CqlTime> {
        match self {
            CqlValue::Time(v) => Some(*v),
            _ => None,
        }
    }

    /// A `timestamp`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlTimestamp, CqlValue};
    /// let t = CqlTimestamp(1_700_000_000_000);
    /// assert_eq!(CqlValue::Timestamp(t).as_timestamp(), Some(t));
    /// ```
    pub fn as_timestamp(&self) -> Option<CqlTimestamp> {
        match self {
            CqlValue::Timestamp(v) => Some(*v),
            _ => None,
        }
    }

    /// A `duration`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlDuration, CqlValue};
    /// let d = CqlDuration { months: 1, days: 2, nanoseconds: 3 };
    /// assert_eq!(CqlValue::Duration(d).as_duration(), Some(d));
    /// ```
    pub fn as_duration(&self) -> Option<CqlDuration> {
        match self {
            CqlValue::Duration(v) => Some(*v),
            _ => None,
        }
    }

    /// A `decimal`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlDecimal, CqlValue};
    /// let v = CqlValue::Decimal(CqlDecimal::new(125, 2));
    /// assert_eq!(v.as_decimal(), Some(&CqlDecimal::new(125, 2)));
    /// ```
    pub fn as_decimal(&self) -> Option<&CqlDecimal> {
        match self {
            CqlValue::Decimal(v) => Some(v),
            _ => None,
        }
    }

    /// A `varint`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlValue, CqlVarint};
    /// let v = CqlValue::Varint(CqlVarint::from(-5));
    /// assert_eq!(v.as_varint().and_then(CqlVarint::to_i64), Some(-5));
    /// ```
    pub fn as_varint(&self) -> Option<&CqlVarint> {
        match self {
            CqlValue::Varint(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `list`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::List(vec![CqlValue::Int(1)]);
    /// assert_eq!(v.as_list(), Some(&[CqlValue::Int(1)][..]));
    /// assert_eq!(CqlValue::Set(vec![]).as_list(), None);
    /// ```
    pub fn as_list(&self) -> Option<&[CqlValue]> {
        match self {
            CqlValue::List(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `set`, in the order they were read (the server's sort order).
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Set(vec![CqlValue::Int(1)]);
    /// assert_eq!(v.as_set().map(<[_]>::len), Some(1));
    /// ```
    pub fn as_set(&self) -> Option<&[CqlValue]> {
        match self {
            CqlValue::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `vector`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Vector(vec![CqlValue::Float(1.0), CqlValue::Float(2.0)]);
    /// assert_eq!(v.as_vector().map(<[_]>::len), Some(2));
    /// ```
    pub fn as_vector(&self) -> Option<&[CqlValue]> {
        match self {
            CqlValue::Vector(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `list`, `set` or `vector`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// for v in [CqlValue::List(vec![]), CqlValue::Set(vec![]), CqlValue::Vector(vec![])] {
    ///     assert_eq!(v.as_seq().map(<[_]>::len), Some(0));
    /// }
    /// ```
    pub fn as_seq(&self) -> Option<&[CqlValue]> {
        match self {
            CqlValue::List(v) | CqlValue::Set(v) | CqlValue::Vector(v) => Some(v),
            _ => None,
        }
    }

    /// The entries of a `map`, in the order they were read (the server's key order). See
    /// [`OrderedMap`](super::OrderedMap) for a map that also looks entries up by key.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Map(vec![(CqlValue::Int(1), CqlValue::Text("one".into()))]);
    /// let (k, val) = &v.as_map().unwrap()[0];
    /// assert_eq!((k.as_i32(), val.as_str()), (Some(1), Some("one")));
    /// ```
    pub fn as_map(&self) -> Option<&[(CqlValue, CqlValue)]> {
        match self {
            CqlValue::Map(v) => Some(v),
            _ => None,
        }
    }

    /// The fields of a `tuple`; `None` is a null field.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Tuple(vec![Some(CqlValue::Int(1)), None]);
    /// assert_eq!(v.as_tuple().map(<[_]>::len), Some(2));
    /// ```
    pub fn as_tuple(&self) -> Option<&[Option<CqlValue>]> {
        match self {
            CqlValue::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The fields of a user-defined type value, in definition order; `None` is a null field.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Udt {
    ///     keyspace: "ks".into(),
    ///     name: "address".into(),
    ///     fields: vec![("street".into(), Some(CqlValue::Text("Main".into())))],
    /// };
    /// assert_eq!(v.as_udt().map(<[_]>::len), Some(1));
    /// ```
    pub fn as_udt(&self) -> Option<&UdtFields> {
        match self {
            CqlValue::Udt { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// The value of the field `name` of a user-defined type value; `None` when the field is
    /// null, when the type has no such field, or when this is not a UDT value.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Udt {
    ///     keyspace: "ks".into(),
    ///     name: "address".into(),
    ///     fields: vec![("zip".into(), Some(CqlValue::Int(12345))), ("city".into(), None)],
    /// };
    /// assert_eq!(v.field("zip").and_then(CqlValue::as_i32), Some(12345));
    /// assert_eq!(v.field("city"), None);
    /// ```
    pub fn field(&self, name: &str) -> Option<&CqlValue> {
        self.as_udt()?
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_ref())
    }

    /// Whether this is [`CqlValue::Empty`], the zero-length value of a type that is not a
    /// string or blob (not null, which is `None` of an `Option<CqlValue>`).
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert!(CqlValue::Empty.is_empty_value());
    /// assert!(!CqlValue::Text(String::new()).is_empty_value());
    /// ```
    pub fn is_empty_value(&self) -> bool {
        matches!(self, CqlValue::Empty)
    }

    /// The string of an `ascii` or `text` value.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// assert_eq!(CqlValue::Text("a".into()).into_string(), Some("a".to_owned()));
    /// ```
    pub fn into_string(self) -> Option<String> {
        match self {
            CqlValue::Ascii(s) | CqlValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `blob`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Blob(bytes::Bytes::from_static(b"ab"));
    /// assert_eq!(v.into_bytes().as_deref(), Some(&b"ab"[..]));
    /// ```
    pub fn into_bytes(self) -> Option<Bytes> {
        match self {
            CqlValue::Blob(b) => Some(b),
            _ => None,
        }
    }

    /// A `decimal`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlDecimal, CqlValue};
    /// let v = CqlValue::Decimal(CqlDecimal::new(5, 1));
    /// assert_eq!(v.into_decimal(), Some(CqlDecimal::new(5, 1)));
    /// ```
    pub fn into_decimal(self) -> Option<CqlDecimal> {
        match self {
            CqlValue::Decimal(v) => Some(v),
            _ => None,
        }
    }

    /// A `varint`.
    ///
    /// ```
    /// use cql_protocol::types::{CqlValue, CqlVarint};
    /// let v = CqlValue::Varint(CqlVarint::from(5));
    /// assert_eq!(v.into_varint(), Some(CqlVarint::from(5)));
    /// ```
    pub fn into_varint(self) -> Option<CqlVarint> {
        match self {
            CqlValue::Varint(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `list`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::List(vec![CqlValue::Int(1)]);
    /// assert_eq!(v.into_list(), Some(vec![CqlValue::Int(1)]));
    /// ```
    pub fn into_list(self) -> Option<Vec<CqlValue>> {
        match self {
            CqlValue::List(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `set`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Set(vec![CqlValue::Int(1)]);
    /// assert_eq!(v.into_set(), Some(vec![CqlValue::Int(1)]));
    /// ```
    pub fn into_set(self) -> Option<Vec<CqlValue>> {
        match self {
            CqlValue::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `vector`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Vector(vec![CqlValue::Float(1.0)]);
    /// assert_eq!(v.into_vector(), Some(vec![CqlValue::Float(1.0)]));
    /// ```
    pub fn into_vector(self) -> Option<Vec<CqlValue>> {
        match self {
            CqlValue::Vector(v) => Some(v),
            _ => None,
        }
    }

    /// The elements of a `list`, `set` or `vector`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Set(vec![CqlValue::Int(1)]);
    /// assert_eq!(v.into_seq(), Some(vec![CqlValue::Int(1)]));
    /// ```
    pub fn into_seq(self) -> Option<Vec<CqlValue>> {
        match self {
            CqlValue::List(v) | CqlValue::Set(v) | CqlValue::Vector(v) => Some(v),
            _ => None,
        }
    }

    /// The entries of a `map`, in the order they were read.
    ///
    /// ```
    /// use cql_protocol::types::{CqlValue, OrderedMap};
    /// let v = CqlValue::Map(vec![(CqlValue::Int(1), CqlValue::Int(2))]);
    /// let m: OrderedMap<CqlValue, CqlValue> = v.into_map().unwrap().into_iter().collect();
    /// assert_eq!(m.get(&CqlValue::Int(1)), Some(&CqlValue::Int(2)));
    /// ```
    pub fn into_map(self) -> Option<Vec<(CqlValue, CqlValue)>> {
        match self {
            CqlValue::Map(v) => Some(v),
            _ => None,
        }
    }

    /// The fields of a `tuple`.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Tuple(vec![None]);
    /// assert_eq!(v.into_tuple(), Some(vec![None]));
    /// ```
    pub fn into_tuple(self) -> Option<Vec<Option<CqlValue>>> {
        match self {
            CqlValue::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The fields of a user-defined type value, in definition order.
    ///
    /// ```
    /// use cql_protocol::types::CqlValue;
    /// let v = CqlValue::Udt { keyspace: "ks".into(), name: "u".into(), fields: vec![] };
    /// assert_eq!(v.into_udt(), Some(vec![]));
    /// ```
    pub fn into_udt(self) -> Option<Vec<(String, Option<CqlValue>)>> {
        match self {
            CqlValue::Udt { fields, .. } => Some(fields),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every accessor reads its variants and nothing else.
    #[test]
    fn accessors_read_only_their_variants() {
        let u = Uuid::from_u128(0x1234);
        let all = vec![
            CqlValue::Ascii("a".into()),
            CqlValue::BigInt(1),
            CqlValue::Blob(Bytes::from_static(b"b")),
            CqlValue::Boolean(true),
            CqlValue::Counter(2),
            CqlValue::Date(CqlDate(3)),
            CqlValue::Decimal(CqlDecimal::new(4, 0)),
            CqlValue::Double(5.0),
            CqlValue::Duration(CqlDuration::default()),
            CqlValue::Float(6.0),
            CqlValue::Inet(IpAddr::from([1, 2, 3, 4])),
            CqlValue::Int(7),
            CqlValue::SmallInt(8),
            CqlValue::Text("t".into()),
            CqlValue::Time(CqlTime(9)),
            CqlValue::Timestamp(CqlTimestamp(10)),
            CqlValue::Timeuuid(u),
            CqlValue::TinyInt(11),
            CqlValue::Uuid(u),
            CqlValue::Varint(CqlVarint::from(12)),
            CqlValue::List(vec![CqlValue::Int(1)]),
            CqlValue::Set(vec![CqlValue::Int(2)]),
            CqlValue::Map(vec![]),
            CqlValue::Tuple(vec![None]),
            CqlValue::Udt {
                keyspace: "k".into(),
                name: "n".into(),
                fields: vec![("f".into(), Some(CqlValue::Int(1)))],
            },
            CqlValue::Vector(vec![CqlValue::Float(1.0)]),
            CqlValue::Custom(Bytes::from_static(b"c")),
            CqlValue::Empty,
        ];
        // How many of `all` each accessor reads.
        let count = |f: fn(&CqlValue) -> bool| all.iter().filter(|v| f(v)).count();
        let counts = [
            count(|v| v.as_str().is_some()),
            count(|v| v.as_ascii().is_some()),
            count(|v| v.as_text().is_some()),
            count(|v| v.as_i8().is_some()),
            count(|v| v.as_i16().is_some()),
            count(|v| v.as_i32().is_some()),
            count(|v| v.as_i64().is_some()),
            count(|v| v.as_counter().is_some()),
            count(|v| v.as_f32().is_some()),
            count(|v| v.as_f64().is_some()),
            count(|v| v.as_bool().is_some()),
            count(|v| v.as_bytes().is_some()),
            count(|v| v.as_custom().is_some()),
            count(|v| v.as_uuid().is_some()),
            count(|v| v.as_timeuuid().is_some()),
            count(|v| v.as_inet().is_some()),
            count(|v| v.as_date().is_some()),
            count(|v| v.as_time().is_some()),
            count(|v| v.as_timestamp().is_some()),
            count(|v| v.as_duration().is_some()),
            count(|v| v.as_decimal().is_some()),
            count(|v| v.as_varint().is_some()),
            count(|v| v.as_list().is_some()),
            count(|v| v.as_set().is_some()),
            count(|v| v.as_vector().is_some()),
            count(|v| v.as_seq().is_some()),
            count(|v| v.as_map().is_some()),
            count(|v| v.as_tuple().is_some()),
            count(|v| v.as_udt().is_some()),
            count(CqlValue::is_empty_value),
        ];
        // as_str, as_i64, as_uuid read two variants; as_seq three; the others one.
        let expected = [
            2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1,
            1,
        ];
        assert_eq!(counts, expected);

        let into = |f: fn(CqlValue) -> bool| all.iter().filter(|v| f((*v).clone())).count();
        assert_eq!(into(|v| v.into_string().is_some()), 2);
        assert_eq!(into(|v| v.into_bytes().is_some()), 1);
        assert_eq!(into(|v| v.into_decimal().is_some()), 1);
        assert_eq!(into(|v| v.into_varint().is_some()), 1);
        assert_eq!(into(|v| v.into_list().is_some()), 1);
        assert_eq!(into(|v| v.into_set().is_some()), 1);
        assert_eq!(into(|v| v.into_vector().is_some()), 1);
        assert_eq!(into(|v| v.into_seq().is_some()), 3);
        assert_eq!(into(|v| v.into_map().is_some()), 1);
        assert_eq!(into(|v| v.into_tuple().is_some()), 1);
        assert_eq!(into(|v| v.into_udt().is_some()), 1);
    }

    #[test]
    fn accessors_return_the_contents() {
        assert_eq!(CqlValue::BigInt(i64::MIN).as_i64(), Some(i64::MIN));
        assert_eq!(CqlValue::Counter(-3).as_counter(), Some(-3));
        assert!(CqlValue::Double(f64::NAN).as_f64().is_some_and(f64::is_nan));
        let udt = CqlValue::Udt {
            keyspace: "k".into(),
            name: "n".into(),
            fields: vec![("a".into(), None), ("b".into(), Some(CqlValue::Int(2)))],
        };
        assert_eq!(udt.field("a"), None);
        assert_eq!(udt.field("b"), Some(&CqlValue::Int(2)));
        assert_eq!(udt.field("c"), None);
        assert_eq!(CqlValue::Int(1).field("a"), None);
    }
}
