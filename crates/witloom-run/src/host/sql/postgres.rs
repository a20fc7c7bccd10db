//! `witloom:host/sql` on a PostgreSQL server (`--sql postgres://…`), so
//! that several `witloom serve` processes can share one database. The
//! guests' SQL is the same as on SQLite; what differs is translated here:
//!
//! - Placeholders: guests write SQLite's `?1`, `?2` (or `?`); PostgreSQL's
//!   are `$1`, `$2`. They are rewritten outside string literals, quoted
//!   identifiers, dollar-quoted strings and comments. (So PostgreSQL's
//!   `jsonb ?` operators must be spelled as functions, `jsonb_exists`.)
//! - Parameters: PostgreSQL infers each parameter's type from the
//!   statement, and a `value` is converted to it: `integer` to
//!   `smallint`/`integer`/`bigint` (range-checked), `real`, or `boolean`
//!   (non-zero is true); `real` to `real`/`double precision`; `text` to any
//!   text type, `json` and `jsonb`; `blob` to `bytea`. Anything else is a
//!   `bind` error that says what to cast (`?1::text::timestamptz`).
//! - Results: `smallint`/`integer`/`bigint`/`oid` and `boolean` (0 or 1)
//!   come back as `integer`, `real`/`double precision` as `real`, text
//!   types, `json` and `jsonb` as `text`, `bytea` as `blob`, NULL as
//!   `null`. Other types are an error naming the column and the cast that
//!   works (`::text`, `::float8`).
//! - Errors keep their `error-code` by SQLSTATE class: 23 constraint, 42
//!   syntax (and undefined tables and columns), 22 bind, 08/53/57/40 and a
//!   lost connection unavailable.
//!
//! A store keeps one connection from its first statement to its end (its
//! transactions are its own); given back, the connection is rolled back
//! and reset (`DISCARD ALL`) before another store gets it, or dropped if
//! it broke.

use super::{
    Backend, Connection, DatabaseError, ResultRows, check_parameter_count, interrupted, wit as sql,
};
use bytes::{BufMut, BytesMut};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::time::{Duration, Instant};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The PostgreSQL backend: a server, reached with one configuration.
#[derive(Debug)]
pub(super) struct Postgres {
    config: postgres::Config,
}

impl Postgres {
    /// The backend for `url` and its first connection.
    pub fn open(url: &str) -> Result<(Postgres, Box<dyn Connection>), DatabaseError> {
        let config = config(url)?;
        let first = PgConnection::connect(&config)?;
        Ok((Postgres { config }, Box::new(first)))
    }
}

impl Backend for Postgres {
    fn connect(&self) -> Result<Box<dyn Connection>, DatabaseError> {
        Ok(Box::new(PgConnection::connect(&self.config)?))
    }
}

/// One connection.
pub(super) struct PgConnection {
    client: postgres::Client,
    /// Whether this store's `statement_timeout` is set.
    timeout_set: bool,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("closed", &self.client.is_closed())
            .finish()
    }
}

/// Parses a `postgres://` URL (or `key=value` string) into a config with
/// witloom's bounds.
fn config(url: &str) -> Result<postgres::Config, DatabaseError> {
    // The error never repeats the string as given: it may hold a password.
    let mut config: postgres::Config =
        url.parse().map_err(|source| DatabaseError::PostgresUrl {
            url: redact(url),
            source,
        })?;
    config
        // A row another replica holds locked makes a statement wait at
        // most this long (then `unavailable`), as SQLite's busy timeout.
        .options("-c lock_timeout=10s")
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .application_name("witloom");
    #[cfg(target_os = "linux")]
    config.tcp_user_timeout(Duration::from_secs(30));
    Ok(config)
}

/// `url` without its password, for messages: `postgres://user:***@host`,
/// `?password=***`, or `password=***` in a `key=value` string.
pub fn redact(url: &str) -> String {
    let mut out = if let Some(scheme) = url.find("://") {
        let rest = &url[scheme + 3..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        match rest[..authority_end].rfind('@') {
            Some(at) => match rest[..at].split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &rest[at..]),
                None => url.to_string(),
            },
            None => url.to_string(),
        }
    } else {
        url.to_string()
    };
    let mut from = 0;
    while let Some(i) = out[from..].find("password=") {
        let start = from + i + "password=".len();
        let end = out[start..]
            .find(['&', ' '])
            .map_or(out.len(), |e| start + e);
        out.replace_range(start..end, "***");
        from = start + 3;
    }
    out
}

