//! The writes of a model: [`Insert`] (`save`), [`Update`] (chosen columns, collection and
//! counter operations) and [`Delete`] (rows, columns, clustering ranges), with TTL,
//! `USING TIMESTAMP` and conditions (`IF NOT EXISTS`, `IF EXISTS`, `IF ...`).

use std::time::Duration;

use super::bound::InsertValues;
use super::column::{AssignKind, Assignment, Filter, Op, Target};
use super::cql_text;
use super::error::Error;
use super::model::{Model, Role, RowSource};
use super::options::{CallOptions, call_options};
use super::shapes::Shape;
use super::validate;
use super::value::Bind;

/// The builder methods an update and a delete share: `USING TIMESTAMP`, `IF EXISTS`, `IF`
/// conditions, the call options, and the key filters they were made with.
macro_rules! keyed_write_options {
    () => {
        /// `USING TIMESTAMP` (microseconds since the epoch).
        #[must_use]
        pub fn timestamp(mut self, micros: i64) -> Self {
            self.opts.timestamp = Some(micros);
            self
        }

        /// `IF EXISTS`.
        #[must_use]
        pub fn if_exists(mut self) -> Self {
            self.condition = Condition::IfExists;
            self
        }

        /// `IF condition AND ...`: each call adds one (`User::AGE.eq(3)`).
        #[must_use]
        pub fn iff(mut self, f: Filter<M>) -> Self {
            match &mut self.condition {
                Condition::Iff(v) => v.push(f),
                _ => self.condition = Condition::Iff(vec![f]),
            }
            self
        }

        call_options!();

        pub(crate) fn key_filters(&self) -> &[Filter<M>] {
            &self.filters
        }
    };
}

/// The first word of an `INSERT`'s shape key (see `shapes.rs`).
pub(crate) const SHAPE_INSERT: u32 = 1;

/// A write's condition.
pub(crate) enum Condition<M> {
    None,
    IfExists,
    Iff(Vec<Filter<M>>),
}

/// One write statement, ready to prepare and bind.
pub(crate) struct Statement<'a> {
    pub(crate) cql: String,
    pub(crate) binds: Vec<Bind>,
    pub(crate) row: Option<&'a dyn RowSource>,
    pub(crate) conditional: bool,
}

/// Writes go through the variant models of a polymorphic table, not its enum.
fn writable<M: Model>() -> Result<(), Error> {
    if M::TABLE.polymorphic.is_some() {
        return Err(invalid::<M>(format!(
            "{} is written through its variant models",
            M::TABLE.rust_name
        )));
    }
    if M::TABLE.view.is_some() {
        return Err(invalid::<M>("a materialized view is not written to"));
    }
    Ok(())
}

fn invalid<M: Model>(reason: impl Into<String>) -> Error {
    Error::InvalidWrite {
        table: M::TABLE.name,
        reason: reason.into(),
    }
}

fn ttl_secs<M: Model>(ttl: Duration) -> Result<i32, Error> {
    i32::try_from(ttl.as_secs())
        .ok()
        .filter(|s| *s > 0 || ttl.is_zero())
        .ok_or_else(|| {
            invalid::<M>(format!(
                "TTL {ttl:?} is not a whole number of seconds >= 1 that fits an int"
            ))
        })
}

/// ` USING TTL ? AND TIMESTAMP ?` for what is set.
fn using(ttl: Option<i32>, timestamp: Option<i64>, binds: &mut Vec<Bind>) -> String {
    let mut parts = Vec::new();
    if let Some(t) = ttl {
        parts.push("TTL ?");
        binds.push(Bind::value(t));
    }
    if let Some(t) = timestamp {
        parts.push("TIMESTAMP ?");
        binds.push(Bind::value(t));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" USING {}", parts.join(" AND "))
    }
}

