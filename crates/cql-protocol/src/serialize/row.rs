//! Rows of bound values: positional and named.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use bytes::{BufMut, BytesMut};

use super::{SerializeError, SerializeValue};
use crate::metadata::ColumnSpec;
use crate::types::ColumnType;
use crate::wire::put_string;

/// Writes the values of one statement into the frame buffer and counts them.
///
/// Values are either all positional or all named; mixing them is an error.
#[derive(Debug)]
pub struct RowWriter<'a> {
    out: &'a mut BytesMut,
    start: usize,
    count: usize,
    named: Option<bool>,
    /// Whether a `[short]` count placeholder was written at `start`.
    counted: bool,
}

impl<'a> RowWriter<'a> {
    /// Starts a row at the end of `out` (reserves the `[short]` count, patched by [`Self::finish`]).
    pub fn new(out: &'a mut BytesMut) -> Self {
        let start = out.len();
        out.put_u16(0);
        RowWriter {
            out,
            start,
            count: 0,
            named: None,
            counted: true,
        }
    }

    /// Starts a row at the end of `out` without a count (for [`SerializedValues`], which keeps
    /// the count itself).
    fn uncounted(out: &'a mut BytesMut) -> Self {
        RowWriter {
            start: out.len(),
            out,
            count: 0,
            named: None,
            counted: false,
        }
    }

    #[inline]
    fn mode(&mut self, named: bool) -> Result<(), SerializeError> {
        match self.named {
            Some(n) if n != named => Err(SerializeError::invalid(
                None,
                "positional and named values cannot be mixed",
            )),
            _ => {
                self.named = Some(named);
                Ok(())
            }
        }
    }

    /// Appends a positional value.
    #[inline]
    pub fn value<V: SerializeValue + ?Sized>(
        &mut self,
        v: &V,
        typ: Option<&ColumnType>,
    ) -> Result<(), SerializeError> {
        self.mode(false)?;
        v.serialize(typ, self.out)?;
        self.count += 1;
        Ok(())
    }

    /// Appends a named value (the name goes on the wire; for unprepared statements).
    pub fn named_value<V: SerializeValue + ?Sized>(
        &mut self,
        name: &str,
        v: &V,
        typ: Option<&ColumnType>,
    ) -> Result<(), SerializeError> {
        self.mode(true)?;
        put_string(self.out, name).map_err(|_| SerializeError::invalid(None, "name too long"))?;
        v.serialize(typ, self.out)?;
        self.count += 1;
        Ok(())
    }

    /// Appends already serialized values (`count` of them, named or not).
    pub fn raw(&mut self, bytes: &[u8], count: usize, named: bool) -> Result<(), SerializeError> {
        if count == 0 {
            return Ok(());
        }
        self.mode(named)?;
        self.out.put_slice(bytes);
        self.count += count;
        Ok(())
    }

    /// Patches the count; returns `(count, named)`. With no values the count is removed again.
    #[inline]
    pub fn finish(self) -> Result<(usize, bool), SerializeError> {
        if self.count == 0 {
            self.out.truncate(self.start);
            return Ok((0, false));
        }
        let n = u16::try_from(self.count).map_err(|_| SerializeError::TooManyValues(self.count))?;
        if self.counted {
            self.out[self.start..self.start + 2].copy_from_slice(&n.to_be_bytes());
        }
        Ok((self.count, self.named == Some(true)))
    }
}

/// The bound values of a statement.
///
/// With `specs` (the bind markers of a prepared statement) values are type-checked, named
/// values are put in bind-marker order and sent without names, and errors name the column.
/// Without `specs` values are written in their natural encoding (named values with names).
pub trait SerializeRow {
    /// Writes the values.
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError>;

    /// Whether there are no values.
    fn is_empty(&self) -> bool;

    /// About how many bytes the values take serialized, when known cheaply (0 if not); for
    /// sizing request buffers.
    fn size_hint(&self) -> usize {
        0
    }
}

#[inline]
fn check_count(specs: Option<&[ColumnSpec]>, got: usize) -> Result<(), SerializeError> {
    match specs {
        Some(s) if s.len() != got => Err(SerializeError::WrongValueCount {
            expected: s.len(),
            got,
        }),
        _ => Ok(()),
    }
}

