//! witloom's own host capabilities, the DB world of `wit/host.wit`,
//! implemented through the bindings `cargo xtask bindgen` generated into
//! `bindings.rs`: `witloom:host/sql` on an embedded SQLite (rusqlite with
//! its bundled library) and `witloom:host/log` into `tracing`.
//!
//! A database is granted, never assumed: a component that imports `sql`
//! runs only when the user named a database (`--sqlite PATH`, or
//! `:memory:`); see [`crate::RunOptions::sqlite`].

// Generated, and formatted by the generator: rustfmt would make it stale.
#[rustfmt::skip]
#[allow(dead_code, clippy::all, missing_debug_implementations)]
mod bindings;

pub use bindings::Db;
use bindings::witloom::host::{log, sql};
use rusqlite::types::ValueRef;

/// The database a run was granted.
#[derive(Debug)]
pub struct Database {
    conn: rusqlite::Connection,
}

/// The name SQLite gives a private in-memory database.
pub const IN_MEMORY: &str = ":memory:";

impl Database {
    /// Opens (creating if missing) the database at `path`, or an in-memory
    /// one for [`IN_MEMORY`].
    pub fn open(path: &std::path::Path) -> Result<Database, String> {
        let conn = if path.as_os_str() == IN_MEMORY {
            rusqlite::Connection::open_in_memory()
        } else {
            rusqlite::Connection::open(path)
        }
        .map_err(|e| format!("cannot open the database `{}`: {e}", path.display()))?;
        Ok(Database { conn })
    }

    fn prepare(
        &self,
        statement: &str,
        params: &[sql::Value],
    ) -> Result<rusqlite::Statement<'_>, sql::Error> {
        let mut stmt = self.conn.prepare(statement).map_err(error)?;
        let expected = stmt.parameter_count();
        if expected != params.len() {
            return Err(sql::Error {
                code: sql::ErrorCode::Bind,
                message: format!(
                    "the statement has {expected} parameter(s) but {} value(s) were given",
                    params.len()
                ),
            });
        }
        for (i, p) in params.iter().enumerate() {
            let value = match p {
                sql::Value::Null => rusqlite::types::Value::Null,
                sql::Value::Integer(n) => rusqlite::types::Value::Integer(*n),
                sql::Value::Real(x) => rusqlite::types::Value::Real(*x),
                sql::Value::Text(s) => rusqlite::types::Value::Text(s.clone()),
                sql::Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
            };
            stmt.raw_bind_parameter(i + 1, value).map_err(error)?;
        }
        Ok(stmt)
    }

    fn query(&self, statement: &str, params: &[sql::Value]) -> Result<sql::Rows, sql::Error> {
        let mut stmt = self.prepare(statement, params)?;
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let mut rows = stmt.raw_query();
        let mut values = Vec::new();
        while let Some(row) = rows.next().map_err(error)? {
            let mut out = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                out.push(match row.get_ref(i).map_err(error)? {
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

    fn execute(&self, statement: &str, params: &[sql::Value]) -> Result<u64, sql::Error> {
        let mut stmt = self.prepare(statement, params)?;
        let changed = stmt.raw_execute().map_err(error)?;
        Ok(changed as u64)
    }
}

/// A SQLite failure as the WIT `error`, with SQLite's own message.
fn error(e: rusqlite::Error) -> sql::Error {
    use rusqlite::ErrorCode as C;
    let code = match &e {
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
        rusqlite::Error::InvalidParameterCount(..) | rusqlite::Error::InvalidParameterName(_) => {
            sql::ErrorCode::Bind
        }
        _ => sql::ErrorCode::Other,
    };
    sql::Error {
        code,
        message: e.to_string(),
    }
}

impl sql::Host for crate::State {
    fn query(
        &mut self,
        statement: String,
        params: Vec<sql::Value>,
    ) -> Result<sql::Rows, sql::Error> {
        self.database()?.query(&statement, &params)
    }

    fn execute(&mut self, statement: String, params: Vec<sql::Value>) -> Result<u64, sql::Error> {
        self.database()?.execute(&statement, &params)
    }
}

impl crate::State {
    /// The granted database. Linking refuses a component that imports
    /// `sql` without one, so this is only reached if that check is bypassed.
    fn database(&self) -> Result<&Database, sql::Error> {
        self.db.as_ref().ok_or_else(|| sql::Error {
            code: sql::ErrorCode::Unavailable,
            message: "no database was granted (witloom run --sqlite PATH)".to_string(),
        })
    }
}

impl log::Host for crate::State {
    fn log(&mut self, level: log::Level, target: String, message: String, fields: Vec<log::Field>) {
        // tracing's targets are static, so the guest's goes in a field.
        let fields: Vec<String> = fields
            .iter()
            .map(|f| format!("{}={:?}", f.key, f.value))
            .collect();
        let fields = fields.join(" ");
        macro_rules! event {
            ($level:expr) => {
                tracing::event!(target: "guest", $level, target = %target, fields = %fields, "{message}")
            };
        }
        match level {
            log::Level::Trace => event!(tracing::Level::TRACE),
            log::Level::Debug => event!(tracing::Level::DEBUG),
            log::Level::Info => event!(tracing::Level::INFO),
            log::Level::Warn => event!(tracing::Level::WARN),
            log::Level::Error => event!(tracing::Level::ERROR),
        }
    }
}
