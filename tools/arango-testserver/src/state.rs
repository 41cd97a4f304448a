//! In-memory data of the stand-in: databases, collections, documents, users, cursors,
//! transactions, and the request log.

use std::collections::{BTreeMap, HashMap, VecDeque};

use dbauth::Secret;
use serde_json::{Map, Value, json};

/// An error answered in ArangoDB's envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) num: i64,
    pub(crate) msg: String,
}

impl ApiError {
    pub(crate) fn new(code: u16, num: i64, msg: impl Into<String>) -> Self {
        ApiError {
            code,
            num,
            msg: msg.into(),
        }
    }
    pub(crate) fn unauthorized() -> Self {
        ApiError::new(401, 11, "not authorized to execute this request")
    }
    pub(crate) fn forbidden() -> Self {
        ApiError::new(403, 11, "forbidden")
    }
    pub(crate) fn not_found_path() -> Self {
        ApiError::new(404, 404, "unknown path")
    }
    pub(crate) fn method() -> Self {
        ApiError::new(405, 405, "method not supported")
    }
    pub(crate) fn bad(msg: impl Into<String>) -> Self {
        ApiError::new(400, 10, msg)
    }
    pub(crate) fn coll_not_found() -> Self {
        ApiError::new(404, 1203, "collection or view not found")
    }
    pub(crate) fn doc_not_found() -> Self {
        ApiError::new(404, 1202, "document not found")
    }
    pub(crate) fn db_not_found() -> Self {
        ApiError::new(404, 1228, "database not found")
    }
    /// The envelope as JSON.
    pub(crate) fn body(&self) -> Value {
        json!({"error": true, "errorNum": self.num, "errorMessage": self.msg, "code": self.code})
    }
}

/// Access level of a user on a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Grant {
    None,
    Ro,
    Rw,
}

impl Grant {
    pub(crate) fn parse(s: &str) -> Option<Grant> {
        match s {
            "none" => Some(Grant::None),
            "ro" => Some(Grant::Ro),
            "rw" => Some(Grant::Rw),
            _ => None,
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Grant::None => "none",
            Grant::Ro => "ro",
            Grant::Rw => "rw",
        }
    }
}

pub(crate) struct User {
    pub(crate) password: Secret,
    pub(crate) active: bool,
    pub(crate) extra: Value,
    /// Database name (or `*`) to grant.
    pub(crate) grants: BTreeMap<String, Grant>,
}

impl User {
    pub(crate) fn new(password: Secret) -> Self {
        User {
            password,
            active: true,
            extra: json!({}),
            grants: BTreeMap::new(),
        }
    }
    pub(crate) fn grant_on(&self, db: &str) -> Grant {
        self.grants
            .get(db)
            .or_else(|| self.grants.get("*"))
            .copied()
            .unwrap_or(Grant::None)
    }
}

#[derive(Clone)]
pub(crate) struct Collection {
    pub(crate) id: u64,
    pub(crate) ctype: u64,
    pub(crate) wait_for_sync: bool,
    pub(crate) docs: BTreeMap<String, Value>,
}

#[derive(Default)]
pub(crate) struct Database {
    pub(crate) id: u64,
    pub(crate) collections: BTreeMap<String, Collection>,
}

pub(crate) struct Cursor {
    pub(crate) db: String,
    pub(crate) remaining: VecDeque<Value>,
    pub(crate) batch_size: usize,
    pub(crate) count: Option<usize>,
    /// Test hook (see [`State::empty_batches`]): the next fetch answers an empty batch.
    pub(crate) pad_next: bool,
    /// Forgotten when not used for this long.
    pub(crate) ttl: std::time::Duration,
    pub(crate) last_access: std::time::Instant,
    /// The id of the batch sent last (the first is 1).
    pub(crate) batch_id: u64,
    /// `allowRetry`: the last batch is kept to be sent again.
    pub(crate) allow_retry: bool,
    pub(crate) last_batch: Option<Value>,
    /// `extra`: statistics and warnings.
    pub(crate) extra: Value,
    /// A stream query (statistics only with the last batch, no count).
    pub(crate) stream: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrxStatus {
    Running,
    Committed,
    Aborted,
}

impl TrxStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TrxStatus::Running => "running",
            TrxStatus::Committed => "committed",
            TrxStatus::Aborted => "aborted",
        }
    }
}

