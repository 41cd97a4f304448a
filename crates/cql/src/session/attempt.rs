//! One attempt of a request on one connection: QUERY, EXECUTE (re-preparing a statement the
//! node forgot) and BATCH.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use bytes::Bytes;
use cql_protocol::message::{
    Batch, BatchStatement as WireBatchStatement, BatchStatementKind, Execute, Prepare, Query,
    QueryParameters, Request, Response, ResultMessage,
};
use cql_protocol::serialize::SerializeRow;

use super::Session;
use super::observe::Described;
use crate::connection::{Connection, SendOptions};
use crate::error::{Error, ResultError};
use crate::metrics::Counters;
use crate::result::QueryResult;
use crate::statement::{BatchItem, BatchStatement, Prepared, StatementOptions};

/// The wire options of an attempt: it ends by the call's `deadline`.
pub(super) fn send_opts(opts: &StatementOptions, deadline: Instant) -> SendOptions<'_> {
    SendOptions {
        tracing: opts.tracing,
        custom_payload: opts.custom_payload.as_deref(),
        timeout: opts.timeout.unwrap_or_default(),
        deadline: Some(deadline),
    }
}

fn params<'a>(
    o: &'a StatementOptions,
    paging_state: Option<&'a [u8]>,
    values: &'a (dyn SerializeRow + Sync),
    specs: Option<&'a [cql_protocol::metadata::ColumnSpec]>,
    skip_metadata: bool,
) -> QueryParameters<'a> {
    QueryParameters {
        consistency: o.consistency.unwrap_or_default(),
        values,
        value_specs: specs,
        skip_metadata,
        // Zero or less: unpaged, no page size on the wire.
        page_size: o.page_size.filter(|&n| n > 0),
        paging_state,
        serial_consistency: o.serial_consistency,
        default_timestamp: o.timestamp,
        keyspace: None,
        now_in_seconds: None,
    }
}

/// One attempt of a request on one connection.
pub(super) trait AsyncAttempt {
    async fn call(
        &self,
        session: &Session,
        conn: &Connection,
        opts: &StatementOptions,
        deadline: Instant,
    ) -> Result<QueryResult, Error>;

    /// What the request's span says about the statement (no bound values). Called only
    /// when the span is enabled.
    fn describe(&self) -> Described<'_>;
}

/// The table a prepared statement's bind markers or result columns belong to.
fn table_of(p: &Prepared) -> Option<(&str, &str)> {
    p.bind_markers
        .first()
        .map(|c| (c.table.keyspace.as_str(), c.table.table.as_str()))
}

pub(super) struct QueryAttempt<'a> {
    pub(super) query: &'a str,
    pub(super) values: &'a (dyn SerializeRow + Sync),
    pub(super) paging_state: Option<&'a [u8]>,
}

impl AsyncAttempt for QueryAttempt<'_> {
    async fn call(
        &self,
        _: &Session,
        conn: &Connection,
        opts: &StatementOptions,
        deadline: Instant,
    ) -> Result<QueryResult, Error> {
        let sent = conn.send(
            &Request::Query(Query {
                query: self.query,
                params: params(opts, self.paging_state, self.values, None, false),
            }),
            send_opts(opts, deadline),
        );
        let frame = sent.await?;
        QueryResult::from_response(conn.addr(), frame, None)
    }

    fn describe(&self) -> Described<'_> {
        Described {
            text: Some(self.query),
            continued_page: self.paging_state.is_some(),
            ..Described::default()
        }
    }
}

pub(super) struct ExecuteAttempt<'a> {
    pub(super) prepared: &'a Prepared,
    pub(super) values: &'a (dyn SerializeRow + Sync),
    pub(super) paging_state: Option<&'a [u8]>,
}

