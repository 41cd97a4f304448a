//! [`Batch`]: mapper writes applied together (logged: all or nothing; unlogged; counter).

use crate::Session;
use crate::statement::{BatchStatement, BatchType};

use super::cache;
use super::cql_text;
use super::error::Error;
use super::model::Model;
use super::options::CallOptions;
use super::value::Binds;
use super::write::{Delete, Insert, Statement, Update};

/// A mapper write that can go in a batch.
pub trait BatchWrite<'a> {
    #[doc(hidden)]
    fn batch_statement(&self, session: &Session) -> Result<BatchEntry<'a>, Error>;
}

/// One statement of a batch (built by [`BatchWrite`]).
#[doc(hidden)]
pub struct BatchEntry<'a> {
    st: Statement<'a>,
    table: &'static str,
}

fn entry<'a, M: Model>(
    opts: &CallOptions,
    session: &Session,
    st: impl FnOnce(&str) -> Result<Statement<'a>, Error>,
) -> Result<BatchEntry<'a>, Error> {
    let ks = cql_text::keyspace(M::TABLE, opts.keyspace.as_deref(), session)?;
    Ok(BatchEntry {
        st: st(&ks)?,
        table: M::TABLE.name,
    })
}

impl<'a, M: Model> BatchWrite<'a> for Insert<'a, M> {
    fn batch_statement(&self, session: &Session) -> Result<BatchEntry<'a>, Error> {
        entry::<M>(&self.opts, session, |ks| self.statement(ks))
    }
}
impl<'a, M: Model> BatchWrite<'a> for Update<'a, M> {
    fn batch_statement(&self, session: &Session) -> Result<BatchEntry<'a>, Error> {
        entry::<M>(&self.opts, session, |ks| self.statement(ks))
    }
}
impl<'a, M: Model> BatchWrite<'a> for Delete<'a, M> {
    fn batch_statement(&self, session: &Session) -> Result<BatchEntry<'a>, Error> {
        entry::<M>(&self.opts, session, |ks| self.statement(ks))
    }
}

impl std::fmt::Debug for BatchEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchEntry")
            .field("cql", &self.st.cql)
            .finish()
    }
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("kind", &self.kind)
            .field("writes", &self.entries.len())
            .finish()
    }
}

/// Mapper writes sent as one `BATCH`.
pub struct Batch<'a> {
    kind: BatchType,
    entries: Vec<Box<dyn BatchWrite<'a> + Send + Sync + 'a>>,
    opts: CallOptions,
}

impl<'a> Batch<'a> {
    /// A logged batch: every statement is applied, or none.
    pub fn logged() -> Self {
        Self::new(BatchType::Logged)
    }
    /// An unlogged batch.
    pub fn unlogged() -> Self {
        Self::new(BatchType::Unlogged)
    }
    /// A batch of counter updates.
    pub fn counter() -> Self {
        Self::new(BatchType::Counter)
    }

    fn new(kind: BatchType) -> Self {
        Batch {
            kind,
            entries: Vec::new(),
            opts: CallOptions::default(),
        }
    }

    /// Adds a write (an [`Insert`], [`Update`] or [`Delete`]); its own keyspace, TTL,
    /// timestamp and condition apply, its consistency and timeout do not (the batch's do).
    #[must_use]
    pub fn push(mut self, w: impl BatchWrite<'a> + Send + Sync + 'a) -> Self {
        self.entries.push(Box::new(w));
        self
    }

    /// The number of writes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no write.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets the batch's consistency.
    #[must_use]
    pub fn consistency(mut self, c: crate::statement::Consistency) -> Self {
        self.opts.consistency = Some(c);
        self
    }

    /// Sets the batch's serial consistency (a conditional batch).
    #[must_use]
    pub fn serial_consistency(mut self, c: crate::statement::Consistency) -> Self {
        self.opts.serial_consistency = Some(c);
        self
    }

    /// Sets the batch's timeout.
    #[must_use]
    pub fn timeout(mut self, t: std::time::Duration) -> Self {
        self.opts.timeout = Some(t);
        self
    }

    /// Sends the batch. A conditional batch whose conditions do not all hold is
    /// [`Error::NotApplied`] naming the first write's table (nothing of it is applied).
    pub async fn execute(&self, session: &Session) -> Result<(), Error> {
        let mut b = BatchStatement::with_capacity(self.kind, self.entries.len());
        if let Some(c) = self.opts.consistency {
            b = b.with_consistency(c);
        }
        if let Some(c) = self.opts.serial_consistency {
            b = b.with_serial_consistency(c);
        }
        if let Some(t) = self.opts.timeout {
            b = b.with_timeout(t);
        }
        let mut conditional = false;
        let mut table = "";
        for e in &self.entries {
            let BatchEntry { st, table: t } = e.batch_statement(session)?;
            conditional |= st.conditional;
            let p = cache::prepare(session, &st.cql).await?;
            b.add_prepared(
                &p,
                Binds {
                    items: &st.binds,
                    row: st.row,
                },
            )?;
            if table.is_empty() {
                table = t;
            }
        }
        let r = session.batch(&b).await?;
        if conditional && !r.was_applied()? {
            return Err(Error::NotApplied { table });
        }
        Ok(())
    }
}