pub(crate) struct Transaction {
    pub(crate) db: String,
    pub(crate) status: TrxStatus,
    /// The documents this transaction wrote, `(collection, key, before)` as they were
    /// before its first write of each; put back on abort (newest first).
    pub(crate) undo: Vec<(String, String, Option<Value>)>,
    /// Documents `(collection, key)` written so far: another writer of one of them gets a
    /// write-write conflict (409, errorNum 1200) while this transaction runs.
    pub(crate) written: std::collections::HashSet<(String, String)>,
    /// Last use; aborted after [`State::trx_idle_timeout`] without one.
    pub(crate) last_use: std::time::Instant,
}

/// How a logged request authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoggedAuth {
    /// No `Authorization` header.
    None,
    /// HTTP basic with this username (the password is never logged).
    Basic {
        /// The username sent.
        username: String,
    },
    /// A bearer token; only a fingerprint (first 16 hex digits of its SHA-256) is kept.
    Bearer {
        /// Fingerprint of the token.
        fingerprint: String,
    },
    /// Some other scheme, or a header that could not be read.
    Other,
}

/// One request seen by the stand-in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogEntry {
    /// HTTP method.
    pub method: String,
    /// Path as sent, including any `/_db/<name>` prefix, without the query string.
    pub path: String,
    /// The credentials' kind and fingerprint.
    pub auth: LoggedAuth,
    /// The status answered.
    pub status: u16,
    /// The request's `Content-Encoding` (e.g. `deflate` for a compressed body).
    pub content_encoding: Option<String>,
}

/// An access token of a user.
pub(crate) struct AccessToken {
    pub(crate) id: u64,
    pub(crate) user: String,
    pub(crate) name: String,
    pub(crate) valid_until: i64,
    pub(crate) created_at: i64,
    pub(crate) fingerprint: String,
    pub(crate) token: Secret,
}

pub(crate) struct State {
    pub(crate) secret: Secret,
    pub(crate) session_timeout: i64,
    pub(crate) users: BTreeMap<String, User>,
    pub(crate) dbs: BTreeMap<String, Database>,
    pub(crate) cursors: HashMap<String, Cursor>,
    pub(crate) trx: HashMap<String, Transaction>,
    pub(crate) next_id: u64,
    pub(crate) log: Vec<LogEntry>,
    /// Most cursors alive at once (for tests of clients that must release them).
    pub(crate) max_live_cursors: usize,
    /// Seconds added to the system clock for token times (simulates clock skew).
    pub(crate) clock_offset: i64,
    /// Indexes, graphs, views, analyzers, async jobs.
    pub(crate) catalog: crate::catalog::Catalog,
    /// Test hook: every cursor answers an empty batch with `hasMore: true` before each
    /// batch it fetches (ArangoDB may do so, e.g. for stream queries).
    pub(crate) empty_batches: bool,
    /// Test hook: `/_open/auth` answers only after this long (a hanging login).
    pub(crate) auth_delay: std::time::Duration,
    /// Requests that arrived at `/_open/auth` (counted on arrival, before any delay).
    pub(crate) auth_requests: u64,
    /// Requests that arrived at `/_open/auth/renew`.
    pub(crate) renew_requests: u64,
    /// Test hook: `/_open/auth/renew` answers 404 as a server without it would.
    pub(crate) renew_refused: bool,
    /// Test hook: warnings `(code, message)` the next query reports.
    pub(crate) query_warnings: Vec<(i64, String)>,
    /// Test hook: the next response to a path starting with this is sent this late.
    pub(crate) delay_next: Option<(String, std::time::Duration)>,
    /// Stream transactions unused this long are aborted (ArangoDB's
    /// `--transaction.streaming-idle-timeout`, default 60 s).
    pub(crate) trx_idle_timeout: std::time::Duration,
    /// Access tokens of all users.
    pub(crate) access_tokens: Vec<AccessToken>,
    /// Test hook: the time every request spends in the (simulated) scheduler queue, in
    /// seconds; answered as `x-arango-queue-time-seconds`.
    pub(crate) queue_time: f64,
}

