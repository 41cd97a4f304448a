//! `DeserializeValue` for the natural Rust types.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;

use bytes::Bytes;
use uuid::Uuid;

use super::{DeserializeError, DeserializeValue, RawValue};
use crate::types::{
    ColumnType, CqlDate, CqlDecimal, CqlDuration, CqlTime, CqlTimestamp, CqlVarint,
};
use crate::wire::Reader;

#[inline]
pub(crate) fn non_null<'f>(
    typ: &ColumnType,
    v: Option<RawValue<'f>>,
) -> Result<RawValue<'f>, DeserializeError> {
    let _ = typ;
    // Not `ok_or`: that builds (and drops) the error on the success path too.
    match v {
        Some(v) => Ok(v),
        None => Err(DeserializeError::UnexpectedNull),
    }
}

#[inline]
pub(crate) fn exact<const N: usize>(
    typ: &ColumnType,
    v: Option<RawValue<'_>>,
) -> Result<[u8; N], DeserializeError> {
    let v = non_null(typ, v)?;
    v.as_slice()
        .try_into()
        .map_err(|_| DeserializeError::malformed(typ, format!("{} bytes, expected {N}", v.len())))
}

macro_rules! check {
    ($t:ty, $pat:pat) => {
        fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
            if matches!(typ, $pat) {
                Ok(())
            } else {
                Err(DeserializeError::mismatch::<$t>(typ))
            }
        }
    };
}

macro_rules! fixed {
    ($t:ty, $pat:pat, $n:expr, |$b:ident| $conv:expr) => {
        impl<'f> DeserializeValue<'f> for $t {
            check!($t, $pat);
            #[inline]
            fn deserialize(
                typ: &ColumnType,
                v: Option<RawValue<'f>>,
            ) -> Result<Self, DeserializeError> {
                let $b = exact::<$n>(typ, v)?;
                Ok($conv)
            }
        }
    };
}

fixed!(i8, ColumnType::TinyInt, 1, |b| i8::from_be_bytes(b));
fixed!(i16, ColumnType::SmallInt, 2, |b| i16::from_be_bytes(b));
fixed!(i32, ColumnType::Int, 4, |b| i32::from_be_bytes(b));
fixed!(i64, ColumnType::BigInt | ColumnType::Counter, 8, |b| {
    i64::from_be_bytes(b)
});
fixed!(f32, ColumnType::Float, 4, |b| f32::from_be_bytes(b));
fixed!(f64, ColumnType::Double, 8, |b| f64::from_be_bytes(b));
fixed!(bool, ColumnType::Boolean, 1, |b| b[0] != 0);
fixed!(Uuid, ColumnType::Uuid | ColumnType::Timeuuid, 16, |b| {
    Uuid::from_bytes(b)
});
fixed!(CqlDate, ColumnType::Date, 4, |b| CqlDate(
    u32::from_be_bytes(b)
));
fixed!(CqlTime, ColumnType::Time, 8, |b| CqlTime(
    i64::from_be_bytes(b)
));
fixed!(CqlTimestamp, ColumnType::Timestamp, 8, |b| CqlTimestamp(
    i64::from_be_bytes(b)
));

impl<'f> DeserializeValue<'f> for &'f str {
    check!(&str, ColumnType::Text | ColumnType::Ascii);
    #[inline]
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let v = non_null(typ, v)?;
        let s = std::str::from_utf8(v.as_slice())
            .map_err(|e| DeserializeError::malformed(typ, e.to_string()))?;
        // A tag test, not `==` (the derived equality of the whole type is a call per value).
        if matches!(typ, ColumnType::Ascii) && !s.is_ascii() {
            return Err(DeserializeError::malformed(typ, "non-ASCII byte"));
        }
        Ok(s)
    }
}

impl<'f> DeserializeValue<'f> for String {
    check!(String, ColumnType::Text | ColumnType::Ascii);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        <&str>::deserialize(typ, v).map(str::to_owned)
    }
}

impl<'f> DeserializeValue<'f> for &'f [u8] {
    check!(&[u8], ColumnType::Blob);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        Ok(non_null(typ, v)?.as_slice())
    }
}

impl<'f> DeserializeValue<'f> for Vec<u8> {
    check!(Vec<u8>, ColumnType::Blob);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        Ok(non_null(typ, v)?.as_slice().to_vec())
    }
}

impl<'f> DeserializeValue<'f> for Bytes {
    check!(Bytes, ColumnType::Blob);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        Ok(non_null(typ, v)?.to_bytes())
    }
}

