//! Wiring: which part provides each import, checked in WIT terms, and the
//! order to instantiate the parts in.

use crate::check::{self, Side};
use crate::error::{ComposeError, SharedTypes};
use crate::{Host, Options, Part, split_version};
use witloom_ir::{Ir, WorldItem, WorldItemKind};

/// Who provides an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Another part, by index.
    Part(usize),
    /// The host running the whole.
    Host,
}

/// One import plugged with another part's export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    pub consumer: usize,
    /// The consumer's import name (`ns:pkg/iface@version`, or a plain name).
    pub import: String,
    pub provider: usize,
    /// The provider's export name; its version may be a compatible newer one.
    pub export: String,
}

/// The result of wiring.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Part names, as given.
    pub names: Vec<String>,
    /// Parts in instantiation order: every provider before its consumers.
    pub order: Vec<usize>,
    /// The part whose exports the whole exports.
    pub root: usize,
    pub wires: Vec<Wire>,
    /// Imports nobody inside provides: `(the whole's import, the parts
    /// that import it)`. Semver-compatible versions are unified, as wac
    /// does, and per package: each package at the newest version on its
    /// track that any import names, every part that imports an older one
    /// given that one; incompatible versions stay apart.
    pub host: Vec<(String, Vec<usize>)>,
    /// What the whole exports (the root's exports).
    pub exports: Vec<String>,
    /// The middleware chain, outermost first (empty without one).
    pub chain: Vec<usize>,
}

impl Plan {
    /// Who provides `consumer`'s import `import`.
    pub fn provider_of(&self, consumer: usize, import: &str) -> Provider {
        self.wires
            .iter()
            .find(|w| w.consumer == consumer && w.import == import)
            .map_or(Provider::Host, |w| Provider::Part(w.provider))
    }

    /// The whole's import that provides `consumer`'s import `import` when
    /// the host does: `import` itself, or the newest compatible version.
    pub fn host_import(&self, consumer: usize, import: &str) -> Option<&str> {
        self.host
            .iter()
            .find(|(name, users)| users.contains(&consumer) && satisfies(import, name))
            .map(|(name, _)| name.as_str())
    }

    /// A report in words: what is satisfied inside, what is left for the
    /// host, and what the whole exports.
    pub fn report(&self) -> String {
        let mut out = String::new();
        if let [first, ..] = self.chain.as_slice() {
            let names: Vec<&str> = self.chain.iter().map(|i| self.names[*i].as_str()).collect();
            // What passes along the chain: the first link's interfaces.
            let through: Vec<&str> = self
                .wires
                .iter()
                .filter(|w| w.consumer == *first && Some(&w.provider) == self.chain.get(1))
                .map(|w| w.import.as_str())
                .collect();
            out.push_str(&format!(
                "chain (outermost first):\n  {}  ({})\n",
                names.join(" -> "),
                through.join(", ")
            ));
        }
        out.push_str("satisfied inside:\n");
        if self.wires.is_empty() {
            out.push_str("  (nothing)\n");
        }
        for w in &self.wires {
            out.push_str(&format!(
                "  {} -> {}  ({})\n",
                self.names[w.provider], self.names[w.consumer], w.import
            ));
        }
        out.push_str("left for the host:\n");
        if self.host.is_empty() {
            out.push_str("  (nothing)\n");
        }
        let users_of = |users: &[usize]| -> String {
            let names: Vec<&str> = users.iter().map(|u| self.names[*u].as_str()).collect();
            names.join(", ")
        };
        // WASI is one block, by package: dozens of interfaces that every
        // runtime provides together, whose individual lines would bury the
        // application's own.
        let mut wasi: Vec<(String, Vec<&str>)> = Vec::new();
        let mut wasi_users: Vec<usize> = Vec::new();
        for (name, users) in &self.host {
            let grouped = (witloom_host::kind_of(name) == Some(witloom_host::Kind::Wasi))
                .then(|| name.split_once('/'))
                .flatten();
            let Some((package, rest)) = grouped else {
                out.push_str(&format!("  {name}  (imported by {})\n", users_of(users)));
                continue;
            };
            // `wasi:cli/stdout@0.2.6` → `wasi:cli@0.2.6` and `stdout`.
            let (iface, key) = match rest.split_once('@') {
                Some((iface, version)) => (iface, format!("{package}@{version}")),
                None => (rest, package.to_string()),
            };
            match wasi.iter_mut().find(|(k, _)| *k == key) {
                Some((_, ifaces)) => ifaces.push(iface),
                None => wasi.push((key, vec![iface])),
            }
            for u in users {
                if !wasi_users.contains(u) {
                    wasi_users.push(*u);
                }
            }
        }
        if !wasi.is_empty() {
            wasi_users.sort();
            out.push_str(&format!(
                "  WASI  (imported by {})\n",
                users_of(&wasi_users)
            ));
            wasi.sort();
            for (package, mut ifaces) in wasi {
                ifaces.sort();
                ifaces.dedup();
                out.push_str(&format!("    {package}: {}\n", ifaces.join(", ")));
            }
        }
        out.push_str(&format!("exported (from {}):\n", self.names[self.root]));
        if self.exports.is_empty() {
            out.push_str("  (nothing)\n");
        }
        for name in &self.exports {
            out.push_str(&format!("  {name}\n"));
        }
        out
    }
}

