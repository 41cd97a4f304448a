//! `SerializeValue` for the natural Rust types.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use uuid::Uuid;

use super::{
    MaybeUnset, SerializeError, SerializeValue, Unset, write_bytes, write_null, write_unset,
    write_with_len,
};
use crate::types::{
    ColumnType, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint,
};
use crate::wire::{put_signed_vint, put_unsigned_vint};

/// Implements `SerializeValue` for a type whose encoding does not depend on the column type.
macro_rules! fixed_impl {
    ($t:ty, $pat:pat, |$v:ident, $out:ident| $write:expr) => {
        impl SerializeValue for $t {
            #[inline]
            fn serialize(
                &self,
                typ: Option<&ColumnType>,
                out: &mut BytesMut,
            ) -> Result<(), SerializeError> {
                if let Some(t) = typ {
                    if !matches!(t, $pat) {
                        return Err(SerializeError::mismatch::<$t>(t));
                    }
                }
                let $v = self;
                let $out = out;
                $write;
                Ok(())
            }
        }
    };
}

fn varint_from_i64(v: i64, out: &mut BytesMut) -> Result<(), SerializeError> {
    write_bytes(out, CqlVarint::from(v).as_signed_bytes_be())
}

macro_rules! int_impl {
    ($t:ty, $variant:ident) => {
        impl SerializeValue for $t {
            #[inline]
            fn serialize(
                &self,
                typ: Option<&ColumnType>,
                out: &mut BytesMut,
            ) -> Result<(), SerializeError> {
                match typ {
                    None | Some(ColumnType::$variant) => {
                        let b = self.to_be_bytes();
                        out.reserve(4 + b.len());
                        out.put_i32(b.len() as i32);
                        out.put_slice(&b);
                        Ok(())
                    }
                    Some(ColumnType::Varint) => varint_from_i64(i64::from(*self), out),
                    Some(t) => Err(SerializeError::mismatch::<$t>(t)),
                }
            }
        }
    };
}

int_impl!(i8, TinyInt);
int_impl!(i16, SmallInt);
int_impl!(i32, Int);

impl SerializeValue for i64 {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        match typ {
            None | Some(ColumnType::BigInt | ColumnType::Counter) => {
                out.reserve(12);
                out.put_i32(8);
                out.put_i64(*self);
                Ok(())
            }
            Some(ColumnType::Varint) => varint_from_i64(*self, out),
            Some(t) => Err(SerializeError::mismatch::<i64>(t)),
        }
    }
}

