//! Loading WIT from disk: a `.wit` file, a package directory with `deps/`
//! (the layout `wkg` and `wit-deps` produce), or a component binary whose
//! world is decoded. Every failure comes back as a [`Diagnostic`].

use crate::diag::{self, Diagnostic, LoadContext};
use crate::lower;
use crate::model::{Ir, WorldId};
use std::path::{Path, PathBuf};
use wit_parser as wp;

/// What kind of input a path held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A directory of `.wit` files, with an optional `deps/`.
    WitDir,
    /// A single `.wit` file.
    WitFile,
    /// A component binary; its world was decoded.
    Component,
    /// WIT packages encoded as a wasm binary (`wasm-tools component wit --wasm`).
    WitBinary,
}

/// Which `@unstable` features to keep. By default, as in wit-parser, items
/// behind a feature gate are left out unless the feature is named.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub features: Vec<String>,
    pub all_features: bool,
}

/// A loaded input: wit-parser's `Resolve`, for tools that take one, and our
/// IR of all of it, with ids equal to the `Resolve`'s.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub kind: InputKind,
    pub resolve: wp::Resolve,
    /// The packages that were asked for, as wit-parser ids.
    pub roots: Vec<wp::PackageId>,
    /// For a component, the world it implements.
    pub component_world: Option<wp::WorldId>,
    pub ir: Ir,
}

/// Loads `path` and lowers it into the IR.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, Diagnostic> {
    let mut resolve = new_resolve(opts);
    let shown = path.display();

    let meta = std::fs::metadata(path).map_err(|e| {
        Diagnostic::new(format!("cannot read `{shown}`: {}", witloom_diag::io::reason(&e))).with_help(
            "pass a .wit file, a directory of .wit files (with an optional deps/ folder), or a component .wasm",
        )
    })?;

    let (kind, roots, component_world) = if meta.is_dir() {
        if !has_wit_files(path)? {
            let mut d = Diagnostic::new(format!("no WIT files in `{shown}`"));
            d = match ["wit", "deps"].iter().map(|s| path.join(s)).find(|p| p.is_dir()) {
                Some(p) if p.ends_with("wit") => d.with_help(format!(
                    "`{}` holds WIT: did you mean that folder?",
                    p.display()
                )),
                _ => d.with_help(
                    "a WIT package directory holds one or more `*.wit` files and an optional `deps/` folder",
                ),
            };
            return Err(d);
        }
        let inputs = read_dir_inputs(path)?;
        if let Some(pkg) = inputs.parse(&mut resolve) {
            let ir = lower::lower_with_sources(&resolve, &[pkg], inputs.into_sources());
            return Ok(loaded(
                path,
                InputKind::WitDir,
                resolve,
                vec![pkg],
                None,
                ir,
            ));
        }
        // What `push_dir` itself would say, from `push_dir` itself: an
        // error (or an encoded package in `deps/`) takes wit-parser's own
        // path (which reads the files again), so a diagnostic is the same
        // whichever path ran, and locations come from what it read.
        resolve = new_resolve(opts);
        let cx = LoadContext {
            deps_dir: Some(path.join("deps")),
            root: Some(path.to_path_buf()),
        };
        let (pkg, _) = resolve
            .push_dir(path)
            .map_err(|e| diag::from_wit_error(&e, &resolve, &cx))?;
        (InputKind::WitDir, vec![pkg], None)
    } else {
        let bytes = read_input(path)?;
        if bytes.starts_with(b"\0asm") {
            decode_binary(path, &bytes, &mut resolve)?
        } else {
            let text = witloom_diag::utf8(path, &bytes)?;
            let pkg = resolve.push_source(&shown.to_string(), text).map_err(|e| {
                let cx = LoadContext {
                    root: Some(path.to_path_buf()),
                    ..LoadContext::default()
                };
                diag::from_wit_error(&e, &resolve, &cx)
            })?;
            (InputKind::WitFile, vec![pkg], None)
        }
    };

    Ok(finish(path, kind, resolve, roots, component_world))
}

