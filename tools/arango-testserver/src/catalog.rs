//! Server objects beyond collections and documents: secondary indexes, named graphs,
//! ArangoSearch views, analyzers and async jobs. Kept apart from [`crate::state::Database`]
//! so that the document paths stay as they are.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::service::{Ctx, Resp};

/// One async job (`x-arango-async: store`).
pub(crate) enum JobState {
    /// Accepted but not run yet (only while the stand-in holds jobs back, see
    /// [`crate::TestServer::hold_async_jobs`]).
    Pending(Box<Ctx>),
    /// Run; the stored answer, handed out once by `PUT /_api/job/{id}`.
    Done(Resp),
}

pub(crate) struct Job {
    pub(crate) state: JobState,
    /// Unix time (seconds, fractional) the job was accepted; `DELETE /_api/job/expired` compares it.
    pub(crate) stamp: f64,
}

#[derive(Default)]
pub(crate) struct Catalog {
    /// Secondary indexes by collection id. Ids are never reused, so the entries of a dropped
    /// collection are inert. Each index keeps its number as `id` (the listing prefixes the
    /// collection name).
    pub(crate) indexes: HashMap<u64, Vec<Map<String, Value>>>,
    /// Collection properties beyond what [`crate::state::Collection`] keeps (`keyOptions`,
    /// `schema`, `computedValues`, `cacheEnabled`), by collection id.
    pub(crate) coll_props: HashMap<u64, Map<String, Value>>,
    /// Named graphs by (database, graph name): the graph document as `GET /_api/gharial/{g}`
    /// answers it.
    pub(crate) graphs: BTreeMap<(String, String), Map<String, Value>>,
    /// Views by (database, view name): their full properties, `id` and `type` included.
    pub(crate) views: BTreeMap<(String, String), Map<String, Value>>,
    /// User-defined analyzers by (database, name without the database prefix).
    pub(crate) analyzers: BTreeMap<(String, String), Map<String, Value>>,
    /// Async jobs by id.
    pub(crate) jobs: BTreeMap<u64, Job>,
    /// While true, stored jobs stay pending until released.
    pub(crate) hold_jobs: bool,
    /// Held jobs whose entry was deleted while pending: they still run on release (a delete
    /// does not abort a job), but nothing is kept.
    pub(crate) detached_jobs: Vec<Ctx>,
}
