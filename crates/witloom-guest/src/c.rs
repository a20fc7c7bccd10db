//! C guests: bindings from the `wit-bindgen-c` crate, compiled by clang for
//! `wasm32-wasi` as a reactor (a wasi-sdk when `WASI_SDK_PATH` is set, else
//! the system clang with Debian's wasi-libc sysroot), then componentized.
//!
//! The user writes `.c` files that include `<world>.h` and define the
//! `exports_…` functions it declares.

use crate::{
    Backend, BindingsError, Guest, GuestError, Profile, error, error::Action, files_with_ext,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use wit_bindgen_core::{Files, WorldGenerator};
use witloom_app::Toolchain;

pub(crate) struct C;

impl Backend for C {
    fn bindings(&self, guest: &Guest<'_>, dir: &Path) -> Result<(), GuestError> {
        // The generator also writes `<world>_component_type.o`, whose custom
        // section carries the world into the linked module.
        generate(guest, dir, wit_bindgen_c::Opts::default().build(), "C")
    }

    fn compile(
        &self,
        guest: &Guest<'_>,
        bindings: &Path,
        tc: &Toolchain,
    ) -> Result<Vec<u8>, GuestError> {
        let user = files_with_ext(guest.name, guest.sources, "c")?;
        if user.is_empty() {
            return Err(GuestError::Input {
                component: guest.name.to_string(),
                message: format!("no .c files in `{}`", guest.sources.display()),
            });
        }
        let generated = bindings_objects(guest, bindings, tc)?;
        let out = guest.work_dir.join("core.wasm");
        let mut cmd = clang(guest, tc);
        cmd.arg("-mexec-model=reactor");
        if guest.profile == Profile::Release {
            cmd.arg("-Wl,--strip-debug");
        }
        cmd.arg("-I").arg(bindings).arg("-I").arg(guest.sources);
        cmd.args(&user)
            .args(generated)
            .args(files_with_ext(guest.name, bindings, "o")?);
        cmd.arg("-o").arg(&out);
        run_tool(guest, &mut cmd).map_err(|e| explain_undefined_exports(guest, e))?;
        error::io(guest.name, Action::Read, &out, std::fs::read(&out))
    }
}

/// clang for the guest's target and profile.
fn clang(guest: &Guest<'_>, tc: &Toolchain) -> Command {
    let mut cmd = Command::new(tc.program.as_ref().expect("a ready toolchain has clang"));
    cmd.args(&tc.args);
    cmd.args(match guest.profile {
        Profile::Release => ["-O2"].as_slice(),
        Profile::Debug => ["-O0", "-g"].as_slice(),
    });
    cmd
}

/// The generated bindings (`<world>.c`), each compiled to an object once
/// for its text, the toolchain and the profile, and kept in the work
/// directory: they are most of what clang reads (an HTTP world's are 5,000
/// lines) and change only with the WIT, while the user's files change on
/// every edit. An object is compiled to a temporary name and renamed, so
/// that an interrupted build never leaves a truncated one to be taken.
fn bindings_objects(
    guest: &Guest<'_>,
    bindings: &Path,
    tc: &Toolchain,
) -> Result<Vec<PathBuf>, GuestError> {
    use std::hash::{Hash, Hasher};
    let dir = guest.work_dir.join("objects");
    error::io(
        guest.name,
        Action::Create,
        &dir,
        std::fs::create_dir_all(&dir),
    )?;
    let mut objects = Vec::new();
    for source in files_with_ext(guest.name, bindings, "c")? {
        let mut hasher = std::hash::DefaultHasher::new();
        (
            tc.fingerprint(),
            &tc.program,
            guest.profile == Profile::Release,
        )
            .hash(&mut hasher);
        source.file_name().hash(&mut hasher);
        error::io(guest.name, Action::Read, &source, std::fs::read(&source))?.hash(&mut hasher);
        let object = dir.join(format!("bindings-{:016x}.o", hasher.finish()));
        if !object.is_file() {
            let partial = object.with_extension("o.partial");
            let mut cmd = clang(guest, tc);
            cmd.arg("-I").arg(bindings).arg("-c").arg(&source);
            cmd.arg("-o").arg(&partial);
            run_tool(guest, &mut cmd)?;
            error::io(
                guest.name,
                Action::Write,
                &object,
                std::fs::rename(&partial, &object),
            )?;
        }
        objects.push(object);
    }
    // Objects of earlier WIT (or of the other profile) are of no more use.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            if !objects.contains(&entry.path()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(objects)
}

/// Runs a wit-bindgen generator over the guest's world and writes its files
/// into `dir`.
pub(crate) fn generate(
    guest: &Guest<'_>,
    dir: &Path,
    generator: Box<dyn WorldGenerator>,
    language: &'static str,
) -> Result<(), GuestError> {
    let files =
        generate_files(&guest.wit.resolve, guest.world, generator, language).map_err(|error| {
            GuestError::Bindings {
                component: guest.name.to_string(),
                error,
            }
        })?;
    write_files(guest, dir, &files)
}

/// Runs a wit-bindgen generator over `world`, in memory.
pub(crate) fn generate_files(
    resolve: &wit_bindgen_core::wit_parser::Resolve,
    world: wit_bindgen_core::wit_parser::WorldId,
    mut generator: Box<dyn WorldGenerator>,
    language: &'static str,
) -> Result<Files, BindingsError> {
    if language == "C"
        && let Some(function) = error_context_in(resolve, world)
    {
        return Err(BindingsError {
            language,
            source: format!(
                "`{function}` passes an `error-context`, which wit-bindgen-c {} does not implement: write this component in Rust, or pass the error as a WIT `string` or `variant`",
                crate::scaffold::WIT_BINDGEN_VERSION
            )
            .into(),
        });
    }
    // Generators may add to the `Resolve` they are given: use a copy.
    let mut resolve = resolve.clone();
    let mut files = Files::default();
    // A generator's `todo!()` on a world it does not handle is its bug,
    // not a reason to abort the whole command: it becomes this error.
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        generator.generate(&mut resolve, world, &mut files)
    }));
    match generated {
        Ok(Ok(())) => Ok(files),
        Ok(Err(e)) => Err(BindingsError {
            language,
            source: e.into(),
        }),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            Err(BindingsError {
                language,
                source: format!(
                    "the generator (wit-bindgen {}) stopped on this world: {why}",
                    crate::scaffold::WIT_BINDGEN_VERSION
                )
                .into(),
            })
        }
    }
}