fixed_impl!(bool, ColumnType::Boolean, |v, out| {
    out.put_i32(1);
    out.put_u8(u8::from(*v));
});
fixed_impl!(f32, ColumnType::Float, |v, out| {
    out.put_i32(4);
    out.put_f32(*v);
});
fixed_impl!(f64, ColumnType::Double, |v, out| {
    out.put_i32(8);
    out.put_f64(*v);
});
impl SerializeValue for Uuid {
    #[inline]
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        match typ {
            None | Some(ColumnType::Uuid) => {}
            // Cassandra refuses other versions in a timeuuid column.
            Some(ColumnType::Timeuuid) if self.get_version_num() == 1 => {}
            Some(t @ ColumnType::Timeuuid) => {
                return Err(SerializeError::invalid(
                    Some(t),
                    format!("{self} is a version {} UUID, not 1", self.get_version_num()),
                ));
            }
            Some(t) => return Err(SerializeError::mismatch::<Uuid>(t)),
        }
        out.put_i32(16);
        out.put_slice(self.as_bytes());
        Ok(())
    }
}
fixed_impl!(CqlDate, ColumnType::Date, |v, out| {
    out.put_i32(4);
    out.put_u32(v.0);
});
fixed_impl!(CqlTime, ColumnType::Time, |v, out| {
    if !v.is_valid() {
        return Err(SerializeError::out_of_range(
            "time",
            v,
            "nanoseconds since midnight, 0 to 86399999999999",
        ));
    }
    out.put_i32(8);
    out.put_i64(v.0);
});
fixed_impl!(CqlTimestamp, ColumnType::Timestamp, |v, out| {
    out.put_i32(8);
    out.put_i64(v.0);
});
fixed_impl!(CqlDuration, ColumnType::Duration, |v, out| {
    if !v.is_valid() {
        return Err(SerializeError::out_of_range(
            "duration",
            v,
            "months, days and nanoseconds all >= 0 or all <= 0",
        ));
    }
    write_with_len(out, |o| {
        put_signed_vint(o, i64::from(v.months));
        put_signed_vint(o, i64::from(v.days));
        put_signed_vint(o, v.nanoseconds);
        Ok(())
    })?
});
fixed_impl!(CqlVarint, ColumnType::Varint, |v, out| {
    if v.as_signed_bytes_be().is_empty() {
        return Err(SerializeError::invalid(
            Some(&ColumnType::Varint),
            "no bytes (zero is one 0x00 byte; an empty value is CqlValue::Empty)",
        ));
    }
    write_bytes(out, v.as_signed_bytes_be())?
});
fixed_impl!(CqlDecimal, ColumnType::Decimal, |v, out| {
    if v.unscaled.as_signed_bytes_be().is_empty() {
        return Err(SerializeError::invalid(
            Some(&ColumnType::Decimal),
            "the unscaled value has no bytes (zero is one 0x00 byte)",
        ));
    }
    write_with_len(out, |o| {
        o.put_i32(v.scale);
        o.put_slice(v.unscaled.as_signed_bytes_be());
        Ok(())
    })?
});
fixed_impl!(IpAddr, ColumnType::Inet, |v, out| {
    match v {
        IpAddr::V4(a) => write_bytes(out, &a.octets())?,
        IpAddr::V6(a) => write_bytes(out, &a.octets())?,
    }
});
fixed_impl!(Ipv4Addr, ColumnType::Inet, |v, out| {
    write_bytes(out, &v.octets())?
});
fixed_impl!(Ipv6Addr, ColumnType::Inet, |v, out| {
    write_bytes(out, &v.octets())?
});
fixed_impl!([u8], ColumnType::Blob, |v, out| write_bytes(out, v)?);
fixed_impl!(Vec<u8>, ColumnType::Blob, |v, out| write_bytes(out, v)?);
fixed_impl!(Bytes, ColumnType::Blob, |v, out| write_bytes(out, v)?);

impl SerializeValue for str {
    #[inline]
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        match typ {
            None | Some(ColumnType::Text) => write_bytes(out, self.as_bytes()),
            Some(ColumnType::Ascii) => {
                if !self.is_ascii() {
                    return Err(SerializeError::invalid(typ, "non-ASCII characters"));
                }
                write_bytes(out, self.as_bytes())
            }
            Some(t) => Err(SerializeError::mismatch::<str>(t)),
        }
    }
}

impl SerializeValue for String {
    #[inline]
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        self.as_str().serialize(typ, out)
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for &T {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        (**self).serialize(typ, out)
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for Box<T> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        (**self).serialize(typ, out)
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for Arc<T> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        (**self).serialize(typ, out)
    }
}

impl<T: SerializeValue> SerializeValue for Option<T> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        match self {
            Some(v) => v.serialize(typ, out),
            None => {
                write_null(out);
                Ok(())
            }
        }
    }
}

impl SerializeValue for Unset {
    fn serialize(&self, _: Option<&ColumnType>, out: &mut BytesMut) -> Result<(), SerializeError> {
        write_unset(out);
        Ok(())
    }
}

impl<T: SerializeValue> SerializeValue for MaybeUnset<T> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        match self {
            MaybeUnset::Set(v) => v.serialize(typ, out),
            MaybeUnset::Unset => {
                write_unset(out);
                Ok(())
            }
        }
    }
}

fn count(n: usize, typ: Option<&ColumnType>) -> Result<i32, SerializeError> {
    i32::try_from(n).map_err(|_| SerializeError::invalid(typ, format!("{n} elements")))
}

/// Serializes one collection element and refuses unset (not allowed inside collections).
fn element<T: SerializeValue + ?Sized>(
    v: &T,
    typ: Option<&ColumnType>,
    out: &mut BytesMut,
) -> Result<(), SerializeError> {
    let p = out.len();
    v.serialize(typ, out)?;
    if out.get(p..p + 4) == Some(&(-2i32).to_be_bytes()[..]) {
        return Err(SerializeError::invalid(
            typ,
            "unset is not allowed inside a collection, tuple or UDT",
        ));
    }
    Ok(())
}

