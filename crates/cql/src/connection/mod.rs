//! One connection to one node: a reader task, a writer task, and stream ids in between.
//!
//! A request is encoded by the caller's task (so encoding runs in parallel across callers),
//! handed to the writer through a channel, and the caller waits on a oneshot for the response
//! envelope. The writer drains everything queued and writes it in one syscall. The reader
//! decodes envelopes and completes the waiting request by stream id; the caller decodes the
//! body. Events (stream -1) go to the session's event channel. A third task, the sweeper, fails
//! requests whose deadline passed and probes a node that stopped answering (see `watchdog`).
//!
//! The connection closes when the last [`Connection`] handle is dropped, when it is closed, or
//! when the node fails it; its tasks end then and the socket is shut.

mod dial;
mod handshake;
pub(crate) mod io;
mod streams;
mod tasks;
mod wait_queue;
mod watchdog;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use cql_protocol::ProtocolVersion;
use cql_protocol::frame::{Envelope, Flags};
use cql_protocol::message::{
    EncodeOptions, ErrorDecodeOptions, Request, Response, ResponseFrame, decode_response,
    encode_request, encode_request_with,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{Notify, mpsc, oneshot, watch};

pub(crate) use dial::Route;
pub(crate) use streams::deadline;
pub(crate) use wait_queue::WaitQueue;

use crate::config::Config;
use crate::error::Error;
use crate::scylla::{ShardInfo, ShardingError};
use io::Encoder;
use streams::StreamTable;

type Reply = Result<Envelope, Error>;

/// A server-pushed event (protocol stream -1), still encoded.
pub(crate) type EventSender = mpsc::UnboundedSender<Envelope>;

/// A live connection; cheap to clone. Dropping the last clone closes it.
#[derive(Clone)]
pub(crate) struct Connection {
    inner: Arc<Handle>,
}

/// What the users of a connection hold; the tasks hold [`Inner`] itself, so a connection
/// nobody holds any more closes instead of heartbeating forever.
struct Handle(Arc<Inner>);

impl std::ops::Deref for Handle {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.shutdown("no longer used");
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.inner.addr)
            .field("version", &self.inner.version)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

struct Inner {
    addr: SocketAddr,
    version: ProtocolVersion,
    streams: Mutex<StreamTable<Reply>>,
    to_writer: mpsc::UnboundedSender<BytesMut>,
    closed: AtomicBool,
    /// Wakes the reader and writer when the connection is closed from elsewhere.
    closed_tx: watch::Sender<bool>,
    close_reason: Mutex<Option<String>>,
    /// Milliseconds since `epoch` of the last byte read; for heartbeats.
    last_read: AtomicU64,
    epoch: Instant,
    max_body: usize,
    /// The largest request envelope sent (the server's frame size limit).
    max_request: usize,
    keyspace: Mutex<Option<String>>,
    /// Wakes the sweeper when a request is due before its next planned look.
    sweeper: Notify,
    /// A heartbeat is checking whether the node still answers.
    probing: AtomicBool,
    /// The node's wait queue for requests that find every stream id in use (none: they fail
    /// at once with `Busy`).
    queue: OnceLock<Arc<WaitQueue>>,
    /// Requests waiting for a stream id of this connection.
    parked: AtomicUsize,
    /// Wakes one of them when an id frees up.
    freed: Notify,
    /// What a ScyllaDB node said about its shards at start-up.
    sharding: Result<Option<ShardInfo>, ShardingError>,
    /// How ERROR bodies are read (ScyllaDB's rate limit error code, when negotiated).
    errors: ErrorDecodeOptions,
    /// The mark of conditional statements in PREPARED metadata flags, when negotiated.
    lwt_mask: Option<u32>,
}

/// Options of one request on the wire.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SendOptions<'p> {
    pub(crate) tracing: bool,
    /// Sent before the message (the CUSTOM_PAYLOAD flag).
    pub(crate) custom_payload: Option<&'p CustomPayload>,
    /// What a timeout error reports: the time the caller allowed.
    pub(crate) timeout: Duration,
    /// When the request fails with a timeout; `None`: `timeout` from when it is queued. A
    /// call's later attempts get the deadline of the call, so the call ends within its timeout.
    pub(crate) deadline: Option<Instant>,
}

impl SendOptions<'static> {
    /// No tracing, `timeout` from when the request is queued.
    pub(crate) fn timeout(timeout: Duration) -> Self {
        Self {
            tracing: false,
            custom_payload: None,
            timeout,
            deadline: None,
        }
    }
}

