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

use super::bindings::witloom::host::sql;
use bytes::{BufMut, BytesMut};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::time::{Duration, Instant};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection.
pub(crate) struct PgConnection {
    client: postgres::Client,
    /// The `statement_timeout` last set, in ms (0: none).
    timeout_ms: u64,
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
pub(crate) fn config(url: &str) -> Result<postgres::Config, String> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| format!("`{url}` is not a PostgreSQL connection string: {e}"))?;
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .application_name("witloom");
    #[cfg(target_os = "linux")]
    config.tcp_user_timeout(Duration::from_secs(30));
    Ok(config)
}

impl PgConnection {
    pub fn connect(config: &postgres::Config) -> Result<PgConnection, String> {
        let client = config.connect(postgres::NoTls).map_err(|e| describe(&e))?;
        Ok(PgConnection {
            client,
            timeout_ms: 0,
        })
    }

    /// Whether it can serve another store.
    pub fn is_usable(&self) -> bool {
        !self.client.is_closed()
    }

    /// Ends what a store left (an open transaction, session settings,
    /// prepared statements, temporary tables) so the next store starts
    /// clean. False if the connection is no longer usable.
    pub fn reset(&mut self) -> bool {
        self.timeout_ms = 0;
        !self.client.is_closed() && self.client.batch_execute("ROLLBACK; DISCARD ALL").is_ok()
    }

    /// Statements stop at `deadline` (PostgreSQL's `statement_timeout`).
    fn limit_to(&mut self, deadline: Option<Instant>) -> Result<(), sql::Error> {
        let ms = match deadline {
            None => 0,
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now()).as_millis() as u64;
                if left == 0 {
                    return Err(interrupted());
                }
                left
            }
        };
        if ms != self.timeout_ms {
            self.client
                .batch_execute(&format!("SET statement_timeout = {ms}"))
                .map_err(|e| error(&e))?;
            self.timeout_ms = ms;
        }
        Ok(())
    }

    fn prepare(
        &mut self,
        statement: &str,
        params: &[sql::Value],
    ) -> Result<(postgres::Statement, Vec<Param>), sql::Error> {
        let translated = placeholders(statement);
        let stmt = self.client.prepare(&translated).map_err(|e| error(&e))?;
        let expected = stmt.params().len();
        if expected != params.len() {
            return Err(sql::Error {
                code: sql::ErrorCode::Bind,
                message: format!(
                    "the statement has {expected} parameter(s) but {} value(s) were given",
                    params.len()
                ),
            });
        }
        let bound = params
            .iter()
            .zip(stmt.params())
            .enumerate()
            .map(|(i, (v, ty))| param(v, ty, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((stmt, bound))
    }

    pub fn query(
        &mut self,
        statement: &str,
        params: &[sql::Value],
        deadline: Option<Instant>,
    ) -> Result<sql::Rows, sql::Error> {
        self.limit_to(deadline)?;
        let (stmt, bound) = self.prepare(statement, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.client.query(&stmt, &refs).map_err(|e| error(&e))?;
        let columns: Vec<String> = stmt
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let mut values = Vec::with_capacity(rows.len());
        let mut size = 0usize;
        for row in &rows {
            let mut out = Vec::with_capacity(columns.len());
            for (i, column) in stmt.columns().iter().enumerate() {
                let raw: Option<Raw> = row.try_get(i).map_err(|e| error(&e))?;
                let value = decode(column.type_(), raw.map(|r| r.0), column.name())?;
                size += match &value {
                    sql::Value::Text(t) => t.len().max(8),
                    sql::Value::Blob(b) => b.len().max(8),
                    _ => 8,
                };
                if size > super::MAX_RESULT {
                    return Err(sql::Error {
                        code: sql::ErrorCode::Other,
                        message: format!(
                            "the result is larger than {} MiB; select fewer rows or smaller values",
                            super::MAX_RESULT >> 20
                        ),
                    });
                }
                out.push(value);
            }
            values.push(out);
        }
        Ok(sql::Rows { columns, values })
    }

    pub fn execute(
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

/// SQLite's placeholders (`?1`, `?`) as PostgreSQL's (`$1`), outside
/// literals, quoted identifiers and comments.
pub(crate) fn placeholders(statement: &str) -> String {
    let bytes = statement.as_bytes();
    let mut out = String::with_capacity(statement.len() + 8);
    let mut highest = 0u64;
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        match bytes[i] {
            // '…' with '' inside, "…" with "" inside.
            quote @ (b'\'' | b'"') => {
                i += 1;
                while i < bytes.len() {
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
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            // $tag$ … $tag$ (a `$1` is not a tag: tags do not start with
            // a digit).
            b'$' if bytes
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
    out
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

fn interrupted() -> sql::Error {
    sql::Error {
        code: sql::ErrorCode::Unavailable,
        message: "interrupted: the request's time (--timeout) ran out".to_string(),
    }
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
            assert_eq!(placeholders(sqlite), postgres, "{sqlite}");
        }
    }
}