impl<'f> DeserializeValue<'f> for IpAddr {
    check!(IpAddr, ColumnType::Inet);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let b = non_null(typ, v)?.as_slice();
        if let Ok(a) = <[u8; 4]>::try_from(b) {
            Ok(IpAddr::from(a))
        } else if let Ok(a) = <[u8; 16]>::try_from(b) {
            Ok(IpAddr::from(a))
        } else {
            Err(DeserializeError::malformed(
                typ,
                format!("{} bytes", b.len()),
            ))
        }
    }
}

impl<'f> DeserializeValue<'f> for CqlVarint {
    check!(CqlVarint, ColumnType::Varint);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        Ok(CqlVarint::from_signed_bytes_be(
            non_null(typ, v)?.as_slice().to_vec(),
        ))
    }
}

impl<'f> DeserializeValue<'f> for CqlDecimal {
    check!(CqlDecimal, ColumnType::Decimal);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let b = non_null(typ, v)?.as_slice();
        if b.len() < 4 {
            return Err(DeserializeError::malformed(typ, "shorter than 4 bytes"));
        }
        Ok(CqlDecimal {
            scale: i32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            unscaled: CqlVarint::from_signed_bytes_be(b[4..].to_vec()),
        })
    }
}

impl<'f> DeserializeValue<'f> for CqlDuration {
    check!(CqlDuration, ColumnType::Duration);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let mut r = Reader::new(non_null(typ, v)?.as_slice());
        let bad = |_| DeserializeError::malformed(typ, "truncated vint");
        let months = r.signed_vint("months").map_err(bad)?;
        let days = r.signed_vint("days").map_err(bad)?;
        let nanoseconds = r.signed_vint("nanoseconds").map_err(bad)?;
        if !r.is_empty() {
            return Err(DeserializeError::malformed(typ, "trailing bytes"));
        }
        Ok(CqlDuration {
            months: i32::try_from(months)
                .map_err(|_| DeserializeError::malformed(typ, "months out of range"))?,
            days: i32::try_from(days)
                .map_err(|_| DeserializeError::malformed(typ, "days out of range"))?,
            nanoseconds,
        })
    }
}

impl<'f, T: DeserializeValue<'f>> DeserializeValue<'f> for Option<T> {
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        T::type_check(typ)
    }
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        match v {
            None => Ok(None),
            Some(v) => T::deserialize(typ, Some(v)).map(Some),
        }
    }
}

/// Reads the elements of a list/set (`[int] n` then `n` × `[bytes]`), calling `f` for each.
pub(crate) fn for_each_element<'f>(
    typ: &ColumnType,
    v: RawValue<'f>,
    per_item: usize,
    mut f: impl FnMut(Option<RawValue<'f>>) -> Result<(), DeserializeError>,
) -> Result<usize, DeserializeError> {
    let mut r = Reader::new(v.as_slice());
    let n = r
        .count("collection size")
        .map_err(|e| DeserializeError::malformed(typ, e.to_string()))?;
    if n > r.remaining().len() / (4 * per_item) {
        return Err(DeserializeError::malformed(
            typ,
            format!("{n} elements claimed"),
        ));
    }
    for _ in 0..n * per_item {
        let e = r
            .bytes("collection element")
            .map_err(|e| DeserializeError::malformed(typ, e.to_string()))?;
        f(e.map(|d| RawValue::new(v.frame(), d)))?;
    }
    Ok(n)
}

/// Reads the elements of a vector of `dims` elements of `elem`.
pub(crate) fn for_each_vector_element<'f>(
    typ: &ColumnType,
    elem: &ColumnType,
    dims: u32,
    v: RawValue<'f>,
    mut f: impl FnMut(RawValue<'f>) -> Result<(), DeserializeError>,
) -> Result<(), DeserializeError> {
    let data = v.as_slice();
    match elem.fixed_len() {
        Some(size) => {
            if Some(data.len()) != size.checked_mul(dims as usize) {
                return Err(DeserializeError::malformed(
                    typ,
                    format!("{} bytes for {dims} elements of {size}", data.len()),
                ));
            }
            if size == 0 {
                return Ok(());
            }
            for chunk in data.chunks_exact(size) {
                f(RawValue::new(v.frame(), chunk))?;
            }
        }
        None => {
            let mut r = Reader::new(data);
            for _ in 0..dims {
                let bad = |e: crate::error::ProtocolError| {
                    DeserializeError::malformed(typ, e.to_string())
                };
                let n = r.unsigned_vint("vector element length").map_err(bad)?;
                let n = usize::try_from(n)
                    .map_err(|_| DeserializeError::malformed(typ, "element length"))?;
                let d = r.take(n, "vector element").map_err(bad)?;
                f(RawValue::new(v.frame(), d))?;
            }
            if !r.is_empty() {
                return Err(DeserializeError::malformed(typ, "trailing bytes"));
            }
        }
    }
    Ok(())
}

