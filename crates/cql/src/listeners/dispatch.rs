//! The listener thread: events queue up (bounded) and one thread per session calls the
//! listeners, catching panics.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock};

use super::{HostEvent, HostListener, InitialListeners, RequestHistory, RequestListener};

/// Events waiting for the listener thread; more are dropped (with one warning).
const QUEUE: usize = 4096;

enum Event {
    Host(HostEvent),
    Request(Box<RequestHistory>),
}

/// What the listener thread and the session share.
#[derive(Default)]
struct Registry {
    host: RwLock<Vec<Arc<dyn HostListener>>>,
    request: RwLock<Vec<Arc<dyn RequestListener>>>,
    warned_panic: AtomicBool,
}

/// The listeners of a session and the queue to their thread (started with the first event).
pub(crate) struct Listeners {
    registry: Arc<Registry>,
    /// Read on every request: whether request histories are wanted.
    wants_history: AtomicBool,
    queue: Mutex<Option<SyncSender<Event>>>,
    warned_full: AtomicBool,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("history", &self.wants_history())
            .finish_non_exhaustive()
    }
}

impl Listeners {
    pub(crate) fn new(initial: &InitialListeners) -> Self {
        let l = Listeners {
            registry: Arc::default(),
            wants_history: AtomicBool::new(false),
            queue: Mutex::new(None),
            warned_full: AtomicBool::new(false),
        };
        for h in &initial.host {
            l.add_host(Arc::clone(h));
        }
        for r in &initial.request {
            l.add_request(Arc::clone(r));
        }
        l
    }

    pub(crate) fn add_host(&self, listener: Arc<dyn HostListener>) {
        if let Ok(mut v) = self.registry.host.write() {
            v.push(listener);
        }
    }

    pub(crate) fn add_request(&self, listener: Arc<dyn RequestListener>) {
        if let Ok(mut v) = self.registry.request.write() {
            v.push(listener);
            self.wants_history.store(true, Ordering::Release);
        }
    }

    /// Whether any request listener is registered (one relaxed load).
    pub(crate) fn wants_history(&self) -> bool {
        self.wants_history.load(Ordering::Relaxed)
    }

    pub(crate) fn has_host_listeners(&self) -> bool {
        self.registry.host.read().is_ok_and(|v| !v.is_empty())
    }

    pub(crate) fn host_event(&self, event: HostEvent) {
        if self.has_host_listeners() {
            self.send(Event::Host(event));
        }
    }

    pub(crate) fn request_done(&self, history: RequestHistory) {
        self.send(Event::Request(Box::new(history)));
    }

    fn send(&self, event: Event) {
        let Ok(mut queue) = self.queue.lock() else {
            return;
        };
        if queue.is_none() {
            let (tx, rx) = sync_channel(QUEUE);
            let registry = Arc::clone(&self.registry);
            let started = std::thread::Builder::new()
                .name("cql-listeners".into())
                .spawn(move || run(&registry, &rx));
            if let Err(e) = started {
                tracing::warn!(error = %e, "cannot start the listener thread; events dropped");
                return;
            }
            *queue = Some(tx);
        }
        let Some(tx) = queue.as_ref() else {
            return;
        };
        match tx.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                if !self.warned_full.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        queued = QUEUE,
                        "listeners are too slow (one blocks?): events are dropped"
                    );
                }
            }
            Err(TrySendError::Disconnected(_)) => *queue = None,
        }
    }
}

/// The listener thread: ends when the session (the sender) is gone.
fn run(registry: &Registry, rx: &Receiver<Event>) {
    while let Ok(event) = rx.recv() {
        match &event {
            Event::Host(e) => {
                let listeners = registry.host.read().map(|v| v.clone()).unwrap_or_default();
                for l in listeners {
                    guarded(registry, || l.on_host_event(e));
                }
            }
            Event::Request(h) => {
                let listeners = registry
                    .request
                    .read()
                    .map(|v| v.clone())
                    .unwrap_or_default();
                for l in listeners {
                    guarded(registry, || l.on_request(h));
                }
            }
        }
    }
}

fn guarded(registry: &Registry, f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err()
        && !registry.warned_panic.swap(true, Ordering::Relaxed)
    {
        tracing::warn!("a listener panicked; the panic was caught and later events still go to it");
    }
}
