//! Iterating over the rows of a RESULT.

use std::marker::PhantomData;

use bytes::Bytes;

use super::{DeserializeError, DeserializeRow, DeserializeValue, RawValue};
use crate::metadata::ColumnSpec;
use crate::types::CqlValue;
use crate::wire::Reader;

/// The values of one row, each with its column spec.
#[derive(Debug, Clone)]
pub struct ColumnIterator<'frame, 'meta> {
    frame: &'frame Bytes,
    reader: Reader<'frame>,
    columns: std::slice::Iter<'meta, ColumnSpec>,
}

impl<'frame, 'meta> ColumnIterator<'frame, 'meta> {
    /// The number of columns not read yet.
    pub fn remaining(&self) -> usize {
        self.columns.len()
    }
}

impl<'frame, 'meta> Iterator for ColumnIterator<'frame, 'meta> {
    type Item = Result<(&'meta ColumnSpec, Option<RawValue<'frame>>), DeserializeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let spec = self.columns.next()?;
        Some(match self.reader.try_bytes() {
            Some(v) => Ok((spec, v.map(|d| RawValue::new(self.frame, d)))),
            None => Err(DeserializeError::Truncated.in_column(&spec.name)),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.columns.size_hint()
    }
}

/// One row as raw values (see [`ColumnIterator`]).
pub type RawRow<'frame, 'meta> = ColumnIterator<'frame, 'meta>;

/// Iterates over the rows of a result; each row is a [`ColumnIterator`].
#[derive(Debug, Clone)]
pub struct RowIterator<'frame, 'meta> {
    frame: &'frame Bytes,
    reader: Reader<'frame>,
    columns: &'meta [ColumnSpec],
    remaining: usize,
}

impl<'frame, 'meta> RowIterator<'frame, 'meta> {
    /// Rows in `raw` (the rows part of a RESULT body), `count` of them, with these columns.
    pub fn new(raw: &'frame Bytes, count: usize, columns: &'meta [ColumnSpec]) -> Self {
        RowIterator {
            frame: raw,
            reader: Reader::new(raw),
            columns,
            remaining: count,
        }
    }

    /// Resumes reading `raw` at byte `offset` (a value of [`offset`](Self::offset)), with
    /// `count` rows left. An offset past the end reads as truncated rows, never a panic.
    pub fn resume(
        raw: &'frame Bytes,
        offset: usize,
        count: usize,
        columns: &'meta [ColumnSpec],
    ) -> Self {
        RowIterator {
            frame: raw,
            reader: Reader::new(raw.get(offset..).unwrap_or_default()),
            columns,
            remaining: count,
        }
    }

    /// The byte offset of the next row in the rows' bytes (for [`resume`](Self::resume)).
    pub fn offset(&self) -> usize {
        self.frame.len() - self.reader.remaining().len()
    }

    /// The columns.
    pub fn columns(&self) -> &'meta [ColumnSpec] {
        self.columns
    }