fn world_of(part: &Part) -> &witloom_ir::World {
    &part.wit.ir[part.world]
}

/// `interface`, `function` or `type`: only items of one kind plug together.
fn kind_of(item: &WorldItem) -> &'static str {
    match item.kind {
        WorldItemKind::Interface { .. } => "interface",
        WorldItemKind::Function { .. } => "function",
        WorldItemKind::Type { .. } => "type",
    }
}

/// Whether export `export` can satisfy import `import`: the same interface
/// with a semver-compatible version (the export's at least as new), or the
/// same plain name.
pub(crate) fn satisfies(import: &str, export: &str) -> bool {
    let (ib, iv) = split_version(import);
    let (eb, ev) = split_version(export);
    if ib != eb {
        return false;
    }
    match (iv, ev) {
        (None, None) => import == export,
        (Some(i), Some(e)) => serves(&i, &e),
        _ => false,
    }
}

/// Whether version `e` of an interface serves an import of version `i`:
/// semver-compatible, and at least as new.
fn serves(i: &semver::Version, e: &semver::Version) -> bool {
    let compatible = if i.major > 0 {
        i.major == e.major
    } else if i.minor > 0 {
        e.major == 0 && i.minor == e.minor
    } else {
        i == e
    };
    compatible && e >= i
}

