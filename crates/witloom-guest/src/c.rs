//! C guests: bindings from the `wit-bindgen-c` crate, compiled by clang for
//! `wasm32-wasi` as a reactor (a wasi-sdk when `WASI_SDK_PATH` is set, else
//! the system clang with Debian's wasi-libc sysroot), then componentized.
//!
//! The user writes `.c` files that include `<world>.h` and define the
//! `exports_…` functions it declares.

use crate::{
    Backend, BindingsError, Guest, GuestError, Profile, error, error::Action, files_with_ext,
};
use std::path::Path;
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
        let out = guest.work_dir.join("core.wasm");
        let mut cmd = Command::new(tc.program.as_ref().expect("a ready toolchain has clang"));
        cmd.args(&tc.args).arg("-mexec-model=reactor");
        match guest.profile {
            Profile::Release => cmd.args(["-O2", "-Wl,--strip-debug"]),
            Profile::Debug => cmd.args(["-O0", "-g"]),
        };
        cmd.arg("-I").arg(bindings).arg("-I").arg(guest.sources);
        cmd.args(&user)
            .args(files_with_ext(guest.name, bindings, "c")?)
            .args(files_with_ext(guest.name, bindings, "o")?);
        cmd.arg("-o").arg(&out);
        run_tool(guest, &mut cmd).map_err(|e| explain_undefined_exports(guest, e))?;
        error::io(guest.name, Action::Read, &out, std::fs::read(&out))
    }
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
    // Generators may add to the `Resolve` they are given: use a copy.
    let mut resolve = resolve.clone();
    let mut files = Files::default();
    generator
        .generate(&mut resolve, world, &mut files)
        .map_err(|e| BindingsError {
            language,
            source: e.into(),
        })?;
    Ok(files)
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
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| GuestError::Compile {
        component: guest.name.to_string(),
        language: guest.language,
        command: shown.clone(),
        output: format!("cannot start it: {e}"),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stdout));
    Err(GuestError::Compile {
        component: guest.name.to_string(),
        language: guest.language,
        command: shown,
        output,
    })
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
