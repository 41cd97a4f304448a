//! The tasks of a connection: the writer, which coalesces queued requests into one write, and
//! the reader, which decodes envelopes and completes the waiting requests by stream id.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::BytesMut;
use cql_protocol::frame::Envelope;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use super::io::{Decoder, Encoder};
use super::{EventSender, Inner, MAX_WRITER_YIELDS};

pub(super) async fn writer<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut rx: mpsc::UnboundedReceiver<BytesMut>,
    mut encoder: Encoder,
    inner: std::sync::Weak<Inner>,
    mut closed: watch::Receiver<bool>,
) {
    let mut out = BytesMut::with_capacity(64 * 1024);
    loop {
        let first = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => m,
                None => break,
            },
            _ = closed.wait_for(|c| *c) => break,
        };
        out.clear();
        let mut result = encoder.push(&first, &mut out);
        // Coalesce everything already queued into this one write. When the queue looks empty
        // and other requests are in flight on this connection, yield once first: their callers
        // and others on the other workers enqueue in the meantime, so under load one syscall
        // carries many requests. A connection with one request at a time writes at once,
        // without the scheduler round trip.
        let busy = inner
            .upgrade()
            .is_some_and(|i| i.streams.lock().is_ok_and(|s| s.in_flight() > 1));
        // While requests keep arriving during the yields, yield again (a few times at most).
        let mut yields = if busy { 0 } else { MAX_WRITER_YIELDS };
        let mut arrived = true;
        while result.is_ok() && out.len() < 1024 * 1024 {
            match rx.try_recv() {
                Ok(more) => {
                    arrived = true;
                    result = encoder.push(&more, &mut out);
                }
                Err(_) if arrived && yields < MAX_WRITER_YIELDS => {
                    yields += 1;
                    arrived = false;
                    tokio::task::yield_now().await;
                }
                Err(_) => break,
            }
        }
        let result = result.and_then(|()| encoder.finish(&mut out));
        let failure = match result {
            Err(e) => Some(format!("cannot encode a request: {e}")),
            Ok(()) => match wr.write_all(&out).await {
                Ok(()) => None,
                Err(e) => Some(format!("write failed: {e}")),
            },
        };
        if let Some(reason) = failure {
            if let Some(inner) = inner.upgrade() {
                inner.shutdown(&reason);
            }
            return;
        }
        if out.capacity() > 4 * 1024 * 1024 {
            out = BytesMut::with_capacity(64 * 1024);
        }
    }
    let _ = wr.shutdown().await;
}

pub(super) async fn reader<R: AsyncRead + Unpin>(
    mut rd: R,
    mut buf: BytesMut,
    mut decoder: Decoder,
    inner: Arc<Inner>,
    events: Option<EventSender>,
    mut closed: watch::Receiver<bool>,
) {
    let reason = loop {
        // Dispatch every whole envelope already buffered.
        loop {
            match decoder.next(&mut buf) {
                Ok(Some(env)) => dispatch(&inner, env, events.as_ref()),
                Ok(None) => break,
                Err(e) => {
                    inner.shutdown(&format!("protocol error: {e}"));
                    return;
                }
            }
        }
        if inner.closed.load(Ordering::Acquire) {
            return;
        }
        if buf.capacity() - buf.len() < 8 * 1024 {
            buf.reserve(64 * 1024);
        }
        let read = tokio::select! {
            r = rd.read_buf(&mut buf) => r,
            _ = closed.wait_for(|c| *c) => return,
        };
        match read {
            Ok(0) => break "the server closed the connection".to_owned(),
            Ok(_) => {
                let ms = u64::try_from(inner.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
                inner.last_read.store(ms, Ordering::Relaxed);
            }
            Err(e) => break format!("read failed: {e}"),
        }
    };
    inner.shutdown(&reason);
}

fn dispatch(inner: &Inner, env: Envelope, events: Option<&EventSender>) {
    let stream = env.stream();
    if stream < 0 {
        if let Some(tx) = events {
            let _ = tx.send(env);
        }
        return;
    }
    let waiter = inner
        .streams
        .lock()
        .ok()
        .and_then(|mut s| s.complete(stream));
    inner.wake_one_parked();
    if let Some(tx) = waiter {
        let _ = tx.send(Ok(env));
    }
}
