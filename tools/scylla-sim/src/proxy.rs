//! One client connection: a backend connection per client connection, frames forwarded both
//! ways, SUPPORTED/STARTUP/PREPARED/ROWS/EVENT intercepted, EXECUTEs counted, and in
//! tablets mode the `tablets-routing-v1` payload added to the RESULT of a tablet miss.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::addresses::{rewrite_event, rewrite_rows};
use crate::config::{LWT_MASK, RATE_LIMIT_ERROR_CODE};
use crate::extensions::{Negotiated, Startup, rewrite_supported, startup};
use crate::frame::{self, Frame, ReadError, read_frame};
use crate::metadata::{KIND_PREPARED, KIND_ROWS, read_prepared};
use crate::payload::{TABLETS_ROUTING_V1_KEY, add_to_response};
use crate::requests::{execute, is_conditional, is_dml, is_read, is_system, statement_text};
use crate::server::Shared;
use crate::shard::shard_of;
use crate::statements::Statement;
use crate::stats::Routing;
use crate::tablet_routing;
use crate::topology::{Push, registers_topology};
use crate::wire::Reader;

/// Protocol error code.
const PROTOCOL_ERROR: i32 = 0x000A;
/// Config_error code (rate limit for clients without the extension).
const CONFIG_ERROR: i32 = 0x2300;

/// Where a connection came in.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// Index of the virtual node in the config.
    pub node: usize,
    /// Listen IP of the node, as a string (stats key).
    pub node_name: String,
    /// Shard assigned to this connection.
    pub shard: u32,
    /// `"regular"` or `"shard_aware"`.
    pub port_kind: &'static str,
    /// Client address, for logs.
    pub peer: std::net::SocketAddr,
}

/// What a request in flight was, to interpret its response.
#[derive(Debug, Clone)]
enum Pending {
    Options,
    Prepare(String),
    /// Statement id, and the `tablets-routing-v1` value to add to its RESULT (a miss).
    Execute(Vec<u8>, Option<Vec<u8>>),
    Other,
}

#[derive(Debug)]
struct Conn {
    shared: Arc<Shared>,
    info: ConnInfo,
    pending: Mutex<HashMap<i16, Pending>>,
    negotiated: Mutex<Negotiated>,
    client: tokio::sync::Mutex<OwnedWriteHalf>,
    /// The connection's id in the topology registry.
    reg_id: u64,
}

/// Runs the proxy for one accepted client connection until either side closes.
pub async fn serve(shared: Arc<Shared>, client: TcpStream, info: ConnInfo) {
    let registry = shared.clone();
    // A node removed between accept and here: refuse the connection.
    let Some((registration, mut pushed)) = registry.topology.register(info.node) else {
        return;
    };
    let backend_addr = shared.cfg.backends[info.node].backend;
    let backend = match TcpStream::connect(backend_addr).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "scylla-sim: {}: backend {backend_addr} unreachable: {e}",
                info.peer
            );
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    let (client_r, client_w) = client.into_split();
    let (backend_r, backend_w) = backend.into_split();
    let conn = Arc::new(Conn {
        shared,
        info,
        pending: Mutex::new(HashMap::new()),
        negotiated: Mutex::new(Negotiated::default()),
        client: tokio::sync::Mutex::new(client_w),
        reg_id: registration.id(),
    });
    let result = tokio::select! {
        r = conn.client_to_backend(client_r, backend_w) => r.map_err(|e| format!("client side: {e}")),
        r = conn.backend_to_client(backend_r) => r.map_err(|e| format!("backend side: {e}")),
        r = conn.pushed(&mut pushed) => r,
    };
    drop(registration);
    if let Err(e) = result {
        eprintln!("scylla-sim: {}: closing connection: {e}", conn.info.peer);
    }
}

fn read_err(e: ReadError) -> Option<String> {
    match e {
        ReadError::Eof => None,
        e => Some(e.to_string()),
    }
}

impl Conn {
    fn lock_pending(&self) -> std::sync::MutexGuard<'_, HashMap<i16, Pending>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn negotiated(&self) -> Negotiated {
        *self.negotiated.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn to_client(&self, f: &Frame) -> Result<(), String> {
        let mut w = self.client.lock().await;
        w.write_all(&f.encode()).await.map_err(|e| e.to_string())
    }

    /// Writes the frames the sim pushes (topology events) until told to close.
    async fn pushed(
        &self,
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<Push>,
    ) -> Result<(), String> {
        loop {
            match rx.recv().await {
                Some(Push::Frame(f)) => self.to_client(&f).await?,
                Some(Push::Close) => return Err("its virtual node was removed".into()),
                // The registry keeps the sender while the connection lives.
                None => return std::future::pending().await,
            }
        }
    }

    async fn answer_error(
        &self,
        req: &Frame,
        version: u8,
        code: i32,
        msg: &str,
        extra: &[u8],
    ) -> Result<(), String> {
        let f = Frame {
            version: 0x80 | version,
            flags: 0,
            stream: req.stream,
            opcode: frame::ERROR,
            body: frame::error_body(code, msg, extra),
        };
        self.to_client(&f).await
    }

