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
//!
//! A file's writers take turns through [`gate::WriteGate`], first come,
//! first served, and commit with `synchronous = NORMAL` in WAL mode (see
//! [`SYNCHRONOUS`]).

mod gate;

use super::{
    Activity, BUSY_TIMEOUT, Backend, Connection, DatabaseError, MAX_RESULT, ResultRows,
    check_parameter_count, interrupted, wit,
};
use gate::{Inside, WriteGate};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization, TransactionOperation};
use rusqlite::types::ValueRef;
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The name SQLite gives a private in-memory database.
pub const IN_MEMORY: &str = ":memory:";

/// How a file's commits reach the disk. In WAL mode `NORMAL` syncs at
/// checkpoints, not at every commit: a committed transaction survives the
/// process crashing, and the database is never corrupted, but the last
/// commits before a power loss or an operating-system crash may be rolled
/// back. `FULL` (SQLite's default) syncs the WAL at every commit and holds
/// the write lock through that sync, which on this project's machines cut
/// the served counter's throughput (docs/limits.md has the figures).
/// PostgreSQL's default makes the opposite choice; a guest that needs
/// every commit on disk runs `PRAGMA synchronous = FULL` on its
/// connection.
const SYNCHRONOUS: &str = "NORMAL";

/// The SQLite backend: a file, or a private in-memory database.
#[derive(Debug)]
pub(super) struct Sqlite {
    /// `None`: in memory, which lives in its one connection.
    file: Option<PathBuf>,
    /// The file's writers, in line (the in-memory database has one
    /// connection, which the pool already gives to one store at a time).
    gate: Arc<WriteGate>,
}

impl Sqlite {
    /// The backend for `path` (or [`IN_MEMORY`]) and its first connection;
    /// a file is put in WAL mode (readers never wait for the writer).
    pub fn open(path: &Path) -> Result<(Sqlite, Box<dyn Connection>), DatabaseError> {
        let memory = path.as_os_str() == IN_MEMORY;
        let gate = Arc::new(WriteGate::default());
        let first = SqliteConnection::open(path, (!memory).then(|| gate.clone()))?;
        if !memory {
            first
                .conn
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(|source| DatabaseError::Sqlite {
                    step: "cannot put it in WAL mode",
                    source,
                })?;
        }
        let file = (!memory).then(|| path.to_path_buf());
        Ok((Sqlite { file, gate }, Box::new(first)))
    }
}

impl Backend for Sqlite {
    fn connect(&self) -> Result<Box<dyn Connection>, DatabaseError> {
        match &self.file {
            Some(path) => Ok(Box::new(SqliteConnection::open(
                path,
                Some(self.gate.clone()),
            )?)),
            None => Err(DatabaseError::OneConnection),
        }
    }

    fn max_connections(&self, asked: usize) -> usize {
        match self.file {
            Some(_) => asked.max(1),
            None => 1,
        }
    }
}

/// One confined connection to the granted database.
#[derive(Debug)]
pub(super) struct SqliteConnection {
    // Declared first so that it is dropped first: closing rolls back what
    // the store left open before `inside` lets the next writer in.
    conn: rusqlite::Connection,
    refusal: Refusal,
    memory: bool,
    /// The file's writers' gate (`None` in memory).
    gate: Option<Arc<WriteGate>>,
    /// Inside the gate, from a statement that writes or opens a
    /// transaction until the connection is back in autocommit mode.
    inside: RefCell<Option<Inside>>,
    /// The store's deadline, for the wait at the gate.
    deadline: Cell<Option<Instant>>,
    /// Set by the authorizer when the statement being prepared opens a
    /// transaction (`BEGIN`, or a `SAVEPOINT` outside one).
    opens_transaction: Arc<AtomicBool>,
    /// Set by the commit hook: a transaction of this store committed.
    committed: Arc<AtomicBool>,
    /// How long this store waited at the gate, in all.
    waited: Cell<Duration>,
}

