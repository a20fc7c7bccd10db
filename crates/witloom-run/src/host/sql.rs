//! `witloom:host/sql` on an embedded SQLite, confined to the one database
//! the user granted.
//!
//! A grant means that file (plus the journal and WAL SQLite keeps beside
//! it) whatever SQL the guest sends. SQLite accepts SQL on any connection
//! that reaches other files: `ATTACH`, `VACUUM INTO`, extension loading,
//! and a few pragmas (`temp_store_directory`). The whole class is closed
//! where SQLite decides what a statement may do, not by reading the
//! statement text: [`confine`] sets SQLite's defensive configuration and
//! limits on the connection and installs an authorizer that SQLite
//! consults for every action of every statement it prepares, including
//! the statements it runs internally (the `ATTACH` inside `VACUUM INTO`,
//! the `PRAGMA` behind a `pragma_*` table-valued function). A refused
//! statement comes back to the guest as a `sql` error saying why.

use super::bindings::witloom::host::sql;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The name SQLite gives a private in-memory database.
pub const IN_MEMORY: &str = ":memory:";

/// One confined connection to the granted database.
#[derive(Debug)]
pub(crate) struct Database {
    conn: rusqlite::Connection,
    refusal: Refusal,
}

impl Database {
    /// Opens (creating if missing) the database at `path`, or an in-memory
    /// one for [`IN_MEMORY`], confined to itself.
    pub fn open(path: &Path) -> Result<Database, String> {
        let conn = if path.as_os_str() == IN_MEMORY {
            rusqlite::Connection::open_in_memory()
        } else {
            rusqlite::Connection::open(path)
        }
        .map_err(|e| e.to_string())?;
        let refusal = confine(&conn).map_err(|e| format!("cannot confine it to itself: {e}"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| format!("cannot set its busy timeout: {e}"))?;
        Ok(Database { conn, refusal })
    }

    fn prepare(
        &self,
        statement: &str,
        params: &[sql::Value],
    ) -> Result<rusqlite::Statement<'_>, sql::Error> {
        self.refusal.clear();
        let mut stmt = self.conn.prepare(statement).map_err(|e| self.error(e))?;
        check_parameter_count(stmt.parameter_count(), params.len())?;
        for (i, p) in params.iter().enumerate() {
            let value = match p {
                sql::Value::Null => rusqlite::types::Value::Null,
                sql::Value::Integer(n) => rusqlite::types::Value::Integer(*n),
                sql::Value::Real(x) => rusqlite::types::Value::Real(*x),
                sql::Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
                sql::Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
            };
            stmt.raw_bind_parameter(i + 1, value)
                .map_err(|e| self.error(e))?;
        }
        Ok(stmt)
    }