/// ` IF ...` of a condition.
fn condition<M: Model>(c: &Condition<M>, binds: &mut Vec<Bind>) -> Result<String, Error> {
    Ok(match c {
        Condition::None => String::new(),
        Condition::IfExists => " IF EXISTS".to_owned(),
        Condition::Iff(fs) => {
            for f in fs {
                let Target::Column(i) = f.target else {
                    return Err(invalid::<M>("a condition is on a column, not on token()"));
                };
                let c = &M::TABLE.columns[i];
                if matches!(c.role, Role::PartitionKey | Role::Clustering(_)) {
                    return Err(Error::InvalidFilter {
                        column: c.name.to_owned(),
                        rule: "a condition (IF) is on non-key columns".to_owned(),
                    });
                }
                if matches!(f.op, Op::Contains | Op::ContainsKey) {
                    return Err(Error::InvalidFilter {
                        column: c.name.to_owned(),
                        rule: "a condition (IF) has no CONTAINS".to_owned(),
                    });
                }
            }
            format!(" IF {}", cql_text::relations(fs, false, binds))
        }
    })
}

/// `WHERE` equalities on the primary key, from the model's own columns.
pub(crate) fn key_filters<M: Model>() -> Vec<Filter<M>> {
    let def = M::TABLE;
    def.partition_key()
        .into_iter()
        .chain(def.clustering_key())
        .map(|i| Filter::new(Target::Column(i), Op::Eq, Bind::Column(i)))
        .collect()
}

impl<M: Model> std::fmt::Debug for Insert<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Insert")
            .field("table", &M::TABLE.name)
            .finish_non_exhaustive()
    }
}

/// An `INSERT` of a model (`save`); `None` fields are left unset.
pub struct Insert<'a, M> {
    pub(crate) model: &'a M,
    ttl: Option<Duration>,
    pub(crate) if_not_exists: bool,
    pub(crate) opts: CallOptions,
}

impl<'a, M: Model> Insert<'a, M> {
    pub(crate) fn new(model: &'a M) -> Self {
        Insert {
            model,
            ttl: None,
            if_not_exists: false,
            opts: CallOptions::default(),
        }
    }

    /// The row expires after `ttl` (whole seconds).
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// `USING TIMESTAMP` (microseconds since the epoch).
    #[must_use]
    pub fn timestamp(mut self, micros: i64) -> Self {
        self.opts.timestamp = Some(micros);
        self
    }

    /// `IF NOT EXISTS`: not applied when the row exists ([`WriteError::NotApplied`](super::WriteError)
    /// carries it).
    #[must_use]
    pub fn if_not_exists(mut self) -> Self {
        self.if_not_exists = true;
        self
    }

    call_options!();

    /// The row's values, after refusing what cannot be inserted.
    pub(crate) fn values(&self) -> Result<InsertValues<'a, M>, Error> {
        writable::<M>()?;
        if const { M::TABLE.is_counter() } {
            return Err(invalid::<M>(
                "a counter table takes no INSERT; update its counters with incr/decr",
            ));
        }
        Ok(InsertValues {
            row: self.model,
            ttl: self.ttl.map(ttl_secs::<M>).transpose()?,
            timestamp: self.opts.timestamp,
        })
    }

    /// The statement's shape: which clauses it has, in keyspace `ks`.
    pub(crate) fn shape(&self, ks: &str) -> Shape {
        let mut shape = Shape::new(SHAPE_INSERT);
        shape.push(
            u32::from(self.if_not_exists)
                | (u32::from(self.ttl.is_some()) << 1)
                | (u32::from(self.opts.timestamp.is_some()) << 2),
        );
        shape.push_str(ks);
        shape
    }

    /// `INSERT INTO ks.table (columns) VALUES (?, ...) [IF NOT EXISTS] [USING ...]`, its
    /// markers in the order of [`InsertValues`].
    pub(crate) fn text(&self, ks: &str, values: &InsertValues<'_, M>) -> String {
        let def = M::TABLE;
        let mut cql = String::with_capacity(64);
        cql.push_str("INSERT INTO ");
        cql.push_str(&cql_text::table(def, ks));
        cql.push_str(" (");
        for i in 0..def.columns.len() {
            if i > 0 {
                cql.push_str(", ");
            }
            cql.push_str(&cql_text::column(def, i));
        }
        if let Some((col, _)) = def.discriminator {
            cql.push_str(", ");
            cql.push_str(&crate::metadata::quote_identifier(col));
        }
        cql.push_str(") VALUES (");
        let marks = def.columns.len() + usize::from(def.discriminator.is_some());
        for i in 0..marks {
            cql.push_str(if i > 0 { ", ?" } else { "?" });
        }
        cql.push(')');
        if self.if_not_exists {
            cql.push_str(" IF NOT EXISTS");
        }
        cql.push_str(&using(values.ttl, values.timestamp, &mut Vec::new()));
        cql
    }

    /// The statement with its values as a list of binds (for a batch).
    pub(crate) fn statement(&self, ks: &str) -> Result<Statement<'a>, Error> {
        let values = self.values()?;
        Ok(Statement {
            cql: self.text(ks, &values),
            binds: values.to_binds(),
            row: Some(self.model),
            conditional: self.if_not_exists,
        })
    }
}

