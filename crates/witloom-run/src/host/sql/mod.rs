//! `witloom:host/sql`, the capability: what a store holds
//! ([`WitloomHost`]), the connections a grant shares ([`DatabasePool`]),
//! and what every database engine behind it shares: the parameter-count
//! check ([`check_parameter_count`]) and the one cap on a result
//! ([`ResultRows`], [`MAX_RESULT`]).
//!
//! An engine is a backend: a [`Backend`] that opens connections and a
//! [`Connection`] that runs a store's statements. SQLite (embedded, the
//! file confined to itself) is [`sqlite`]; PostgreSQL (a server several
//! hosts share) is [`postgres`]. Backends import this module and nothing of
//! each other. A third one is a file of its own here: its `Backend` (open
//! a connection; how many may be open at once) and its `Connection`
//! (`query` and `execute` under a deadline, building results through
//! `ResultRows`; `recycle`: ready for the next store, or closed), and a
//! `DatabasePool` constructor that opens its first connection.

mod postgres;
mod sqlite;

pub use postgres::redact;
pub use sqlite::IN_MEMORY;

use super::bindings::witloom::host::sql as wit;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a statement waits for another connection's write lock, and a
/// store for a connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a query may return (bytes of text and blobs, and 8 per other
/// value): the host copies a result into the guest, so a guest could
/// otherwise make the host hold gigabytes. Also SQLite's limit on one
/// string or blob.
pub const MAX_RESULT: usize = 64 << 20;

/// Why a granted database cannot be opened or reached.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// SQLite cannot open the file, or set it up (`step` says which).
    #[error("{step}")]
    Sqlite {
        step: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// The PostgreSQL connection string does not parse (`url` is shown
    /// without its password).
    #[error("`{url}` is not a PostgreSQL connection string")]
    PostgresUrl {
        url: String,
        #[source]
        source: ::postgres::Error,
    },
    /// The PostgreSQL server cannot be reached, or refused the connection.
    #[error(transparent)]
    Postgres(#[from] ::postgres::Error),
    /// A second connection to an in-memory database was asked for: it
    /// lives in its one connection.
    #[error("the in-memory database has one connection, and it is in use")]
    OneConnection,
}

/// A database engine: where a pool's connections come from.
pub(crate) trait Backend: Send + Sync + std::fmt::Debug {
    /// A new connection, for a store that has none.
    fn connect(&self) -> Result<Box<dyn Connection>, DatabaseError>;

    /// How many connections may be open at once when `asked` are.
    fn max_connections(&self, asked: usize) -> usize {
        asked.max(1)
    }
}

/// One store's connection to the granted database.
pub(crate) trait Connection: Send + std::fmt::Debug {
    /// Runs a statement that returns rows, stopping at `deadline`.
    fn query(
        &mut self,
        statement: &str,
        params: &[wit::Value],
        deadline: Option<Instant>,
    ) -> Result<wit::Rows, wit::Error>;

    /// Runs a statement, returning how many rows it changed, stopping at
    /// `deadline`.
    fn execute(
        &mut self,
        statement: &str,
        params: &[wit::Value],
        deadline: Option<Instant>,
    ) -> Result<u64, wit::Error>;

    /// Readies the connection for another store (nothing the last one left
    /// may show through), or says it is to be closed (`false`).
    fn recycle(&mut self) -> bool;

    /// What the store did with the connection, for the host's log. A
    /// backend that does not track it reports nothing committed and no
    /// wait.
    fn activity(&self) -> Activity {
        Activity::default()
    }
}

/// What one store did with its database connection, as the host reports
/// it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// A transaction of the store committed: its writes stay, whatever
    /// becomes of the store afterwards (a timeout, a trap). Tracked on
    /// SQLite.
    pub committed: bool,
    /// How long the store waited for the write lock, in all (SQLite's
    /// writers take turns, first come, first served).
    pub lock_wait: Duration,
}

/// The `bind` error of a statement given another number of values than
/// it has placeholders.
pub(crate) fn check_parameter_count(expected: usize, given: usize) -> Result<(), wit::Error> {
    if expected == given {
        return Ok(());
    }
    Err(wit::Error {
        code: wit::ErrorCode::Bind,
        message: format!(
            "the statement has {expected} parameter(s) but {given} value(s) were given"
        ),
    })
}