    pub(super) fn query(
        &self,
        statement: &str,
        params: &[sql::Value],
    ) -> Result<sql::Rows, sql::Error> {
        let mut stmt = self.prepare(statement, params)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.raw_query();
        let mut values = Vec::new();
        let mut size = 0usize;
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let mut out = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let value = row.get_ref(i).map_err(|e| self.error(e))?;
                size += match value {
                    ValueRef::Text(b) | ValueRef::Blob(b) => b.len().max(8),
                    _ => 8,
                };
                if size > MAX_RESULT {
                    return Err(sql::Error {
                        code: sql::ErrorCode::Other,
                        message: format!(
                            "the result is larger than {} MiB; select fewer rows or smaller values",
                            MAX_RESULT >> 20
                        ),
                    });
                }
                out.push(match value {
                    ValueRef::Null => sql::Value::Null,
                    ValueRef::Integer(n) => sql::Value::Integer(n),
                    ValueRef::Real(x) => sql::Value::Real(x),
                    ValueRef::Text(t) => sql::Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => sql::Value::Blob(b.to_vec()),
                });
            }
            values.push(out);
        }
        Ok(sql::Rows { columns, values })
    }

    /// Interrupts statements that run past `deadline`, and waits for
    /// another connection's lock no longer than it.
    fn limit_to(&self, deadline: Option<Instant>) {
        let Some(deadline) = deadline else {
            return;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = self.conn.busy_timeout(left.min(BUSY_TIMEOUT));
        // Checked every thousand virtual-machine steps.
        self.conn
            .progress_handler(1000, Some(move || Instant::now() >= deadline));
    }

    pub(super) fn execute(
        &self,
        statement: &str,
        params: &[sql::Value],
    ) -> Result<u64, sql::Error> {
        let mut stmt = self.prepare(statement, params)?;
        let changed = stmt.raw_execute().map_err(|e| self.error(e))?;
        Ok(changed as u64)
    }

    /// A SQLite failure as the WIT `error`: SQLite's own message, or, for
    /// a statement the authorizer refused, the reason it gave. (A denial
    /// always fails the statement, but SQLite reports it under several
    /// codes and messages, so the authorizer's note decides.)
    fn error(&self, e: rusqlite::Error) -> sql::Error {
        use rusqlite::ErrorCode as C;
        if let Some(why) = self.refusal.take() {
            return sql::Error {
                code: sql::ErrorCode::Other,
                message: format!("not permitted: {why}"),
            };
        }
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == C::OperationInterrupted => {
                return sql::Error {
                    code: sql::ErrorCode::Unavailable,
                    message: "interrupted: the request's time (--timeout) ran out".to_string(),
                };
            }
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                C::ConstraintViolation => sql::ErrorCode::Constraint,
                C::DatabaseBusy
                | C::DatabaseLocked
                | C::ReadOnly
                | C::CannotOpen
                | C::DiskFull
                | C::PermissionDenied
                | C::SystemIoFailure => sql::ErrorCode::Unavailable,
                // SQLITE_ERROR: bad SQL, or a missing table or column.
                C::Unknown => sql::ErrorCode::Syntax,
                _ => sql::ErrorCode::Other,
            },
            rusqlite::Error::SqlInputError { .. } | rusqlite::Error::MultipleStatement => {
                sql::ErrorCode::Syntax
            }
            rusqlite::Error::InvalidParameterCount(..)
            | rusqlite::Error::InvalidParameterName(_) => sql::ErrorCode::Bind,
            _ => sql::ErrorCode::Other,
        };
        sql::Error {
            code,
            message: e.to_string(),
        }
    }
}

/// The `bind` error of a statement given another number of values than
/// it has placeholders (either backend).
pub(super) fn check_parameter_count(expected: usize, given: usize) -> Result<(), sql::Error> {
    if expected == given {
        return Ok(());
    }
    Err(sql::Error {
        code: sql::ErrorCode::Bind,
        message: format!(
            "the statement has {expected} parameter(s) but {given} value(s) were given"
        ),
    })
}

