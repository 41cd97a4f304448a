//! `CqlValue`: a dynamically typed CQL value for untyped use.

use std::net::IpAddr;

use bytes::{BufMut, Bytes, BytesMut};
use uuid::Uuid;

use super::{ColumnType, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint};
use crate::deserialize::impls::{for_each_element, for_each_vector_element, tuple_fields};
use crate::deserialize::{DeserializeError, DeserializeValue, RawValue};
use crate::serialize::{SerializeError, SerializeValue, write_with_len};

/// A CQL value of any type. Null is `None` in an `Option<CqlValue>`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum CqlValue {
    /// `ascii`
    Ascii(String),
    /// `bigint`
    BigInt(i64),
    /// `blob`
    Blob(Bytes),
    /// `boolean`
    Boolean(bool),
    /// `counter`
    Counter(i64),
    /// `date`
    Date(CqlDate),
    /// `decimal`
    Decimal(CqlDecimal),
    /// `double`
    Double(f64),
    /// `duration`
    Duration(CqlDuration),
    /// `float`
    Float(f32),
    /// `inet`
    Inet(IpAddr),
    /// `int`
    Int(i32),
    /// `smallint`
    SmallInt(i16),
    /// `text`
    Text(String),
    /// `time`
    Time(CqlTime),
    /// `timestamp`
    Timestamp(CqlTimestamp),
    /// `timeuuid`
    Timeuuid(Uuid),
    /// `tinyint`
    TinyInt(i8),
    /// `uuid`
    Uuid(Uuid),
    /// `varint`
    Varint(CqlVarint),
    /// `list`
    List(Vec<CqlValue>),
    /// `set`
    Set(Vec<CqlValue>),
    /// `map`, in wire order
    Map(Vec<(CqlValue, CqlValue)>),
    /// `tuple`; `None` fields are null
    Tuple(Vec<Option<CqlValue>>),
    /// A user-defined type value.
    Udt {
        /// Keyspace of the type.
        keyspace: String,
        /// Type name.
        name: String,
        /// Field names and values, in definition order.
        fields: Vec<(String, Option<CqlValue>)>,
    },
    /// `vector`
    Vector(Vec<CqlValue>),
    /// A custom type's raw bytes.
    Custom(Bytes),
    /// A zero-length value of a type that is not a string or blob (Cassandra allows these).
    Empty,
}

impl CqlValue {
    /// The natural CQL type of this value, if it can be told from the value alone.
    pub fn natural_type(&self) -> Option<ColumnType> {
        Some(match self {
            CqlValue::Ascii(_) => ColumnType::Ascii,
            CqlValue::BigInt(_) => ColumnType::BigInt,
            CqlValue::Blob(_) => ColumnType::Blob,
            CqlValue::Boolean(_) => ColumnType::Boolean,
            CqlValue::Counter(_) => ColumnType::Counter,
            CqlValue::Date(_) => ColumnType::Date,
            CqlValue::Decimal(_) => ColumnType::Decimal,
            CqlValue::Double(_) => ColumnType::Double,
            CqlValue::Duration(_) => ColumnType::Duration,
            CqlValue::Float(_) => ColumnType::Float,
            CqlValue::Inet(_) => ColumnType::Inet,
            CqlValue::Int(_) => ColumnType::Int,
            CqlValue::SmallInt(_) => ColumnType::SmallInt,
            CqlValue::Text(_) => ColumnType::Text,
            CqlValue::Time(_) => ColumnType::Time,
            CqlValue::Timestamp(_) => ColumnType::Timestamp,
            CqlValue::Timeuuid(_) => ColumnType::Timeuuid,
            CqlValue::TinyInt(_) => ColumnType::TinyInt,
            CqlValue::Uuid(_) => ColumnType::Uuid,
            CqlValue::Varint(_) => ColumnType::Varint,
            _ => return None,
        })
    }

