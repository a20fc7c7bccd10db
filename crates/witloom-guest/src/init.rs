//! `witloom init`: a new application in one step. `DIR/` gets a
//! `witloom.toml`, `wit/NAME.wit` with a world for the template, the WASI
//! packages that world needs (from the WIT witloom carries, so no network),
//! and one component that builds and does something at once: a command
//! that prints a greeting, or an HTTP handler that answers `200 hello`.
//! On WASI 0.2 by default; `--wasi 0.3` makes a WASI 0.3 command (whose
//! `run` is an `async func`) or handler (`wasi:http/service`, whose
//! `handle` is one), in C or Rust.
//!
//! Either everything is written or nothing is: the checks come first, and
//! a failure halfway removes what this call created.

use crate::Language;
use crate::scaffold::{Created, new_component};
use std::path::{Path, PathBuf};
use witloom_diag::Diagnostic;
use witloom_host::carried;

/// What the new app's world is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Template {
    /// A command: exports `wasi:cli/run`; `witloom run` runs it.
    Command,
    /// An HTTP handler: exports `wasi:http/incoming-handler`; `witloom
    /// serve` serves it.
    Http,
}

impl Template {
    /// The WASI package and interface the world exports.
    fn export(self) -> (&'static str, &'static str) {
        match self {
            Template::Command => ("wasi:cli", "run"),
            Template::Http => ("wasi:http", "incoming-handler"),
        }
    }

    /// The component's name (unless the app has that name).
    fn component(self) -> &'static str {
        match self {
            Template::Command => "main",
            Template::Http => "handler",
        }
    }
}

/// Which WASI the new app's world is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum WasiLine {
    /// WASI 0.2: what `run` and `serve` both link.
    #[default]
    #[cfg_attr(feature = "clap", value(name = "0.2"))]
    P2,
    /// WASI 0.3: component-model async; `run` runs its commands, `serve`
    /// serves its handlers.
    #[cfg_attr(feature = "clap", value(name = "0.3"))]
    P3,
}

impl WasiLine {
    fn host(self) -> witloom_host::Wasi {
        match self {
            WasiLine::P2 => witloom_host::Wasi::P2,
            WasiLine::P3 => witloom_host::Wasi::P3,
        }
    }
}

/// What [`init`] made.
#[derive(Debug)]
pub struct Initialized {
    /// The app's name.
    pub name: String,
    /// Its directory, as given.
    pub dir: PathBuf,
    /// Its one component's name.
    pub component: String,
    /// Every file written, the component's included.
    pub files: Vec<PathBuf>,
    /// The component, as `witloom new` made it.
    pub created: Created,
}

/// Creates the app in `dir` (which must not exist, or be empty but for
/// dot-files such as `.git`). Its name is `name`, or `dir`'s own name; its
/// world is on `wasi`.
pub fn init(
    dir: &Path,
    name: Option<&str>,
    template: Template,
    language: Language,
    wasi: WasiLine,
) -> Result<Initialized, Diagnostic> {
    check_line(language, wasi)?;
    // `new/..` is `.`: every check below must see the directory that
    // will be written, never a spelling of it.
    let dir = &lexical(dir);
    let name = match name {
        Some(name) => name.to_string(),
        None => dir_name(dir)?,
    };
    witloom_manifest::check_component_name(&name).map_err(|why| {
        Diagnostic::new(format!("bad app name `{name}`: {why}; nothing was written"))
            .with_help("app names are kebab-case, like `word-stats`: pass one with --name")
    })?;
    // What this call creates, to remove on failure.
    let mut created = Vec::new();
    if dir.exists() {
        check_empty(dir)?;
    } else {
        // The outermost directory this makes, to remove with all it holds.
        let outermost = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .last()
            .unwrap_or(dir)
            .to_path_buf();
        witloom_diag::io::create_dir_all(dir)?;
        created.push(outermost);
    }
    match write_app(dir, &name, template, language, wasi, &mut created) {
        Ok(done) => Ok(done),
        Err(e) => {
            // The directory itself (if made here) last.
            for path in created.iter().rev() {
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(path)
                } else {
                    std::fs::remove_file(path)
                };
            }
            Err(e)
        }
    }
}