/// Wires `parts` together and checks the result.
pub fn plan(parts: &[Part], opts: &Options) -> Result<Plan, ComposeError> {
    if parts.is_empty() {
        return Err(ComposeError::NoParts);
    }
    let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(ComposeError::DuplicateName(name.clone()));
        }
    }
    let index_of = |name: &str| names.iter().position(|n| n == name);
    let mut chain = Vec::with_capacity(opts.chain.len());
    for name in &opts.chain {
        chain.push(index_of(name).ok_or_else(|| ComposeError::ChainUnknown {
            name: name.clone(),
            components: names.clone(),
        })?);
    }
    // Each link must plug something, checked before any wiring so that a
    // chain in the wrong order is named as such.
    for pair in chain.windows(2) {
        let plugs = world_of(&parts[pair[0]]).imports.iter().any(|i| {
            kind_of(i) != "type"
                && world_of(&parts[pair[1]])
                    .exports
                    .iter()
                    .any(|e| kind_of(e) == kind_of(i) && satisfies(&i.name, &e.name))
        });
        if !plugs {
            return Err(ComposeError::ChainLink {
                from: names[pair[0]].clone(),
                to: names[pair[1]].clone(),
                exports: export_list(world_of(&parts[pair[1]])),
            });
        }
    }
    // The part after each part in the chain.
    let next_in_chain = |ci: usize| {
        chain
            .iter()
            .position(|c| *c == ci)
            .and_then(|k| chain.get(k + 1).copied())
    };

    let mut wires = Vec::new();
    let mut host: Vec<(String, Vec<usize>)> = Vec::new();
    for (ci, consumer) in parts.iter().enumerate() {
        for import in &world_of(consumer).imports {
            let kind = kind_of(import);
            if kind == "type" {
                continue;
            }
            let (base, _) = split_version(&import.name);
            let chosen = opts
                .with
                .iter()
                .find(|(k, _)| *k == base || **k == import.name)
                .map(|(_, v)| v);
            let exported_by = |pi: usize| {
                world_of(&parts[pi])
                    .exports
                    .iter()
                    .find(|e| kind_of(e) == kind && satisfies(&import.name, &e.name))
            };
            // In a chain, the next part provides what it can; otherwise
            // every other part that exports it (or the one `with` names).
            let next = next_in_chain(ci).and_then(|pi| exported_by(pi).map(|e| (pi, e)));
            let chosen = if next.is_some() { None } else { chosen };
            let candidates: Vec<(usize, &WorldItem)> = match next {
                Some(next) => vec![next],
                None => (0..parts.len())
                    .filter(|pi| *pi != ci && chosen.is_none_or(|c| *c == parts[*pi].name))
                    .filter_map(|pi| exported_by(pi).map(|e| (pi, e)))
                    .collect(),
            };
            if let (Some(chosen), true) = (chosen, candidates.is_empty()) {
                let (interface, provider) = (base.to_string(), chosen.clone());
                return Err(match index_of(chosen) {
                    None => ComposeError::WithUnknown {
                        interface,
                        provider,
                    },
                    Some(_) => ComposeError::WithNotExported {
                        interface,
                        provider,
                    },
                });
            }
            match candidates.as_slice() {
                [] => {
                    if let Host::Runtime(caps) = opts.host
                        && let Err(why) = caps.check(&import.name)
                    {
                        return Err(ComposeError::NotProvided {
                            import: import.name.clone(),
                            interface: base.to_string(),
                            consumer: consumer.name.clone(),
                            host: caps,
                            why: Box::new(why),
                        });
                    }
                    match host.iter_mut().find(|(n, _)| *n == import.name) {
                        Some((_, users)) => users.push(ci),
                        None => host.push((import.name.clone(), vec![ci])),
                    }
                }
                [(pi, export)] => {
                    check_wire(parts, ci, import, *pi, export)?;
                    wires.push(Wire {
                        consumer: ci,
                        import: import.name.clone(),
                        provider: *pi,
                        export: export.name.clone(),
                    });
                }
                several => {
                    return Err(ComposeError::Ambiguous {
                        consumer: consumer.name.clone(),
                        import: import.name.clone(),
                        interface: base.to_string(),
                        providers: several
                            .iter()
                            .map(|(pi, e)| (names[*pi].clone(), e.name.clone()))
                            .collect(),
                    });
                }
            }
        }
    }

    let used: Vec<bool> = (0..parts.len())
        .map(|i| wires.iter().any(|w| w.provider == i))
        .collect();
    let root = match &opts.root {
        Some(name) => index_of(name).ok_or_else(|| ComposeError::UnknownRoot {
            name: name.clone(),
            components: names.clone(),
        })?,
        None => {
            let unused: Vec<usize> = (0..parts.len()).filter(|i| !used[*i]).collect();
            match unused.as_slice() {
                [one] => *one,
                [] => {
                    // Everything provides something: there is a cycle, which
                    // the ordering below names.
                    order(parts, &wires, 0)?;
                    return Err(ComposeError::NoRoot);
                }
                several => {
                    return Err(ComposeError::SeveralRoots {
                        candidates: several.iter().map(|i| names[*i].clone()).collect(),
                    });
                }
            }
        }
    };
    if opts.require_use {
        for (i, part) in parts.iter().enumerate() {
            if i != root && !used[i] {
                return Err(ComposeError::ProvidesNothing {
                    component: part.name.clone(),
                    exports: export_list(world_of(part)),
                });
            }
        }
    }
    let order = order(parts, &wires, root)?;
    check_shared_resources(parts, &wires)?;
    let host = unify_versions(host);
    Ok(Plan {
        exports: world_of(&parts[root])
            .exports
            .iter()
            .filter(|e| kind_of(e) != "type")
            .map(|e| e.name.clone())
            .collect(),
        names,
        order,
        root,
        wires,
        host,
        chain,
    })
}