    fn deserialize_inner(typ: &ColumnType, v: RawValue<'_>) -> Result<Self, DeserializeError> {
        let some = Some(v);
        if v.is_empty()
            && !matches!(
                typ,
                ColumnType::Ascii
                    | ColumnType::Text
                    | ColumnType::Blob
                    | ColumnType::Custom(_)
                    | ColumnType::Varint
                    | ColumnType::Vector { .. }
            )
        {
            return Ok(CqlValue::Empty);
        }
        Ok(match typ {
            ColumnType::Custom(_) => CqlValue::Custom(v.to_bytes()),
            ColumnType::Ascii => CqlValue::Ascii(String::deserialize(typ, some)?),
            ColumnType::Text => CqlValue::Text(String::deserialize(typ, some)?),
            ColumnType::BigInt => CqlValue::BigInt(i64::deserialize(typ, some)?),
            ColumnType::Counter => CqlValue::Counter(i64::deserialize(typ, some)?),
            ColumnType::Blob => CqlValue::Blob(v.to_bytes()),
            ColumnType::Boolean => CqlValue::Boolean(bool::deserialize(typ, some)?),
            ColumnType::Date => CqlValue::Date(CqlDate::deserialize(typ, some)?),
            ColumnType::Decimal => CqlValue::Decimal(CqlDecimal::deserialize(typ, some)?),
            ColumnType::Double => CqlValue::Double(f64::deserialize(typ, some)?),
            ColumnType::Duration => CqlValue::Duration(CqlDuration::deserialize(typ, some)?),
            ColumnType::Float => CqlValue::Float(f32::deserialize(typ, some)?),
            ColumnType::Inet => CqlValue::Inet(IpAddr::deserialize(typ, some)?),
            ColumnType::Int => CqlValue::Int(i32::deserialize(typ, some)?),
            ColumnType::SmallInt => CqlValue::SmallInt(i16::deserialize(typ, some)?),
            ColumnType::Time => CqlValue::Time(CqlTime::deserialize(typ, some)?),
            ColumnType::Timestamp => CqlValue::Timestamp(CqlTimestamp::deserialize(typ, some)?),
            ColumnType::Timeuuid => CqlValue::Timeuuid(Uuid::deserialize(typ, some)?),
            ColumnType::TinyInt => CqlValue::TinyInt(i8::deserialize(typ, some)?),
            ColumnType::Uuid => CqlValue::Uuid(Uuid::deserialize(typ, some)?),
            ColumnType::Varint => CqlValue::Varint(CqlVarint::deserialize(typ, some)?),
            ColumnType::List(e) | ColumnType::Set(e) => {
                let mut out = Vec::new();
                for_each_element(typ, v, 1, |x| {
                    let x = x.ok_or_else(|| {
                        DeserializeError::malformed(typ, "null element in a collection")
                    })?;
                    out.push(Self::deserialize_inner(e, x)?);
                    Ok(())
                })?;
                if matches!(typ, ColumnType::List(_)) {
                    CqlValue::List(out)
                } else {
                    CqlValue::Set(out)
                }
            }
            ColumnType::Map(kt, vt) => {
                let mut out = Vec::new();
                let mut key = None;
                for_each_element(typ, v, 2, |x| {
                    let x = x.ok_or_else(|| DeserializeError::malformed(typ, "null in a map"))?;
                    match key.take() {
                        None => key = Some(Self::deserialize_inner(kt, x)?),
                        Some(k) => out.push((k, Self::deserialize_inner(vt, x)?)),
                    }
                    Ok(())
                })?;
                CqlValue::Map(out)
            }
            ColumnType::Tuple(ts) => {
                let mut out = Vec::with_capacity(ts.len());
                for (t, f) in ts.iter().zip(tuple_fields(typ, v, ts.len())) {
                    out.push(match f? {
                        None => None,
                        Some(x) => Some(Self::deserialize_inner(t, x)?),
                    });
                }
                CqlValue::Tuple(out)
            }
            ColumnType::Udt(u) => {
                let mut fields = Vec::with_capacity(u.fields.len());
                for ((name, t), f) in u.fields.iter().zip(tuple_fields(typ, v, u.fields.len())) {
                    let val = match f? {
                        None => None,
                        Some(x) => Some(Self::deserialize_inner(t, x)?),
                    };
                    fields.push((name.clone(), val));
                }
                CqlValue::Udt {
                    keyspace: u.keyspace.clone(),
                    name: u.name.clone(),
                    fields,
                }
            }
            ColumnType::Vector {
                element,
                dimensions,
            } => {
                let mut out = Vec::with_capacity((*dimensions as usize).min(v.len()));
                for_each_vector_element(typ, element, *dimensions, v, |x| {
                    out.push(Self::deserialize_inner(element, x)?);
                    Ok(())
                })?;
                CqlValue::Vector(out)
            }
        })
    }
}

impl<'f> DeserializeValue<'f> for CqlValue {
    fn type_check(_: &ColumnType) -> Result<(), DeserializeError> {
        Ok(())
    }

    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let Some(v) = v else {
            return Err(DeserializeError::UnexpectedNull);
        };
        Self::deserialize_inner(typ, v)
    }
}

fn mismatch(typ: &ColumnType, v: &CqlValue) -> SerializeError {
    SerializeError::TypeMismatch {
        rust_type: "CqlValue",
        cql_type: format!("{typ} (value is {v:?})"),
    }
}

fn opt_fields(
    out: &mut BytesMut,
    vals: &[Option<CqlValue>],
    types: Option<&[ColumnType]>,
) -> Result<(), SerializeError> {
    write_with_len(out, |o| {
        for (i, v) in vals.iter().enumerate() {
            let t = types.and_then(|ts| ts.get(i));
            match v {
                None => o.put_i32(-1),
                Some(v) => v.serialize(t, o)?,
            }
        }
        Ok(())
    })
}