/// Refuses, before anything is written, an app that would not build at
/// once: a 0.3 app in Go (stock Go builds no async world) or in
/// JavaScript (componentize-js's async support is experimental).
fn check_line(language: Language, wasi: WasiLine) -> Result<(), Diagnostic> {
    if wasi != WasiLine::P3 {
        return Ok(());
    }
    if language == Language::Go {
        return Err(Diagnostic::new(
            "a WASI 0.3 app cannot have its component in Go here: WASI 0.3 is component-model async; nothing was written",
        )
        .with_note(crate::GO_ASYNC)
        .with_help("write it in Rust or C (--lang rust, --lang c), or leave out --wasi 0.3"));
    }
    if language == Language::Js {
        return Err(Diagnostic::new(
            "witloom has no WASI 0.3 template in JavaScript: nothing was written",
        )
        .with_note(format!(
            "componentize-js {} is used for WASI 0.2 worlds here; its async support is experimental",
            witloom_app::toolchain::COMPONENTIZE_JS
        ))
        .with_help(
            "leave out --wasi 0.3, or write it in Rust, C or Python (--lang rust, --lang c, --lang python)",
        ));
    }
    Ok(())
}

fn component_name(app: &str, template: Template) -> String {
    let role = template.component();
    if app == role {
        format!("{app}-{role}")
    } else {
        role.to_string()
    }
}

fn write_app(
    dir: &Path,
    name: &str,
    template: Template,
    language: Language,
    line: WasiLine,
    created: &mut Vec<PathBuf>,
) -> Result<Initialized, Diagnostic> {
    let carried = carried();
    let (package, interface) = template.export();
    let wasi = match line {
        WasiLine::P2 => carried.package(package),
        WasiLine::P3 => carried.versions(package).find(|p| {
            p.version
                .as_ref()
                .is_some_and(|v| witloom_host::Wasi::of(v) == Some(line.host()))
        }),
    }
    .expect("witloom carries wasi:cli and wasi:http at 0.2 and 0.3");
    let world = match template {
        Template::Command if line == WasiLine::P3 => format!(
            "/// The app: a WASI 0.3 command. `witloom run` calls `run`, an `async\n\
             /// func`; import what it needs here (`import wasi:cli/stdout@{v};`,\n\
             /// whose `write-via-stream` takes a `stream<u8>`, or interfaces of\n\
             /// your own) and `witloom wit deps` fetches any WASI package named.\n\
             world {name} {{\n    export {}/{interface}@{v};\n}}\n",
            wasi.name,
            v = wasi.version.as_ref().expect("WASI packages are versioned"),
        ),
        Template::Command => format!(
            "/// The app: a command. `witloom run` calls `run`; import what it\n\
             /// needs here (`import wasi:cli/environment@{v};`, or interfaces of\n\
             /// your own) and `witloom wit deps` fetches any WASI package named.\n\
             world {name} {{\n    export {}/{interface}@{v};\n}}\n",
            wasi.name,
            v = wasi.version.as_ref().expect("WASI packages are versioned"),
        ),
        Template::Http if line == WasiLine::P3 => format!(
            "/// The app: a WASI 0.3 HTTP handler. `witloom serve` calls `handle`,\n\
             /// an `async func`, for each request, on an instance it reuses for\n\
             /// many (docs/serve.md says what stays between requests); import\n\
             /// what it needs here and `witloom wit deps` fetches any WASI\n\
             /// package named.\n\
             world {name} {{\n    include {}/service@{v};\n}}\n",
            wasi.name,
            v = wasi.version.as_ref().expect("WASI packages are versioned"),
        ),
        Template::Http => format!(
            "/// The app: an HTTP handler. `witloom serve` calls `handle` once per\n\
             /// request, each time in a fresh instance.\n\
             world {name} {{\n    export {}/{interface}@{v};\n}}\n",
            wasi.name,
            v = wasi.version.as_ref().expect("WASI packages are versioned"),
        ),
    };
    let wit = format!(
        "// The WIT of `{name}`: its worlds and interfaces. witloom wrote this\n\
         // file once (`witloom init`); it is yours to edit.\n\
         package local:{name}@0.1.0;\n\n{world}"
    );
    // The name is the package's and the world's too: a WIT keyword
    // (`own`, `type`, …) cannot be either.
    if let Err((_, e)) =
        wit_bindgen_core::wit_parser::UnresolvedPackageGroup::parse("init.wit", &wit)
    {
        return Err(Diagnostic::new(format!(
            "the app name `{name}` cannot name its WIT package and world: {e}"
        ))
        .with_help(
            "pick another name with --name (WIT keywords such as `own` or `type` cannot be used)",
        ));
    }
    let manifest = dir.join(witloom_manifest::FILE_NAME);
    let component = component_name(name, template);
    let mut entries = vec![manifest.clone(), dir.join("wit"), dir.join(&component)];
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        entries.push(gitignore.clone());
    }
    if let Some(taken) = entries.iter().find(|p| p.exists()) {
        return Err(Diagnostic::new(format!(
            "`{}` already exists; nothing was written",
            taken.display()
        )));
    }
    created.extend(entries.iter().cloned());
    let mut files = Vec::new();
    let mut write = |path: PathBuf, text: &str| {
        witloom_diag::io::write(&path, text)?;
        files.push(path);
        Ok::<(), Diagnostic>(())
    };
    write(
        manifest.clone(),
        &format!(
            "# `{name}`: made by `witloom init`. Add components with `witloom new`.\n\
             [app]\nname = \"{name}\"\n"
        ),
    )?;
    write(dir.join("wit").join(format!("{name}.wit")), &wit)?;
    if entries.contains(&gitignore) {
        write(gitignore, "target/\n")?;
    }
    files.extend(carried.write_deps(&dir.join("wit/deps"), &[wasi])?);
    let created = new_component(&manifest, &component, language, name)?;
    files.extend(created.files.iter().cloned());
    Ok(Initialized {
        name: name.to_string(),
        dir: dir.to_path_buf(),
        component,
        files,
        created,
    })
}

