//! A scriptable raw HTTP/1.1 server for what the stand-in does not do on purpose: proxies
//! that echo headers, broken bodies, connections closed without an answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Which connection (0-based, in accept order).
    pub(crate) conn: usize,
    /// Which request on that connection (0-based).
    pub(crate) nth: usize,
    /// Request line and headers.
    pub(crate) head: String,
}

/// What the server does with a request.
pub(crate) enum Act {
    /// Writes these bytes (a whole response) and keeps the connection open.
    Answer(Vec<u8>),
    /// Closes the connection without answering.
    Close,
}

/// A complete response with a body.
pub(crate) fn response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

pub(crate) struct Fake {
    pub(crate) url: String,
    pub(crate) requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head and a `Content-Length` body); `None` at EOF.
async fn read_request(sock: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let mut chunk = [0u8; 8192];
                let n = sock.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..end + 4 + len);
            return Some(head);
        }
        let mut chunk = [0u8; 8192];
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Starts a server that answers each request with `script(&seen)`.
pub(crate) async fn start<F>(script: F) -> Fake
where
    F: Fn(&Seen) -> Act + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(AtomicUsize::new(0));
    let script = Arc::new(script);
    let counter = requests.clone();
    let task = tokio::spawn(async move {
        let mut conn = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            let (script, counter) = (script.clone(), counter.clone());
            let this = conn;
            conn += 1;
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut nth = 0;
                while let Some(head) = read_request(&mut sock, &mut buf).await {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let seen = Seen {
                        conn: this,
                        nth,
                        head,
                    };
                    nth += 1;
                    match script(&seen) {
                        Act::Answer(bytes) => {
                            if sock.write_all(&bytes).await.is_err() {
                                return;
                            }
                        }
                        Act::Close => return,
                    }
                }
            });
        }
    });
    Fake {
        url,
        requests,
        task,
    }
}
