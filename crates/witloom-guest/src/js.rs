//! JavaScript guests: componentize-js (`witloom_app::toolchain::js`)
//! splices the world's bindings into StarlingMonkey (SpiderMonkey built
//! for WASI) and pre-initializes it with the user's module: one component.
//! The user writes an ES module `app.js` whose exports implement the
//! world's, as jco names them: an object per exported interface
//! (`export const incomingHandler = { handle(request, responseOut) {} }`),
//! a function per function the world exports itself.
//!
//! componentize-js reads WIT text only: it is given the component's world
//! as one file that witloom prints from the app's loaded `Resolve`, the
//! packages it uses nested in it, so that it builds against the very WIT
//! the other languages see. Its own `fetch` (the `http` and `fetch-event`
//! features) is turned off: it would import `wasi:http/outgoing-handler`
//! at the version StarlingMonkey was built with, outside the world; an
//! HTTP handler implements `wasi:http/incoming-handler` from the world.

use crate::{Backend, Guest, GuestError, error, error::Action};
use std::path::Path;
use std::process::Command;
use witloom_app::Toolchain;

pub(crate) struct Js;

/// The module componentize-js starts from.
pub(crate) const MODULE: &str = "app.js";

/// The WIT file in the bindings directory.
const WIT: &str = "world.wit";