fn read_seq<'f, T: DeserializeValue<'f>>(
    typ: &ColumnType,
    v: Option<RawValue<'f>>,
    mut push: impl FnMut(T),
) -> Result<(), DeserializeError> {
    let v = non_null(typ, v)?;
    match typ {
        ColumnType::List(e) | ColumnType::Set(e) => {
            for_each_element(typ, v, 1, |x| {
                push(T::deserialize(e, x)?);
                Ok(())
            })?;
        }
        ColumnType::Vector {
            element,
            dimensions,
        } => {
            for_each_vector_element(typ, element, *dimensions, v, |x| {
                push(T::deserialize(element, Some(x))?);
                Ok(())
            })?;
        }
        other => return Err(DeserializeError::mismatch::<T>(other)),
    }
    Ok(())
}

impl<'f, T: DeserializeValue<'f>> DeserializeValue<'f> for Vec<T> {
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        match typ {
            ColumnType::List(e) | ColumnType::Set(e) => T::type_check(e),
            ColumnType::Vector { element, .. } => T::type_check(element),
            other => Err(DeserializeError::mismatch::<Self>(other)),
        }
    }
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let mut out = Vec::new();
        read_seq(typ, v, |x| out.push(x))?;
        Ok(out)
    }
}

impl<'f, T: DeserializeValue<'f> + Eq + Hash, S: BuildHasher + Default> DeserializeValue<'f>
    for HashSet<T, S>
{
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        match typ {
            ColumnType::List(e) | ColumnType::Set(e) => T::type_check(e),
            other => Err(DeserializeError::mismatch::<Self>(other)),
        }
    }
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let mut out = HashSet::default();
        read_seq(typ, v, |x| {
            out.insert(x);
        })?;
        Ok(out)
    }
}

impl<'f, T: DeserializeValue<'f> + Ord> DeserializeValue<'f> for BTreeSet<T> {
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        match typ {
            ColumnType::List(e) | ColumnType::Set(e) => T::type_check(e),
            other => Err(DeserializeError::mismatch::<Self>(other)),
        }
    }
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let mut out = BTreeSet::new();
        read_seq(typ, v, |x| {
            out.insert(x);
        })?;
        Ok(out)
    }
}

fn read_map<'f, K: DeserializeValue<'f>, V: DeserializeValue<'f>>(
    typ: &ColumnType,
    v: Option<RawValue<'f>>,
    mut insert: impl FnMut(K, V),
) -> Result<(), DeserializeError> {
    let v = non_null(typ, v)?;
    let ColumnType::Map(kt, vt) = typ else {
        return Err(DeserializeError::mismatch::<(K, V)>(typ));
    };
    let mut key: Option<K> = None;
    for_each_element(typ, v, 2, |x| {
        match key.take() {
            None => key = Some(K::deserialize(kt, x)?),
            Some(k) => insert(k, V::deserialize(vt, x)?),
        }
        Ok(())
    })?;
    Ok(())
}

fn map_check<'f, K: DeserializeValue<'f>, V: DeserializeValue<'f>, M>(
    typ: &ColumnType,
) -> Result<(), DeserializeError> {
    match typ {
        ColumnType::Map(k, v) => {
            K::type_check(k)?;
            V::type_check(v)
        }
        other => Err(DeserializeError::mismatch::<M>(other)),
    }
}

impl<'f, K, V, S> DeserializeValue<'f> for HashMap<K, V, S>
where
    K: DeserializeValue<'f> + Eq + Hash,
    V: DeserializeValue<'f>,
    S: BuildHasher + Default,
{
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        map_check::<K, V, Self>(typ)
    }
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let mut m = HashMap::default();
        read_map(typ, v, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

impl<'f, K, V> DeserializeValue<'f> for BTreeMap<K, V>
where
    K: DeserializeValue<'f> + Ord,
    V: DeserializeValue<'f>,
{
    fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
        map_check::<K, V, Self>(typ)
    }
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        let mut m = BTreeMap::new();
        read_map(typ, v, |k, v| {
            m.insert(k, v);
        })?;
        Ok(m)
    }
}