/// A query's result as a backend reads it, value by value, held to
/// [`MAX_RESULT`] so that a huge result stops before it is all in memory.
#[derive(Debug)]
pub(crate) struct ResultRows {
    rows: wit::Rows,
    size: usize,
}

impl ResultRows {
    pub fn new(columns: Vec<String>) -> ResultRows {
        ResultRows {
            rows: wit::Rows {
                columns,
                values: Vec::new(),
            },
            size: 0,
        }
    }

    pub fn columns(&self) -> usize {
        self.rows.columns.len()
    }

    /// Counts `value` against the cap: text and blobs by their bytes,
    /// anything else as 8. An error once the result passes it.
    pub fn admit(&mut self, value: wit::Value) -> Result<wit::Value, wit::Error> {
        self.size += match &value {
            wit::Value::Text(t) => t.len().max(8),
            wit::Value::Blob(b) => b.len().max(8),
            _ => 8,
        };
        if self.size > MAX_RESULT {
            return Err(wit::Error {
                code: wit::ErrorCode::Other,
                message: format!(
                    "the result is larger than {} MiB; select fewer rows or smaller values",
                    MAX_RESULT >> 20
                ),
            });
        }
        Ok(value)
    }

    /// Adds a row of admitted values.
    pub fn push(&mut self, row: Vec<wit::Value>) {
        self.rows.values.push(row);
    }

    pub fn finish(self) -> wit::Rows {
        self.rows
    }
}

/// The error a statement gets when the store's time is up.
pub(crate) fn interrupted() -> wit::Error {
    wit::Error {
        code: wit::ErrorCode::Unavailable,
        message: "interrupted: the request's time (--timeout) ran out".to_string(),
    }
}

/// A granted database, shared by every store that uses it: `witloom run`'s
/// one store, or every request `witloom serve` handles at once.
///
/// A store gets a connection of its own at its first statement and keeps
/// it until the store is dropped, so what an engine keeps per connection
/// (SQLite's `last_insert_rowid()`, TEMP tables, pragmas, an open
/// transaction) is the request's own and never another's. At most `max`
/// are open at once, and a store waits for one (up to [`BUSY_TIMEOUT`], or
/// its deadline). Given back, a connection is readied for the next store
/// or closed, as its backend decides:
///
/// - a SQLite file's is closed (closing rolls back what was left open);
///   the file is in WAL mode (readers never wait for the writer, and a
///   crash of the process loses no committed row) with a busy timeout, so
///   concurrent writers queue instead of failing with "database is
///   locked";
/// - an in-memory SQLite database lives in its one connection, which the
///   stores take in turn (a transaction left open is rolled back; TEMP
///   tables and pragmas are the connection's, so they are shared: use a
///   file for anything that serves many);
/// - a PostgreSQL connection ([`DatabasePool::open_postgres`]) is rolled
///   back and reset, and kept for the next store, or dropped if it broke.
#[derive(Debug)]
pub struct DatabasePool {
    backend: Box<dyn Backend>,
    max: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
    /// Statements run through this pool's connections, and those that
    /// failed ([`DatabasePool::stats`]).
    statements: AtomicU64,
    errors: AtomicU64,
}

/// What the stores of a [`DatabasePool`] have run so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqlStats {
    /// Statements run (a query or an execute), failed ones included.
    pub statements: u64,
    /// Statements that failed (the guest got a `witloom:host/sql` error).
    pub errors: u64,
}

#[derive(Debug, Default)]
struct PoolState {
    /// Connections no store has.
    idle: Vec<Box<dyn Connection>>,
    /// Connections open, idle or in use.
    open: usize,
}

impl DatabasePool {
    /// Opens (creating if missing) the SQLite database at `path`, or an
    /// in-memory one for [`IN_MEMORY`], for up to `max` stores at once.
    /// One connection is opened now, so that a database that cannot be
    /// opened is reported before any guest runs.
    pub fn open(path: &Path, max: usize) -> Result<Arc<DatabasePool>, DatabaseError> {
        let (backend, first) = sqlite::Sqlite::open(path)?;
        Ok(DatabasePool::with(Box::new(backend), first, max))
    }

