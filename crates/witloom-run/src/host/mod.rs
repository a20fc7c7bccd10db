//! witloom's own host capabilities, the DB world of `wit/host.wit`,
//! implemented through the bindings `cargo xtask bindgen` generated into
//! `bindings.rs`: `witloom:host/sql` ([`sql`]: on an embedded SQLite, or a
//! PostgreSQL server) and `witloom:host/log` into `tracing`.
//!
//! A database is granted, never assumed: a component that imports `sql`
//! runs only when the user named a database (`--sqlite PATH`, `:memory:`,
//! or `--sql URL`); see [`crate::RunOptions::sqlite`]. Both hosts, `run`
//! and `serve`, keep a [`WitloomHost`] in each store and link it with
//! [`add_to_linker`]; the database behind it is a [`DatabasePool`] shared
//! by all of a server's requests.

// Generated, and formatted by the generator: rustfmt would make it stale.
#[rustfmt::skip]
#[allow(dead_code, clippy::all, missing_debug_implementations)]
mod bindings;
mod sql;

use bindings::witloom::host::log;
pub use sql::{
    Activity, BUSY_TIMEOUT, DatabaseError, DatabasePool, IN_MEMORY, MAX_RESULT, SqlStats,
    WitloomHost, redact,
};
use wasmtime::component::{HasSelf, Linker};

/// Adds `witloom:host/sql` and `witloom:host/log` to `linker`, served by
/// the [`WitloomHost`] that `get` finds in a store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut WitloomHost,
) -> wasmtime::Result<()> {
    bindings::Db::add_to_linker::<T, HasSelf<WitloomHost>>(linker, get)
}

impl log::Host for WitloomHost {
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