    async fn client_to_backend(
        &self,
        mut r: OwnedReadHalf,
        mut w: OwnedWriteHalf,
    ) -> Result<(), String> {
        loop {
            let mut f = match read_frame(&mut r).await {
                Ok(f) => f,
                Err(e) => return read_err(e).map_or(Ok(()), Err),
            };
            if f.version & 0x80 != 0 {
                return Err("client sent a response frame".into());
            }
            let v = f.protocol();
            if !(3..=4).contains(&v) {
                // Scylla speaks v3 and v4 only and answers other versions with this error.
                let msg = format!("Invalid or unsupported protocol version: {v}");
                self.answer_error(&f, 4, PROTOCOL_ERROR, &msg, &[]).await?;
                continue;
            }
            if f.flags & frame::FLAG_COMPRESSION != 0 {
                return Err(
                    "client sent a compressed frame (compression is not advertised)".into(),
                );
            }
            let off = f
                .request_message_offset()
                .ok_or("truncated custom payload")?;
            if !self.on_request(&mut f, off).await? {
                continue;
            }
            w.write_all(&f.encode()).await.map_err(|e| e.to_string())?;
        }
    }

    /// Inspects (and may rewrite) a request. `Ok(false)` = answered here, do not forward.
    async fn on_request(&self, f: &mut Frame, off: usize) -> Result<bool, String> {
        let msg = &f.body[off..];
        let pending = match f.opcode {
            frame::OPTIONS => Pending::Options,
            frame::STARTUP => match startup(msg, &self.shared.cfg).ok_or("malformed STARTUP")? {
                Startup::Forward(body, n) => {
                    *self.negotiated.lock().unwrap_or_else(|e| e.into_inner()) = n;
                    f.body.truncate(off);
                    f.body.extend_from_slice(&body);
                    Pending::Other
                }
                Startup::Reject(m) => {
                    self.answer_error(f, f.protocol(), PROTOCOL_ERROR, &m, &[])
                        .await?;
                    return Ok(false);
                }
            },
            frame::PREPARE => {
                let text = statement_text(msg).ok_or("malformed PREPARE")?;
                strip_using_timeout(f, off, &text);
                Pending::Prepare(text)
            }
            frame::EXECUTE => {
                let e = execute(msg).ok_or("malformed EXECUTE")?;
                let st = self.shared.statements.get(e.id);
                let cfg = &self.shared.cfg;
                let token = match (&st, &e.values) {
                    (Some(s), Some(vals)) => s.token(vals),
                    _ => None,
                };
                let routing = match token.map(|t| shard_of(t, cfg.shards, cfg.ignore_msb)) {
                    Some(sh) if sh == self.info.shard => Routing::Right,
                    Some(_) => Routing::Wrong,
                    None => Routing::Unrouted,
                };
                let tablet_payload = match (&st, token) {
                    (Some(s), Some(t)) => {
                        let negotiated = self.negotiated().tablets;
                        tablet_routing::on_execute(&self.shared, &self.info, negotiated, s, t)
                    }
                    _ => None,
                };
                let read = st.as_ref().is_some_and(|s| s.read);
                let limitable = st.as_ref().is_some_and(|s| !s.system);
                let id = e.id.to_vec();
                if self.count(f, routing, read, limitable).await? {
                    return Ok(false);
                }
                Pending::Execute(id, tablet_payload)
            }
            frame::QUERY => {
                let text = statement_text(msg).ok_or("malformed QUERY")?;
                strip_using_timeout(f, off, &text);
                if self
                    .count(
                        f,
                        Routing::Unrouted,
                        is_read(&text),
                        is_dml(&text) && !is_system(&text),
                    )
                    .await?
                {
                    return Ok(false);
                }
                Pending::Other
            }
            frame::REGISTER => {
                let topology = registers_topology(msg).ok_or("malformed REGISTER")?;
                let t = &self.shared.topology;
                t.registered(self.reg_id, f.protocol(), topology);
                Pending::Other
            }
            frame::BATCH => {
                self.count(f, Routing::Unrouted, false, false).await?;
                Pending::Other
            }
            _ => Pending::Other,
        };
        if f.stream >= 0 {
            self.lock_pending().insert(f.stream, pending);
        }
        Ok(true)
    }

    /// Counts a request and applies the simulated rate limit to `limitable` ones (QUERY and
    /// EXECUTE of user tables): the rate-limit error if the client negotiated the extension,
    /// else Config_error. `Ok(true)` = rejected.
    async fn count(
        &self,
        f: &Frame,
        routing: Routing,
        read: bool,
        limitable: bool,
    ) -> Result<bool, String> {
        let limited = match self.shared.cfg.rate_limit_percent {
            Some(p) if limitable => {
                let n = self.shared.rate_counter.fetch_add(1, Ordering::Relaxed);
                n % 100 < u64::from(p)
            }
            _ => false,
        };
        self.shared
            .stats
            .request(&self.info.node_name, routing, limited);
        if limited {
            let msg = "Per-partition rate limit reached (simulated by scylla-sim)";
            if self.negotiated().rate_limit {
                let extra = [u8::from(!read), 1];
                self.answer_error(f, f.protocol(), RATE_LIMIT_ERROR_CODE, msg, &extra)
                    .await?;
            } else {
                // The spec: a client that did not enable the extension gets Config_error.
                self.answer_error(f, f.protocol(), CONFIG_ERROR, msg, &[])
                    .await?;
            }
        }
        Ok(limited)
    }

