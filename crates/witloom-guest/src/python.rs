//! Python guests: componentize-py (`witloom_app::toolchain::python`)
//! embeds CPython, the user's sources and the world's bindings in one
//! component. The user writes a module `app` (`app.py`, or a package
//! `app/`) whose classes implement the world's exports, subclassing the
//! protocols componentize-py generates (`wit_world.exports`).
//!
//! componentize-py is given the world as a WIT package binary that witloom
//! encodes from the app's loaded `Resolve`, so that it builds against the
//! very WIT the other languages see, whatever its layout on disk.
//! componentize-py imports the module at build time (a pre-initialized
//! interpreter is what it embeds): a syntax error or an exception at import
//! is reported then, with the user's `file:line`.

use crate::{Backend, Guest, GuestError, error, error::Action};
use std::path::Path;
use std::process::Command;
use wit_bindgen_core::wit_parser::{WorldItem, WorldKey};
use witloom_app::Toolchain;

pub(crate) struct Python;

/// The module componentize-py starts from, as Spin's Python SDK names it.
pub(crate) const MODULE: &str = "app";

/// The WIT package binary in the bindings directory.
const WIT: &str = "world.wasm";

impl Backend for Python {
    fn bindings(&self, guest: &Guest<'_>, dir: &Path) -> Result<(), GuestError> {
        let resolve = &guest.wit.resolve;
        let world = &resolve.worlds[guest.world];
        // componentize-py's WIT parser predates interfaces imported or
        // exported under a name of their own (`import primary: journal;`):
        // said here in WIT terms rather than as its decoder's byte offset.
        let mut items = world.imports.iter().chain(&world.exports);
        if let Some(name) = items.find_map(|(key, item)| match (key, item) {
            (WorldKey::Name(name), WorldItem::Interface { id, .. })
                if resolve.interfaces[*id].name.is_some() =>
            {
                Some(name)
            }
            _ => None,
        }) {
            return Err(GuestError::Input {
                component: guest.name.to_string(),
                message: format!(
                    "the world `{}` names an interface `{name}` of its own, which componentize-py {} cannot read (WIT newer than its parser): give the interface its own name in the WIT, or write this component in another language",
                    world.name,
                    witloom_app::toolchain::COMPONENTIZE_PY
                ),
            });
        }
        let (resolve, package) = crate::world_package(guest, "Python")?;
        let bytes = wit_component::encode(&resolve, package, false)
            .map_err(|e| GuestError::bindings(guest, "Python", e.into()))?;
        error::write(guest.name, &dir.join(WIT), &bytes)
    }

    fn compile(
        &self,
        guest: &Guest<'_>,
        bindings: &Path,
        tc: &Toolchain,
    ) -> Result<Vec<u8>, GuestError> {
        let sources = guest.sources;
        if !sources.join(format!("{MODULE}.py")).is_file()
            && !sources.join(MODULE).join("__init__.py").is_file()
        {
            return Err(GuestError::Input {
                component: guest.name.to_string(),
                message: format!(
                    "no `{MODULE}.py` in `{}`: a Python component starts from the module `{MODULE}`",
                    sources.display()
                ),
            });
        }
        // componentize-py writes `__pycache__` into the tree it is given
        // (its CPython ignores `PYTHONDONTWRITEBYTECODE`): it gets a copy,
        // without the bytecode of the user's own runs.
        let copy = guest.work_dir.join("python-src");
        crate::fresh_dir(guest, &copy)?;
        crate::walk::copy_sources(guest.name, sources, &copy, |rel| {
            !rel.components().any(|c| c.as_os_str() == "__pycache__")
        })?;
        let world = crate::qualified_world(guest);
        let program = tc
            .program
            .as_ref()
            .expect("a ready toolchain has a program");
        // Types for editors first, so that they follow the WIT even while
        // the module does not build: componentize-py's own stubs (the
        // `wit_world` package, whose functions only raise), which the
        // `pyrightconfig.json` of `witloom new` adds to the search path.
        let stubs = guest.work_dir.join("types");
        crate::fresh_dir(guest, &stubs)?;
        crate::tool::compile(
            guest,
            Command::new(program)
                .arg("-d")
                .arg(bindings.join(WIT))
                .arg("-w")
                .arg(&world)
                .arg("bindings")
                .arg(&stubs),
            |output| output,
        )?;
        crate::replace_types(guest, &stubs)?;

        let out = guest.work_dir.join("component.wasm");
        let mut cmd = Command::new(program);
        cmd.arg("-d")
            .arg(bindings.join(WIT))
            .arg("-w")
            .arg(&world)
            .arg("--quiet")
            .arg("componentize")
            .arg("-p")
            .arg(&copy)
            .arg(MODULE)
            .arg("-o")
            .arg(&out)
            // componentize-py's own Rust backtrace says nothing of the
            // user's code.
            .env("RUST_BACKTRACE", "0")
            .env("RUST_LIB_BACKTRACE", "0");
        crate::tool::compile(guest, &mut cmd, |output| tidy(&output, sources))?;
        error::io(guest.name, Action::Read, &out, std::fs::read(&out))
    }
}