    /// Connects to the PostgreSQL server at `url`
    /// (`postgres://user@host:port/db`) for up to `max` stores at once. One
    /// connection is made now, so that a server that cannot be reached is
    /// reported before any guest runs.
    pub fn open_postgres(url: &str, max: usize) -> Result<Arc<DatabasePool>, DatabaseError> {
        let (backend, first) = postgres::Postgres::open(url)?;
        Ok(DatabasePool::with(Box::new(backend), first, max))
    }

    /// The statements run through this pool so far.
    pub fn stats(&self) -> SqlStats {
        SqlStats {
            statements: self.statements.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
        }
    }

    /// A pool over `backend`, whose `first` connection is kept if the
    /// backend keeps connections.
    fn with(
        backend: Box<dyn Backend>,
        mut first: Box<dyn Connection>,
        max: usize,
    ) -> Arc<DatabasePool> {
        let mut state = PoolState::default();
        if first.recycle() {
            state.idle.push(first);
            state.open = 1;
        }
        Arc::new(DatabasePool {
            max: backend.max_connections(max),
            backend,
            state: Mutex::new(state),
            freed: Condvar::new(),
            statements: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection for one store: an idle one, or a new one while fewer
    /// than `max` are open; else the next one freed, waiting until
    /// `deadline`.
    fn take(&self, deadline: Instant) -> Result<Box<dyn Connection>, wit::Error> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(conn);
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return self.backend.connect().map_err(|e| {
                    self.lock().open -= 1;
                    self.freed.notify_one();
                    wit::Error {
                        code: wit::ErrorCode::Unavailable,
                        message: witloom_diag::one_line(&e),
                    }
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(wit::Error {
                    code: wit::ErrorCode::Unavailable,
                    message: format!(
                        "no connection to the database became free in time: {} are in use",
                        self.max
                    ),
                });
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Takes a store's connection back: readied for the next store, or
    /// closed.
    fn give_back(&self, mut conn: Box<dyn Connection>) {
        if conn.recycle() {
            self.lock().idle.push(conn);
        } else {
            drop(conn);
            self.lock().open -= 1;
        }
        self.freed.notify_one();
    }
}

impl Drop for DatabasePool {
    fn drop(&mut self) {
        // Closing PostgreSQL connections talks to the server.
        let idle = std::mem::take(&mut self.lock().idle);
        blocking(move || drop(idle));
    }
}

/// witloom's host capabilities as one store holds them: `witloom:host/sql`
/// on the granted [`DatabasePool`] (if any) and `witloom:host/log` into
/// `tracing`. Put one in a store's data and link it with
/// [`crate::host::add_to_linker`].
#[derive(Debug, Default)]
pub struct WitloomHost {
    pool: Option<Arc<DatabasePool>>,
    /// This store's connection, from its first statement until it drops.
    conn: Option<Box<dyn Connection>>,
    /// When the store's time is up (`--timeout`): SQL running then is
    /// interrupted, and waits end.
    deadline: Option<Instant>,
}

impl WitloomHost {
    /// Capabilities with `pool` granted (or no database).
    pub fn new(pool: Option<Arc<DatabasePool>>) -> WitloomHost {
        WitloomHost {
            pool,
            conn: None,
            deadline: None,
        }
    }

    /// Stops SQL at `deadline`: a statement running then is interrupted (an
    /// `unavailable` error), and no wait lasts past it. Epochs interrupt
    /// wasm, not the host's database client, so a `--timeout` needs this
    /// too.
    pub fn with_deadline(mut self, deadline: Option<Instant>) -> WitloomHost {
        self.deadline = deadline;
        self
    }

    /// What this store did with its connection so far (nothing, before its
    /// first statement).
    pub fn activity(&self) -> Activity {
        self.conn
            .as_ref()
            .map_or_else(Activity::default, |c| c.activity())
    }

    /// Runs `f` on this store's connection (taken from the pool at the
    /// first statement).
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut dyn Connection, Option<Instant>) -> Result<R, wit::Error>,
    ) -> Result<R, wit::Error> {
        let Some(pool) = &self.pool else {
            return Err(wit::Error {
                code: wit::ErrorCode::Unavailable,
                message: "no database was granted (--sqlite PATH or --sql URL)".to_string(),
            });
        };
        let deadline = self.deadline;
        let wait = Instant::now() + BUSY_TIMEOUT;
        let wait = deadline.map_or(wait, |d| d.min(wait));
        let conn = &mut self.conn;
        blocking(move || {
            if conn.is_none() {
                *conn = Some(pool.take(wait)?);
            }
            let conn = conn.as_mut().expect("taken above");
            let result = f(conn.as_mut(), deadline);
            pool.statements.fetch_add(1, Ordering::Relaxed);
            if result.is_err() {
                pool.errors.fetch_add(1, Ordering::Relaxed);
            }
            result
        })
    }
}

impl Drop for WitloomHost {
    fn drop(&mut self) {
        if let (Some(pool), Some(conn)) = (&self.pool, self.conn.take()) {
            let activity = conn.activity();
            // One line per store that used the database: what a slow or
            // failed request did there.
            tracing::debug!(
                target: "witloom::sql",
                committed = activity.committed,
                lock_wait = %format_args!("{:.1}ms", activity.lock_wait.as_secs_f64() * 1e3),
                "database use",
            );
            // Giving a PostgreSQL connection back talks to the server
            // (reset, or close): blocking work, and a store is dropped on
            // an async host's worker.
            blocking(|| pool.give_back(conn));
        }
    }
}

impl wit::Host for WitloomHost {
    fn query(
        &mut self,
        statement: String,
        params: Vec<wit::Value>,
    ) -> Result<wit::Rows, wit::Error> {
        self.with(|conn, deadline| conn.query(&statement, &params, deadline))
    }

    fn execute(&mut self, statement: String, params: Vec<wit::Value>) -> Result<u64, wit::Error> {
        self.with(|conn, deadline| conn.execute(&statement, &params, deadline))
    }
}

/// Runs blocking work (a database call, waiting for a connection) so that
/// an async host's other requests go on: on a multi-threaded tokio runtime
/// the worker hands its other tasks to another thread first.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

#[cfg(test)]
mod tests {
    //! The pool and the capability, on SQLite (PostgreSQL's are in
    //! `crates/witloom/tests/all/postgres.rs`, against a real server).

    use super::*;
    use std::path::PathBuf;
    use wit::Host;
    use witloom_testkit::scratch_dir;

    fn scratch(name: &str) -> PathBuf {
        scratch_dir(Path::new("witloom-run-tests/sql").join(name))
    }

    #[test]
    fn each_store_has_its_own_connection_and_leaves_nothing_behind() {
        let dir = scratch("stores");
        for path in [dir.join("db.sqlite"), Path::new(IN_MEMORY).to_path_buf()] {
            let pool = DatabasePool::open(&path, 4).unwrap();
            let mut a = WitloomHost::new(Some(pool.clone()));
            a.execute("CREATE TEMP TABLE mine (x)".into(), vec![])
                .unwrap();
            a.execute("BEGIN".into(), vec![]).unwrap();
            a.execute("CREATE TABLE uncommitted (x)".into(), vec![])
                .unwrap();
            drop(a);
            // The next store sees nothing the first left uncommitted, nor,
            // on a file, its TEMP table (an in-memory database is one
            // connection, whose TEMP tables every store shares).
            let mut b = WitloomHost::new(Some(pool.clone()));
            let memory = path.as_os_str() == IN_MEMORY;
            for table in ["mine", "uncommitted"].into_iter().skip(memory as usize) {
                let e = b
                    .query(format!("SELECT * FROM {table}"), vec![])
                    .unwrap_err();
                assert!(e.message.contains("no such table"), "{}", e.message);
            }
            // A TEMP table of a store's own lasts as long as the store.
            b.execute("CREATE TEMP TABLE IF NOT EXISTS t (x)".into(), vec![])
                .unwrap();
            b.execute("INSERT INTO t VALUES (1)".into(), vec![])
                .unwrap();
            let rows = b
                .query("SELECT last_insert_rowid()".into(), vec![])
                .unwrap();
            assert!(matches!(rows.values[0][0], wit::Value::Integer(1)));
        }
    }

    #[test]
    fn a_deadline_interrupts_sql_and_results_are_capped() {
        let pool = DatabasePool::open(Path::new(IN_MEMORY), 1).unwrap();
        let start = std::time::Instant::now();
        let mut host = WitloomHost::new(Some(pool.clone()))
            .with_deadline(Some(start + Duration::from_millis(200)));
        let e = host
            .query(
                "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r"
                    .into(),
                vec![],
            )
            .unwrap_err();
        assert!(
            matches!(e.code, wit::ErrorCode::Unavailable),
            "{}",
            e.message
        );
        assert!(e.message.contains("interrupted"), "{}", e.message);
        assert!(start.elapsed() < Duration::from_secs(5));
        drop(host);
        let mut host = WitloomHost::new(Some(pool));
        let e = host
            .query("SELECT randomblob(100000000)".into(), vec![])
            .unwrap_err();
        assert!(e.message.contains("too big"), "{}", e.message);
        let e = host
            .query(
                "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r LIMIT 20) SELECT randomblob(4000000) FROM r"
                    .into(),
                vec![],
            )
            .unwrap_err();
        assert!(e.message.contains("larger than 64 MiB"), "{}", e.message);
    }

    #[test]
    fn a_transaction_holds_the_write_turn_and_commits_are_reported() {
        let dir = scratch("turns");
        let pool = DatabasePool::open(&dir.join("db.sqlite"), 4).unwrap();
        let mut setup = WitloomHost::new(Some(pool.clone()));
        setup.execute("CREATE TABLE t (x)".into(), vec![]).unwrap();
        assert!(setup.activity().committed);
        drop(setup);

        // An open transaction holds the file's write turn, even before it
        // writes: another store's write waits for it, until its deadline.
        let mut holder = WitloomHost::new(Some(pool.clone()));
        holder.execute("BEGIN".into(), vec![]).unwrap();
        holder
            .execute("INSERT INTO t VALUES (1)".into(), vec![])
            .unwrap();
        assert!(!holder.activity().committed);
        let start = Instant::now();
        let mut writer = WitloomHost::new(Some(pool.clone()))
            .with_deadline(Some(start + Duration::from_millis(200)));
        let e = writer
            .execute("INSERT INTO t VALUES (2)".into(), vec![])
            .unwrap_err();
        assert!(e.message.contains("interrupted"), "{}", e.message);
        assert!(writer.activity().lock_wait >= Duration::from_millis(100));
        assert!(!writer.activity().committed);
        // Reads outside a transaction do not wait for the turn.
        let rows = writer
            .query("SELECT count(*) FROM t".into(), vec![])
            .unwrap();
        assert!(matches!(rows.values[0][0], wit::Value::Integer(0)));

        holder.execute("COMMIT".into(), vec![]).unwrap();
        assert!(holder.activity().committed);
        // The turn was given back with the transaction.
        let mut next = WitloomHost::new(Some(pool));
        next.execute("INSERT INTO t VALUES (3)".into(), vec![])
            .unwrap();
        assert_eq!(next.activity().lock_wait, Duration::ZERO);
    }

    #[test]
    fn a_store_waits_for_a_connection_no_longer_than_its_deadline() {
        let dir = scratch("wait");
        let pool = DatabasePool::open(&dir.join("db.sqlite"), 1).unwrap();
        let mut holder = WitloomHost::new(Some(pool.clone()));
        holder.execute("CREATE TABLE t (x)".into(), vec![]).unwrap();
        let start = Instant::now();
        let mut waiter = WitloomHost::new(Some(pool.clone()))
            .with_deadline(Some(start + Duration::from_millis(200)));
        let e = waiter.query("SELECT 1".into(), vec![]).unwrap_err();
        assert!(
            matches!(e.code, wit::ErrorCode::Unavailable),
            "{}",
            e.message
        );
        assert!(e.message.contains("1 are in use"), "{}", e.message);
        assert!(start.elapsed() < Duration::from_secs(5));
        // Given back, the connection's place serves the next store.
        drop(holder);
        let mut next = WitloomHost::new(Some(pool));
        let rows = next.query("SELECT count(*) FROM t".into(), vec![]).unwrap();
        assert!(matches!(rows.values[0][0], wit::Value::Integer(0)));
    }
}