/// A granted database, shared by every store that uses it: `witloom run`'s
/// one store, or every request `witloom serve` handles at once.
///
/// A store gets a connection of its own at its first statement and keeps
/// it until the store is dropped, so what SQLite keeps per connection
/// (`last_insert_rowid()`, TEMP tables, pragmas, an open transaction) is
/// the request's own and never another's. For a file, that connection is
/// opened for the store and closed after it (closing rolls back what was
/// left open); at most `max` are open at once, and a store waits for one
/// (up to [`BUSY_TIMEOUT`], or its deadline). The file is put in WAL mode
/// (readers never wait for the writer, and a crash of the process loses no
/// committed row) with a busy timeout, so concurrent writers queue instead
/// of failing with "database is locked". An in-memory database lives in
/// its one connection, which the stores take in turn (a transaction left
/// open is rolled back when a store gives it back; TEMP tables and pragmas
/// are the connection's, so they are shared: use a file for anything that
/// serves many).
///
/// On PostgreSQL ([`DatabasePool::open_postgres`]) up to `max` connections
/// are kept open and reused: a store's connection is rolled back and reset
/// when it is given back, and dropped if it broke.
#[derive(Debug)]
pub struct DatabasePool {
    target: Target,
    max: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

/// Where the granted database is.
#[derive(Debug)]
enum Target {
    SqliteFile(PathBuf),
    SqliteMemory,
    Postgres(Box<postgres::Config>),
}

#[derive(Debug, Default)]
struct PoolState {
    /// Connections no store has: the in-memory database's, PostgreSQL's.
    idle: Vec<Connection>,
    /// Connections open, idle or in use.
    open: usize,
}

/// One store's connection.
#[derive(Debug)]
pub(crate) enum Connection {
    Sqlite(Database),
    Postgres(super::postgres::PgConnection),
}

impl Connection {
    fn query(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<sql::Rows, sql::Error> {
        match self {
            Connection::Sqlite(db) => {
                db.limit_to(deadline);
                db.query(statement, params)
            }
            Connection::Postgres(pg) => pg.query(statement, params, deadline),
        }
    }

    fn execute(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<u64, sql::Error> {
        match self {
            Connection::Sqlite(db) => {
                db.limit_to(deadline);
                db.execute(statement, params)
            }
            Connection::Postgres(pg) => pg.execute(statement, params, deadline),
        }
    }
}

/// How long a statement waits for another connection's write lock, and a
/// store for a connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a query may return (bytes of text and blobs, and 8 per other
/// value): the host copies a result into the guest, so a guest could
/// otherwise make the host hold gigabytes. Also SQLite's limit on one
/// string or blob.
pub const MAX_RESULT: usize = 64 << 20;

impl DatabasePool {
    /// Opens (creating if missing) the database at `path`, or an in-memory
    /// one for [`IN_MEMORY`], for up to `max` stores at once. One
    /// connection is opened now, so that a database that cannot be opened
    /// is reported before any guest runs.
    pub fn open(path: &Path, max: usize) -> Result<Arc<DatabasePool>, String> {
        let memory = path.as_os_str() == IN_MEMORY;
        let first = Database::open(path)?;
        if !memory {
            first
                .conn
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| format!("cannot put it in WAL mode: {e}"))?;
        }
        Ok(Arc::new(DatabasePool {
            target: if memory {
                Target::SqliteMemory
            } else {
                Target::SqliteFile(path.to_path_buf())
            },
            max: if memory { 1 } else { max.max(1) },
            state: Mutex::new(if memory {
                PoolState {
                    idle: vec![Connection::Sqlite(first)],
                    open: 1,
                }
            } else {
                PoolState::default()
            }),
            freed: Condvar::new(),
        }))
    }

    /// Connects to the PostgreSQL server at `url` (`postgres://user@host:port/db`)
    /// for up to `max` stores at once. One connection is made now, so that
    /// a server that cannot be reached is reported before any guest runs.
    pub fn open_postgres(url: &str, max: usize) -> Result<Arc<DatabasePool>, String> {
        let config = super::postgres::config(url)?;
        let first = super::postgres::PgConnection::connect(&config)?;
        Ok(Arc::new(DatabasePool {
            target: Target::Postgres(Box::new(config)),
            max: max.max(1),
            state: Mutex::new(PoolState {
                idle: vec![Connection::Postgres(first)],
                open: 1,
            }),
            freed: Condvar::new(),
        }))
    }

    /// A new connection to the target (not the in-memory database).
    fn connect(&self) -> Result<Connection, String> {
        match &self.target {
            Target::SqliteFile(path) => Database::open(path).map(Connection::Sqlite),
            Target::Postgres(config) => {
                super::postgres::PgConnection::connect(config).map(Connection::Postgres)
            }
            Target::SqliteMemory => unreachable!("the in-memory database has one connection"),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection for one store: the in-memory one when it is free, or a
    /// new one while fewer than `max` are open; else the next one freed,
    /// waiting until `deadline`.
    fn take(&self, deadline: Instant) -> Result<Connection, sql::Error> {
        let mut state = self.lock();
        loop {
            if let Some(db) = state.idle.pop() {
                return Ok(db);
            }
            if !matches!(self.target, Target::SqliteMemory) && state.open < self.max {
                state.open += 1;
                drop(state);
                return self.connect().map_err(|message| {
                    self.lock().open -= 1;
                    self.freed.notify_one();
                    sql::Error {
                        code: sql::ErrorCode::Unavailable,
                        message,
                    }
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(sql::Error {
                    code: sql::ErrorCode::Unavailable,
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

    /// Takes a store's connection back: the in-memory one is kept (its
    /// open transaction rolled back), a PostgreSQL one is reset and kept
    /// (or dropped if it broke), a SQLite file's is closed.
    fn give_back(&self, conn: Connection) {
        match conn {
            Connection::Sqlite(db) if matches!(self.target, Target::SqliteMemory) => {
                if !db.conn.is_autocommit() {
                    // A failed rollback leaves the transaction to the next
                    // store's `BEGIN`, which then fails and says so.
                    let _ = db.conn.execute_batch("ROLLBACK");
                }
                self.lock().idle.push(Connection::Sqlite(db));
            }
            Connection::Postgres(mut pg) => {
                if pg.reset() {
                    self.lock().idle.push(Connection::Postgres(pg));
                } else {
                    drop(pg);
                    self.lock().open -= 1;
                }
            }
            file => {
                drop(file);
                self.lock().open -= 1;
            }
        }
        self.freed.notify_one();
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
    conn: Option<Connection>,
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
    /// wasm, not the host's SQLite, so a `--timeout` needs this too.
    pub fn with_deadline(mut self, deadline: Option<Instant>) -> WitloomHost {
        self.deadline = deadline;
        self
    }

    /// Runs `f` on this store's connection (taken from the pool at the
    /// first statement).
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut Connection, Option<Instant>) -> Result<R, sql::Error>,
    ) -> Result<R, sql::Error> {
        let Some(pool) = &self.pool else {
            return Err(sql::Error {
                code: sql::ErrorCode::Unavailable,
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
            let db = conn.as_mut().expect("taken above");
            f(db, deadline)
        })
    }
}

impl Drop for WitloomHost {
    fn drop(&mut self) {
        if let (Some(pool), Some(db)) = (&self.pool, self.conn.take()) {
            // Giving a PostgreSQL connection back talks to the server
            // (reset, or close): blocking work, and a store is dropped on
            // an async host's worker.
            blocking(|| pool.give_back(db));
        }
    }
}

impl Drop for DatabasePool {
    fn drop(&mut self) {
        // Closing PostgreSQL connections talks to the server too.
        let idle = std::mem::take(&mut self.lock().idle);
        blocking(move || drop(idle));
    }
}

/// Runs blocking work (SQLite, waiting for a connection) so that an async
/// host's other requests go on: on a multi-threaded tokio runtime the
/// worker hands its other tasks to another thread first.
fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl sql::Host for WitloomHost {
    fn query(
        &mut self,
        statement: String,
        params: Vec<sql::Value>,
    ) -> Result<sql::Rows, sql::Error> {
        self.with(|db, deadline| db.query(&statement, &params, deadline))
    }

    fn execute(&mut self, statement: String, params: Vec<sql::Value>) -> Result<u64, sql::Error> {
        self.with(|db, deadline| db.execute(&statement, &params, deadline))
    }
}

#[derive(Debug, Clone, Default)]
struct Refusal(Arc<Mutex<Option<String>>>);

impl Refusal {
    fn set(&self, why: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn clear(&self) {
        self.take();
    }
}

/// Pragmas a guest may use: they read or tune this connection and its own
/// database. Everything else is refused, among them the pragmas that name
/// other files (`temp_store_directory`, `data_store_directory`), reveal host
/// paths (`database_list`), change process-wide state (`hard_heap_limit`,
/// `soft_heap_limit`, `threads`), lock other processes out
/// (`locking_mode`), or undo the confinement (`writable_schema`,
/// `trusted_schema`). An allowlist, so a pragma added by a later SQLite is
/// refused until someone decides it is harmless.
const PRAGMAS: &[&str] = &[
    "analysis_limit",
    "application_id",
    "auto_vacuum",
    "automatic_index",
    "cache_size",
    "cache_spill",
    "case_sensitive_like",
    "cell_size_check",
    "collation_list",
    "data_version",
    "defer_foreign_keys",
    "encoding",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "freelist_count",
    "function_list",
    "ignore_check_constraints",
    "incremental_vacuum",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "journal_mode",
    "journal_size_limit",
    "legacy_alter_table",
    "max_page_count",
    "module_list",
    "optimize",
    "page_count",
    "page_size",
    "pragma_list",
    "query_only",
    "quick_check",
    "recursive_triggers",
    "reverse_unordered_selects",
    "schema_version",
    "secure_delete",
    "synchronous",
    "table_info",
    "table_list",
    "table_xinfo",
    "temp_store",
    "user_version",
    "wal_autocheckpoint",
    "wal_checkpoint",
];

/// SQL functions a guest may not call, though SQLite knows them: loading
/// native code. (Extension loading is also off on the connection; the
/// authorizer's refusal says why.)
const FUNCTIONS: &[&str] = &["load_extension"];

/// Confines `conn` to its own database: SQLite's defensive configuration,
/// a limit on attached databases, and the authorizer. Returns where the
/// authorizer leaves the reason for a refusal.
fn confine(conn: &rusqlite::Connection) -> rusqlite::Result<Refusal> {
    use rusqlite::config::DbConfig as D;
    use rusqlite::limits::Limit;
    // Defensive: no writable_schema, no journal_mode=OFF, no writes to
    // sqlite_dbpage or shadow tables: SQL cannot corrupt the file. An
    // untrusted schema: functions with side effects cannot run from
    // triggers and views a file brings. ATTACH (should one get past the
    // authorizer) may not create files.
    for (setting, on) in [
        (D::SQLITE_DBCONFIG_DEFENSIVE, true),
        (D::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (D::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false),
        (D::SQLITE_DBCONFIG_ENABLE_ATTACH_CREATE, false),
    ] {
        conn.set_db_config(setting, on)?;
    }
    // VACUUM attaches one private temporary database; nothing needs more.
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 1)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_RESULT as i32)?;
    let refusal = Refusal::default();
    let slot = refusal.clone();
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        match refuse(&ctx.action) {
            Some(why) => {
                slot.set(why);
                Authorization::Deny
            }
            None => Authorization::Allow,
        }
    }));
    Ok(refusal)
}

/// Why the guest may not do `action`, or `None` when it may.
fn refuse(action: &AuthAction<'_>) -> Option<String> {
    const ONLY: &str = "a guest may use only the database it was granted";
    match action {
        // The empty name is SQLite's private temporary database, the one
        // plain `VACUUM` attaches: no file anyone can name.
        AuthAction::Attach { filename: "" } => None,
        AuthAction::Attach { filename } => Some(format!(
            "opening the database file `{filename}` (ATTACH, VACUUM INTO); {ONLY}"
        )),
        // ATTACH of a computed name: SQLite cannot say which file.
        AuthAction::Unknown { code, .. } if *code == rusqlite::ffi::SQLITE_ATTACH => {
            Some(format!("ATTACH of a computed file name; {ONLY}"))
        }
        AuthAction::Pragma { pragma_name, .. }
            if !PRAGMAS.contains(&pragma_name.to_ascii_lowercase().as_str()) =>
        {
            Some(format!(
                "PRAGMA {pragma_name}: it reaches beyond the granted database or changes the host; {ONLY}, and tune it with the pragmas listed in witloom's docs"
            ))
        }
        AuthAction::Function { function_name }
            if FUNCTIONS.contains(&function_name.to_ascii_lowercase().as_str()) =>
        {
            Some(format!(
                "{function_name}(): a guest may not load native code into the host"
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! Every way of reaching another file that SQLite offers a connection,
    //! against a database in a scratch directory: each is refused with
    //! the reason, and the directory holds nothing but the database and
    //! the journal and WAL SQLite keeps beside it.

    use super::*;
    use witloom_testkit::{dir_entries as files, scratch_dir};

    fn scratch(name: &str) -> PathBuf {
        scratch_dir(Path::new("witloom-run-tests/sql").join(name))
    }

    fn refused(db: &Database, statement: &str) -> String {
        match db.query(statement, &[]) {
            Ok(rows) => panic!("`{statement}` ran: {:?}", rows.values),
            Err(e) => {
                assert!(
                    matches!(e.code, sql::ErrorCode::Other),
                    "`{statement}`: {}",
                    e.message
                );
                assert!(
                    e.message.starts_with("not permitted: "),
                    "`{statement}`: {}",
                    e.message
                );
                e.message
            }
        }
    }

    #[test]
    fn a_guest_reaches_no_file_but_its_own() {
        let dir = scratch("escape");
        let secret = dir.join("secret.db");
        rusqlite::Connection::open(&secret)
            .unwrap()
            .execute_batch("CREATE TABLE s (x); INSERT INTO s VALUES ('the secret')")
            .unwrap();
        let path = dir.join("granted.db");
        let db = Database::open(&path).unwrap();
        db.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
        let d = dir.display();

        let why = refused(&db, &format!("ATTACH DATABASE '{d}/new.db' AS n"));
        assert!(why.contains("new.db") && why.contains("ATTACH"), "{why}");
        refused(&db, &format!("ATTACH '{d}/secret.db' AS s"));
        refused(&db, &format!("ATTACH 'file:{d}/uri.db?mode=rwc' AS u"));
        let why = refused(&db, &format!("ATTACH '{d}/' || 'computed.db' AS c"));
        assert!(why.contains("computed file name"), "{why}");
        let why = refused(&db, &format!("VACUUM INTO '{d}/copy.db'"));
        assert!(
            why.contains("copy.db") && why.contains("VACUUM INTO"),
            "{why}"
        );
        refused(&db, &format!("VACUUM main INTO 'file:{d}/copy2.db'"));
        let why = refused(&db, &format!("SELECT load_extension('{d}/evil.so')"));
        assert!(why.contains("load_extension"), "{why}");
        let why = refused(&db, &format!("PRAGMA temp_store_directory = '{d}/tmp'"));
        assert!(why.contains("temp_store_directory"), "{why}");
        refused(&db, "PRAGMA database_list");
        refused(&db, "SELECT * FROM pragma_database_list");
        refused(&db, "PRAGMA writable_schema = ON");
        refused(&db, "PRAGMA hard_heap_limit = 1");
        // Bound parameters reach the same checks.
        match db.query(
            "VACUUM INTO ?1",
            &[sql::Value::Text(format!("{d}/param.db"))],
        ) {
            Err(e) => assert!(e.message.contains("param.db"), "{}", e.message),
            Ok(_) => panic!("VACUUM INTO ?1 ran"),
        }

        // What the guest may do still works, on its own database.
        db.execute("INSERT INTO t VALUES (?1)", &[sql::Value::Integer(7)])
            .unwrap();
        db.query("PRAGMA journal_mode = WAL", &[]).unwrap();
        db.execute("INSERT INTO t VALUES (8)", &[]).unwrap();
        db.query("PRAGMA user_version = 3", &[]).unwrap();
        let info = db
            .query("SELECT name FROM pragma_table_info('t')", &[])
            .unwrap();
        assert_eq!(info.values.len(), 1);
        db.query("VACUUM", &[]).unwrap();
        db.query("CREATE TEMP TABLE scratch (y)", &[]).unwrap();
        let rows = db.query("SELECT sum(x) FROM t", &[]).unwrap();
        assert!(matches!(rows.values[0][0], sql::Value::Integer(15)));

        assert_eq!(
            files(&dir),
            [
                "granted.db",
                "granted.db-shm",
                "granted.db-wal",
                "secret.db"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn each_store_has_its_own_connection_and_leaves_nothing_behind() {
        use sql::Host;
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
            assert!(matches!(rows.values[0][0], sql::Value::Integer(1)));
        }
    }

    #[test]
    fn a_deadline_interrupts_sql_and_results_are_capped() {
        use sql::Host;
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
            matches!(e.code, sql::ErrorCode::Unavailable),
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
    fn a_refusal_does_not_stick_to_the_next_statement() {
        let db = Database::open(Path::new(IN_MEMORY)).unwrap();
        refused(&db, "ATTACH '/tmp/x.db' AS x");
        let e = db.query("SELEC 1", &[]).unwrap_err();
        assert!(matches!(e.code, sql::ErrorCode::Syntax), "{}", e.message);
        assert!(!e.message.contains("not permitted"), "{}", e.message);
    }
}