/// The first function of `world` (`pkg:name/iface@v#f`, or `f` for one of
/// the world's own) whose parameters or results reach an `error-context`.
fn error_context_in(
    resolve: &wit_bindgen_core::wit_parser::Resolve,
    world: wit_bindgen_core::wit_parser::WorldId,
) -> Option<String> {
    use wit_bindgen_core::wit_parser::{Type, TypeDefKind, WorldItem};
    fn reaches(
        resolve: &wit_bindgen_core::wit_parser::Resolve,
        ty: &Type,
        seen: &mut Vec<usize>,
    ) -> bool {
        let id = match ty {
            Type::ErrorContext => return true,
            Type::Id(id) => *id,
            _ => return false,
        };
        if seen.contains(&id.index()) {
            return false;
        }
        seen.push(id.index());
        let mut inner: Vec<Type> = Vec::new();
        match &resolve.types[id].kind {
            TypeDefKind::Record(r) => inner.extend(r.fields.iter().map(|f| f.ty)),
            TypeDefKind::Tuple(t) => inner.extend(t.types.iter().copied()),
            TypeDefKind::Variant(v) => inner.extend(v.cases.iter().filter_map(|c| c.ty)),
            TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::Type(t) => inner.push(*t),
            TypeDefKind::FixedLengthList(t, _) => inner.push(*t),
            TypeDefKind::Result(r) => inner.extend(r.ok.iter().chain(&r.err).copied()),
            TypeDefKind::Future(t) | TypeDefKind::Stream(t) => inner.extend(t.iter().copied()),
            TypeDefKind::Map(k, v) => inner.extend([*k, *v]),
            _ => {}
        }
        inner.iter().any(|t| reaches(resolve, t, seen))
    }
    let w = &resolve.worlds[world];
    for (key, item) in w.imports.iter().chain(&w.exports) {
        let functions: Vec<(String, &wit_bindgen_core::wit_parser::Function)> = match item {
            WorldItem::Function(f) => vec![(f.name.clone(), f)],
            WorldItem::Interface { id, .. } => {
                let owner = resolve.name_world_key(key);
                resolve.interfaces[*id]
                    .functions
                    .values()
                    .map(|f| (format!("{owner}#{}", f.name), f))
                    .collect()
            }
            WorldItem::Type { .. } => Vec::new(),
        };
        for (name, f) in functions {
            let mut seen = Vec::new();
            if f.params
                .iter()
                .map(|p| &p.ty)
                .chain(f.result.as_ref())
                .any(|t| reaches(resolve, t, &mut seen))
            {
                return Some(name);
            }
        }
    }
    None
}

/// Writes a generator's files into `dir`.
fn write_files(guest: &Guest<'_>, dir: &Path, files: &Files) -> Result<(), GuestError> {
    for (name, contents) in files.iter() {
        error::write(guest.name, &dir.join(name), contents)?;
    }
    Ok(())
}

/// Runs a compiler; its output is kept only for the error.
pub(crate) fn run_tool(guest: &Guest<'_>, cmd: &mut Command) -> Result<(), GuestError> {
    crate::tool::compile(guest, cmd, |output| output)
}

/// A link that fails on an undefined `exports_…` symbol means the sources
/// do not implement part of the world: say which WIT function, in WIT terms,
/// next to the linker's own message.
fn explain_undefined_exports(guest: &Guest<'_>, e: GuestError) -> GuestError {
    let GuestError::Compile { output, .. } = &e else {
        return e;
    };
    let missing: Vec<&str> = output
        .lines()
        .filter_map(|l| l.split("undefined symbol: ").nth(1))
        .map(str::trim)
        .filter(|s| s.starts_with("exports_"))
        .collect();
    if missing.is_empty() {
        return e;
    }
    let exports = crate::scaffold::exports::Exports::of(guest.wit, guest.world);
    let names: Vec<(String, String)> = crate::scaffold::c::symbols(&exports)
        .functions
        .into_iter()
        .map(|(symbol, wit, _)| (symbol, wit))
        .collect();
    let explained: Vec<String> = missing
        .iter()
        .map(|sym| match names.iter().find(|(c, _)| c == sym) {
            Some((_, wit)) => format!("`{wit}` (define `{sym}`)"),
            None => format!("`{sym}`"),
        })
        .collect();
    GuestError::World {
        component: guest.name.to_string(),
        world: error::world_name(guest),
        message: format!(
            "missing {}; the functions to define are declared in the generated `<world>.h`\n{output}",
            explained.join(", ")
        ),
    }
}
