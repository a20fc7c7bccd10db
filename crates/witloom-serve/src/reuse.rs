//! WASI 0.3 handlers (`wasi:http/handler@0.3.x`), served on instances that
//! live for many requests, through wasmtime-wasi-http's `handler` module
//! (what `wasmtime serve` 48 uses): a worker per instance takes requests
//! from a queue, up to [`Reuse::concurrency`] at once and
//! [`Reuse::max_requests`] in all, and ends when it has taken its last,
//! when it has been idle for [`Reuse::idle`], when a request outlives
//! `--timeout`, or when its guest traps (every request it held is then
//! answered `500`; other instances go on).
//!
//! What this module decides is the store: the same per-instance limits as
//! a 0.2 request's (memory, fuel refilled at each request, the epoch
//! ticks at which a guest yields and at which shutdown stops it), the
//! grants (`witloom:host/sql` on the shared pool, one connection per
//! instance), and what is logged when an instance ends.

use crate::ShutDown;
use crate::metrics::{Failure, Metrics};
use crate::state::RequestState;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use wasmtime::component::GuestTaskId;
use wasmtime::{Engine, Store, StoreContextMut};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::handler::{
    HandlerState, Instance, ProxyPre, ShouldAccept, WorkerExpiration, WorkerState, WorkerStatus,
};
use witloom_run::Limits;
use witloom_run::host::DatabasePool;

/// How long instances live: `--max-instance-reuse`,
/// `--max-instance-concurrency`, `--instance-idle-timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reuse {
    /// The most requests one instance serves, one after another or at once.
    pub max_requests: usize,
    /// The most requests one instance serves at once.
    pub concurrency: usize,
    /// How long an instance with nothing to do is kept for the next.
    pub idle: Duration,
}

/// `wasmtime serve` 48's defaults for WASIp3: 128 requests, 16 at once,
/// dropped after 1 s idle.
pub const DEFAULT_REUSE: Reuse = Reuse {
    max_requests: 128,
    concurrency: 16,
    idle: Duration::from_secs(1),
};

/// What every worker of a 0.3 server shares: how to make an instance.
pub(crate) struct Workers {
    pub(crate) engine: Engine,
    pub(crate) pre: ProxyPre<RequestState>,
    pub(crate) limits: Limits,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) db: Option<Arc<DatabasePool>>,
    pub(crate) reuse: Reuse,
    /// Set when the grace of a shutdown is over: guests stop at their next
    /// tick.
    pub(crate) stopping: Arc<AtomicBool>,
    /// Set when a shutdown begins: instances ended from then on end with
    /// the server, not by a fault of theirs.
    pub(crate) closing: Arc<AtomicBool>,
    pub(crate) next_instance: AtomicU64,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) profiler: Option<crate::Profiler>,
}

impl HandlerState for Workers {
    type StoreData = RequestState;
    type WorkerExpiration = Expiry;
    type WorkerState = Worker;

    async fn instantiate(&self) -> wasmtime::Result<Instance<RequestState, Expiry, Worker>> {
        let id = self.next_instance.fetch_add(1, Ordering::Relaxed);
        let mut store = self.store();
        // An instantiation that waits forever (a start function cannot,
        // but a host call may) is bounded like a request.
        let proxy = match self.limits.timeout {
            Some(t) => tokio::time::timeout(t, self.pre.instantiate_async(&mut store))
                .await
                .unwrap_or_else(|_| Err(wasmtime::Error::new(wasmtime::Trap::Interrupt))),
            None => self.pre.instantiate_async(&mut store).await,
        }
        .inspect_err(|e| {
            if !e.is::<wasmtime::PoolConcurrencyLimitError>() {
                self.metrics.failed(Failure::Instantiate);
            }
        })?;
        tracing::debug!(instance = id, "instantiated");
        self.metrics.instance_started();
        let timed_out = Arc::new(AtomicBool::new(false));
        let request_timeout = self.limits.timeout.unwrap_or(Duration::MAX);
        Ok(Instance {
            store,
            proxy,
            view: WasiHttpView::http,
            expiration: Expiry {
                idle: self.reuse.idle,
                request_timeout,
                sleep: Box::pin(tokio::time::sleep(Duration::MAX)),
                timed_out: timed_out.clone(),
            },
            state: Worker {
                id,
                reuse: self.reuse,
                limits: self.limits.clone(),
                served: AtomicU64::new(0),
                closing: self.closing.clone(),
                timed_out,
                metrics: self.metrics.clone(),
            },
        })
    }
}

