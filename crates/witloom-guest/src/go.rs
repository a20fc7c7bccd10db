//! Go guests: bindings from the `wit-bindgen-go` crate, built by Go's wasip1
//! port as a reactor (`-buildmode=c-shared`), then componentized.
//!
//! The user's directory holds only their implementation: Go files in the
//! `export_<ns>_<pkg>_<iface>` packages the generator defines. witloom
//! assembles a module from the generated bindings, the user's files and the
//! Go support package `go.bytecodealliance.org/pkg`, which it carries itself
//! (the module proxy does not serve it) and points at with a `replace`.

use crate::c::{generate, run_tool};
use crate::{Backend, Guest, GuestError, Profile, error, error::Action};
use std::path::Path;
use std::process::Command;
use witloom_app::Toolchain;

include!(concat!(env!("OUT_DIR"), "/go_pkg.rs"));

pub(crate) struct Go;

impl Backend for Go {
    fn bindings(&self, guest: &Guest<'_>, dir: &Path) -> Result<(), GuestError> {
        // Refused by name before anything runs: stock Go would build the
        // async bindings and fail at run time, or fail to link.
        let world = witloom_ir::WorldId(guest.world.index() as u32);
        if let Some(found) = guest.wit.world_ir(world).async_use() {
            return Err(GuestError::Async {
                component: guest.name.to_string(),
                language: guest.language,
                world: guest.wit.resolve.worlds[guest.world].name.clone(),
                found,
            });
        }
        let opts = wit_bindgen_go::Opts {
            quiet: true,
            ..Default::default()
        };
        generate(guest, dir, opts.build(), "Go")
    }

    fn compile(
        &self,
        guest: &Guest<'_>,
        bindings: &Path,
        tc: &Toolchain,
    ) -> Result<Vec<u8>, GuestError> {
        let name = guest.name;
        let module = guest.work_dir.join("go-module");
        let pkg = guest.work_dir.join("go-pkg");
        crate::fresh_dir(guest, &module)?;
        crate::fresh_dir(guest, &pkg)?;

        // The support package, with a go.mod of our own: the one upstream
        // asks for a newer Go than its code needs.
        for (rel, contents) in GO_PKG_FILES {
            write(guest, &pkg.join(rel), contents.as_bytes())?;
        }
        write(
            guest,
            &pkg.join("go.mod"),
            b"module go.bytecodealliance.org/pkg\n\ngo 1.25\n",
        )?;

        copy_tree(guest, bindings, &module)?;
        let user = copy_tree(guest, guest.sources, &module)?;
        if user == 0 {
            return Err(GuestError::Input {
                component: name.to_string(),
                message: format!("no .go files in `{}`", guest.sources.display()),
            });
        }
        // The generated go.mod names the support package's version; point
        // it at our copy.
        let generated = bindings.join("go.mod");
        let mut text = error::io(
            name,
            Action::Read,
            &generated,
            std::fs::read_to_string(&generated),
        )?;
        let go_mod = module.join("go.mod");
        text.push_str(&format!(
            "\nreplace go.bytecodealliance.org/pkg => {}\n",
            crate::absolute(&pkg).display()
        ));
        write(guest, &go_mod, text.as_bytes())?;

        let out = crate::absolute(&guest.work_dir.join("core.wasm"));
        let ldflags = match guest.profile {
            Profile::Release => "-ldflags=-checklinkname=0 -s -w",
            Profile::Debug => "-ldflags=-checklinkname=0",
        };
        let mut cmd = Command::new(tc.program.as_ref().expect("a ready toolchain has go"));
        cmd.current_dir(&module)
            .args([
                "build",
                "-buildmode=c-shared",
                ldflags,
                "-trimpath",
                "-buildvcs=false",
                "-o",
            ])
            .arg(&out)
            .envs([
                ("GOOS", "wasip1"),
                ("GOARCH", "wasm"),
                ("CGO_ENABLED", "0"),
                // Everything is local: no toolchain switch, no downloads.
                ("GOTOOLCHAIN", "local"),
                ("GOWORK", "off"),
                ("GOPROXY", "off"),
                ("GOFLAGS", "-mod=mod"),
            ]);
        run_tool(guest, &mut cmd)?;
        let core = error::io(name, Action::Read, &out, std::fs::read(&out))?;
        let core =
            crate::go_clocks::pause_clocks_in_realloc(&core).map_err(|e| GuestError::GoModule {
                component: name.to_string(),
                source: e.into(),
            })?;
        Ok(core)
    }
}

fn write(guest: &Guest<'_>, path: &Path, bytes: &[u8]) -> Result<(), GuestError> {
    error::write(guest.name, path, bytes)
}

/// Copies the files under `from` into `to`, except a `go.mod`/`go.sum` at
/// the top (witloom owns the module), hidden entries and `target/`. Returns
/// how many `.go` files it copied.
fn copy_tree(guest: &Guest<'_>, from: &Path, to: &Path) -> Result<usize, GuestError> {
    let copied = crate::walk::copy_sources(guest.name, from, to, |rel| {
        rel != Path::new("go.mod") && rel != Path::new("go.sum")
    })?;
    Ok(copied
        .iter()
        .filter(|rel| rel.extension().is_some_and(|x| x == "go"))
        .count())
}
