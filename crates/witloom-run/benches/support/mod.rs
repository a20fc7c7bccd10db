//! What the `calls` and `streams` benchmarks share: an export of an
//! instance as a typed function, and a duration as people read it.

use std::time::Duration;
use wasmtime::Store;
use wasmtime::component::{Instance, TypedFunc};
use witloom_run::State;

/// `iface#name` of `instance`, typed.
pub fn func<P, R>(
    store: &mut Store<State>,
    instance: &Instance,
    iface: &str,
    name: &str,
) -> TypedFunc<P, R>
where
    P: wasmtime::component::ComponentNamedList + wasmtime::component::Lower,
    R: wasmtime::component::ComponentNamedList + wasmtime::component::Lift,
{
    let iface_index = instance
        .get_export_index(&mut *store, None, iface)
        .unwrap_or_else(|| panic!("no export {iface}"));
    let index = instance
        .get_export_index(&mut *store, Some(&iface_index), name)
        .unwrap_or_else(|| panic!("no {iface}#{name}"));
    instance.get_typed_func(&mut *store, index).expect("typed")
}

/// `12.34 µs`, `1.20 ms`, `88 ns`.
pub fn show(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns >= 1_000_000 {
        format!("{:.2} ms", ns as f64 / 1e6)
    } else if ns >= 1_000 {
        format!("{:.2} µs", ns as f64 / 1e3)
    } else {
        format!("{ns} ns")
    }
}