impl Connection {
    /// Connects, negotiates and authenticates. `events`: where server events go (the caller
    /// also sends REGISTER).
    pub(crate) async fn open(
        addr: SocketAddr,
        config: &Config,
        events: Option<EventSender>,
    ) -> Result<Connection, Error> {
        Self::open_via(addr, Route::Regular, config, events).await
    }

    /// [`open`](Self::open) through `route`: the node's address or its shard-aware port.
    pub(crate) async fn open_via(
        addr: SocketAddr,
        route: Route,
        config: &Config,
        events: Option<EventSender>,
    ) -> Result<Connection, Error> {
        let first = config
            .protocol_version
            .unwrap_or(config.max_protocol_version);
        match Self::open_version(addr, route, config, events.clone(), first).await {
            // A server without v5 answers STARTUP's predecessor with a protocol error naming
            // the versions it speaks: try v4 unless the user pinned a version.
            Err(e)
                if config.protocol_version.is_none()
                    && first == ProtocolVersion::V5
                    && e.is_version_rejection() =>
            {
                tracing::debug!(%addr, "server refused protocol v5; using v4");
                Self::open_version(addr, route, config, events, ProtocolVersion::V4).await
            }
            other => other,
        }
    }

    async fn open_version(
        addr: SocketAddr,
        route: Route,
        config: &Config,
        events: Option<EventSender>,
        version: ProtocolVersion,
    ) -> Result<Connection, Error> {
        let fut = async {
            let tcp = dial::dial(addr, route, &config.shard_aware.local_ports).await?;
            match &config.tls {
                None => Self::start(tcp, addr, config, events, version).await,
                Some(tls) => {
                    let (connector, name) = tls.connector_for(addr.ip())?;
                    let stream = connector
                        .connect(name, tcp)
                        .await
                        .map_err(|e| Error::Tls { addr, source: e })?;
                    Self::start(stream, addr, config, events, version).await
                }
            }
        };
        match tokio::time::timeout(config.connect_timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::ConnectTimeout {
                addr,
                timeout: config.connect_timeout,
            }),
        }
    }

    async fn start<S>(
        mut stream: S,
        addr: SocketAddr,
        config: &Config,
        events: Option<EventSender>,
        version: ProtocolVersion,
    ) -> Result<Connection, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let done = handshake::negotiate(&mut stream, addr, config, version).await?;
        let (rd, wr) = tokio::io::split(stream);
        let (to_writer, from_callers) = mpsc::unbounded_channel();
        let (closed_tx, closed_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            addr,
            version: done.version,
            streams: Mutex::new(StreamTable::new(config.max_requests_per_connection)),
            to_writer,
            closed: AtomicBool::new(false),
            closed_tx,
            close_reason: Mutex::new(None),
            last_read: AtomicU64::new(0),
            epoch: Instant::now(),
            max_body: config.max_frame_body,
            max_request: config.max_request_size,
            keyspace: Mutex::new(None),
            sweeper: Notify::new(),
            probing: AtomicBool::new(false),
            queue: OnceLock::new(),
            parked: AtomicUsize::new(0),
            freed: Notify::new(),
            sharding: done.sharding,
            errors: ErrorDecodeOptions::with_rate_limit_error_code(
                done.extensions.rate_limit_error_code,
            ),
            lwt_mask: done.extensions.lwt_mask,
        });
        let decoder = done.decoder;
        tokio::spawn(tasks::writer(
            wr,
            from_callers,
            Encoder::new(done.framing),
            Arc::downgrade(&inner),
            closed_rx.clone(),
        ));
        tokio::spawn(watchdog::sweeper(
            Arc::clone(&inner),
            config.request_timeout,
            config.unresponsive_timeout,
            closed_rx.clone(),
        ));
        tokio::spawn(tasks::reader(
            rd,
            done.leftover,
            decoder,
            Arc::clone(&inner),
            events,
            closed_rx,
        ));
        if let Some(interval) = config.heartbeat_interval {
            let closed = inner.closed_tx.subscribe();
            tokio::spawn(watchdog::heartbeat(
                Arc::downgrade(&inner),
                interval,
                closed,
            ));
        }
        Ok(Connection {
            inner: Arc::new(Handle(inner)),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    pub(crate) fn version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// What the node said about its shards (`None`: Cassandra, or shard awareness unusable).
    pub(crate) fn shard_info(&self) -> Option<&ShardInfo> {
        self.inner.sharding.as_ref().ok().and_then(Option::as_ref)
    }

    /// The shard serving this connection, on a ScyllaDB node.
    pub(crate) fn shard(&self) -> Option<u16> {
        self.shard_info().map(|i| i.shard)
    }

    /// The bit of PREPARED metadata flags that marks a conditional statement (ScyllaDB).
    pub(crate) fn lwt_mask(&self) -> Option<u32> {
        self.inner.lwt_mask
    }

    /// Why the node's sharding keys could not be used, if they could not.
    pub(crate) fn sharding_error(&self) -> Option<&ShardingError> {
        self.inner.sharding.as_ref().err()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.inner
            .streams
            .lock()
            .map(|s| s.in_flight())
            .unwrap_or(usize::MAX)
    }

    /// Requests that find every stream id in use wait in `queue` (set once, before the
    /// connection gets requests; later calls are ignored).
    pub(crate) fn set_wait_queue(&self, queue: Arc<WaitQueue>) {
        let _ = self.inner.queue.set(queue);
    }

    /// Whether both are handles of the same connection.
    pub(crate) fn same_as(&self, other: &Connection) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// When the connection was opened.
    pub(crate) fn opened_at(&self) -> Instant {
        self.inner.epoch
    }

    pub(crate) fn keyspace(&self) -> Option<String> {
        self.inner.keyspace.lock().ok().and_then(|k| k.clone())
    }

    pub(crate) fn set_keyspace(&self, ks: Option<String>) {
        if let Ok(mut k) = self.inner.keyspace.lock() {
            *k = ks;
        }
    }

    /// Sends a request and decodes the response; a server ERROR becomes `Err`.
    pub(crate) fn send(
        &self,
        request: &Request<'_>,
        opts: SendOptions<'_>,
    ) -> impl std::future::Future<Output = Result<ResponseFrame, Error>> + Send + '_ {
        self.inner.send(request, opts)
    }

    /// Checks now that the node still answers (a heartbeat within `timeout`), closing the
    /// connection if it does not; in the background, at most one at a time.
    pub(crate) fn probe(&self, timeout: Duration, why: &'static str) {
        watchdog::probe(&self.inner.0, timeout, why);
    }

    /// Completes when the connection is closed (at once if it already is).
    pub(crate) async fn closed(&self) {
        self.closed_signal().await;
    }

    /// Like [`closed`](Self::closed), without holding the connection open meanwhile.
    pub(crate) fn closed_signal(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.closed_tx.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    /// Closes the connection: waiting requests fail, the tasks end.
    pub(crate) fn close(&self, reason: &str) {
        self.inner.shutdown(reason);
    }
}

/// A custom payload, as the statement options carry it.
type CustomPayload = std::collections::HashMap<String, Option<bytes::Bytes>>;

/// The encoded size of a custom payload (a `[bytes map]`).
fn payload_size(p: &CustomPayload) -> usize {
    2 + p
        .iter()
        .map(|(k, v)| 2 + k.len() + 4 + v.as_ref().map_or(0, |v| v.len()))
        .sum::<usize>()
}

/// Decodes a response envelope; a server ERROR becomes `Err`.
pub(crate) fn decode_checked(
    addr: SocketAddr,
    env: &Envelope,
    max_body: usize,
    errors: ErrorDecodeOptions,
) -> Result<ResponseFrame, Error> {
    // Bodies were decompressed by the connection's decoder already.
    let frame = decode_response(env, None, max_body, errors)
        .map_err(|source| Error::Protocol { addr, source })?;
    if let Response::Error(err) = frame.response {
        return Err(Error::Server {
            addr,
            error: Box::new(err),
            tracing_id: frame.tracing_id,
        });
    }
    Ok(frame)
}

struct OrphanGuard<'a> {
    inner: &'a Inner,
    stream: i16,
    armed: bool,
}