/// Loads a component (or a WIT package encoded as wasm) whose bytes the
/// caller already holds; `path` names it in messages.
pub fn load_binary(path: &Path, bytes: &[u8]) -> Result<Loaded, Diagnostic> {
    if !bytes.starts_with(b"\0asm") {
        return Err(Diagnostic::new(format!(
            "`{}` is not a WebAssembly component",
            path.display()
        )));
    }
    let mut resolve = wp::Resolve::default();
    let (kind, roots, component_world) = decode_binary(path, bytes, &mut resolve)?;
    Ok(finish(path, kind, resolve, roots, component_world))
}

fn finish(
    path: &Path,
    kind: InputKind,
    resolve: wp::Resolve,
    roots: Vec<wp::PackageId>,
    component_world: Option<wp::WorldId>,
) -> Loaded {
    let ir = lower::lower(&resolve, &roots);
    loaded(path, kind, resolve, roots, component_world, ir)
}

fn loaded(
    path: &Path,
    kind: InputKind,
    resolve: wp::Resolve,
    roots: Vec<wp::PackageId>,
    component_world: Option<wp::WorldId>,
    ir: Ir,
) -> Loaded {
    Loaded {
        path: path.to_path_buf(),
        kind,
        resolve,
        roots,
        component_world,
        ir,
    }
}

type Decoded = (InputKind, Vec<wp::PackageId>, Option<wp::WorldId>);

fn decode_binary(
    path: &Path,
    bytes: &[u8],
    resolve: &mut wp::Resolve,
) -> Result<Decoded, Diagnostic> {
    let shown = path.display();
    if wasmparser::Parser::is_core_wasm(bytes) {
        return Err(Diagnostic::new(format!(
            "`{shown}` is a core WebAssembly module, not a component"
        ))
        .with_help(
            "make it a component first: `witloom build` does this for the guests it builds (a module with WASI imports needs the preview1 adapter)",
        ));
    }
    if !wasmparser::Parser::is_component(bytes) {
        return Err(Diagnostic::new(format!(
            "`{shown}` starts like WebAssembly but its header names no known version or layer"
        )));
    }
    // Validated before decoding: the decoder trusts the lengths a binary
    // claims (a 14-byte file can claim a 4 GiB section), the validator
    // checks them against the bytes there are, and a component with
    // invalid code is refused here rather than blamed on a later stage.
    validate(bytes).map_err(|e| {
        Diagnostic::new(format!(
            "`{shown}` is not a valid component: {}",
            e.message()
        ))
        .with_note(format!("at byte offset {:#x}", e.offset()))
        .with_help("rebuild it, or check that the file was not truncated or changed on the way")
    })?;
    let decoded = wit_component::decode(bytes).map_err(|e| {
        let mut d = diag::from_wit_error(&e, resolve, &LoadContext::default());
        d.message = format!("`{shown}` is not a valid component: {}", d.message);
        d.with_help("rebuild it, or check that the file was not truncated or changed on the way")
    })?;
    Ok(match decoded {
        wit_component::DecodedWasm::Component(r, world) => {
            *resolve = r;
            let roots = resolve.worlds[world].package.into_iter().collect();
            (InputKind::Component, roots, Some(world))
        }
        wit_component::DecodedWasm::WitPackage(r, pkg) => {
            *resolve = r;
            (InputKind::WitBinary, vec![pkg], None)
        }
    })
}

/// Validates a binary with every feature, as wasmparser's `validate_all`
/// does and with the same first error: the structure first, then each
/// function body in order. The bodies (most of the time for a Go or
/// Python component) are checked on two threads when there is enough of
/// them to pay for the second thread.
pub(crate) fn validate(bytes: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    use wasmparser::{FuncValidatorAllocations, Parser, ValidPayload, Validator, WasmFeatures};
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    // A parser reads with every feature by default.
    let parser = Parser::new(0);
    let mut bodies = Vec::new();
    let mut size = 0u64;
    for payload in parser.parse_all(bytes) {
        if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            size += body.range().end - body.range().start;
            bodies.push((func, body));
        }
    }
    // The first failure in `funcs`, by position.
    let check = |funcs: Vec<(_, wasmparser::FunctionBody<'_>)>| {
        let mut allocs = FuncValidatorAllocations::default();
        for (func, body) in funcs {
            let mut v = wasmparser::FuncToValidate::into_validator(func, allocs);
            v.validate(&body)?;
            allocs = v.into_allocations();
        }
        Ok(())
    };
    if size < PARALLEL_BODIES {
        return check(bodies);
    }
    // Split where half the bytes of code lie before.
    let mut before = 0u64;
    let split = bodies
        .iter()
        .position(|(_, b)| {
            before += b.range().end - b.range().start;
            before > size / 2
        })
        .unwrap_or(bodies.len());
    let second = bodies.split_off(split);
    std::thread::scope(|s| {
        let later = s.spawn(|| check(second));
        let first = check(bodies);
        // An error in the first half comes first, as it would in order.
        let later = later
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        first.and(later)
    })
}