impl PgConnection {
    fn connect(config: &postgres::Config) -> Result<PgConnection, DatabaseError> {
        let client = config.connect(postgres::NoTls)?;
        Ok(PgConnection {
            client,
            timeout_set: false,
        })
    }

    /// Ends what a store left (an open transaction, session settings,
    /// prepared statements, temporary tables) so the next store starts
    /// clean. False if the connection is no longer usable.
    fn reset(&mut self) -> bool {
        self.timeout_set = false;
        // `DISCARD ALL` is refused inside a transaction: only then roll
        // back first (a `ROLLBACK` with none open logs a warning on the
        // server for every request).
        if self.client.is_closed() {
            return false;
        }
        if self.client.batch_execute("DISCARD ALL").is_ok() {
            return true;
        }
        self.client.batch_execute("ROLLBACK").is_ok()
            && self.client.batch_execute("DISCARD ALL").is_ok()
    }

    /// Statements stop at `deadline`: PostgreSQL's `statement_timeout`,
    /// set once, at the store's first statement (before any transaction it
    /// opens, in which a failed statement would make a later `SET` fail
    /// too), to the time the store has left. The store's own deadline ends
    /// the guest anyway, and the reset after it waits no longer than that.
    fn limit_to(&mut self, deadline: Option<Instant>) -> Result<(), sql::Error> {
        let Some(deadline) = deadline else {
            return Ok(());
        };
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_millis() as u64;
        if left == 0 {
            return Err(interrupted());
        }
        if !self.timeout_set {
            self.client
                .batch_execute(&format!("SET statement_timeout = {left}"))
                .map_err(|e| error(&e))?;
            self.timeout_set = true;
        }
        Ok(())
    }