    /// Rows not read yet.
    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

impl<'frame, 'meta> Iterator for RowIterator<'frame, 'meta> {
    type Item = Result<ColumnIterator<'frame, 'meta>, DeserializeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // Find the row's extent first so a row type that reads fewer columns cannot desync us.
        let start = self.reader;
        for _ in 0..self.columns.len() {
            if self.reader.try_bytes().is_none() {
                self.remaining = 0;
                return Some(Err(DeserializeError::Truncated));
            }
        }
        let row_len = start.remaining().len() - self.reader.remaining().len();
        let row = &start.remaining()[..row_len];
        Some(Ok(ColumnIterator {
            frame: self.frame,
            reader: Reader::new(row),
            columns: self.columns.iter(),
        }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

/// Iterates over rows deserialized as `R` (type-checked on creation).
#[derive(Debug)]
pub struct TypedRowIterator<'frame, 'meta, R> {
    inner: RowIterator<'frame, 'meta>,
    _row: PhantomData<fn() -> R>,
}

impl<'frame, 'meta, R: DeserializeRow<'frame>> TypedRowIterator<'frame, 'meta, R> {
    /// Type-checks `R` against the columns and wraps the iterator.
    pub fn new(inner: RowIterator<'frame, 'meta>) -> Result<Self, DeserializeError> {
        R::type_check(inner.columns())?;
        Ok(TypedRowIterator {
            inner,
            _row: PhantomData,
        })
    }

    /// Wraps the iterator without type-checking `R`: for a caller that has seen
    /// `R::type_check` pass on these same columns before (the mapper keeps, per statement,
    /// the result metadata its model was checked against).
    pub fn checked_before(inner: RowIterator<'frame, 'meta>) -> Self {
        TypedRowIterator {
            inner,
            _row: PhantomData,
        }
    }

    /// Rows not read yet.
    pub fn remaining(&self) -> usize {
        self.inner.remaining()
    }
}

impl<'frame, R: DeserializeRow<'frame>> Iterator for TypedRowIterator<'frame, '_, R> {
    type Item = Result<R, DeserializeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.inner.next()?.and_then(R::deserialize))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// A row of dynamic values (`None` for null), in column order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// The values.
    pub columns: Vec<Option<CqlValue>>,
}

impl<'frame> DeserializeRow<'frame> for Row {
    fn type_check(_: &[ColumnSpec]) -> Result<(), DeserializeError> {
        Ok(())
    }

    fn deserialize(row: ColumnIterator<'frame, '_>) -> Result<Self, DeserializeError> {
        let mut columns = Vec::with_capacity(row.remaining());
        for c in row {
            let (spec, v) = c?;
            columns.push(
                <Option<CqlValue>>::deserialize(&spec.typ, v)
                    .map_err(|e| e.in_column(&spec.name))?,
            );
        }
        Ok(Row { columns })
    }
}

macro_rules! row_tuple {
    ($n:expr; $($T:ident),+) => {
        impl<'frame, $($T: DeserializeValue<'frame>),+> DeserializeRow<'frame> for ($($T,)+) {
            fn type_check(columns: &[ColumnSpec]) -> Result<(), DeserializeError> {
                if columns.len() != $n {
                    return Err(DeserializeError::WrongColumnCount {
                        expected: $n,
                        actual: columns.len(),
                    });
                }
                let mut it = columns.iter();
                $(
                    let c = it.next().ok_or_else(|| DeserializeError::Truncated)?;
                    $T::type_check(&c.typ).map_err(|e| e.in_column(&c.name))?;
                )+
                Ok(())
            }

            // Called once per row from the row iterators' loops: inlined there.
            #[inline]
            fn deserialize(mut row: ColumnIterator<'frame, '_>) -> Result<Self, DeserializeError> {
                Ok(($(
                    {
                        let (spec, v) = row.next().ok_or_else(|| DeserializeError::Truncated)??;
                        $T::deserialize(&spec.typ, v).map_err(|e| e.in_column(&spec.name))?
                    },
                )+))
            }
        }
    };
}

row_tuple!(1; A);
row_tuple!(2; A, B);
row_tuple!(3; A, B, C);
row_tuple!(4; A, B, C, D);
row_tuple!(5; A, B, C, D, E);
row_tuple!(6; A, B, C, D, E, F);
row_tuple!(7; A, B, C, D, E, F, G);
row_tuple!(8; A, B, C, D, E, F, G, H);
row_tuple!(9; A, B, C, D, E, F, G, H, I);
row_tuple!(10; A, B, C, D, E, F, G, H, I, J);
row_tuple!(11; A, B, C, D, E, F, G, H, I, J, K);
row_tuple!(12; A, B, C, D, E, F, G, H, I, J, K, L);
row_tuple!(13; A, B, C, D, E, F, G, H, I, J, K, L, M);
row_tuple!(14; A, B, C, D, E, F, G, H, I, J, K, L, M, N);
row_tuple!(15; A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
row_tuple!(16; A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);