/// Bytes of function bodies above which [`validate`] uses a second thread.
const PARALLEL_BODIES: u64 = 256 << 10;

/// The largest WIT file witloom reads. WASI's whole WIT set is about
/// 300 KiB; wit-parser peaks at about 24 times what it parses (16 MiB of
/// WIT, 200,000 functions: 1.4 s and 380 MiB in a release build).
pub const MAX_WIT_FILE: u64 = 16 << 20;

/// The most WIT one directory (with its `deps/`) may hold in all.
pub const MAX_WIT_TOTAL: u64 = 32 << 20;

/// Reads an input file: a regular file of at most [`witloom_diag::io::MAX_FILE`]
/// bytes (a binary) or [`MAX_WIT_FILE`] (WIT text).
fn read_input(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let bytes = witloom_diag::io::read(path).map_err(|e| {
        Diagnostic::from(e).with_help(
            "pass a .wit file, a directory of .wit files (with an optional deps/ folder), or a component .wasm",
        )
    })?;
    if !bytes.starts_with(b"\0asm") && bytes.len() as u64 > MAX_WIT_FILE {
        return Err(Diagnostic::new(format!(
            "`{}` is {} MiB of WIT, more than the {} MiB witloom reads in one file",
            path.display(),
            bytes.len().div_ceil(1 << 20),
            MAX_WIT_FILE >> 20
        ))
        .with_help("split the package into several files"));
    }
    Ok(bytes)
}

/// The files of a WIT directory, read once, the way wit-parser's
/// `push_dir` picks them: the `*.wit` files of the directory, and in
/// `deps/` (by file name) the `*.wit` files of each folder and the
/// `.wit`/`.wasm` files beside them.
///
/// Each is checked as it is read: a regular file within the size caps, WIT
/// text in UTF-8 (else an error at the offending byte), an encoded package
/// valid. wit-parser would block on a FIFO, read `/dev/zero` without end,
/// and decode a binary without validating it.
struct DirInputs {
    /// The package's own files, in directory order (the order
    /// `SourceMap::push_dir` appends them in), as (name, text).
    root: Vec<(String, String)>,
    /// One entry of `deps/` each: a folder's files or one file.
    deps: Vec<Vec<(String, String)>>,
    /// Total bytes of text.
    bytes: usize,
    /// False when wit-parser reads something here in a way of its own (an
    /// encoded package it merges, an entry it cannot list or stat): then
    /// `push_dir` itself says what it makes of the directory.
    plain: bool,
}

/// Above this much WIT text, its packages are parsed on two threads.
const PARALLEL_WIT: usize = 32 << 10;