impl AsyncAttempt for ExecuteAttempt<'_> {
    async fn call(
        &self,
        session: &Session,
        conn: &Connection,
        opts: &StatementOptions,
        deadline: Instant,
    ) -> Result<QueryResult, Error> {
        for attempt in 0..2 {
            let id = self
                .prepared
                .id
                .read()
                .map(|g| g.clone())
                .unwrap_or_default();
            let meta_id = self
                .prepared
                .result_metadata_id
                .read()
                .ok()
                .and_then(|g| g.clone());
            let cached = self
                .prepared
                .result_metadata
                .read()
                .ok()
                .and_then(|g| g.clone());
            let sent = conn.send(
                &Request::Execute(Execute {
                    id: &id,
                    result_metadata_id: meta_id.as_deref(),
                    params: params(
                        opts,
                        self.paging_state,
                        self.values,
                        Some(&self.prepared.bind_markers),
                        cached.is_some(),
                    ),
                }),
                send_opts(opts, deadline),
            );
            match sent.await {
                Ok(frame) => {
                    if let Some(payload) = &frame.custom_payload {
                        session.learn_tablet(self.prepared, payload);
                    }
                    // v5: the server sends new result metadata when the table changed.
                    if let Response::Result(ResultMessage::Rows(rows)) = &frame.response {
                        if let Some(new_id) = &rows.metadata.new_metadata_id {
                            if let Ok(mut m) = self.prepared.result_metadata_id.write() {
                                *m = Some(new_id.clone());
                            }
                            if let Ok(mut m) = self.prepared.result_metadata.write() {
                                *m = Some(Arc::new(rows.metadata.clone()));
                            }
                        }
                    }
                    return QueryResult::from_response(conn.addr(), frame, cached);
                }
                Err(e) if attempt == 0 && is_unprepared(&e) => {
                    session
                        .reprepare(conn, self.prepared, opts, deadline)
                        .await?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Result(ResultError::StillUnprepared))
    }

    fn describe(&self) -> Described<'_> {
        let table = table_of(self.prepared);
        Described {
            text: Some(&self.prepared.query),
            table: table.map(|t| t.1),
            keyspace: table.map(|t| t.0),
            batch_size: None,
            continued_page: self.paging_state.is_some(),
        }
    }
}

pub(super) struct BatchAttempt<'a> {
    pub(super) batch: &'a BatchStatement,
}