impl Workers {
    /// A store for one instance: the per-instance limits, and at every
    /// epoch tick (when `--timeout` turns ticks on) a yield to the other
    /// tasks, or a stop when the server is shutting down; a request's time
    /// is kept by the pool ([`Worker::on_request_start`], [`Expiry`]).
    fn store(&self) -> Store<RequestState> {
        let store = Store::new(
            &self.engine,
            RequestState::new(&self.env, self.db.clone(), self.limits.max_memory, None),
        );
        crate::limited(
            store,
            &self.limits,
            &self.stopping,
            None,
            self.profiler.as_ref(),
        )
    }
}

/// One instance's bookkeeping.
pub(crate) struct Worker {
    id: u64,
    reuse: Reuse,
    /// `--timeout` is per request, `--fuel` refilled per request.
    limits: Limits,
    /// Requests taken so far, for the log line when the instance ends.
    served: AtomicU64,
    closing: Arc<AtomicBool>,
    /// Set by [`Expiry`] when it ends the instance for a request past
    /// `--timeout` (the pool's error then says so only in its text).
    timed_out: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl WorkerState for Worker {
    type StoreData = RequestState;
    /// The request's id in the access log.
    type RequestData = u64;

    fn should_accept_request(&self, concurrent: usize, total: usize) -> ShouldAccept {
        if total >= self.reuse.max_requests {
            ShouldAccept::Never
        } else if concurrent >= self.reuse.concurrency {
            ShouldAccept::No
        } else {
            ShouldAccept::Yes
        }
    }

    fn on_request_start(
        &self,
        mut store: StoreContextMut<'_, RequestState>,
        request: u64,
        _: GuestTaskId,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + Sync>> {
        self.served.fetch_add(1, Ordering::Relaxed);
        self.metrics.instance_took_request();
        tracing::debug!(instance = self.id, request, "taken by instance");
        // Fuel is per request, as on 0.2: each request tops it up.
        if let Some(fuel) = self.limits.fuel {
            let _ = store.set_fuel(fuel);
        }
        match self.limits.timeout {
            Some(t) => Box::pin(tokio::time::sleep(t)),
            None => Box::pin(std::future::pending()),
        }
    }

    fn drop(&self, store: Store<RequestState>, result: wasmtime::Result<()>) {
        let served = self.served.load(Ordering::Relaxed);
        let failure = match result {
            Ok(()) => {
                tracing::debug!(instance = self.id, served, "instance retired");
                None
            }
            Err(e) if e.is::<ShutDown>() => {
                tracing::warn!(instance = self.id, "{ShutDown}");
                Some(Failure::Shutdown)
            }
            // The runtime dropped its worker: the server is stopping.
            Err(_) if self.closing.load(Ordering::Relaxed) => {
                tracing::debug!(instance = self.id, served, "instance ended with the server");
                None
            }
            Err(e) => {
                let error = self.limits.explain(e);
                tracing::warn!(
                    instance = self.id,
                    served,
                    "the guest failed, and its instance with it (requests it held were answered 500): {}",
                    witloom_diag::one_line(&error)
                );
                Some(if self.timed_out.load(Ordering::Relaxed) {
                    Failure::Timeout
                } else {
                    Failure::of(&error)
                })
            }
        };
        self.metrics.instance_ended(failure);
        // A PostgreSQL connection goes back to the pool off the runtime's
        // workers (`WitloomHost`'s drop sees to it).
        drop(store);
    }
}

/// When an instance ends: idle past [`Reuse::idle`], or still busy past
/// `--timeout` since its newest request (its requests have then all
/// expired, and a guest that never yields can only be stopped this way).
pub(crate) struct Expiry {
    idle: Duration,
    request_timeout: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
    /// Set when this ends a busy instance ([`Worker::timed_out`]).
    timed_out: Arc<AtomicBool>,
}

impl WorkerExpiration for Expiry {
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        status: WorkerStatus,
        since: Instant,
    ) -> Poll<()> {
        let wait = match status {
            WorkerStatus::Idle => self.idle,
            WorkerStatus::Requests | WorkerStatus::PostReturn => self.request_timeout,
        };
        let Some(deadline) = since.checked_add(wait) else {
            return Poll::Pending;
        };
        let deadline = tokio::time::Instant::from_std(deadline);
        if self.sleep.deadline() != deadline {
            self.sleep.as_mut().reset(deadline);
        }
        let expired = self.sleep.as_mut().poll(cx);
        if expired.is_ready() && status != WorkerStatus::Idle {
            self.timed_out.store(true, Ordering::Relaxed);
        }
        expired
    }
}
