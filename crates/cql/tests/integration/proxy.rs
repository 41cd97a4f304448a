//! A TCP proxy in front of a real node, for faults the node does not make on demand: it counts
//! the client connections open through it (a leak shows there, whatever else the test process
//! has open), delays new connections (a handshake in progress), cuts every connection, and
//! freezes (holds every byte, sockets open: a node that hangs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

struct State {
    target: SocketAddr,
    live: AtomicUsize,
    accepted: AtomicUsize,
    delay_ms: AtomicUsize,
    frozen: AtomicBool,
    /// Bytes read from clients so far (held ones included).
    up_bytes: AtomicUsize,
    /// Bumped to cut every connection open now.
    cut: watch::Sender<u64>,
}

impl Proxy {
    pub(crate) async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(State {
            target,
            live: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            delay_ms: AtomicUsize::new(0),
            frozen: AtomicBool::new(false),
            up_bytes: AtomicUsize::new(0),
            cut: watch::Sender::new(0),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                shared.live.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    relay(&state, client).await;
                    state.live.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Proxy { addr, state, task }
    }

    /// Client connections open through the proxy now.
    pub(crate) fn live(&self) -> usize {
        self.state.live.load(Ordering::SeqCst)
    }

    /// Client connections accepted so far.
    pub(crate) fn accepted(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Bytes the clients sent so far (read by the proxy, forwarded or held).
    pub(crate) fn bytes_from_clients(&self) -> usize {
        self.state.up_bytes.load(Ordering::SeqCst)
    }

    /// New connections reach the node only after `delay`.
    pub(crate) fn delay_new_connections(&self, delay: Duration) {
        let ms = usize::try_from(delay.as_millis()).unwrap_or(usize::MAX);
        self.state.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Holds every byte in both directions (connections stay open), or lets them flow again.
    pub(crate) fn freeze(&self, frozen: bool) {
        self.state.frozen.store(frozen, Ordering::SeqCst);
    }

    /// Closes every connection open now.
    pub(crate) fn cut_all(&self) {
        self.state.cut.send_modify(|n| *n += 1);
    }

    /// Waits until at most `n` client connections are open, up to `within`; the count then.
    pub(crate) async fn wait_live_at_most(&self, n: usize, within: Duration) -> usize {
        let until = tokio::time::Instant::now() + within;
        while self.live() > n && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.live()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut_all();
    }
}

async fn relay(state: &State, mut client: TcpStream) {
    let mut cut = state.cut.subscribe();
    cut.borrow_and_update();
    let delay = Duration::from_millis(state.delay_ms.load(Ordering::SeqCst) as u64);
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        _ = cut.changed() => return,
    }
    let Ok(mut node) = TcpStream::connect(state.target).await else {
        return;
    };
    let (mut cr, mut cw) = client.split();
    let (mut nr, mut nw) = node.split();
    let up = pump(state, &mut cr, &mut nw, Some(&state.up_bytes));
    let down = pump(state, &mut nr, &mut cw, None);
    tokio::select! {
        _ = async { tokio::join!(up, down) } => {}
        _ = cut.changed() => {}
    }
}

/// Copies until EOF, holding the bytes while the proxy is frozen.
async fn pump<R, W>(state: &State, from: &mut R, to: &mut W, count: Option<&AtomicUsize>)
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(count) = count {
            count.fetch_add(n, Ordering::SeqCst);
        }
        while state.frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