impl State {
    pub(crate) fn new(secret: Secret, session_timeout: i64, root_password: Secret) -> Self {
        let mut root = User::new(root_password);
        root.grants.insert("*".to_owned(), Grant::Rw);
        let mut users = BTreeMap::new();
        users.insert("root".to_owned(), root);
        let mut dbs = BTreeMap::new();
        dbs.insert(
            "_system".to_owned(),
            Database {
                id: 1,
                ..Default::default()
            },
        );
        State {
            secret,
            session_timeout,
            users,
            dbs,
            cursors: HashMap::new(),
            trx: HashMap::new(),
            next_id: 100,
            log: Vec::new(),
            max_live_cursors: 0,
            clock_offset: 0,
            catalog: crate::catalog::Catalog::default(),
            empty_batches: false,
            auth_delay: std::time::Duration::ZERO,
            auth_requests: 0,
            renew_requests: 0,
            renew_refused: false,
            query_warnings: Vec::new(),
            delay_next: None,
            trx_idle_timeout: std::time::Duration::from_secs(60),
            access_tokens: Vec::new(),
            queue_time: 0.0,
        }
    }

    /// The server's clock for token times: the system clock plus the configured offset.
    pub(crate) fn now(&self) -> i64 {
        crate::service::now_secs().saturating_add(self.clock_offset)
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn new_rev(&mut self) -> String {
        format!("_r{:x}", self.next_id())
    }

    /// Aborts the running stream transactions that were idle too long, restoring their write
    /// collections.
    pub(crate) fn expire_transactions(&mut self) {
        let timeout = self.trx_idle_timeout;
        let expired: Vec<String> = self
            .trx
            .iter()
            .filter(|(_, t)| t.status == TrxStatus::Running && t.last_use.elapsed() >= timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.abort_transaction(&id);
        }
    }

    /// Marks `id` aborted and restores its write collections.
    pub(crate) fn abort_transaction(&mut self, id: &str) {
        let Some(t) = self.trx.get_mut(id) else {
            return;
        };
        let undo = std::mem::take(&mut t.undo);
        t.status = TrxStatus::Aborted;
        t.written.clear();
        let db = t.db.clone();
        if let Some(d) = self.dbs.get_mut(&db) {
            for (coll, key, before) in undo.into_iter().rev() {
                if let Some(c) = d.collections.get_mut(&coll) {
                    match before {
                        Some(doc) => c.docs.insert(key, doc),
                        None => c.docs.remove(&key),
                    };
                }
            }
        }
    }

    /// A write of `(coll, key)` by transaction `trx` (or outside any): refused with a
    /// write-write conflict when another running transaction wrote that document.
    pub(crate) fn claim_write(
        &mut self,
        db: &str,
        trx: Option<&str>,
        coll: &str,
        key: &str,
    ) -> Result<(), ApiError> {
        let k = (coll.to_owned(), key.to_owned());
        let conflict = self.trx.iter().any(|(id, t)| {
            Some(id.as_str()) != trx
                && t.db == db
                && t.status == TrxStatus::Running
                && t.written.contains(&k)
        });
        if conflict {
            return Err(ApiError::new(409, 1200, "write-write conflict"));
        }
        let before = self
            .dbs
            .get(db)
            .and_then(|d| d.collections.get(coll))
            .and_then(|c| c.docs.get(key))
            .cloned();
        if let Some(t) = trx.and_then(|id| self.trx.get_mut(id)) {
            if t.written.insert(k) {
                t.undo.push((coll.to_owned(), key.to_owned(), before));
            }
        }
        Ok(())
    }

    pub(crate) fn db(&mut self, name: &str) -> Result<&mut Database, ApiError> {
        self.dbs.get_mut(name).ok_or_else(ApiError::db_not_found)
    }

    pub(crate) fn coll(&mut self, db: &str, name: &str) -> Result<&mut Collection, ApiError> {
        self.db(db)?
            .collections
            .get_mut(name)
            .ok_or_else(ApiError::coll_not_found)
    }
}

/// The collection description ArangoDB answers for most collection endpoints.
pub(crate) fn coll_info(name: &str, c: &Collection) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), Value::from(c.id.to_string()));
    m.insert("name".into(), Value::from(name));
    m.insert("status".into(), Value::from(3));
    m.insert("type".into(), Value::from(c.ctype));
    m.insert("isSystem".into(), Value::from(name.starts_with('_')));
    m.insert("globallyUniqueId".into(), Value::from(format!("h{}", c.id)));
    m.insert("error".into(), Value::from(false));
    m.insert("code".into(), Value::from(200));
    m
}