/// Writes a list/set: `[int] n` and `n` elements.
pub(crate) fn serialize_sequence<'a, T, I>(
    items: I,
    len: usize,
    typ: Option<&ColumnType>,
    out: &mut BytesMut,
    rust_type: fn(&ColumnType) -> SerializeError,
) -> Result<(), SerializeError>
where
    T: SerializeValue + 'a + ?Sized,
    I: IntoIterator<Item = &'a T>,
{
    let elem_type = match typ {
        None => None,
        Some(ColumnType::List(e) | ColumnType::Set(e)) => Some(&**e),
        Some(ColumnType::Vector {
            element,
            dimensions,
        }) => return serialize_vector(items, len, element, *dimensions, out),
        Some(t) => return Err(rust_type(t)),
    };
    let n = count(len, typ)?;
    write_with_len(out, |o| {
        o.put_i32(n);
        for v in items {
            element(v, elem_type, o)?;
        }
        Ok(())
    })
}

/// Writes a vector: fixed-size elements back to back, variable-size ones with vint lengths.
pub(crate) fn serialize_vector<'a, T, I>(
    items: I,
    len: usize,
    element_type: &ColumnType,
    dimensions: u32,
    out: &mut BytesMut,
) -> Result<(), SerializeError>
where
    T: SerializeValue + 'a + ?Sized,
    I: IntoIterator<Item = &'a T>,
{
    let vtype = || ColumnType::Vector {
        element: Box::new(element_type.clone()),
        dimensions,
    };
    if len != dimensions as usize {
        return Err(SerializeError::invalid(
            Some(&vtype()),
            format!("{len} elements given"),
        ));
    }
    let fixed = element_type.fixed_len();
    write_with_len(out, |o| {
        for v in items {
            let p = o.len();
            v.serialize(Some(element_type), o)?;
            let n = i32::from_be_bytes([o[p], o[p + 1], o[p + 2], o[p + 3]]);
            if n < 0 {
                return Err(SerializeError::invalid(
                    Some(&vtype()),
                    "null or unset vector element",
                ));
            }
            let n = n as usize;
            match fixed {
                Some(f) if f != n => {
                    return Err(SerializeError::invalid(
                        Some(&vtype()),
                        format!("element of {n} bytes, expected {f}"),
                    ));
                }
                Some(_) => {
                    o.copy_within(p + 4..p + 4 + n, p);
                    o.truncate(p + n);
                }
                None => {
                    let mut vint = BytesMut::with_capacity(9);
                    put_unsigned_vint(&mut vint, n as u64);
                    let k = vint.len();
                    if k <= 4 {
                        o.copy_within(p + 4..p + 4 + n, p + k);
                        o.truncate(p + k + n);
                        o[p..p + k].copy_from_slice(&vint);
                    } else {
                        let content = o.split_off(p + 4);
                        o.truncate(p);
                        o.put_slice(&vint);
                        o.unsplit(content);
                    }
                }
            }
        }
        Ok(())
    })
}

impl<T: SerializeValue> SerializeValue for [T] {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        serialize_sequence(self, self.len(), typ, out, SerializeError::mismatch::<Self>)
    }
}

impl<T: SerializeValue> SerializeValue for Vec<T> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        self.as_slice().serialize(typ, out)
    }
}

impl<T: SerializeValue, const N: usize> SerializeValue for [T; N] {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        self.as_slice().serialize(typ, out)
    }
}

impl<T: SerializeValue, S: BuildHasher> SerializeValue for HashSet<T, S> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        if let Some(t @ ColumnType::Vector { .. }) = typ {
            return Err(SerializeError::mismatch::<Self>(t));
        }
        serialize_sequence(self, self.len(), typ, out, SerializeError::mismatch::<Self>)
    }
}

impl<T: SerializeValue> SerializeValue for BTreeSet<T> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        if let Some(t @ ColumnType::Vector { .. }) = typ {
            return Err(SerializeError::mismatch::<Self>(t));
        }
        serialize_sequence(self, self.len(), typ, out, SerializeError::mismatch::<Self>)
    }
}

/// Writes a map: `[int] n` and `n` key/value pairs.
pub(crate) fn serialize_map<'a, K, V, I>(
    entries: I,
    len: usize,
    typ: Option<&ColumnType>,
    out: &mut BytesMut,
    mismatch: fn(&ColumnType) -> SerializeError,
) -> Result<(), SerializeError>
where
    K: SerializeValue + 'a + ?Sized,
    V: SerializeValue + 'a + ?Sized,
    I: IntoIterator<Item = (&'a K, &'a V)>,
{
    let (kt, vt) = match typ {
        None => (None, None),
        Some(ColumnType::Map(k, v)) => (Some(&**k), Some(&**v)),
        Some(t) => return Err(mismatch(t)),
    };
    let n = count(len, typ)?;
    write_with_len(out, |o| {
        o.put_i32(n);
        for (k, v) in entries {
            element(k, kt, o)?;
            element(v, vt, o)?;
        }
        Ok(())
    })
}