impl Drop for OrphanGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            if let Ok(mut s) = self.inner.streams.lock() {
                s.orphan(self.stream);
                // Too many requests whose responses never came: the connection is suspect.
                if s.orphans() > MAX_ORPHANS {
                    drop(s);
                    self.inner
                        .shutdown("too many requests timed out without a response");
                }
            }
        }
    }
}

/// How many times in a row the writer yields to gather requests into one write, as long as
/// new ones arrive in between.
const MAX_WRITER_YIELDS: u32 = 4;

/// The least a request buffer starts with: room for the values of an unprepared statement,
/// whose size is not known before they are encoded.
const MIN_REQUEST_BUFFER: usize = 256;

/// Orphans hold stream ids; a quarter of the id space held by requests whose responses never
/// came means the node is not answering: the connection is closed and replaced.
const MAX_ORPHANS: usize = streams::MAX_STREAMS / 4;

impl Inner {
    /// Encodes `request` and queues it for the writer; the returned future waits for the
    /// response envelope. The request is encoded before the future exists, so the future
    /// borrows nothing from it.
    fn send_raw(
        &self,
        request: &Request<'_>,
        opts: SendOptions<'_>,
    ) -> impl std::future::Future<Output = Result<Envelope, Error>> + Send + '_ {
        let queued = self.enqueue(request, opts);
        let timeout = opts.timeout;
        async move {
            let (stream, rx) = match queued? {
                Queued::Sent(stream, rx) => (stream, rx),
                Queued::Waiting { buf, deadline } => {
                    self.wait_for_stream(buf, deadline, timeout).await?
                }
            };
            // From here on the request may be on the wire: if the caller stops waiting, the id
            // is orphaned until the response arrives.
            let mut guard = OrphanGuard {
                inner: self,
                stream,
                armed: true,
            };
            // The sweeper answers with `Error::Timeout` once the deadline passes.
            let result = rx.await;
            guard.armed = false;
            match result {
                Ok(reply) => reply,
                Err(_) => Err(self.closed_error(true)),
            }
        }
    }

    fn enqueue(&self, request: &Request<'_>, opts: SendOptions<'_>) -> Result<Queued, Error> {
        let inner = self;
        let size = cql_protocol::frame::HEADER_LEN
            + request.size_hint()
            + opts.custom_payload.map_or(0, payload_size);
        if size > inner.max_request {
            return Err(self.too_large(size));
        }
        let (tx, rx) = oneshot::channel();
        let now = Instant::now();
        let deadline = opts
            .deadline
            .unwrap_or_else(|| streams::deadline(now, opts.timeout));
        let allocated = {
            let mut table = inner.streams.lock().map_err(|_| self.closed_error(false))?;
            // Checked under the table's lock, which `shutdown` takes to drain it: a request is
            // either drained (and failed) or refused here, never left waiting.
            if inner.closed.load(Ordering::Acquire) {
                return Err(self.closed_error(false));
            }
            table.allocate(tx, now, deadline, opts.timeout)
        };
        let Some((stream, wake_sweeper)) = allocated else {
            // Every id is in use: encoded now (the future borrows nothing from the request),
            // with its id written in once one frees up.
            if self.queue.get().is_none() {
                return Err(Error::Busy { addr: inner.addr });
            }
            let buf = self.encode(request, &opts, 0, size)?;
            return Ok(Queued::Waiting { buf, deadline });
        };
        if wake_sweeper {
            inner.sweeper.notify_one();
        }
        let buf = match self.encode(request, &opts, stream, size) {
            Ok(buf) => buf,
            Err(e) => {
                self.release(stream);
                return Err(e);
            }
        };
        if inner.to_writer.send(buf).is_err() {
            self.release(stream);
            return Err(self.closed_error(false));
        }
        Ok(Queued::Sent(stream, rx))
    }

    /// The request envelope with stream id `stream`; `size` is its estimated length.
    fn encode(
        &self,
        request: &Request<'_>,
        opts: &SendOptions<'_>,
        stream: i16,
        size: usize,
    ) -> Result<BytesMut, Error> {
        // Sized from the request (a batch's values are known), so encoding does not grow it.
        let mut buf = BytesMut::with_capacity(size.max(MIN_REQUEST_BUFFER));
        let mut flags = Flags::empty();
        flags.set(Flags::TRACING, opts.tracing);
        let encoded = match opts.custom_payload {
            None => encode_request(&mut buf, self.version, flags, stream, request),
            Some(payload) => {
                let mut eo = EncodeOptions::new(self.version, stream);
                eo.flags = flags;
                eo.custom_payload = Some(payload);
                encode_request_with(&mut buf, &eo, request)
            }
        };
        encoded.map_err(Error::encode)?;
        // The hint leaves out the values of an unprepared statement.
        if buf.len() > self.max_request {
            return Err(self.too_large(buf.len()));
        }
        Ok(buf)
    }

    /// Waits in the node's queue for a free stream id, then sends `buf` with it. `Busy` when
    /// the queue is full or the wait ran out (the request was not sent).
    async fn wait_for_stream(
        &self,
        mut buf: BytesMut,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<(i16, oneshot::Receiver<Reply>), Error> {
        let busy = || Error::Busy { addr: self.addr };
        let queue = self.queue.get().ok_or_else(busy)?;
        let _place = queue.enter(self.addr)?;
        let _parked = Parked::new(&self.parked);
        let until = deadline.min(streams::deadline(Instant::now(), queue.max_wait()));
        let mut closed = self.closed_tx.subscribe();
        loop {
            // Registered before looking, so that an id freed after the look wakes this wait.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let (tx, rx) = oneshot::channel();
            let allocated = {
                let mut table = self.streams.lock().map_err(|_| self.closed_error(false))?;
                if self.closed.load(Ordering::Acquire) {
                    return Err(self.closed_error(false));
                }
                table.allocate(tx, Instant::now(), deadline, timeout)
            };
            if let Some((stream, wake_sweeper)) = allocated {
                if wake_sweeper {
                    self.sweeper.notify_one();
                }
                set_stream_id(&mut buf, stream);
                if self.to_writer.send(buf).is_err() {
                    self.release(stream);
                    return Err(self.closed_error(false));
                }
                return Ok((stream, rx));
            }
            tokio::select! {
                () = &mut freed => {}
                () = tokio::time::sleep_until(until.into()) => return Err(busy()),
                _ = closed.wait_for(|c| *c) => return Err(self.closed_error(false)),
            }
        }
    }

    /// Sends a request and decodes the response; a server ERROR becomes `Err`.
    fn send(
        &self,
        request: &Request<'_>,
        opts: SendOptions<'_>,
    ) -> impl std::future::Future<Output = Result<ResponseFrame, Error>> + Send + '_ {
        let raw = self.send_raw(request, opts);
        async move {
            let env = raw.await?;
            decode_checked(self.addr, &env, self.max_body, self.errors)
        }
    }

    fn release(&self, stream: i16) {
        if let Ok(mut s) = self.streams.lock() {
            s.release_unsent(stream);
        }
        self.wake_one_parked();
    }

    /// A stream id freed up: one request waiting for one may take it.
    fn wake_one_parked(&self) {
        if self.parked.load(Ordering::SeqCst) > 0 {
            self.freed.notify_one();
        }
    }

    fn too_large(&self, size: usize) -> Error {
        Error::RequestTooLarge {
            addr: self.addr,
            size,
            limit: self.max_request,
        }
    }

    fn closed_error(&self, in_flight: bool) -> Error {
        let reason = self
            .close_reason
            .lock()
            .ok()
            .and_then(|r| r.clone())
            .unwrap_or_else(|| "connection closed".to_owned());
        Error::ConnectionClosed {
            addr: self.addr,
            reason,
            in_flight,
        }
    }

    fn shutdown(&self, reason: &str) {
        let waiters = {
            // A panic elsewhere while holding the table must not keep the connection open.
            let mut table = self
                .streams
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            if let Ok(mut r) = self.close_reason.lock() {
                *r = Some(reason.to_owned());
            }
            self.closed.store(true, Ordering::Release);
            table.drain()
        };
        let _ = self.closed_tx.send(true);
        for tx in waiters {
            let _ = tx.send(Err(Error::ConnectionClosed {
                addr: self.addr,
                reason: reason.to_owned(),
                in_flight: true,
            }));
        }
        tracing::debug!(addr = %self.addr, reason, "connection closed");
    }
}

/// What [`Inner::enqueue`] did with a request.
enum Queued {
    /// Queued for the writer with this stream id.
    Sent(i16, oneshot::Receiver<Reply>),
    /// Every id is in use: encoded, to wait in the node's queue until `deadline` at most.
    Waiting { buf: BytesMut, deadline: Instant },
}

/// Writes `stream` into an encoded request envelope (bytes 2 and 3 of the v3+ header).
fn set_stream_id(buf: &mut BytesMut, stream: i16) {
    if let Some(id) = buf.get_mut(2..4) {
        id.copy_from_slice(&stream.to_be_bytes());
    }
}

/// Counts a request waiting on a connection while it lives.
struct Parked<'a>(&'a AtomicUsize);

impl<'a> Parked<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n)
    }
}

impl Drop for Parked<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