fn positional<V: SerializeValue + ?Sized>(
    w: &mut RowWriter<'_>,
    specs: Option<&[ColumnSpec]>,
    i: usize,
    v: &V,
) -> Result<(), SerializeError> {
    match specs.and_then(|s| s.get(i)) {
        Some(spec) => w
            .value(v, Some(&spec.typ))
            .map_err(|e| e.in_column(spec.name.clone())),
        None => w.value(v, None).map_err(|e| e.in_column(format!("#{i}"))),
    }
}

impl SerializeRow for () {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        _: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        check_count(specs, 0)
    }
    fn is_empty(&self) -> bool {
        true
    }
}

impl<T: SerializeValue> SerializeRow for [T] {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        check_count(specs, self.len())?;
        for (i, v) in self.iter().enumerate() {
            positional(w, specs, i, v)?;
        }
        Ok(())
    }
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

impl<T: SerializeValue> SerializeRow for Vec<T> {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        self.as_slice().serialize_row(specs, w)
    }
    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

impl<T: SerializeValue, const N: usize> SerializeRow for [T; N] {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        self.as_slice().serialize_row(specs, w)
    }
    fn is_empty(&self) -> bool {
        N == 0
    }
}

impl<T: SerializeRow + ?Sized> SerializeRow for &T {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        (**self).serialize_row(specs, w)
    }
    fn is_empty(&self) -> bool {
        (**self).is_empty()
    }
    fn size_hint(&self) -> usize {
        (**self).size_hint()
    }
}

impl<T: SerializeRow + ?Sized> SerializeRow for Box<T> {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        (**self).serialize_row(specs, w)
    }
    fn is_empty(&self) -> bool {
        (**self).is_empty()
    }
    fn size_hint(&self) -> usize {
        (**self).size_hint()
    }
}

/// Named values: by bind-marker order when prepared, else with names on the wire.
fn named<'v, K, V, I, F>(
    specs: Option<&[ColumnSpec]>,
    w: &mut RowWriter<'_>,
    len: usize,
    entries: I,
    lookup: F,
) -> Result<(), SerializeError>
where
    K: Borrow<str> + 'v,
    V: SerializeValue + 'v,
    I: Iterator<Item = (&'v K, &'v V)>,
    F: Fn(&str) -> Option<&'v V>,
{
    match specs {
        Some(specs) => {
            for spec in specs {
                let v = lookup(&spec.name)
                    .ok_or_else(|| SerializeError::MissingNamedValue(spec.name.clone()))?;
                w.value(v, Some(&spec.typ))
                    .map_err(|e| e.in_column(spec.name.clone()))?;
            }
            if len != specs.len() {
                for (k, _) in entries {
                    if !specs.iter().any(|s| s.name == k.borrow()) {
                        return Err(SerializeError::UnknownNamedValue(k.borrow().to_owned()));
                    }
                }
            }
            Ok(())
        }
        None => {
            for (k, v) in entries {
                w.named_value(k.borrow(), v, None)
                    .map_err(|e| e.in_column(k.borrow()))?;
            }
            Ok(())
        }
    }
}

impl<K, V, S> SerializeRow for HashMap<K, V, S>
where
    K: Borrow<str> + Hash + Eq,
    V: SerializeValue,
    S: BuildHasher,
{
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        named(specs, w, self.len(), self.iter(), |n| self.get(n))
    }
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> SerializeRow for BTreeMap<K, V>
where
    K: Borrow<str> + Ord,
    V: SerializeValue,
{
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        named(specs, w, self.len(), self.iter(), |n| self.get(n))
    }
    fn is_empty(&self) -> bool {
        self.is_empty()
    }
}

macro_rules! row_tuple {
    ($n:expr; $($T:ident $idx:tt),+) => {
        impl<$($T: SerializeValue),+> SerializeRow for ($($T,)+) {
            fn serialize_row(
                &self,
                specs: Option<&[ColumnSpec]>,
                w: &mut RowWriter<'_>,
            ) -> Result<(), SerializeError> {
                check_count(specs, $n)?;
                $( positional(w, specs, $idx, &self.$idx)?; )+
                Ok(())
            }
            fn is_empty(&self) -> bool {
                false
            }
        }
    };
}