impl SqliteConnection {
    /// Opens (creating if missing) the database at `path`, or an in-memory
    /// one for [`IN_MEMORY`], confined to itself; its writers go through
    /// `gate`.
    fn open(path: &Path, gate: Option<Arc<WriteGate>>) -> Result<SqliteConnection, DatabaseError> {
        let memory = path.as_os_str() == IN_MEMORY;
        let step = |step| move |source| DatabaseError::Sqlite { step, source };
        let conn = if memory {
            rusqlite::Connection::open_in_memory()
        } else {
            rusqlite::Connection::open(path)
        }
        .map_err(step("cannot open it"))?;
        let opens_transaction = Arc::new(AtomicBool::new(false));
        let refusal = confine(&conn, opens_transaction.clone())
            .map_err(step("cannot confine it to itself"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(step("cannot set its busy timeout"))?;
        if !memory {
            conn.pragma_update(None, "synchronous", SYNCHRONOUS)
                .map_err(step("cannot set how it syncs"))?;
        }
        let committed = Arc::new(AtomicBool::new(false));
        let hook = committed.clone();
        conn.commit_hook(Some(move || {
            hook.store(true, Ordering::Relaxed);
            // `false`: let the commit go on.
            false
        }));
        Ok(SqliteConnection {
            conn,
            refusal,
            memory,
            gate,
            inside: RefCell::new(None),
            deadline: Cell::new(None),
            opens_transaction,
            committed,
            waited: Cell::new(Duration::ZERO),
        })
    }

    /// Enters the gate before `stmt` runs, if it writes or opens a
    /// transaction and this connection is not inside already: in line
    /// behind the writers that came first, until the store's deadline (or
    /// [`BUSY_TIMEOUT`]).
    fn admit(&self, stmt: &rusqlite::Statement<'_>) -> Result<(), wit::Error> {
        let Some(gate) = &self.gate else {
            return Ok(());
        };
        let opens = self.opens_transaction.load(Ordering::Relaxed);
        if self.inside.borrow().is_some() || (stmt.readonly() && !opens) {
            return Ok(());
        }
        let wait = Instant::now() + BUSY_TIMEOUT;
        let deadline = self.deadline.get().map_or(wait, |d| d.min(wait));
        let (inside, waited) = gate.enter(deadline);
        self.waited.set(self.waited.get() + waited);
        match inside {
            Some(inside) => {
                *self.inside.borrow_mut() = Some(inside);
                Ok(())
            }
            None if self.deadline.get().is_some_and(|d| Instant::now() >= d) => Err(interrupted()),
            None => Err(wit::Error {
                code: wit::ErrorCode::Unavailable,
                message: format!(
                    "the database is locked: other writers held it for {}s",
                    BUSY_TIMEOUT.as_secs()
                ),
            }),
        }
    }

    /// Leaves the gate once the connection's transaction has ended.
    fn settle(&self) {
        if self.conn.is_autocommit() {
            self.inside.borrow_mut().take();
        }
    }

    fn prepare(
        &self,
        statement: &str,
        params: &[wit::Value],
    ) -> Result<rusqlite::Statement<'_>, wit::Error> {
        self.refusal.clear();
        self.opens_transaction.store(false, Ordering::Relaxed);
        let mut stmt = self.conn.prepare(statement).map_err(|e| self.error(e))?;
        check_parameter_count(stmt.parameter_count(), params.len())?;
        for (i, p) in params.iter().enumerate() {
            let value = match p {
                wit::Value::Null => rusqlite::types::Value::Null,
                wit::Value::Integer(n) => rusqlite::types::Value::Integer(*n),
                wit::Value::Real(x) => rusqlite::types::Value::Real(*x),
                wit::Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
                wit::Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
            };
            stmt.raw_bind_parameter(i + 1, value)
                .map_err(|e| self.error(e))?;
        }
        Ok(stmt)
    }

    fn rows(&self, statement: &str, params: &[wit::Value]) -> Result<wit::Rows, wit::Error> {
        let mut stmt = self.prepare(statement, params)?;
        self.admit(&stmt)?;
        let rows = self.read_rows(&mut stmt);
        drop(stmt);
        self.settle();
        rows
    }

    fn read_rows(&self, stmt: &mut rusqlite::Statement<'_>) -> Result<wit::Rows, wit::Error> {
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut result = ResultRows::new(columns);
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(|e| self.error(e))? {
            let mut out = Vec::with_capacity(result.columns());
            for i in 0..result.columns() {
                let value = match row.get_ref(i).map_err(|e| self.error(e))? {
                    ValueRef::Null => wit::Value::Null,
                    ValueRef::Integer(n) => wit::Value::Integer(n),
                    ValueRef::Real(x) => wit::Value::Real(x),
                    ValueRef::Text(t) => wit::Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => wit::Value::Blob(b.to_vec()),
                };
                out.push(result.admit(value)?);
            }
            result.push(out);
        }
        Ok(result.finish())
    }

    fn changes(&self, statement: &str, params: &[wit::Value]) -> Result<u64, wit::Error> {
        let mut stmt = self.prepare(statement, params)?;
        self.admit(&stmt)?;
        let changed = stmt.raw_execute().map_err(|e| self.error(e));
        drop(stmt);
        self.settle();
        Ok(changed? as u64)
    }

    /// Interrupts statements that run past `deadline`, and waits for
    /// another connection's lock no longer than it.
    fn limit_to(&self, deadline: Option<Instant>) {
        self.deadline.set(deadline);
        let Some(deadline) = deadline else {
            return;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = self.conn.busy_timeout(left.min(BUSY_TIMEOUT));
        // Checked every thousand virtual-machine steps.
        self.conn
            .progress_handler(1000, Some(move || Instant::now() >= deadline));
    }

    /// A SQLite failure as the WIT `error`: SQLite's own message, or, for
    /// a statement the authorizer refused, the reason it gave. (A denial
    /// always fails the statement, but SQLite reports it under several
    /// codes and messages, so the authorizer's note decides.)
    fn error(&self, e: rusqlite::Error) -> wit::Error {
        use rusqlite::ErrorCode as C;
        if let Some(why) = self.refusal.take() {
            return wit::Error {
                code: wit::ErrorCode::Other,
                message: format!("not permitted: {why}"),
            };
        }
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == C::OperationInterrupted => {
                return interrupted();
            }
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                C::ConstraintViolation => wit::ErrorCode::Constraint,
                C::DatabaseBusy
                | C::DatabaseLocked
                | C::ReadOnly
                | C::CannotOpen
                | C::DiskFull
                | C::PermissionDenied
                | C::SystemIoFailure => wit::ErrorCode::Unavailable,
                // SQLITE_ERROR: bad SQL, or a missing table or column.
                C::Unknown => wit::ErrorCode::Syntax,
                _ => wit::ErrorCode::Other,
            },
            rusqlite::Error::SqlInputError { .. } | rusqlite::Error::MultipleStatement => {
                wit::ErrorCode::Syntax
            }
            rusqlite::Error::InvalidParameterCount(..)
            | rusqlite::Error::InvalidParameterName(_) => wit::ErrorCode::Bind,
            _ => wit::ErrorCode::Other,
        };
        wit::Error {
            code,
            message: e.to_string(),
        }
    }
}