impl<M: Model> std::fmt::Debug for Update<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("table", &M::TABLE.name)
            .finish_non_exhaustive()
    }
}

/// An `UPDATE` of rows of model `M`.
pub struct Update<'a, M> {
    row: Option<&'a M>,
    filters: Vec<Filter<M>>,
    assignments: Vec<Assignment<M>>,
    ttl: Option<Duration>,
    condition: Condition<M>,
    pub(crate) opts: CallOptions,
}

impl<'a, M: Model> Update<'a, M> {
    /// The row of `model` (by its primary key), no assignment yet.
    pub(crate) fn of_row(model: &'a M) -> Self {
        Update {
            row: Some(model),
            filters: key_filters::<M>(),
            assignments: Vec::new(),
            ttl: None,
            condition: Condition::None,
            opts: CallOptions::default(),
        }
    }

    /// The rows `filters` select.
    pub(crate) fn of_filters(filters: Vec<Filter<M>>, opts: CallOptions) -> Self {
        Update {
            row: None,
            filters,
            assignments: Vec::new(),
            ttl: None,
            condition: Condition::None,
            opts,
        }
    }

    /// Sets the given columns to the model's values (an update of the model's row).
    #[must_use]
    pub fn columns<C: super::Columns<M>>(mut self, columns: C) -> Self {
        for i in columns.indexes() {
            self.assignments
                .push(Assignment::new(i, AssignKind::Set, vec![Bind::Column(i)]));
        }
        self
    }

    /// Adds an assignment: `User::NAME.set(..)`, `User::TAGS.add_all(..)`, `User::HITS.incr(1)`...
    #[must_use]
    pub fn set(mut self, a: Assignment<M>) -> Self {
        self.assignments.push(a);
        self
    }

    /// The written values expire after `ttl`.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    keyed_write_options!();

    pub(crate) fn statement(&self, ks: &str) -> Result<Statement<'a>, Error> {
        let def = M::TABLE;
        writable::<M>()?;
        if self.assignments.is_empty() {
            return Err(invalid::<M>("an update needs at least one assignment"));
        }
        let mut all_static = true;
        for a in &self.assignments {
            let c = &def.columns[a.column];
            if matches!(c.role, Role::PartitionKey | Role::Clustering(_)) {
                return Err(invalid::<M>(format!(
                    "column {} is part of the primary key and cannot be updated",
                    c.name
                )));
            }
            all_static &= c.role == Role::Static;
            let counter_op = matches!(a.kind, AssignKind::Add | AssignKind::Remove)
                && !matches!(
                    (c.cql_type)(),
                    super::TypeDesc::List(_) | super::TypeDesc::Set(_) | super::TypeDesc::Map(..)
                );
            if c.counter && !counter_op {
                return Err(invalid::<M>(format!(
                    "counter column {} changes only by incr/decr",
                    c.name
                )));
            }
            if !c.counter && counter_op {
                return Err(invalid::<M>(format!(
                    "column {} is not a counter: incr/decr need #[cql(counter)]",
                    c.name
                )));
            }
        }
        if def.is_counter() && self.ttl.is_some() {
            return Err(invalid::<M>("counters take no TTL"));
        }
        validate::write(&self.filters, !all_static, false)?;
        let mut binds = Vec::new();
        let ttl = self.ttl.map(ttl_secs::<M>).transpose()?;
        let using = using(ttl, self.opts.timestamp, &mut binds);
        let mut sets = Vec::with_capacity(self.assignments.len());
        for a in &self.assignments {
            let c = cql_text::column(def, a.column);
            sets.push(match a.kind {
                AssignKind::Set => format!("{c} = ?"),
                AssignKind::Add => format!("{c} = {c} + ?"),
                AssignKind::Prepend => format!("{c} = ? + {c}"),
                AssignKind::Remove => format!("{c} = {c} - ?"),
                AssignKind::PutKey => format!("{c}[?] = ?"),
            });
            binds.extend(a.values.iter().cloned());
        }
        let rel = cql_text::relations(&self.filters, false, &mut binds);
        let cond = condition(&self.condition, &mut binds)?;
        let cql = format!(
            "UPDATE {}{using} SET {} WHERE {rel}{cond}",
            cql_text::table(def, ks),
            sets.join(", ")
        );
        Ok(Statement {
            cql,
            binds,
            row: self.row.map(|r| r as &dyn RowSource),
            conditional: !matches!(self.condition, Condition::None),
        })
    }
}