/// Writes the world's TypeScript declarations for a guest with jco's own
/// generator (js-component-bindgen, what `jco guest-types` runs), given
/// the WIT as text. Arguments: the WIT file, the qualified world, the
/// directory to write. Run with witloom's npm prefix as the working
/// directory, where the bare specifier of `-e` code resolves.
const TYPES: &str = r#"
const { $init, generateTypes } = await import("@bytecodealliance/jco-transpile/component");
const { readFileSync, writeFileSync, mkdirSync } = await import("node:fs");
const { dirname, join } = await import("node:path");
const [wit, world, out] = process.argv.slice(1);
await $init;
const files = generateTypes("app", {
  wit: { tag: "source", val: readFileSync(wit, "utf8") },
  world,
  guest: true,
  features: { tag: "list", val: [] },
});
for (const [name, text] of files) {
  const path = join(out, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
"#;

impl Backend for Js {
    fn bindings(&self, guest: &Guest<'_>, dir: &Path) -> Result<(), GuestError> {
        let (resolve, package) = crate::world_package(guest, "JavaScript")?;
        let nested: Vec<_> = resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| *id != package)
            .collect();
        let mut printer = wit_component::WitPrinter::default();
        printer
            .print(&resolve, package, &nested)
            .map_err(|e| GuestError::bindings(guest, "JavaScript", e.into()))?;
        error::write(
            guest.name,
            &dir.join(WIT),
            printer.output.to_string().as_bytes(),
        )
    }

    fn compile(
        &self,
        guest: &Guest<'_>,
        bindings: &Path,
        tc: &Toolchain,
    ) -> Result<Vec<u8>, GuestError> {
        let source = guest.sources.join(MODULE);
        if !source.is_file() {
            return Err(GuestError::Input {
                component: guest.name.to_string(),
                message: format!(
                    "no `{MODULE}` in `{}`: a JavaScript component starts from the module `{MODULE}`",
                    guest.sources.display()
                ),
            });
        }
        let node = tc.program.as_ref().expect("a ready toolchain has node");
        let world = crate::qualified_world(guest);
        // Types for editors (`interfaces/*.d.ts`, `app.d.ts`, which the
        // `jsconfig.json` of `witloom new` includes), written while
        // componentize-js runs: they cost a Node start, and a build is
        // mostly one core's work.
        let types = guest.work_dir.join("types");
        crate::fresh_dir(guest, &types)?;
        let prefix = witloom_app::toolchain::componentize_js_dir()
            .expect("a ready JavaScript toolchain has witloom's npm prefix");
        let mut typegen = Command::new(node);
        typegen
            .current_dir(&prefix)
            .args(["--input-type=module", "-e", TYPES])
            .arg(crate::absolute(&bindings.join(WIT)))
            .arg(&world)
            .arg(crate::absolute(&types));
        let (built, typed) = std::thread::scope(|scope| {
            let typed = scope.spawn(|| typegen.output());
            (
                self.componentize(guest, tc, &source, bindings, &world),
                typed.join(),
            )
        });
        // The types are put in place even when the module does not build:
        // that is when an editor is needed.
        let failed = |output: String| GuestError::Compile {
            component: guest.name.to_string(),
            language: guest.language,
            command: format!("{typegen:?}"),
            output,
        };
        let typed = match typed {
            Ok(Ok(out)) if out.status.success() => crate::replace_types(guest, &types),
            Ok(Ok(out)) => Err(failed(String::from_utf8_lossy(&out.stderr).into_owned())),
            Ok(Err(e)) => Err(failed(format!("cannot start it: {e}"))),
            Err(_) => Err(failed("its thread ended before it did".to_string())),
        };
        built?;
        typed?;
        let out = guest.work_dir.join("component.wasm");
        error::io(guest.name, Action::Read, &out, std::fs::read(&out))
    }
}

impl Js {
    /// componentize-js on the module `source`, to `component.wasm` in the
    /// work directory.
    fn componentize(
        &self,
        guest: &Guest<'_>,
        tc: &Toolchain,
        source: &Path,
        bindings: &Path,
        world: &str,
    ) -> Result<(), GuestError> {
        let out = guest.work_dir.join("component.wasm");
        let mut cmd = Command::new(tc.program.as_ref().expect("a ready toolchain has node"));
        cmd.args(&tc.args)
            .arg(source)
            .arg("--wit")
            .arg(bindings.join(WIT))
            .arg("--world-name")
            .arg(world)
            .arg("-o")
            .arg(&out);
        // StarlingMonkey's own `fetch` and its `fetch` event need
        // `wasi:http` (its outgoing handler, at the version it was built
        // with); a world that asks for them says so in its WIT, and
        // witloom gives it exactly that WIT.
        cmd.args(["--disable", "http", "fetch-event"]);
        crate::tool::compile(guest, &mut cmd, |output| {
            // componentize-js counts syntax errors without saying where;
            // Node's own parser does.
            let output = if output.contains("failed to parse JS source") {
                syntax_error(tc, source).unwrap_or(output)
            } else {
                output
            };
            tidy(&output, source)
        })
    }
}

/// Node's syntax check of the module, `file:line` and all, if it finds an
/// error.
fn syntax_error(tc: &Toolchain, source: &Path) -> Option<String> {
    let out = Command::new(tc.program.as_ref()?)
        .arg("--experimental-default-type=module")
        .arg("--check")
        .arg(source)
        .output()
        .ok()?;
    (!out.status.success() && !out.stderr.is_empty())
        .then(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

/// componentize-js's message on a failed build (or Node's, on a syntax
/// error), without Node's own frames (`at componentize
/// (file:///…/componentize.js:152:56)`), the line of componentize-js that
/// threw, and the Node version line: what is left is the error and where
/// in the user's code.
pub(crate) fn tidy(output: &str, source: &Path) -> String {
    let mut lines: Vec<&str> = output.lines().collect();
    // Node's header: where in componentize-js the error was thrown, that
    // line of its source and a caret, then a blank line.
    if lines
        .first()
        .is_some_and(|l| l.starts_with("file://") && l.contains("node_modules"))
        && let Some(blank) = lines.iter().position(|l| l.trim().is_empty())
    {
        lines.drain(..=blank);
    }
    let kept: Vec<&str> = lines
        .into_iter()
        .filter(|l| {
            let t = l.trim_start();
            let node_frame = (t.starts_with("at ") && t.contains("node_modules/"))
                || ["at async ", "at process.", "at checkSyntax ", "Node.js v"]
                    .iter()
                    .any(|p| t.starts_with(p));
            !node_frame
        })
        .collect();
    // componentize-js names the module relative to its own directory
    // (`app.js:1:7`): the user's path is put back.
    let shown = source.display().to_string();
    kept.iter()
        .map(|l| {
            let t = l.trim_start();
            let indent = &l[..l.len() - t.len()];
            let (at, rest) = t.strip_prefix('@').map_or(("", t), |r| ("@", r));
            match rest.strip_prefix(MODULE).filter(|r| r.starts_with(':')) {
                Some(r) => format!("{indent}{at}{shown}{r}"),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn node_frames_are_left_out() {
        let output = "file:///x/node_modules/@bytecodealliance/componentize-js/lib/splicer.js:5095\n    throw new ComponentError(retCopy.val);\n          ^\n\nComponentError: no world named `x`\n    at Object.spliceBindings (file:///x/node_modules/@bytecodealliance/componentize-js/lib/splicer.js:5095:11)\n    at async componentizeCmd (file:///x/node_modules/cli.js:9:25)\n\nNode.js v20.20.2\n";
        let told = tidy(output, std::path::Path::new("main/app.js"));
        assert!(
            told.contains("ComponentError: no world named `x`"),
            "{told}"
        );
        assert!(!told.contains("at Object.spliceBindings"), "{told}");
        assert!(!told.contains("Node.js v20"), "{told}");
        assert!(!told.contains("throw new ComponentError"), "{told}");
        assert!(told.starts_with("ComponentError"), "{told}");
    }

    #[test]
    fn the_module_is_named_by_the_users_path() {
        let output = "Exception while evaluating top-level script\napp.js:1:7 Error: boom\nStack:\n  @app.js:1:7\n";
        assert_eq!(
            tidy(output, std::path::Path::new("/app/main/app.js")),
            "Exception while evaluating top-level script\n/app/main/app.js:1:7 Error: boom\nStack:\n  @/app/main/app.js:1:7"
        );
    }
}