/// `path` with `.` and `a/..` taken out, as written (no symlinks
/// followed): `new/..` is `.`, `./x/` is `x`, `../x` stays.
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// `dir`'s last component, for `.` the current directory's name.
fn dir_name(dir: &Path) -> Result<String, Diagnostic> {
    let abs = std::path::absolute(dir).map_err(|e| {
        Diagnostic::new(format!(
            "cannot tell where `{}` is: {}",
            dir.display(),
            witloom_diag::io::reason(&e)
        ))
    })?;
    // `a/./b/..` spelled out: the name is the last normal component.
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in abs.components() {
        match c {
            std::path::Component::Normal(p) => parts.push(p),
            std::path::Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts
        .last()
        .and_then(|p| p.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Diagnostic::new(format!("`{}` has no name to give the app", dir.display()))
                .with_help("pass one with --name")
        })
}

/// `dir` holds nothing but dot-files.
fn check_empty(dir: &Path) -> Result<(), Diagnostic> {
    if !dir.is_dir() {
        return Err(Diagnostic::new(format!(
            "`{}` exists and is not a directory; nothing was written",
            dir.display()
        )));
    }
    let taken: Vec<String> = witloom_diag::io::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    if !taken.is_empty() {
        let mut shown = taken.clone();
        shown.sort();
        shown.truncate(5);
        return Err(Diagnostic::new(format!(
            "`{}` already exists and is not empty (it holds {}); nothing was written",
            dir.display(),
            shown
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_help(
            "pick a new directory, or add a component to an existing app with `witloom new`",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::lexical;
    use std::path::Path;

    #[test]
    fn paths_are_taken_as_written() {
        for (given, want) in [
            ("new/..", "."),
            ("./x/", "x"),
            ("a/b/../c", "a/c"),
            ("../x", "../x"),
            ("/a/../..", "/"),
            (".", "."),
        ] {
            assert_eq!(lexical(Path::new(given)), Path::new(want), "{given}");
        }
    }
}