/// One version per package and semver track: every import of a package
/// (`wasi:random/insecure-seed@0.2.6`) at the newest version any import of
/// that package names on its track (`0.2.12`, from
/// `wasi:random/random@0.2.12`), then one import per name, with the users
/// of every version it serves. Order: first appearance.
fn unify_versions(host: Vec<(String, Vec<usize>)>) -> Vec<(String, Vec<usize>)> {
    // `ns:pkg` and its version, for a versioned interface import.
    let package = |name: &str| {
        let (base, version) = split_version(name);
        let (package, interface) = base.split_once('/')?;
        Some((package.to_string(), interface.to_string(), version?))
    };
    let newest = |pkg: &str, version: &semver::Version| {
        host.iter()
            .filter_map(|(n, _)| package(n))
            .filter(|(p, _, v)| p == pkg && serves(version, v))
            .map(|(_, _, v)| v)
            .max()
            .unwrap_or_else(|| version.clone())
    };
    let mut out: Vec<(String, Vec<usize>)> = Vec::with_capacity(host.len());
    for (name, users) in &host {
        let unified = match package(name) {
            Some((pkg, interface, version)) => {
                format!("{pkg}/{interface}@{}", newest(&pkg, &version))
            }
            None => name.clone(),
        };
        match out.iter_mut().find(|(kept, _)| *kept == unified) {
            Some((_, kept_users)) => {
                for u in users {
                    if !kept_users.contains(u) {
                        kept_users.push(*u);
                    }
                }
                kept_users.sort_unstable();
            }
            None => out.push((unified, users.clone())),
        }
    }
    out
}

