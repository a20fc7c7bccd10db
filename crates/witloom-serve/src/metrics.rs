//! What a server counts, and its Prometheus text exposition
//! (`witloom serve --metrics ADDR`, `GET /metrics` on a port of its own).
//!
//! The counts are relaxed atomics bumped on the request path whether or
//! not anyone scrapes them (a few increments per request); the text is
//! made only when asked for. Names follow Prometheus' conventions: a
//! `witloom_` prefix, `_total` for counters, base units (`_seconds`).
//!
//! | metric | type | what |
//! |--------|------|------|
//! | `witloom_http_requests_total{class}` | counter | requests answered, by status class (`2xx`, …) |
//! | `witloom_http_request_duration_seconds` | histogram | from a request's arrival to its response's head |
//! | `witloom_http_requests_in_flight` | gauge | requests not yet answered |
//! | `witloom_instances` | gauge | guest instances alive now |
//! | `witloom_instances_created_total` | counter | instances made (a 0.2 handler: one per request) |
//! | `witloom_instance_requests_total` | counter | requests instances took: over `_created_total`, the reuse |
//! | `witloom_guest_failures_total{kind}` | counter | instances ended by a fault: `trap`, `timeout`, `memory`, `fuel`, `stack`, `deadlock`, `instantiate`, `shutdown` |
//! | `witloom_sql_statements_total` | counter | `witloom:host/sql` statements run |
//! | `witloom_sql_errors_total` | counter | those that failed |

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;
use witloom_run::RunError;
use witloom_run::host::DatabasePool;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why an instance ended before its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    Trap,
    Timeout,
    Memory,
    Fuel,
    Stack,
    Deadlock,
    Instantiate,
    Shutdown,
}

impl Failure {
    /// Every kind, in the order of their discriminants (the index of each
    /// one's count in [`Metrics`]).
    const ALL: [Failure; 8] = [
        Failure::Trap,
        Failure::Timeout,
        Failure::Memory,
        Failure::Fuel,
        Failure::Stack,
        Failure::Deadlock,
        Failure::Instantiate,
        Failure::Shutdown,
    ];

    fn label(self) -> &'static str {
        match self {
            Failure::Trap => "trap",
            Failure::Timeout => "timeout",
            Failure::Memory => "memory",
            Failure::Fuel => "fuel",
            Failure::Stack => "stack",
            Failure::Deadlock => "deadlock",
            Failure::Instantiate => "instantiate",
            Failure::Shutdown => "shutdown",
        }
    }

    /// The kind of a guest's failure, as [`witloom_run::Limits::explain`]
    /// classified it (by the error's type).
    pub(crate) fn of(error: &RunError) -> Failure {
        match error {
            RunError::Limit { limit, .. } => match *limit {
                "--timeout" => Failure::Timeout,
                "--max-memory" => Failure::Memory,
                "--fuel" => Failure::Fuel,
                "--max-wasm-stack" => Failure::Stack,
                _ => Failure::Trap,
            },
            RunError::Deadlock(_) => Failure::Deadlock,
            _ => Failure::Trap,
        }
    }
}

/// A server's counts; see the [module docs](self) for what each means.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// Requests answered, by status class: `[1xx, 2xx, 3xx, 4xx, 5xx]`.
    classes: [AtomicU64; 5],
    /// Requests per latency bucket (not cumulative; the last is `+Inf`).
    buckets: [AtomicU64; BUCKETS.len() + 1],
    latency_micros: AtomicU64,
    in_flight: AtomicI64,
    instances: AtomicI64,
    instances_created: AtomicU64,
    instance_requests: AtomicU64,
    failures: [AtomicU64; Failure::ALL.len()],
}

impl Metrics {
    /// A request arrived: in flight until the [`Arrival`] is dropped
    /// (answered, or given up with its connection).
    pub(crate) fn arrived(&self) -> Arrival<'_> {
        self.in_flight.fetch_add(1, Relaxed);
        Arrival(self)
    }

    /// A request was answered with `status`, `elapsed` after it arrived.
    fn answered(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.classes[class].fetch_add(1, Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Relaxed);
    }

    /// An instance was made.
    pub(crate) fn instance_started(&self) {
        self.instances.fetch_add(1, Relaxed);
        self.instances_created.fetch_add(1, Relaxed);
    }

    /// An instance took a request.
    pub(crate) fn instance_took_request(&self) {
        self.instance_requests.fetch_add(1, Relaxed);
    }

    /// An instance ended, by `failure` or (`None`) in good order.
    pub(crate) fn instance_ended(&self, failure: Option<Failure>) {
        self.instances.fetch_sub(1, Relaxed);
        if let Some(failure) = failure {
            self.failed(failure);
        }
    }

    /// A guest failed without an instance to end (its instantiation).
    pub(crate) fn failed(&self, failure: Failure) {
        self.failures[failure as usize].fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4) of these counts and
    /// of `db`'s.
    pub(crate) fn render(&self, db: Option<&DatabasePool>) -> String {
        let mut out = String::new();
        declare(
            &mut out,
            "witloom_http_requests_total",
            "counter",
            "HTTP requests answered, by status class.",
        );
        for (i, n) in self.classes.iter().enumerate() {
            let _ = writeln!(
                out,
                "witloom_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                n.load(Relaxed)
            );
        }

        declare(
            &mut out,
            "witloom_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response's head.",
        );
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Relaxed);
            let _ = writeln!(
                out,
                "witloom_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += self.buckets[BUCKETS.len()].load(Relaxed);
        let sum = self.latency_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "witloom_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n\
             witloom_http_request_duration_seconds_sum {sum}\n\
             witloom_http_request_duration_seconds_count {cumulative}"
        );

        let sql = db.map(DatabasePool::stats).unwrap_or_default();
        for (name, kind, help, value) in [
            (
                "witloom_http_requests_in_flight",
                "gauge",
                "HTTP requests not yet answered.",
                self.in_flight.load(Relaxed).max(0).unsigned_abs(),
            ),
            (
                "witloom_instances",
                "gauge",
                "Guest instances alive.",
                self.instances.load(Relaxed).max(0).unsigned_abs(),
            ),
            (
                "witloom_instances_created_total",
                "counter",
                "Guest instances made (a WASI 0.2 handler: one per request).",
                self.instances_created.load(Relaxed),
            ),
            (
                "witloom_instance_requests_total",
                "counter",
                "Requests taken by guest instances (over instances made: the reuse).",
                self.instance_requests.load(Relaxed),
            ),
            (
                "witloom_sql_statements_total",
                "counter",
                "witloom:host/sql statements run.",
                sql.statements,
            ),
            (
                "witloom_sql_errors_total",
                "counter",
                "witloom:host/sql statements that failed.",
                sql.errors,
            ),
        ] {
            declare(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {value}");
        }

        declare(
            &mut out,
            "witloom_guest_failures_total",
            "counter",
            "Guest instances ended by a fault, by kind.",
        );
        for (failure, n) in Failure::ALL.iter().zip(&self.failures) {
            let _ = writeln!(
                out,
                "witloom_guest_failures_total{{kind=\"{}\"}} {}",
                failure.label(),
                n.load(Relaxed)
            );
        }
        out
    }
}

/// A request in flight ([`Metrics::arrived`]).
pub(crate) struct Arrival<'a>(&'a Metrics);

impl Arrival<'_> {
    /// The request was answered with `status`, `elapsed` after it arrived.
    pub(crate) fn answered(self, status: u16, elapsed: Duration) {
        self.0.answered(status, elapsed);
    }
}

impl Drop for Arrival<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

/// A metric family's `# HELP` and `# TYPE` lines.
fn declare(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}
