//! Per-function generation flags, as `bindgen!`'s `imports: { … }` and
//! `exports: { … }` spell them: a default for each side and rules by name,
//! matched the way `bindgen!` matches them (most specific name first), so a
//! rule written for the macro means the same here.

use witloom_ir::{Function, Interface, Ir};

/// How one function's binding is generated (`bindgen!`'s
/// `async | store | trappable | tracing | verbose_tracing | exact`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Imports: the host method returns a future (`func_wrap_async`);
    /// exports: `call_*` is `async` (`call_async`).
    pub asynchronous: bool,
    /// Imports: the function is an associated function of a
    /// `…WithStore<T>` trait and gets the store as `Access<T, Self>`;
    /// exports (with `asynchronous`): `call_*` takes an `&Accessor` and
    /// calls concurrently (`call_concurrent`).
    pub store: bool,
    /// Imports: the host returns `wasmtime::Result<T>` and may trap.
    pub trappable: bool,
    /// A `tracing` span per call and events for the call and its return
    /// (arguments holding lists are elided unless `verbose_tracing`). The
    /// crate compiling the bindings depends on `tracing`.
    pub tracing: bool,
    /// With `tracing`: lists are logged too.
    pub verbose_tracing: bool,
    /// A rule with `exact` applies only to the function it names, never to
    /// the functions of an interface, package or namespace it names.
    pub exact: bool,
}

/// A word that is not one of `bindgen!`'s function flags.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a function flag (async, store, trappable, tracing, verbose_tracing, exact)")]
pub struct UnknownFlag(pub String);

impl Flags {
    /// Parses `async | store | trappable | tracing | verbose_tracing |
    /// exact` (`|`-separated, as in `bindgen!`; spaces and `-` allowed).
    pub fn parse(text: &str) -> Result<Flags, UnknownFlag> {
        let mut flags = Flags::default();
        for word in text.split('|').map(str::trim) {
            match word.replace('-', "_").as_str() {
                "async" => flags.asynchronous = true,
                "store" => flags.store = true,
                "trappable" => flags.trappable = true,
                "tracing" => flags.tracing = true,
                "verbose_tracing" => flags.verbose_tracing = true,
                "exact" => flags.exact = true,
                "" if text.trim().is_empty() => {}
                other => return Err(UnknownFlag(other.to_string())),
            }
        }
        Ok(flags)
    }

    /// Every flag either has.
    pub fn union(self, o: Flags) -> Flags {
        Flags {
            asynchronous: self.asynchronous || o.asynchronous,
            store: self.store || o.store,
            trappable: self.trappable || o.trappable,
            tracing: self.tracing || o.tracing,
            verbose_tracing: self.verbose_tracing || o.verbose_tracing,
            exact: self.exact || o.exact,
        }
    }
}

/// The flags of one side (imports or exports): rules tried in order, the
/// first that matches wins, else `default`.
#[derive(Debug, Clone, Default)]
pub struct FunctionConfig {
    pub default: Flags,
    /// `(name, flags)`: `ns:pkg/iface.func`, `ns:pkg/iface.[method]r.m`,
    /// `ns:pkg/iface.[drop]r`, an interface, package or namespace (all of
    /// its functions), or a world-level function's name.
    pub rules: Vec<(String, Flags)>,
}

/// A [`FunctionConfig`] being applied: remembers which rules matched, so
/// a rule that names nothing is reported instead of silently ignored.
pub struct Matcher<'a> {
    config: &'a FunctionConfig,
    used: Vec<bool>,
}

impl<'a> Matcher<'a> {
    pub fn new(config: &'a FunctionConfig) -> Matcher<'a> {
        Matcher {
            config,
            used: vec![false; config.rules.len()],
        }
    }

    /// The flags of item `item` (a function's canonical name, or
    /// `[drop]r`) of `iface` (imported or exported under `link_name`), or
    /// of a world-level function when `iface` is `None`.
    pub fn flags(
        &mut self,
        ir: &Ir,
        iface: Option<(&Interface, &str)>,
        item: &str,
        wit_async: bool,
    ) -> Flags {
        // A component-model `async` function needs both, as in `bindgen!`.
        let wit = Flags {
            asynchronous: wit_async,
            store: wit_async,
            ..Flags::default()
        };
        for (key, exact) in lookup_keys(ir, iface, item) {
            if let Some(i) = self
                .config
                .rules
                .iter()
                .position(|(name, f)| *name == key && (exact || !f.exact))
            {
                self.used[i] = true;
                return self.config.rules[i].1.union(wit);
            }
        }
        self.config.default.union(wit)
    }

    /// The flags of `f`.
    pub fn function(&mut self, ir: &Ir, iface: Option<(&Interface, &str)>, f: &Function) -> Flags {
        self.flags(ir, iface, &f.name, f.is_async)
    }

    /// Rules that matched nothing.
    pub fn unused(&self) -> Vec<&'a str> {
        self.config
            .rules
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|((name, _), _)| name.as_str())
            .collect()
    }
}

/// The names a rule may use for `item`, most specific first, each with
/// whether it names the item itself (`exact` rules match only those):
/// `ns:pkg/i@1.0.0.f`, `ns:pkg/i.f`, then `ns:pkg/i@1.0.0`, `ns:pkg/i`,
/// `ns:pkg@1.0.0`, `ns:pkg`, `ns`. An inline interface has only
/// `name.f`, a world-level function only `f`.
fn lookup_keys(ir: &Ir, iface: Option<(&Interface, &str)>, item: &str) -> Vec<(String, bool)> {
    let Some((iface, link_name)) = iface else {
        return vec![(item.to_string(), true)];
    };
    let (Some(p), Some(name)) = (iface.package, &iface.name) else {
        return vec![(format!("{link_name}.{item}"), true)];
    };
    let pkg = &ir.packages[p].name;
    let unversioned_pkg = format!("{}:{}", pkg.namespace, pkg.name);
    let versioned_pkg = match &pkg.version {
        Some(v) => format!("{unversioned_pkg}@{v}"),
        None => unversioned_pkg.clone(),
    };
    let unversioned = format!("{unversioned_pkg}/{name}");
    let versioned = match &pkg.version {
        Some(v) => format!("{unversioned}@{v}"),
        None => unversioned.clone(),
    };
    vec![
        (format!("{versioned}.{item}"), true),
        (format!("{unversioned}.{item}"), true),
        (versioned, false),
        (unversioned, false),
        (versioned_pkg, false),
        (unversioned_pkg, false),
        (pkg.namespace.clone(), false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_as_bindgen_spells_them() {
        let f = Flags::parse("async | store").unwrap();
        assert!(f.asynchronous && f.store && !f.trappable);
        let f = Flags::parse("tracing|verbose-tracing|exact").unwrap();
        assert!(f.tracing && f.verbose_tracing && f.exact);
        assert_eq!(Flags::parse("").unwrap(), Flags::default());
        assert!(
            Flags::parse("async | fast")
                .unwrap_err()
                .to_string()
                .contains("`fast`")
        );
    }
}