/// Reads the fields of a tuple or UDT value: each a `[bytes]`; missing trailing fields are null.
pub(crate) fn tuple_fields<'f>(
    typ: &ColumnType,
    v: RawValue<'f>,
    n: usize,
) -> impl Iterator<Item = Result<Option<RawValue<'f>>, DeserializeError>> + 'f {
    let mut r = Reader::new(v.as_slice());
    let frame = v.frame();
    let typ = typ.to_string();
    (0..n).map(move |_| {
        if r.is_empty() {
            return Ok(None);
        }
        r.bytes("tuple field")
            .map(|o| o.map(|d| RawValue::new(frame, d)))
            .map_err(|e| DeserializeError::Malformed {
                cql_type: typ.clone(),
                reason: e.to_string(),
            })
    })
}

macro_rules! tuple_impl {
    ($n:expr; $($T:ident $idx:tt),+) => {
        impl<'f, $($T: DeserializeValue<'f>),+> DeserializeValue<'f> for ($($T,)+) {
            fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
                match typ {
                    ColumnType::Tuple(ts) if ts.len() == $n => {
                        $( $T::type_check(&ts[$idx])?; )+
                        Ok(())
                    }
                    other => Err(DeserializeError::mismatch::<Self>(other)),
                }
            }
            fn deserialize(
                typ: &ColumnType,
                v: Option<RawValue<'f>>,
            ) -> Result<Self, DeserializeError> {
                let v = non_null(typ, v)?;
                let ColumnType::Tuple(ts) = typ else {
                    return Err(DeserializeError::mismatch::<Self>(typ));
                };
                if ts.len() != $n {
                    return Err(DeserializeError::mismatch::<Self>(typ));
                }
                let mut fields = tuple_fields(typ, v, $n);
                Ok(($(
                    $T::deserialize(
                        &ts[$idx],
                        fields.next().ok_or_else(|| DeserializeError::Truncated)??,
                    )?,
                )+))
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

    macro_rules! via {
        ($t:ty, $cql:ty) => {
            impl<'f> DeserializeValue<'f> for $t {
                fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
                    <$cql>::type_check(typ)
                }
                fn deserialize(
                    typ: &ColumnType,
                    v: Option<RawValue<'f>>,
                ) -> Result<Self, DeserializeError> {
                    <$t>::try_from(<$cql>::deserialize(typ, v)?)
                        .map_err(|e| DeserializeError::malformed(typ, e.0))
                }
            }
        };
    }

    via!(chrono::NaiveDate, CqlDate);
    via!(chrono::NaiveTime, CqlTime);
    via!(chrono::DateTime<chrono::Utc>, CqlTimestamp);
}

#[cfg(feature = "time")]
mod time_impls {
    use super::*;

    macro_rules! via {
        ($t:ty, $cql:ty) => {
            impl<'f> DeserializeValue<'f> for $t {
                fn type_check(typ: &ColumnType) -> Result<(), DeserializeError> {
                    <$cql>::type_check(typ)
                }
                fn deserialize(
                    typ: &ColumnType,
                    v: Option<RawValue<'f>>,
                ) -> Result<Self, DeserializeError> {
                    <$t>::try_from(<$cql>::deserialize(typ, v)?)
                        .map_err(|e| DeserializeError::malformed(typ, e.0))
                }
            }
        };
    }

    via!(time::Date, CqlDate);
    via!(time::Time, CqlTime);
    via!(time::OffsetDateTime, CqlTimestamp);
}

#[cfg(feature = "num-bigint")]
impl<'f> DeserializeValue<'f> for num_bigint::BigInt {
    check!(num_bigint::BigInt, ColumnType::Varint);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        Ok(num_bigint::BigInt::from_signed_bytes_be(
            non_null(typ, v)?.as_slice(),
        ))
    }
}

#[cfg(feature = "bigdecimal")]
impl<'f> DeserializeValue<'f> for bigdecimal::BigDecimal {
    check!(bigdecimal::BigDecimal, ColumnType::Decimal);
    fn deserialize(typ: &ColumnType, v: Option<RawValue<'f>>) -> Result<Self, DeserializeError> {
        Ok(CqlDecimal::deserialize(typ, v)?.into())
    }
}