fn read_dir_inputs(dir: &Path) -> Result<DirInputs, Diagnostic> {
    let mut inputs = DirInputs {
        root: Vec::new(),
        deps: Vec::new(),
        bytes: 0,
        plain: true,
    };
    inputs.root = inputs.read_wit_files(dir, dir)?;
    let deps = dir.join("deps");
    let entries = match std::fs::read_dir(&deps) {
        Ok(entries) => entries.collect::<Result<Vec<_>, _>>(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    };
    let Ok(mut entries) = entries else {
        inputs.plain = false;
        return Ok(inputs);
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // As wit-parser asks: the entry's type, then (a link) its target's;
        // where either cannot be had, wit-parser fails, so it takes over.
        let is_dir = match entry.file_type() {
            Ok(t) if t.is_dir() => true,
            Ok(_) => match std::fs::metadata(&path) {
                Ok(m) => m.is_dir(),
                Err(_) => {
                    inputs.plain = false;
                    false
                }
            },
            Err(_) => {
                inputs.plain = false;
                false
            }
        };
        if is_dir {
            let files = inputs.read_wit_files(dir, &path)?;
            inputs.deps.push(files);
            continue;
        }
        // wit-parser reads these by extension, as text or, by content, as
        // an encoded package.
        if matches!(
            path.extension().and_then(|x| x.to_str()),
            Some("wit" | "wat" | "wasm")
        ) {
            let bytes = inputs.read(dir, &path)?;
            if bytes.starts_with(b"\0asm") {
                validate(&bytes).map_err(|e| {
                    Diagnostic::new(format!(
                        "`{}` is not a valid WIT package binary: {}",
                        path.display(),
                        e.message()
                    ))
                    .with_note(format!("at byte offset {:#x}", e.offset()))
                })?;
                inputs.plain = false;
            } else {
                let text = into_text(&path, bytes)?;
                inputs.deps.push(vec![(path.display().to_string(), text)]);
            }
        }
    }
    Ok(inputs)
}

impl DirInputs {
    /// The WIT files directly in `dir` as `SourceMap::push_dir` picks them:
    /// every entry that is not a directory (nor a link to one) and whose
    /// UTF-8 name ends in `.wit`, in directory order.
    fn read_wit_files(
        &mut self,
        top: &Path,
        dir: &Path,
    ) -> Result<Vec<(String, String)>, Diagnostic> {
        let mut files = Vec::new();
        for entry in witloom_diag::io::read_dir(dir)? {
            let Ok(entry) = entry else {
                self.plain = false;
                continue;
            };
            let path = entry.path();
            let Ok(ty) = entry.file_type() else {
                self.plain = false;
                continue;
            };
            if ty.is_dir() || (ty.is_symlink() && path.is_dir()) {
                continue;
            }
            if !path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".wit"))
            {
                continue;
            }
            let bytes = self.read(top, &path)?;
            files.push((path.display().to_string(), into_text(&path, bytes)?));
        }
        Ok(files)
    }

    /// One file, counted against the directory's cap.
    fn read(&mut self, top: &Path, path: &Path) -> Result<Vec<u8>, Diagnostic> {
        let bytes = read_input(path)?;
        self.bytes += bytes.len();
        if self.bytes as u64 > MAX_WIT_TOTAL {
            return Err(Diagnostic::new(format!(
                "`{}` holds more than {} MiB of WIT (at `{}`), more than witloom reads in one package directory",
                top.display(),
                MAX_WIT_TOTAL >> 20,
                path.display()
            )));
        }
        Ok(bytes)
    }

    /// Parses every package and pushes them into `resolve` as `push_dir`
    /// does (`push_groups` of the same groups: the same ids, spans and
    /// order), with the packages parsed on two threads when there are
    /// several and enough text. `None` when wit-parser should take the
    /// directory itself: it read something in a way of its own, or
    /// something failed (its diagnostic comes from `push_dir`).
    fn parse(&self, resolve: &mut wp::Resolve) -> Option<wp::PackageId> {
        if !self.plain {
            return None;
        }
        let maps: Vec<(usize, wp::SourceMap)> = std::iter::once(&self.root)
            .chain(&self.deps)
            .map(|files| {
                let mut map = wp::SourceMap::default();
                for (name, text) in files {
                    map.push_str(name, text.as_str());
                }
                (files.iter().map(|(_, text)| text.len()).sum(), map)
            })
            .collect();
        let mut groups = parse_maps(maps, self.bytes >= PARALLEL_WIT).into_iter();
        let main = groups.next()??;
        let deps = groups.collect::<Option<Vec<_>>>()?;
        resolve.push_groups(main, deps).ok()
    }

    /// The texts read, by name, for the lowering's locations.
    fn into_sources(self) -> impl Iterator<Item = (String, String)> {
        self.root.into_iter().chain(self.deps.into_iter().flatten())
    }
}