impl Connection for SqliteConnection {
    fn query(
        &mut self,
        statement: &str,
        params: &[wit::Value],
        deadline: Option<Instant>,
    ) -> Result<wit::Rows, wit::Error> {
        self.limit_to(deadline);
        self.rows(statement, params)
    }

    fn execute(
        &mut self,
        statement: &str,
        params: &[wit::Value],
        deadline: Option<Instant>,
    ) -> Result<u64, wit::Error> {
        self.limit_to(deadline);
        self.changes(statement, params)
    }

    fn activity(&self) -> Activity {
        Activity {
            committed: self.committed.load(Ordering::Relaxed),
            lock_wait: self.waited.get(),
        }
    }

    /// A file's connection is closed after its store (closing rolls back
    /// what it left open, and drops its TEMP tables). The in-memory
    /// database is its connection, so that one is kept, its open
    /// transaction rolled back.
    fn recycle(&mut self) -> bool {
        if !self.memory {
            return false;
        }
        if !self.conn.is_autocommit() {
            // A failed rollback leaves the transaction to the next store's
            // `BEGIN`, which then fails and says so.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        // The next store's statements have their own deadline, or none,
        // and its own report.
        self.conn.progress_handler(0, None::<fn() -> bool>);
        self.committed.store(false, Ordering::Relaxed);
        self.waited.set(Duration::ZERO);
        true
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
/// authorizer leaves the reason for a refusal; it sets `opens_transaction`
/// when a statement begins a transaction or savepoint.
fn confine(
    conn: &rusqlite::Connection,
    opens_transaction: Arc<AtomicBool>,
) -> rusqlite::Result<Refusal> {
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
        if let AuthAction::Transaction {
            operation: TransactionOperation::Begin,
        }
        | AuthAction::Savepoint {
            operation: TransactionOperation::Begin,
            ..
        } = ctx.action
        {
            opens_transaction.store(true, Ordering::Relaxed);
        }
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

    fn refused(db: &SqliteConnection, statement: &str) -> String {
        match db.rows(statement, &[]) {
            Ok(rows) => panic!("`{statement}` ran: {:?}", rows.values),
            Err(e) => {
                assert!(
                    matches!(e.code, wit::ErrorCode::Other),
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
        let db = SqliteConnection::open(&path, None).unwrap();
        db.changes("CREATE TABLE t (x INTEGER)", &[]).unwrap();
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
        match db.rows(
            "VACUUM INTO ?1",
            &[wit::Value::Text(format!("{d}/param.db"))],
        ) {
            Err(e) => assert!(e.message.contains("param.db"), "{}", e.message),
            Ok(_) => panic!("VACUUM INTO ?1 ran"),
        }

        // What the guest may do still works, on its own database.
        db.changes("INSERT INTO t VALUES (?1)", &[wit::Value::Integer(7)])
            .unwrap();
        db.rows("PRAGMA journal_mode = WAL", &[]).unwrap();
        db.changes("INSERT INTO t VALUES (8)", &[]).unwrap();
        db.rows("PRAGMA user_version = 3", &[]).unwrap();
        let info = db
            .rows("SELECT name FROM pragma_table_info('t')", &[])
            .unwrap();
        assert_eq!(info.values.len(), 1);
        db.rows("VACUUM", &[]).unwrap();
        db.rows("CREATE TEMP TABLE scratch (y)", &[]).unwrap();
        let rows = db.rows("SELECT sum(x) FROM t", &[]).unwrap();
        assert!(matches!(rows.values[0][0], wit::Value::Integer(15)));

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
    fn a_refusal_does_not_stick_to_the_next_statement() {
        let db = SqliteConnection::open(Path::new(IN_MEMORY), None).unwrap();
        refused(&db, "ATTACH '/tmp/x.db' AS x");
        let e = db.rows("SELEC 1", &[]).unwrap_err();
        assert!(matches!(e.code, wit::ErrorCode::Syntax), "{}", e.message);
        assert!(!e.message.contains("not permitted"), "{}", e.message);
    }
}