impl AsyncAttempt for BatchAttempt<'_> {
    async fn call(
        &self,
        session: &Session,
        conn: &Connection,
        opts: &StatementOptions,
        deadline: Instant,
    ) -> Result<QueryResult, Error> {
        for attempt in 0..2 {
            // The id of each run of the same prepared statement (a batch usually repeats one),
            // read once per run; the first one needs no Vec.
            let mut first_id = Bytes::new();
            let mut more_ids = Vec::new();
            for (k, p) in prepared_runs(&self.batch.items).enumerate() {
                let id = p.id.read().map(|g| g.clone()).unwrap_or_default();
                if k == 0 {
                    first_id = id;
                } else {
                    more_ids.push(id);
                }
            }
            // The borrowed wire statements live in this block only: the future must not hold
            // them across the await (they are not Sync).
            let sent = {
                let mut statements: Vec<WireBatchStatement<'_>> =
                    Vec::with_capacity(self.batch.items.len());
                let mut run = 0usize;
                let mut current: Option<&Prepared> = None;
                for item in &self.batch.items {
                    statements.push(match item {
                        BatchItem::Simple(q, v) => WireBatchStatement {
                            kind: BatchStatementKind::Query(q),
                            values: v,
                            value_specs: None,
                        },
                        BatchItem::Prepared(p, v) => {
                            if let Some(c) = current {
                                if !std::ptr::eq(c, &**p) {
                                    run += 1;
                                }
                            }
                            current = Some(p);
                            let id = match run {
                                0 => &first_id,
                                n => &more_ids[n - 1],
                            };
                            WireBatchStatement {
                                kind: BatchStatementKind::Prepared(id),
                                values: v,
                                value_specs: None,
                            }
                        }
                    });
                }
                conn.send(
                    &Request::Batch(Batch {
                        batch_type: self.batch.batch_type,
                        statements: &statements,
                        consistency: opts.consistency.unwrap_or_default(),
                        serial_consistency: opts.serial_consistency,
                        default_timestamp: opts.timestamp,
                        keyspace: None,
                        now_in_seconds: None,
                    }),
                    send_opts(opts, deadline),
                )
            };
            match sent.await {
                Ok(frame) => return QueryResult::from_response(conn.addr(), frame, None),
                Err(e) if attempt == 0 && is_unprepared(&e) => {
                    // Re-prepare the batch's prepared statements on this node (once per run
                    // of the same one).
                    for p in prepared_runs(&self.batch.items) {
                        session.reprepare(conn, p, opts, deadline).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Result(ResultError::StillUnprepared))
    }

    fn describe(&self) -> Described<'_> {
        let table = prepared_runs(&self.batch.items).next().and_then(table_of);
        Described {
            text: None,
            table: None,
            keyspace: table.map(|t| t.0),
            batch_size: Some(self.batch.items.len()),
            continued_page: false,
        }
    }
}

/// The prepared statements of a batch, one per run of consecutive items with the same one.
fn prepared_runs(items: &[BatchItem]) -> impl Iterator<Item = &Prepared> {
    let mut last: Option<&Prepared> = None;
    items.iter().filter_map(move |i| match i {
        BatchItem::Prepared(p, _) if !last.is_some_and(|l| std::ptr::eq(l, &**p)) => {
            last = Some(p);
            last
        }
        _ => None,
    })
}

fn is_unprepared(e: &Error) -> bool {
    e.server_error()
        .is_some_and(|s| matches!(s.kind, crate::error::ServerErrorKind::Unprepared { .. }))
}

impl Session {
    pub(super) async fn prepare_on(
        &self,
        conn: &Connection,
        query: &str,
        opts: &StatementOptions,
        deadline: Instant,
    ) -> Result<Prepared, Error> {
        let sent = conn.send(
            &Request::Prepare(Prepare {
                query,
                keyspace: None,
            }),
            send_opts(opts, deadline),
        );
        let frame = sent.await?;
        match frame.response {
            Response::Result(ResultMessage::Prepared(p)) => Ok(Prepared {
                query: query.to_owned(),
                id: RwLock::new(p.id),
                result_metadata_id: RwLock::new(p.result_metadata_id),
                bind_markers: p.metadata.columns,
                pk_indexes: p.metadata.pk_indexes,
                is_lwt: conn
                    .lwt_mask()
                    .is_some_and(|mask| p.metadata.flags as u32 & mask != 0),
                result_metadata: RwLock::new(if p.result_metadata.no_metadata {
                    None
                } else {
                    Some(Arc::new(p.result_metadata))
                }),
                used_at: Default::default(),
            }),
            other => Err(Error::UnexpectedResponse {
                addr: conn.addr(),
                during: "PREPARE",
                got: crate::result::response_name(&other),
            }),
        }
    }

    /// Re-prepares a statement the node forgot (UNPREPARED), on that node.
    async fn reprepare(
        &self,
        conn: &Connection,
        prepared: &Prepared,
        opts: &StatementOptions,
        deadline: Instant,
    ) -> Result<(), Error> {
        tracing::debug!(addr = %conn.addr(), query = %prepared.query, "re-preparing a statement the node does not know");
        Counters::bump(&self.inner.counters.reprepares);
        let fresh = self
            .prepare_on(conn, &prepared.query, opts, deadline)
            .await?;
        if let Ok(mut id) = prepared.id.write() {
            *id = fresh.id.read().map(|g| g.clone()).unwrap_or_default();
        }
        if let Ok(mut id) = prepared.result_metadata_id.write() {
            *id = fresh.result_metadata_id.read().ok().and_then(|g| g.clone());
        }
        if let Ok(mut m) = prepared.result_metadata.write() {
            *m = fresh.result_metadata.read().ok().and_then(|g| g.clone());
        }
        Ok(())
    }
}