    fn prepare(
        &mut self,
        statement: &str,
        params: &[sql::Value],
    ) -> Result<(postgres::Statement, Vec<Param>), sql::Error> {
        let translated = placeholders(statement)?;
        let stmt = self.client.prepare(&translated).map_err(|e| error(&e))?;
        check_parameter_count(stmt.params().len(), params.len())?;
        let bound = params
            .iter()
            .zip(stmt.params())
            .enumerate()
            .map(|(i, (v, ty))| param(v, ty, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((stmt, bound))
    }

    fn rows(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<sql::Rows, sql::Error> {
        self.limit_to(deadline)?;
        let (stmt, bound) = self.prepare(statement, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        // Row by row, so that the cap stops a huge result before it is all
        // in memory.
        let mut rows = self
            .client
            .query_raw(&stmt, refs.iter().copied())
            .map_err(|e| error(&e))?;
        let columns: Vec<String> = stmt
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let mut result = ResultRows::new(columns);
        while let Some(row) = rows.next().map_err(|e| error(&e))? {
            let mut out = Vec::with_capacity(result.columns());
            for (i, column) in stmt.columns().iter().enumerate() {
                let raw: Option<Raw> = row.try_get(i).map_err(|e| error(&e))?;
                let value = decode(column.type_(), raw.map(|r| r.0), column.name())?;
                out.push(result.admit(value)?);
            }
            result.push(out);
        }
        Ok(result.finish())
    }

    fn changes(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<u64, sql::Error> {
        self.limit_to(deadline)?;
        let (stmt, bound) = self.prepare(statement, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.client.execute(&stmt, &refs).map_err(|e| error(&e))
    }
}

impl Connection for PgConnection {
    fn query(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<sql::Rows, sql::Error> {
        self.rows(statement, params, deadline)
    }

    fn execute(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<u64, sql::Error> {
        self.changes(statement, params, deadline)
    }

    /// Kept for the next store once reset; a broken one is closed.
    fn recycle(&mut self) -> bool {
        self.reset()
    }
}

/// The highest placeholder number (SQLite's limit on parameters).
const MAX_PLACEHOLDER: u64 = 32766;

/// SQLite's placeholders (`?1`, `?`) as PostgreSQL's (`$1`), outside
/// literals (`'…'`, `E'…'` with backslash escapes, `$tag$…$tag$`), quoted
/// identifiers and comments (`--`, nested `/* */`).
pub(crate) fn placeholders(statement: &str) -> Result<String, sql::Error> {
    let bytes = statement.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut out = String::with_capacity(statement.len() + 8);
    let mut highest = 0u64;
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let prev_ident = i > 0 && ident(bytes[i - 1]);
        match bytes[i] {
            // '…' with '' inside (and \x inside E'…'), "…" with "".
            quote @ (b'\'' | b'"') => {
                let escapes = quote == b'\''
                    && i > 0
                    && matches!(bytes[i - 1], b'E' | b'e')
                    && !(i > 1 && ident(bytes[i - 2]));
                i += 1;
                while i < bytes.len() {
                    if escapes && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == quote {
                        if bytes.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            // $tag$ … $tag$, not inside an identifier (`a$b`), and not a
            // `$1` (tags do not start with a digit).
            b'$' if !prev_ident
                && bytes
                    .get(i + 1)
                    .is_some_and(|c| *c == b'$' || c.is_ascii_alphabetic() || *c == b'_') =>
            {
                let tag_end = statement[i + 1..].find('$').map(|j| i + 1 + j);
                match tag_end {
                    Some(end)
                        if statement[i + 1..end]
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
                    {
                        let tag = &statement[i..=end];
                        i = match statement[end + 1..].find(tag) {
                            Some(j) => end + 1 + j + tag.len(),
                            None => bytes.len(),
                        };
                    }
                    _ => i += 1,
                }
            }
            b'?' => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                let n = if digits > 0 {
                    statement[i + 1..i + 1 + digits].parse().unwrap_or(u64::MAX)
                } else {
                    highest + 1
                };
                if n == 0 || n > MAX_PLACEHOLDER {
                    return Err(sql::Error {
                        code: sql::ErrorCode::Bind,
                        message: format!(
                            "placeholder ?{n} is out of range: they are ?1 to ?{MAX_PLACEHOLDER}"
                        ),
                    });
                }
                highest = highest.max(n);
                out.push_str(&statement[copied..i]);
                out.push_str(&format!("${n}"));
                i += 1 + digits;
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&statement[copied.min(statement.len())..]);
    Ok(out)
}

/// A parameter, already converted to the type PostgreSQL expects.
#[derive(Debug)]
enum Param {
    Null,
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Bool(bool),
    /// UTF-8, for text types and `json`.
    Text(String),
    Jsonb(String),
    Bytes(Vec<u8>),
}

impl ToSql for Param {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Null => return Ok(IsNull::Yes),
            Param::I16(v) => out.put_i16(*v),
            Param::I32(v) => out.put_i32(*v),
            Param::I64(v) => out.put_i64(*v),
            Param::F32(v) => out.put_f32(*v),
            Param::F64(v) => out.put_f64(*v),
            Param::Bool(v) => out.put_u8(u8::from(*v)),
            Param::Text(s) => out.put_slice(s.as_bytes()),
            Param::Jsonb(s) => {
                out.put_u8(1);
                out.put_slice(s.as_bytes());
            }
            Param::Bytes(b) => out.put_slice(b),
        }
        Ok(IsNull::No)
    }

    // The variant was chosen for the statement's own parameter type.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    [
        Type::TEXT,
        Type::VARCHAR,
        Type::BPCHAR,
        Type::NAME,
        Type::UNKNOWN,
        Type::JSON,
    ]
    .contains(ty)
}

/// `value` as parameter `index`, whose type PostgreSQL inferred as `ty`.
fn param(value: &sql::Value, ty: &Type, index: usize) -> Result<Param, sql::Error> {
    use sql::Value as V;
    let mismatch = |what: &str| sql::Error {
        code: sql::ErrorCode::Bind,
        message: format!(
            "parameter ?{index} is `{ty}` in this statement, and {what} cannot be bound to it; cast the parameter in the SQL (`?{index}::text::{ty}`) and pass text"
        ),
    };
    let range = || sql::Error {
        code: sql::ErrorCode::Bind,
        message: format!("parameter ?{index}: the integer does not fit `{ty}`"),
    };
    Ok(match (value, ty) {
        (V::Null, _) => Param::Null,
        (V::Integer(n), t) if *t == Type::INT8 => Param::I64(*n),
        (V::Integer(n), t) if *t == Type::INT4 => {
            Param::I32(i32::try_from(*n).map_err(|_| range())?)
        }
        (V::Integer(n), t) if *t == Type::INT2 => {
            Param::I16(i16::try_from(*n).map_err(|_| range())?)
        }
        (V::Integer(n), t) if *t == Type::FLOAT8 => Param::F64(*n as f64),
        (V::Integer(n), t) if *t == Type::FLOAT4 => Param::F32(*n as f32),
        (V::Integer(n), t) if *t == Type::BOOL => Param::Bool(*n != 0),
        (V::Integer(n), t) if is_text(t) => Param::Text(n.to_string()),
        (V::Real(x), t) if *t == Type::FLOAT8 => Param::F64(*x),
        (V::Real(x), t) if *t == Type::FLOAT4 => Param::F32(*x as f32),
        (V::Real(x), t) if is_text(t) => Param::Text(x.to_string()),
        (V::Text(s), t) if is_text(t) => Param::Text(s.clone()),
        (V::Text(s), t) if *t == Type::JSONB => Param::Jsonb(s.clone()),
        (V::Text(s), t) if *t == Type::BYTEA => Param::Bytes(s.as_bytes().to_vec()),
        (V::Blob(b), t) if *t == Type::BYTEA => Param::Bytes(b.clone()),
        (V::Integer(_), _) => return Err(mismatch("an integer")),
        (V::Real(_), _) => return Err(mismatch("a real")),
        (V::Text(_), _) => return Err(mismatch("text")),
        (V::Blob(_), _) => return Err(mismatch("a blob")),
    })
}

/// A column's value as PostgreSQL sent it (binary format).
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A column's binary value as a WIT `value`.
fn decode(ty: &Type, raw: Option<&[u8]>, column: &str) -> Result<sql::Value, sql::Error> {
    let Some(raw) = raw else {
        return Ok(sql::Value::Null);
    };
    let malformed = || sql::Error {
        code: sql::ErrorCode::Other,
        message: format!("column `{column}`: PostgreSQL sent a malformed `{ty}`"),
    };
    let fixed = |n: usize| -> Result<&[u8], sql::Error> {
        (raw.len() == n).then_some(raw).ok_or_else(malformed)
    };
    let text = |b: &[u8]| {
        String::from_utf8(b.to_vec())
            .map(sql::Value::Text)
            .map_err(|_| malformed())
    };
    Ok(match ty {
        t if *t == Type::INT2 => {
            sql::Value::Integer(i16::from_be_bytes(fixed(2)?.try_into().unwrap()).into())
        }
        t if *t == Type::INT4 => {
            sql::Value::Integer(i32::from_be_bytes(fixed(4)?.try_into().unwrap()).into())
        }
        t if *t == Type::INT8 => {
            sql::Value::Integer(i64::from_be_bytes(fixed(8)?.try_into().unwrap()))
        }
        t if *t == Type::OID => {
            sql::Value::Integer(u32::from_be_bytes(fixed(4)?.try_into().unwrap()).into())
        }
        t if *t == Type::FLOAT4 => {
            sql::Value::Real(f32::from_be_bytes(fixed(4)?.try_into().unwrap()).into())
        }
        t if *t == Type::FLOAT8 => {
            sql::Value::Real(f64::from_be_bytes(fixed(8)?.try_into().unwrap()))
        }
        t if *t == Type::BOOL => sql::Value::Integer(i64::from(fixed(1)?[0] != 0)),
        t if *t == Type::BYTEA => sql::Value::Blob(raw.to_vec()),
        t if *t == Type::JSONB => match raw.split_first() {
            Some((1, rest)) => text(rest)?,
            _ => return Err(malformed()),
        },
        t if is_text(t) => text(raw)?,
        t => {
            return Err(sql::Error {
                code: sql::ErrorCode::Other,
                message: format!(
                    "column `{column}` is `{t}`, which witloom:host/sql has no value for; cast it in the query (`{column}::text`, or `::float8` for numeric)"
                ),
            });
        }
    })
}

/// A client error as the WIT `error`, by SQLSTATE class.
fn error(e: &postgres::Error) -> sql::Error {
    if let Some(db) = e.as_db_error() {
        let state = db.code().code();
        if state == "57014" {
            return interrupted();
        }
        let code = match &state[..2] {
            "23" => sql::ErrorCode::Constraint,
            // A lock not granted within lock_timeout.
            _ if state == "55P03" => sql::ErrorCode::Unavailable,
            // Insufficient privilege: a refusal, as on SQLite.
            _ if state == "42501" => sql::ErrorCode::Other,
            "42" => sql::ErrorCode::Syntax,
            "22" => sql::ErrorCode::Bind,
            // Connection, resources, operator intervention, rollbacks
            // (serialization, deadlock), and a read-only transaction.
            "08" | "53" | "57" | "40" => sql::ErrorCode::Unavailable,
            _ if state == "25006" => sql::ErrorCode::Unavailable,
            _ => sql::ErrorCode::Other,
        };
        return sql::Error {
            code,
            message: format!("{} ({state})", db.message()),
        };
    }
    sql::Error {
        code: if e.is_closed()
            || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
        {
            sql::ErrorCode::Unavailable
        } else {
            sql::ErrorCode::Other
        },
        message: describe(e),
    }
}

/// An error and its cause (tokio-postgres puts the useful part there).
fn describe(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) if !e.to_string().contains(&cause.to_string()) => format!("{e}: {cause}"),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn sqlite_placeholders_become_postgres_ones() {
        for (sqlite, postgres) in [
            ("SELECT ?1, ?2", "SELECT $1, $2"),
            ("SELECT ?, ?, ?5, ?", "SELECT $1, $2, $5, $6"),
            (
                "SELECT '?1', \"a?\" FROM t WHERE x = ?1",
                "SELECT '?1', \"a?\" FROM t WHERE x = $1",
            ),
            ("SELECT 'it''s ?' || ?1", "SELECT 'it''s ?' || $1"),
            ("SELECT 1 -- ?1\n, ?1", "SELECT 1 -- ?1\n, $1"),
            ("SELECT /* ?2 */ ?1", "SELECT /* ?2 */ $1"),
            (
                "SELECT $$ ?1 $$, $q$ ? $q$, ?1",
                "SELECT $$ ?1 $$, $q$ ? $q$, $1",
            ),
            (
                "INSERT INTO t VALUES (?1) ON CONFLICT (k) DO UPDATE SET n = t.n + 1 RETURNING n",
                "INSERT INTO t VALUES ($1) ON CONFLICT (k) DO UPDATE SET n = t.n + 1 RETURNING n",
            ),
            ("SELECT '", "SELECT '"),
            ("?", "$1"),
        ] {
            assert_eq!(placeholders(sqlite).unwrap(), postgres, "{sqlite}");
        }
        for (sqlite, postgres) in [
            (r"SELECT E'it\'s ?1', ?1", r"SELECT E'it\'s ?1', $1"),
            (
                "SELECT /* a /* b */ ?2 */ ?1",
                "SELECT /* a /* b */ ?2 */ $1",
            ),
            ("SELECT a$b$c, ?1", "SELECT a$b$c, $1"),
            ("SELECT x::text, ?1::int", "SELECT x::text, $1::int"),
        ] {
            assert_eq!(placeholders(sqlite).unwrap(), postgres, "{sqlite}");
        }
        for bad in [
            "SELECT ?0",
            "SELECT ?99999999999999999999 , ?",
            "SELECT ?32767",
        ] {
            assert!(placeholders(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod redact_tests {
    #[test]
    fn passwords_are_not_shown() {
        for (given, shown) in [
            (
                "postgres://u:s3cret@db:5432/x",
                "postgres://u:***@db:5432/x",
            ),
            ("postgres://u@db/x", "postgres://u@db/x"),
            (
                "postgres://db/x?user=u&password=s3cret&a=b",
                "postgres://db/x?user=u&password=***&a=b",
            ),
            (
                "host=db user=u password=s3cret dbname=x",
                "host=db user=u password=*** dbname=x",
            ),
            (
                "postgres://u:s3cret@db:54x2/x",
                "postgres://u:***@db:54x2/x",
            ),
        ] {
            assert_eq!(super::redact(given), shown);
        }
    }
}