row_tuple!(1; A 0);
row_tuple!(2; A 0, B 1);
row_tuple!(3; A 0, B 1, C 2);
row_tuple!(4; A 0, B 1, C 2, D 3);
row_tuple!(5; A 0, B 1, C 2, D 3, E 4);
row_tuple!(6; A 0, B 1, C 2, D 3, E 4, F 5);
row_tuple!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
row_tuple!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
row_tuple!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
row_tuple!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
row_tuple!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
row_tuple!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
row_tuple!(13; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
row_tuple!(14; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
row_tuple!(15; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
row_tuple!(16; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// The starting capacity of [`SerializedValues::from_row`]: a handful of small values fit
/// without growing the buffer.
const FROM_ROW_CAPACITY: usize = 64;

/// Values serialized ahead of time (e.g. to keep them for retries or batches).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SerializedValues {
    buf: BytesMut,
    count: usize,
    named: bool,
}

impl SerializedValues {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serializes `row` ahead of time (type-checked if `specs` is given).
    pub fn from_row<R: SerializeRow + ?Sized>(
        row: &R,
        specs: Option<&[ColumnSpec]>,
    ) -> Result<Self, SerializeError> {
        // One allocation for a typical row; nothing for an empty one.
        let mut buf = if row.is_empty() {
            BytesMut::new()
        } else {
            BytesMut::with_capacity(FROM_ROW_CAPACITY)
        };
        let mut w = RowWriter::uncounted(&mut buf);
        row.serialize_row(specs, &mut w)?;
        let (count, named) = w.finish()?;
        Ok(SerializedValues { buf, count, named })
    }

    /// Like [`from_row`](Self::from_row), but serializes into the spare capacity of `buf`,
    /// which must be empty, and splits the values off: [`SerializedValues`] made one after
    /// the other from one `buf` share its allocation (a batch's statements). `buf` is empty
    /// again afterwards, with the capacity left.
    pub fn from_row_in<R: SerializeRow + ?Sized>(
        buf: &mut BytesMut,
        row: &R,
        specs: Option<&[ColumnSpec]>,
    ) -> Result<Self, SerializeError> {
        if !buf.is_empty() {
            return Err(SerializeError::invalid(
                None,
                "the buffer for serialized values must be empty",
            ));
        }
        let mut w = RowWriter::uncounted(buf);
        let r = row.serialize_row(specs, &mut w).and_then(|()| w.finish());
        match r {
            Ok((count, named)) => Ok(SerializedValues {
                buf: buf.split(),
                count,
                named,
            }),
            Err(e) => {
                buf.clear();
                Err(e)
            }
        }
    }

    /// Appends a positional value.
    pub fn add_value<V: SerializeValue + ?Sized>(
        &mut self,
        v: &V,
        typ: Option<&ColumnType>,
    ) -> Result<(), SerializeError> {
        if self.named {
            return Err(SerializeError::invalid(None, "values are named"));
        }
        v.serialize(typ, &mut self.buf)?;
        self.count += 1;
        Ok(())
    }

    /// Appends a named value.
    pub fn add_named_value<V: SerializeValue + ?Sized>(
        &mut self,
        name: &str,
        v: &V,
        typ: Option<&ColumnType>,
    ) -> Result<(), SerializeError> {
        if self.count > 0 && !self.named {
            return Err(SerializeError::invalid(None, "values are positional"));
        }
        put_string(&mut self.buf, name)
            .map_err(|_| SerializeError::invalid(None, "name too long"))?;
        v.serialize(typ, &mut self.buf)?;
        self.named = true;
        self.count += 1;
        Ok(())
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether the values are named.
    pub fn is_named(&self) -> bool {
        self.named
    }

    /// The serialized values (without the leading count).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

impl SerializeRow for SerializedValues {
    fn serialize_row(
        &self,
        specs: Option<&[ColumnSpec]>,
        w: &mut RowWriter<'_>,
    ) -> Result<(), SerializeError> {
        if !self.named {
            check_count(specs, self.count)?;
        }
        w.raw(&self.buf, self.count, self.named)
    }
    fn is_empty(&self) -> bool {
        self.count == 0
    }
    fn size_hint(&self) -> usize {
        self.buf.len()
    }
}