impl<M: Model> std::fmt::Debug for Delete<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delete")
            .field("table", &M::TABLE.name)
            .finish_non_exhaustive()
    }
}

/// A `DELETE` of rows of model `M` (or of some of their columns).
pub struct Delete<'a, M> {
    row: Option<&'a M>,
    filters: Vec<Filter<M>>,
    columns: Vec<usize>,
    condition: Condition<M>,
    pub(crate) opts: CallOptions,
}

impl<'a, M: Model> Delete<'a, M> {
    pub(crate) fn of_row(model: &'a M) -> Self {
        Delete {
            row: Some(model),
            filters: key_filters::<M>(),
            columns: Vec::new(),
            condition: Condition::None,
            opts: CallOptions::default(),
        }
    }

    pub(crate) fn of_filters(filters: Vec<Filter<M>>, opts: CallOptions) -> Self {
        Delete {
            row: None,
            filters,
            columns: Vec::new(),
            condition: Condition::None,
            opts,
        }
    }

    /// Deletes only these columns (sets them to null) instead of the rows.
    #[must_use]
    pub fn columns<C: super::Columns<M>>(mut self, columns: C) -> Self {
        self.columns.extend(columns.indexes());
        self
    }

    keyed_write_options!();

    pub(crate) fn statement(&self, ks: &str) -> Result<Statement<'a>, Error> {
        let def = M::TABLE;
        writable::<M>()?;
        for i in &self.columns {
            let c = &def.columns[*i];
            if matches!(c.role, Role::PartitionKey | Role::Clustering(_)) {
                return Err(invalid::<M>(format!(
                    "column {} is part of the primary key; delete the row instead",
                    c.name
                )));
            }
        }
        let all_static = !self.columns.is_empty()
            && self
                .columns
                .iter()
                .all(|i| def.columns[*i].role == Role::Static);
        let conditional = !matches!(self.condition, Condition::None);
        // Whole rows by a clustering prefix or range; columns of one row; a condition on
        // one row.
        let one_row = (!self.columns.is_empty() && !all_static) || conditional;
        validate::write(&self.filters, one_row, !one_row)?;
        let mut binds = Vec::new();
        let using = using(None, self.opts.timestamp, &mut binds);
        let rel = cql_text::relations(&self.filters, false, &mut binds);
        let cond = condition(&self.condition, &mut binds)?;
        let cols = if self.columns.is_empty() {
            String::new()
        } else {
            format!("{} ", cql_text::column_list(def, &self.columns))
        };
        let cql = format!(
            "DELETE {cols}FROM {}{using} WHERE {rel}{cond}",
            cql_text::table(def, ks)
        );
        Ok(Statement {
            cql,
            binds,
            row: self.row.map(|r| r as &dyn RowSource),
            conditional,
        })
    }
}