impl<K: SerializeValue, V: SerializeValue, S: BuildHasher> SerializeValue for HashMap<K, V, S> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        serialize_map(self, self.len(), typ, out, SerializeError::mismatch::<Self>)
    }
}

impl<K: SerializeValue, V: SerializeValue> SerializeValue for BTreeMap<K, V> {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        serialize_map(self, self.len(), typ, out, SerializeError::mismatch::<Self>)
    }
}

macro_rules! tuple_impl {
    ($n:expr; $($T:ident $idx:tt),+) => {
        impl<$($T: SerializeValue),+> SerializeValue for ($($T,)+) {
            fn serialize(
                &self,
                typ: Option<&ColumnType>,
                out: &mut BytesMut,
            ) -> Result<(), SerializeError> {
                let types: Option<&[ColumnType]> = match typ {
                    None => None,
                    Some(ColumnType::Tuple(ts)) if ts.len() == $n => Some(ts),
                    Some(t) => return Err(SerializeError::mismatch::<Self>(t)),
                };
                write_with_len(out, |o| {
                    $( element(&self.$idx, types.map(|ts| &ts[$idx]), o)?; )+
                    Ok(())
                })
            }
        }
    };
}

tuple_impl!(1; A 0);
tuple_impl!(2; A 0, B 1);
tuple_impl!(3; A 0, B 1, C 2);
tuple_impl!(4; A 0, B 1, C 2, D 3);
tuple_impl!(5; A 0, B 1, C 2, D 3, E 4);
tuple_impl!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_impl!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_impl!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_impl!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_impl!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_impl!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_impl!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::*;

    impl SerializeValue for chrono::NaiveDate {
        fn serialize(
            &self,
            typ: Option<&ColumnType>,
            out: &mut BytesMut,
        ) -> Result<(), SerializeError> {
            CqlDate::from(*self).serialize(typ, out)
        }
    }

    impl SerializeValue for chrono::NaiveTime {
        fn serialize(
            &self,
            typ: Option<&ColumnType>,
            out: &mut BytesMut,
        ) -> Result<(), SerializeError> {
            CqlTime::from(*self).serialize(typ, out)
        }
    }

    impl SerializeValue for chrono::DateTime<chrono::Utc> {
        fn serialize(
            &self,
            typ: Option<&ColumnType>,
            out: &mut BytesMut,
        ) -> Result<(), SerializeError> {
            CqlTimestamp::from(*self).serialize(typ, out)
        }
    }
}

#[cfg(feature = "time")]
mod time_impls {
    use super::*;

    impl SerializeValue for time::Date {
        fn serialize(
            &self,
            typ: Option<&ColumnType>,
            out: &mut BytesMut,
        ) -> Result<(), SerializeError> {
            CqlDate::from(*self).serialize(typ, out)
        }
    }

    impl SerializeValue for time::Time {
        fn serialize(
            &self,
            typ: Option<&ColumnType>,
            out: &mut BytesMut,
        ) -> Result<(), SerializeError> {
            CqlTime::from(*self).serialize(typ, out)
        }
    }

    impl SerializeValue for time::OffsetDateTime {
        fn serialize(
            &self,
            typ: Option<&ColumnType>,
            out: &mut BytesMut,
        ) -> Result<(), SerializeError> {
            CqlTimestamp::from(*self).serialize(typ, out)
        }
    }
}

#[cfg(feature = "num-bigint")]
impl SerializeValue for num_bigint::BigInt {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        match typ {
            None | Some(ColumnType::Varint) => write_bytes(out, &self.to_signed_bytes_be()),
            Some(t) => Err(SerializeError::mismatch::<Self>(t)),
        }
    }
}

#[cfg(feature = "bigdecimal")]
impl SerializeValue for bigdecimal::BigDecimal {
    fn serialize(
        &self,
        typ: Option<&ColumnType>,
        out: &mut BytesMut,
    ) -> Result<(), SerializeError> {
        let d = CqlDecimal::try_from(self.clone()).map_err(|_| {
            SerializeError::out_of_range("decimal", self, "a scale that fits an i32")
        })?;
        d.serialize(typ, out)
    }
}