    async fn backend_to_client(&self, mut r: OwnedReadHalf) -> Result<(), String> {
        loop {
            let mut f = match read_frame(&mut r).await {
                Ok(f) => f,
                Err(e) => return read_err(e).map_or(Err("backend closed".into()), Err),
            };
            if f.flags & frame::FLAG_COMPRESSION == 0 {
                let pending = if f.stream >= 0 {
                    self.lock_pending().remove(&f.stream)
                } else {
                    None
                };
                let off = f
                    .response_message_offset()
                    .ok_or("truncated response from backend")?;
                let tablet = match &pending {
                    Some(Pending::Execute(_, Some(v))) if f.opcode == frame::RESULT => {
                        Some(v.clone())
                    }
                    _ => None,
                };
                if let Some(msg) = self.on_response(&f, off, pending)? {
                    f.body.truncate(off);
                    f.body.extend_from_slice(&msg);
                }
                if let Some(v) = tablet {
                    add_to_response(&mut f, TABLETS_ROUTING_V1_KEY, &v)
                        .ok_or("malformed custom payload from backend")?;
                }
            }
            self.to_client(&f).await?;
        }
    }

    /// A replacement message for a response, if it needs one.
    fn on_response(
        &self,
        f: &Frame,
        off: usize,
        pending: Option<Pending>,
    ) -> Result<Option<Vec<u8>>, String> {
        let msg = &f.body[off..];
        let map = &self.shared.addr_map;
        match (f.opcode, pending) {
            (frame::SUPPORTED, Some(Pending::Options)) => {
                let cfg = &self.shared.cfg;
                Ok(Some(
                    rewrite_supported(msg, cfg, self.info.shard).ok_or("malformed SUPPORTED")?,
                ))
            }
            (frame::RESULT, p) => {
                let kind = Reader::new(msg).i32().ok_or("malformed RESULT")?;
                match (kind, p) {
                    (KIND_PREPARED, Some(Pending::Prepare(text))) if f.protocol() == 4 => {
                        self.on_prepared(msg, &text)
                    }
                    (KIND_ROWS, p) => {
                        let st = match &p {
                            Some(Pending::Execute(id, _)) => self.shared.statements.get(id),
                            _ => None,
                        };
                        let cached = st.as_ref().and_then(|s| s.result_columns.as_deref());
                        if !self.shared.cfg.tablets.is_empty() {
                            tablet_routing::learn_host_ids(
                                &self.shared,
                                self.info.node,
                                msg,
                                cached,
                            );
                        }
                        let topology = &self.shared.topology;
                        let removed = |ip| topology.is_removed_ip(ip);
                        rewrite_rows(msg, cached, map, &removed)
                            .map_err(|()| "malformed ROWS".into())
                    }
                    _ => Ok(None),
                }
            }
            (frame::EVENT, _) => rewrite_event(msg, map).map_err(|()| "malformed EVENT".into()),
            _ => Ok(None),
        }
    }

    fn on_prepared(&self, msg: &[u8], text: &str) -> Result<Option<Vec<u8>>, String> {
        let p = read_prepared(msg).ok_or("malformed PREPARED")?;
        let conditional = is_conditional(text);
        let st = Statement {
            pk_indexes: p.bind.pk_indexes.clone(),
            result_columns: p.result.columns.clone(),
            conditional,
            read: is_read(text),
            system: is_system(text) || !is_dml(text),
            table: p
                .bind
                .columns
                .as_ref()
                .and_then(|c| c.first())
                .map(|c| (c.keyspace.clone(), c.table.clone())),
        };
        self.shared.statements.insert(p.id.clone(), st);
        if conditional && self.negotiated().lwt {
            let mut out = msg.to_vec();
            let flags = (p.bind.flags as u32) | LWT_MASK;
            out[p.flags_offset..p.flags_offset + 4].copy_from_slice(&flags.to_be_bytes());
            return Ok(Some(out));
        }
        Ok(None)
    }
}

/// Scylla accepts `USING TIMEOUT`, Cassandra does not: the clause is removed from a QUERY's or
/// PREPARE's text (its `[long string]`, first in the message) before forwarding.
fn strip_using_timeout(f: &mut Frame, off: usize, text: &str) {
    let Some(stripped) = crate::requests::without_using_timeout(text) else {
        return;
    };
    let old_len = f.body.get(off..off + 4).map_or(0, |b| {
        i32::from_be_bytes([b[0], b[1], b[2], b[3]]).max(0) as usize
    });
    let rest = f.body.split_off((off + 4 + old_len).min(f.body.len()));
    f.body.truncate(off);
    crate::wire::put_i32(&mut f.body, stripped.len() as i32);
    f.body.extend_from_slice(stripped.as_bytes());
    f.body.extend_from_slice(&rest);
}
