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
    let mut resolve = wp::Resolve {
        all_features: opts.all_features,
        ..wp::Resolve::default()
    };
    resolve.features.extend(opts.features.iter().cloned());
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
        check_dir_inputs(path)?;
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

/// Reads, before wit-parser does, every file it would read under a WIT
/// directory: its `*.wit` files, and in `deps/` the `*.wit` files of each
/// folder and the `.wit`/`.wasm` files beside them. Each must be a regular
/// file within the size caps, WIT text must be UTF-8 (else an error at the
/// offending byte), and an encoded package must validate: wit-parser would
/// block on a FIFO, read `/dev/zero` without end, and decode a binary
/// without validating it.
fn check_dir_inputs(dir: &Path) -> Result<(), Diagnostic> {
    let mut total = 0u64;
    let mut count = |path: &Path, len: usize| {
        total += len as u64;
        if total > MAX_WIT_TOTAL {
            Err(Diagnostic::new(format!(
                "`{}` holds more than {} MiB of WIT (at `{}`), more than witloom reads in one package directory",
                dir.display(),
                MAX_WIT_TOTAL >> 20,
                path.display()
            )))
        } else {
            Ok(())
        }
    };
    check_wit_files(dir, &mut count)?;
    let deps = dir.join("deps");
    let Ok(entries) = std::fs::read_dir(&deps) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            check_wit_files(&path, &mut count)?;
            continue;
        }
        // wit-parser reads these by extension, as text or, by content, as
        // an encoded package.
        if matches!(
            path.extension().and_then(|x| x.to_str()),
            Some("wit" | "wat" | "wasm")
        ) {
            check_input(&path, true, &mut count)?;
        }
    }
    Ok(())
}

/// One file wit-parser will read: regular, within the caps, and UTF-8
/// text, or with `binary_ok` (a file directly in `deps/`, which wit-parser
/// tells by its content) a valid binary.
fn check_input(
    path: &Path,
    binary_ok: bool,
    count: &mut impl FnMut(&Path, usize) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let bytes = read_input(path)?;
    count(path, bytes.len())?;
    if binary_ok && bytes.starts_with(b"\0asm") {
        validate(&bytes).map_err(|e| {
            Diagnostic::new(format!(
                "`{}` is not a valid WIT package binary: {}",
                path.display(),
                e.message()
            ))
            .with_note(format!("at byte offset {:#x}", e.offset()))
        })?;
    } else {
        witloom_diag::utf8(path, &bytes)?;
    }
    Ok(())
}

/// The checks of [`check_dir_inputs`] on the WIT files directly in `dir`:
/// as wit-parser picks them, every entry whose name ends in `.wit` that is
/// not a directory.
fn check_wit_files(
    dir: &Path,
    count: &mut impl FnMut(&Path, usize) -> Result<(), Diagnostic>,
) -> Result<(), Diagnostic> {
    let entries = witloom_diag::io::read_dir(dir)?;
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().ends_with(".wit")
            && !std::fs::metadata(&path).is_ok_and(|m| m.is_dir())
        {
            check_input(&path, false, count)?;
        }
    }
    Ok(())
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