/// componentize-py's message on a failed build, told in the user's terms:
/// the Python traceback it carries (the error the module raised at
/// import), with the paths it gave the sources inside the component
/// (`/0/app.py`) put back as the user's (`handler/app.py`), and without the
/// tool's own wrapping (its script's traceback, `Caused by`, its Rust
/// backtrace). Output it does not recognize is kept whole.
pub(crate) fn tidy(output: &str, sources: &Path) -> String {
    let Some(start) = output.find("AssertionError: ") else {
        return output.to_string();
    };
    let inner = &output[start + "AssertionError: ".len()..];
    // A Python error is whole before `Caused by`, which repeats its last
    // line; the tool's own (a WIT it cannot parse) is told in the chain.
    let first = inner.split_whitespace().next().unwrap_or("");
    let python = inner.starts_with("Traceback")
        || inner.starts_with("  File \"")
        || first.ends_with("Error:")
        || first.ends_with("Exception:");
    let ends: &[&str] = if python {
        &["\n\nCaused by:", "\nStack backtrace:"]
    } else {
        &["\nStack backtrace:"]
    };
    let end = ends
        .iter()
        .filter_map(|m| inner.find(m))
        .min()
        .unwrap_or(inner.len());
    let shown = sources.display().to_string();
    let shown = shown.trim_end_matches('/');
    inner[..end]
        .trim_end()
        .replace("\"/0/", &format!("\"{shown}/"))
}

#[cfg(test)]
mod tests {
    use super::tidy;
    use std::path::Path;

    const SYNTAX: &str = r#"Traceback (most recent call last):
  File "/venv/bin/componentize-py", line 8, in <module>
    sys.exit(script())
             ^^^^^^^^
AssertionError:   File "/0/app.py", line 4
    def handle(self, a, b) -> None
                                  ^
SyntaxError: expected ':'


Caused by:
    SyntaxError: expected ':' (app.py, line 4)
"#;

    #[test]
    fn a_syntax_error_is_told_at_the_users_file_and_line() {
        assert_eq!(
            tidy(SYNTAX, Path::new("handler")),
            "  File \"handler/app.py\", line 4\n    def handle(self, a, b) -> None\n                                  ^\nSyntaxError: expected ':'"
        );
    }

    #[test]
    fn an_exception_at_import_keeps_its_traceback_without_the_tools() {
        let output = "Traceback (most recent call last):\n  File \"/venv/bin/componentize-py\", line 8, in <module>\nAssertionError: Traceback (most recent call last):\n  File \"/0/app.py\", line 1, in <module>\n    import nosuchmod\nModuleNotFoundError: No module named 'nosuchmod'\n\n\nCaused by:\n    ModuleNotFoundError: No module named 'nosuchmod'\n\nStack backtrace:\n   0: <anyhow::Error>::msg\n";
        let told = tidy(output, Path::new("/app/handler/"));
        assert_eq!(
            told,
            "Traceback (most recent call last):\n  File \"/app/handler/app.py\", line 1, in <module>\n    import nosuchmod\nModuleNotFoundError: No module named 'nosuchmod'"
        );
    }

    #[test]
    fn a_missing_class_is_told_once() {
        let output = "Traceback (most recent call last):\n  File \"/venv/bin/componentize-py\", line 8\nAssertionError: AttributeError: module 'app' has no attribute 'Run'. Did you mean: 'Runn'?\n\n\nCaused by:\n    AttributeError: module 'app' has no attribute 'Run'\n";
        assert_eq!(
            tidy(output, Path::new("x")),
            "AttributeError: module 'app' has no attribute 'Run'. Did you mean: 'Runn'?"
        );
    }

    #[test]
    fn the_tools_own_error_keeps_its_causes() {
        let output = "Traceback (most recent call last):\n  File \"/venv/bin/componentize-py\", line 8\nAssertionError: failed to parse WIT\n\nCaused by:\n    0: expected `/`, found ';'\n\nStack backtrace:\n   0: x\n";
        assert_eq!(
            tidy(output, Path::new("x")),
            "failed to parse WIT\n\nCaused by:\n    0: expected `/`, found ';'"
        );
    }

    #[test]
    fn output_it_does_not_know_is_kept_whole() {
        let output = "error: failed to parse WIT\n";
        assert_eq!(tidy(output, Path::new("x")), output);
    }
}
