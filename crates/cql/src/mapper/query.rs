//! [`Query`]: a model's `SELECT` built by method calls (the mapper's QuerySet).

use std::marker::PhantomData;

use smallvec::SmallVec;

use super::bound::SelectValues;
use super::column::{Filter, Op, OrderBy, Target};
use super::cql_text;
use super::error::Error;
use super::model::{Model, Role, RowSource};
use super::options::{CallOptions, call_options};
use super::shapes::Shape;
use super::validate;

/// A query's filters: two held inline (a partition key of one or two columns, or a key and
/// a clustering bound) before any allocation.
pub(crate) type Filters<M> = SmallVec<[Filter<M>; 2]>;

/// A query of model `M`'s table. Build it with [`ModelExt::objects`](super::ModelExt::objects),
/// run it with [`all`](Self::all), [`get`](Self::get), [`first`](Self::first) or
/// [`count`](Self::count) (see `read.rs`), or change the rows it selects with
/// [`update`](Self::update) and [`delete`](Self::delete).
pub struct Query<M> {
    pub(crate) filters: Filters<M>,
    pub(crate) order: Vec<OrderBy<M>>,
    pub(crate) limit: Option<i32>,
    pub(crate) per_partition_limit: Option<i32>,
    pub(crate) allow_filtering: bool,
    pub(crate) opts: CallOptions,
    _m: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Query {
            filters: self.filters.clone(),
            order: self.order.clone(),
            limit: self.limit,
            per_partition_limit: self.per_partition_limit,
            allow_filtering: self.allow_filtering,
            opts: self.opts.clone(),
            _m: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("filters", &self.filters)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// What a `SELECT` reads.
#[derive(Clone, Copy)]
pub(crate) enum Selection<'a> {
    /// Every column of the model.
    All,
    Columns {
        columns: &'a [usize],
        distinct: bool,
    },
    Count,
}

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Query<M> {
    /// Every row of the table.
    pub fn new() -> Self {
        Query {
            filters: SmallVec::new(),
            order: Vec::new(),
            limit: None,
            per_partition_limit: None,
            allow_filtering: false,
            opts: CallOptions::default(),
            _m: PhantomData,
        }
    }

    /// Adds a restriction (`AND`ed with the others).
    #[must_use]
    #[inline(always)]
    pub fn filter(mut self, f: Filter<M>) -> Self {
        self.filters.push(f);
        self
    }

    /// Orders by a clustering column (`User::AT.desc()`); call again for the next column.
    #[must_use]
    pub fn order_by(mut self, o: OrderBy<M>) -> Self {
        self.order.push(o);
        self
    }

    /// At most `n` rows.
    #[must_use]
    pub fn limit(mut self, n: i32) -> Self {
        self.limit = Some(n);
        self
    }

    /// At most `n` rows of each partition.
    #[must_use]
    pub fn per_partition_limit(mut self, n: i32) -> Self {
        self.per_partition_limit = Some(n);
        self
    }

    /// Lets the server filter rows by columns that are neither keys nor indexed.
    #[must_use]
    pub fn allow_filtering(mut self) -> Self {
        self.allow_filtering = true;
        self
    }

    /// Rows per page of [`all`](Self::all).
    #[must_use]
    pub fn fetch_size(mut self, rows: i32) -> Self {
        self.opts.page_size = Some(rows);
        self
    }

    call_options!();

    /// Whether the query is `=` on each partition key column, in key order, and nothing
    /// else (no order, per-partition limit or filtering): the `SELECT` of `get` and `first`
    /// by key, whose text depends only on the model and keyspace.
    #[inline]
    pub(crate) fn is_key_lookup(&self) -> bool {
        if !(self.order.is_empty() && self.per_partition_limit.is_none() && !self.allow_filtering) {
            return false;
        }
        // As many filters as key columns, each on a key column, in increasing column
        // order: the key columns in key order, each once.
        let key_len = const { M::TABLE.partition_key_len() };
        if key_len == 0 || self.filters.len() != key_len {
            return false;
        }
        let mut after = None;
        self.filters.iter().all(|f| {
            let Target::Column(i) = f.target else {
                return false;
            };
            let in_order = after.is_none_or(|a| i > a);
            after = Some(i);
            f.op == Op::Eq
                && f.function.is_none()
                && in_order
                && M::TABLE
                    .columns
                    .get(i)
                    .is_some_and(|c| c.role == Role::PartitionKey)
        })
    }

    /// The shape of this query's `SELECT` of `what` (with a `LIMIT` marker when `limit` is
    /// set) in keyspace `ks`: everything its text depends on.
    pub(crate) fn shape(&self, ks: &str, what: &Selection<'_>, limit: Option<i32>) -> Shape {
        let mut shape = Shape::new(SHAPE_SELECT);
        match what {
            Selection::All => shape.push(0),
            Selection::Count => shape.push(1),
            Selection::Columns { columns, distinct } => {
                shape.push(2 + u32::from(*distinct));
                push_len(&mut shape, columns.len());
                for c in *columns {
                    push_len(&mut shape, *c);
                }
            }
        }
        push_len(&mut shape, self.filters.len());
        for f in &self.filters {
            match f.target {
                Target::Token => shape.push(0),
                Target::Column(i) => push_len(&mut shape, i + 1),
            }
            shape.push(f.op as u32);
            match f.function {
                None => shape.push(0),
                Some("minTimeuuid") => shape.push(1),
                Some("maxTimeuuid") => shape.push(2),
                Some(_) => shape.unkept(),
            }
        }
        push_len(&mut shape, self.order.len());
        for o in &self.order {
            push_len(&mut shape, o.column * 2 + usize::from(o.desc));
        }
        shape.push(
            u32::from(self.per_partition_limit.is_some())
                | (u32::from(limit.is_some()) << 1)
                | (u32::from(self.allow_filtering) << 2),
        );
        shape.push_str(ks);
        shape
    }

    /// The values of this query's `SELECT` (with `limit`), in its markers' order.
    pub(crate) fn values<'a>(
        &'a self,
        limit: Option<i32>,
        row: Option<&'a dyn RowSource>,
    ) -> SelectValues<'a, M> {
        SelectValues {
            filters: &self.filters,
            discriminator: M::TABLE.discriminator.map(|(_, value)| value),
            per_partition_limit: self.per_partition_limit,
            limit,
            row,
        }
    }

    /// The `SELECT`, its markers in the order of [`values`](Self::values); refuses what the
    /// server would refuse.
    pub(crate) fn select_cql(
        &self,
        ks: &str,
        what: Selection<'_>,
        limit: Option<i32>,
    ) -> Result<String, Error> {
        let def = M::TABLE;
        validate::select(&self.filters, &self.order, self.allow_filtering)?;
        let head = match what {
            Selection::Count => "SELECT COUNT(*)".to_owned(),
            Selection::All | Selection::Columns { .. } if def.polymorphic.is_some() => {
                "SELECT *".to_owned()
            }
            Selection::All => {
                let all: Vec<usize> = (0..def.columns.len()).collect();
                format!("SELECT {}", cql_text::column_list(def, &all))
            }
            Selection::Columns { columns, distinct } => {
                if distinct {
                    for c in columns {
                        let col = &def.columns[*c];
                        if !matches!(col.role, super::Role::PartitionKey | super::Role::Static) {
                            return Err(Error::InvalidFilter {
                                column: col.name.to_owned(),
                                rule: "distinct selects only partition key and static columns"
                                    .to_owned(),
                            });
                        }
                    }
                }
                format!(
                    "SELECT {}{}",
                    if distinct { "DISTINCT " } else { "" },
                    cql_text::column_list(def, columns)
                )
            }
        };
        let mut q = format!("{head} FROM {}", cql_text::table(def, ks));
        let rel = cql_text::relations(&self.filters, true, &mut Vec::new());
        if !rel.is_empty() {
            q.push_str(" WHERE ");
            q.push_str(&rel);
        }
        if !self.order.is_empty() {
            let parts: Vec<String> = self
                .order
                .iter()
                .map(|o| {
                    format!(
                        "{} {}",
                        cql_text::column(def, o.column),
                        if o.desc { "DESC" } else { "ASC" }
                    )
                })
                .collect();
            q.push_str(" ORDER BY ");
            q.push_str(&parts.join(", "));
        }
        if self.per_partition_limit.is_some() {
            q.push_str(" PER PARTITION LIMIT ?");
        }
        if limit.is_some() {
            q.push_str(" LIMIT ?");
        }
        if self.allow_filtering {
            q.push_str(" ALLOW FILTERING");
        }
        Ok(q)
    }
}

/// The first word of a `SELECT`'s shape key (see `shapes.rs`).
const SHAPE_SELECT: u32 = 2;

/// Pushes a count or an index (any that fits a shape key).
fn push_len(shape: &mut Shape, n: usize) {
    match u32::try_from(n) {
        Ok(n) => shape.push(n),
        Err(_) => shape.unkept(),
    }
}