/// Parses each source map into its package group, in order; on two threads
/// with `parallel`, the larger packages (by bytes of text) first.
fn parse_maps(
    maps: Vec<(usize, wp::SourceMap)>,
    parallel: bool,
) -> Vec<Option<wp::UnresolvedPackageGroup>> {
    let parse = |map: wp::SourceMap| map.parse().ok();
    if !parallel || maps.len() < 2 {
        return maps.into_iter().map(|(_, map)| parse(map)).collect();
    }
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = maps.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(maps[i].0));
    let slots: Vec<Mutex<Option<wp::SourceMap>>> =
        maps.into_iter().map(|(_, m)| Mutex::new(Some(m))).collect();
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let map = slots[i].lock().ok().and_then(|mut slot| slot.take());
            done.push((i, map.and_then(parse)));
        }
        done
    };
    let mut results: Vec<Option<wp::UnresolvedPackageGroup>> = (0..n).map(|_| None).collect();
    std::thread::scope(|s| {
        let other = s.spawn(work);
        let mine = work();
        let theirs = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        for (i, group) in mine.into_iter().chain(theirs) {
            results[i] = group;
        }
    });
    results
}

/// `bytes` as text, or the error at its first byte that is not UTF-8.
fn into_text(path: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| match witloom_diag::utf8(path, e.as_bytes()) {
        Err(d) => d,
        Ok(_) => Diagnostic::new(format!("`{}` is not UTF-8 text", path.display())),
    })
}

fn new_resolve(opts: &LoadOptions) -> wp::Resolve {
    let mut resolve = wp::Resolve {
        all_features: opts.all_features,
        ..wp::Resolve::default()
    };
    resolve.features.extend(opts.features.iter().cloned());
    resolve
}

/// The `*.wit` files directly in `dir`, sorted as wit-parser reads them.
pub(crate) fn wit_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wit"))
        .collect();
    files.sort();
    files
}

fn has_wit_files(dir: &Path) -> Result<bool, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::new(format!(
            "cannot read `{}`: {}",
            dir.display(),
            witloom_diag::io::reason(&e)
        ))
    })?;
    Ok(entries
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "wit")))
}

impl Loaded {
    /// Picks a world: `name` (`w` in a root package, or `ns:pkg/w[@v]`),
    /// else the component's own world, else the only world of the root
    /// packages. Returns the IR id, which equals wit-parser's.
    pub fn select_world(&self, name: Option<&str>) -> Result<WorldId, Diagnostic> {
        let ir = &self.ir;
        let root_worlds: Vec<&str> = ir
            .roots
            .iter()
            .flat_map(|p| ir.packages[*p].worlds.keys().map(String::as_str))
            .collect();
        match name {
            Some(name) => ir.find_world(name).ok_or_else(|| {
                let mut d = Diagnostic::new(format!(
                    "no world named `{name}` in `{}`",
                    self.path.display()
                ));
                let all: Vec<&str> = ir
                    .worlds
                    .iter()
                    .map(|(_, w)| w.qualified_name.as_str())
                    .collect();
                let candidates = root_worlds.iter().chain(&all).copied();
                if let Some(help) = diag::did_you_mean(name, candidates) {
                    d = d.with_help(help);
                }
                if all.is_empty() {
                    d.with_note("it defines no worlds")
                } else {
                    d.with_note(format!("worlds: {}", all.join(", ")))
                }
            }),
            None => {
                if let Some(w) = self.component_world {
                    return Ok(WorldId(w.index() as u32));
                }
                let ids: Vec<WorldId> = ir
                    .roots
                    .iter()
                    .flat_map(|p| ir.packages[*p].worlds.values().copied())
                    .collect();
                match ids.as_slice() {
                    [one] => Ok(*one),
                    [] => Err(Diagnostic::new(format!(
                        "`{}` defines no world",
                        self.path.display()
                    ))),
                    _ => Err(Diagnostic::new(format!(
                        "`{}` defines several worlds; choose one with --world",
                        self.path.display()
                    ))
                    .with_note(format!("worlds: {}", root_worlds.join(", ")))),
                }
            }
        }
    }

    /// The IR of just what `world` reaches, with ids renumbered.
    pub fn world_ir(&self, world: WorldId) -> Ir {
        lower::lower_world(&self.resolve, self.wit_parser_world(world))
    }

    /// The wit-parser id of an IR world (they share indices).
    pub fn wit_parser_world(&self, world: WorldId) -> wp::WorldId {
        let (id, _) = self
            .resolve
            .worlds
            .iter()
            .nth(world.index())
            .expect("IR world ids equal wit-parser's");
        id
    }
}