fn export_list(world: &witloom_ir::World) -> String {
    if world.exports.is_empty() {
        return "nothing".to_string();
    }
    world
        .exports
        .iter()
        .map(|e| format!("`{}`", e.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the types on both sides of a wire.
fn check_wire(
    parts: &[Part],
    ci: usize,
    import: &WorldItem,
    pi: usize,
    export: &WorldItem,
) -> Result<(), ComposeError> {
    let (c, p) = (&parts[ci], &parts[pi]);
    let cs = Side {
        ir: &c.wit.ir,
        part: &c.name,
    };
    let ps = Side {
        ir: &p.wit.ir,
        part: &p.name,
    };
    let result = match (&import.kind, &export.kind) {
        (WorldItemKind::Interface { interface: a }, WorldItemKind::Interface { interface: b }) => {
            check::interfaces(&cs, *a, &ps, *b)
        }
        (WorldItemKind::Function { function: a }, WorldItemKind::Function { function: b }) => {
            check::functions(&cs, a, &ps, b)
        }
        _ => Ok(()),
    };
    result.map_err(|mismatch| ComposeError::TypesDiffer {
        consumer: c.name.clone(),
        import: import.name.clone(),
        provider: p.name.clone(),
        mismatch,
    })
}

/// Instantiation order by depth-first search from the root; a cycle is an
/// error that prints its path.
fn order(parts: &[Part], wires: &[Wire], root: usize) -> Result<Vec<usize>, ComposeError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        at: usize,
        parts: &[Part],
        wires: &[Wire],
        marks: &mut [Mark],
        path: &mut Vec<(usize, String)>,
        out: &mut Vec<usize>,
    ) -> Result<(), ComposeError> {
        marks[at] = Mark::Open;
        for w in wires.iter().filter(|w| w.consumer == at) {
            path.push((at, w.import.clone()));
            match marks[w.provider] {
                Mark::Done => {}
                Mark::New => visit(w.provider, parts, wires, marks, path, out)?,
                Mark::Open => {
                    let start = path.iter().position(|(p, _)| *p == w.provider).unwrap_or(0);
                    let cycle = &path[start..];
                    let steps = cycle
                        .iter()
                        .enumerate()
                        .map(|(i, (p, import))| {
                            let next = cycle.get(i + 1).map_or(w.provider, |(n, _)| *n);
                            (
                                parts[*p].name.clone(),
                                import.clone(),
                                parts[next].name.clone(),
                            )
                        })
                        .collect();
                    return Err(ComposeError::Cycle { steps });
                }
            }
            path.pop();
        }
        marks[at] = Mark::Done;
        out.push(at);
        Ok(())
    }
    let mut marks = vec![Mark::New; parts.len()];
    let mut out = Vec::new();
    let mut path = Vec::new();
    visit(root, parts, wires, &mut marks, &mut path, &mut out)?;
    for i in 0..parts.len() {
        if marks[i] == Mark::New {
            visit(i, parts, wires, &mut marks, &mut path, &mut out)?;
        }
    }
    Ok(out)
}

/// Where `part` gets interface `base` (unversioned) from: itself when it
/// exports it, else its import's provider.
fn source_of(parts: &[Part], wires: &[Wire], part: usize, base: &str) -> Option<Provider> {
    let world = world_of(&parts[part]);
    if world
        .exports
        .iter()
        .any(|e| split_version(&e.name).0 == base)
    {
        return Some(Provider::Part(part));
    }
    let import = world
        .imports
        .iter()
        .find(|i| split_version(&i.name).0 == base)?;
    Some(
        wires
            .iter()
            .find(|w| w.consumer == part && w.import == import.name)
            .map_or(Provider::Host, |w| Provider::Part(w.provider)),
    )
}

fn interface_base(ir: &Ir, id: witloom_ir::InterfaceId) -> String {
    split_version(&ir[id].qualified_name).0.to_string()
}

/// A type an interface `use`s from another must be the same on both sides
/// of a wire: if `c` imports `b` from `p`, and `b` uses resource `r` from
/// `a`, then `c` and `p` must get `a` from the same place.
fn check_shared_resources(parts: &[Part], wires: &[Wire]) -> Result<(), ComposeError> {
    let describe = |s: Option<Provider>| match s {
        Some(Provider::Part(i)) => format!("`{}`", parts[i].name),
        Some(Provider::Host) => "the host".to_string(),
        None => "nowhere".to_string(),
    };
    for w in wires {
        let c = &parts[w.consumer];
        let Some(WorldItemKind::Interface { interface }) = world_of(c)
            .imports
            .iter()
            .find(|i| i.name == w.import)
            .map(|i| &i.kind)
        else {
            continue;
        };
        let iface = &c.wit.ir[*interface];
        for u in &iface.uses {
            let from = interface_base(&c.wit.ir, u.from);
            let here = source_of(parts, wires, w.consumer, &from);
            let there = source_of(parts, wires, w.provider, &from);
            if here != there {
                return Err(ComposeError::SharedTypes(Box::new(SharedTypes {
                    consumer: c.name.clone(),
                    import: w.import.clone(),
                    provider: parts[w.provider].name.clone(),
                    from: from.to_string(),
                    names: u.names.iter().map(|n| n.name.clone()).collect(),
                    here: describe(here),
                    there: describe(there),
                })));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::satisfies;

    #[test]
    fn versions() {
        assert!(satisfies("a:b/c@0.2.6", "a:b/c@0.2.12"));
        assert!(!satisfies("a:b/c@0.2.12", "a:b/c@0.2.6"));
        assert!(!satisfies("a:b/c@0.2.0", "a:b/c@0.3.0"));
        assert!(satisfies("a:b/c@1.0.0", "a:b/c@1.4.0"));
        assert!(!satisfies("a:b/c@1.0.0", "a:b/c@2.0.0"));
        assert!(satisfies("a:b/c", "a:b/c"));
        assert!(!satisfies("a:b/c", "a:b/c@0.1.0"));
        assert!(satisfies("log", "log"));
        assert!(!satisfies("log", "logs"));
    }
}