impl SerializeValue for CqlValue {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        use crate::serialize::write_bytes;
        // Check that the value's variant fits the column type (when known).
        if let (Some(t), Some(nat)) = (typ, self.natural_type()) {
            let ok = nat == *t
                || matches!(
                    (self, t),
                    (CqlValue::Text(_), ColumnType::Ascii) | (CqlValue::Ascii(_), ColumnType::Text)
                );
            if !ok {
                return Err(mismatch(t, self));
            }
        }
        match self {
            CqlValue::Ascii(s) | CqlValue::Text(s) => s.serialize(typ, out),
            CqlValue::BigInt(v) | CqlValue::Counter(v) => {
                out.put_i32(8);
                out.put_i64(*v);
                Ok(())
            }
            CqlValue::Blob(b) => write_bytes(out, b),
            // Raw bytes are not checked against a native type's encoding.
            CqlValue::Custom(b) => match typ {
                None | Some(ColumnType::Custom(_)) => write_bytes(out, b),
                Some(t) => Err(mismatch(t, self)),
            },
            CqlValue::Boolean(v) => v.serialize(typ, out),
            CqlValue::Date(v) => v.serialize(typ, out),
            CqlValue::Decimal(v) => v.serialize(typ, out),
            CqlValue::Double(v) => v.serialize(typ, out),
            CqlValue::Duration(v) => v.serialize(typ, out),
            CqlValue::Float(v) => v.serialize(typ, out),
            CqlValue::Inet(v) => v.serialize(typ, out),
            CqlValue::Int(v) => v.serialize(typ, out),
            CqlValue::SmallInt(v) => v.serialize(typ, out),
            CqlValue::Time(v) => v.serialize(typ, out),
            CqlValue::Timestamp(v) => v.serialize(typ, out),
            CqlValue::Uuid(v) => v.serialize(typ, out),
            // Checked as a timeuuid without a column type too.
            CqlValue::Timeuuid(v) => v.serialize(typ.or(Some(&ColumnType::Timeuuid)), out),
            CqlValue::TinyInt(v) => v.serialize(typ, out),
            CqlValue::Varint(v) => v.serialize(typ, out),
            CqlValue::Empty => write_bytes(out, &[]),
            CqlValue::List(items) | CqlValue::Set(items) => match typ {
                None | Some(ColumnType::List(_) | ColumnType::Set(_)) => items.serialize(typ, out),
                Some(t) => Err(mismatch(t, self)),
            },
            CqlValue::Vector(items) => match typ {
                Some(ColumnType::Vector { .. }) => items.serialize(typ, out),
                Some(t) => Err(mismatch(t, self)),
                None => {
                    // Without a type, infer the element type from the first element.
                    let elem = items
                        .first()
                        .and_then(CqlValue::natural_type)
                        .ok_or_else(|| {
                            SerializeError::invalid(
                                None,
                                "cannot infer the element type of a vector",
                            )
                        })?;
                    let dimensions = u32::try_from(items.len()).map_err(|_| {
                        SerializeError::invalid(None, format!("{} vector elements", items.len()))
                    })?;
                    let vt = ColumnType::Vector {
                        element: Box::new(elem),
                        dimensions,
                    };
                    items.serialize(Some(&vt), out)
                }
            },
            CqlValue::Map(entries) => {
                let (kt, vt) = match typ {
                    None => (None, None),
                    Some(ColumnType::Map(k, v)) => (Some(&**k), Some(&**v)),
                    Some(t) => return Err(mismatch(t, self)),
                };
                write_with_len(out, |o| {
                    o.put_i32(
                        i32::try_from(entries.len())
                            .map_err(|_| SerializeError::invalid(typ, "too many entries"))?,
                    );
                    for (k, v) in entries {
                        k.serialize(kt, o)?;
                        v.serialize(vt, o)?;
                    }
                    Ok(())
                })
            }
            CqlValue::Tuple(vals) => match typ {
                None => opt_fields(out, vals, None),
                Some(ColumnType::Tuple(ts)) if ts.len() >= vals.len() => {
                    opt_fields(out, vals, Some(ts))
                }
                Some(t) => Err(mismatch(t, self)),
            },
            CqlValue::Udt { fields, .. } => match typ {
                None => {
                    let vals: Vec<Option<CqlValue>> =
                        fields.iter().map(|(_, v)| v.clone()).collect();
                    opt_fields(out, &vals, None)
                }
                Some(ColumnType::Udt(u)) => write_with_len(out, |o| {
                    // Fields in the type's order, by name; missing fields are null.
                    for (name, t) in &u.fields {
                        match fields
                            .iter()
                            .find(|(n, _)| n == name)
                            .and_then(|(_, v)| v.as_ref())
                        {
                            None => o.put_i32(-1),
                            Some(v) => v
                                .serialize(Some(t), o)
                                .map_err(|e| e.in_column(name.clone()))?,
                        }
                    }
                    if let Some((n, _)) = fields
                        .iter()
                        .find(|(n, _)| !u.fields.iter().any(|(f, _)| f == n))
                    {
                        return Err(SerializeError::invalid(
                            typ,
                            format!("type has no field {n}"),
                        ));
                    }
                    Ok(())
                }),
                Some(t) => Err(mismatch(t, self)),
            },
        }
    }
}
