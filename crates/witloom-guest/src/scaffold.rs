//! `witloom new`: a new component in an application, as a skeleton in C,
//! Rust or Go that implements a world with placeholder bodies, so that it
//! builds at once and the user only fills in the bodies.
//!
//! The skeletons come from the same generators the build uses (wit-bindgen's
//! C, Rust and Go backends, run in-process on the loaded `Resolve`), so the
//! signatures written for the user are exactly the ones the build expects.

use crate::Language;
pub use crate::filled::Entry;
use std::path::{Path, PathBuf};
use wit_bindgen_core::wit_parser::WorldId;
use wit_bindgen_core::{Files, WorldGenerator};
use witloom_app::App;
use witloom_ir::{Diagnostic, Loaded};

/// The wit-bindgen line whose `generate!` macro the Rust skeleton depends
/// on: the line of the generators witloom is built with.
pub const WIT_BINDGEN_VERSION: &str = "0.63.0";

/// What [`new_component`] made.
#[derive(Debug)]
pub struct Created {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Where `witloom build` will put the component.
    pub artifact: PathBuf,
    /// The entry point the skeleton fills in, if the world exports one: a
    /// command that prints `hello from NAME`, or an HTTP handler that
    /// answers it under `witloom serve`.
    pub entry: Option<Entry>,
}

/// Creates component `name` in `language` for `world` in the application
/// of `manifest_path`: writes `<app>/<name>/` and adds `[components.<name>]`
/// to the manifest. Nothing is written when any check fails.
pub fn new_component(
    manifest_path: &Path,
    name: &str,
    language: Language,
    world: &str,
) -> Result<Created, Diagnostic> {
    let mut app = App::load(manifest_path)?;
    witloom_manifest::check_component_name(name)
        .map_err(|why| Diagnostic::new(format!("bad component name `{name}`: {why}")))?;
    if name == app.name {
        return Err(Diagnostic::new(format!(
            "component `{name}` would have the app's name; nothing was written"
        ))
        .with_help(format!(
            "the composed app is built to target/witloom/{name}.wasm: pick another name"
        )));
    }
    if app.component(name).is_some() {
        return Err(Diagnostic::new(format!(
            "`{}` already has a component named `{name}`",
            manifest_path.display()
        ))
        .with_help("pick another name, or remove the existing component first"));
    }
    let dir = app.dir.join(name);
    if dir.exists() {
        return Err(Diagnostic::new(format!(
            "`{}` already exists; nothing was written",
            dir.display()
        ))
        .with_help("pick another name, or move the directory away"));
    }
    let app_wit = app
        .manifest
        .as_ref()
        .expect("loaded from a manifest")
        .app
        .wit
        .clone();
    let wit = app.load_wit(&app_wit)?;
    let wit = app.wit(wit).clone();
    let world_id = wit.select_world(Some(world))?;
    let world_id = wit.wit_parser_world(world_id);
    let wit_rel = relative_to(&app_wit, &dir);

    let files = skeleton(&wit, world_id, name, language, world, &wit_rel)?;
    let mut written = Vec::new();
    for (rel, contents) in &files {
        let path = dir.join(rel);
        witloom_diag::io::write(&path, contents)?;
        written.push(path);
    }
    witloom_manifest::add_component(manifest_path, name, language, name, world)?;
    Ok(Created {
        files: written,
        artifact: app.artifact_of(name),
        entry: crate::filled::entry(&wit, world_id),
    })
}

/// The skeleton's files, relative to the component's directory.
pub fn skeleton(
    wit: &Loaded,
    world: WorldId,
    name: &str,
    language: Language,
    world_spec: &str,
    wit_rel: &str,
) -> Result<Vec<(PathBuf, String)>, Diagnostic> {
    let mut files = match language {
        Language::C => c_skeleton(wit, world, name),
        Language::Rust => rust_skeleton(wit, world, name, world_spec, wit_rel),
        Language::Go => go_skeleton(wit, world, name),
    }?;
    if let Some(entry) = crate::filled::entry(wit, world) {
        crate::filled::fill(&mut files, entry, language, name);
    }
    Ok(files)
}

fn generate(
    wit: &Loaded,
    world: WorldId,
    generator: Box<dyn WorldGenerator>,
    language: &str,
) -> Result<Files, Diagnostic> {
    crate::c::generate_files(wit, world, generator, language).map_err(Diagnostic::new)
}

fn file_text(files: &Files, name: &str) -> Option<String> {
    files
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
}

fn world_name(wit: &Loaded, world: WorldId) -> String {
    wit.resolve.worlds[world].name.clone()
}

fn header(comment: &str, name: &str, world: &str) -> String {
    format!(
        "{comment} Component `{name}`, implementing the world `{world}`.\n\
         {comment} witloom wrote this file once (`witloom new`); it is yours to edit.\n"
    )
}

// ---------------------------------------------------------------- C

/// One `.c` file that includes `<world>.h` and defines every function the
/// header says the component exports, plus the struct of each exported
/// resource.
fn c_skeleton(
    wit: &Loaded,
    world: WorldId,
    name: &str,
) -> Result<Vec<(PathBuf, String)>, Diagnostic> {
    let files = generate(wit, world, wit_bindgen_c::Opts::default().build(), "C")?;
    let world_name = world_name(wit, world);
    let header_name = files
        .iter()
        .map(|(n, _)| n)
        .find(|n| n.ends_with(".h"))
        .map(str::to_string)
        .ok_or_else(|| Diagnostic::new("wit-bindgen-c wrote no header"))?;
    let h = file_text(&files, &header_name).unwrap_or_default();
    let wit_names = crate::c::export_function_names(&wit.ir, world);
    let mut out = header("//", name, &world_name);
    out.push_str(&format!(
        "//\n// The bindings (`{header_name}`) are generated at each build: they \
         declare\n// the types and the functions below. Arguments passed to you \
         are yours to\n// free; what you return is freed by the bindings.\n\n\
         #include \"{header_name}\"\n"
    ));
    for resource in c_opaque_structs(&h) {
        out.push_str(&format!(
            "\n// The state of one `{resource}`.\nstruct {resource} {{\n    int \
             todo;\n}};\n"
        ));
    }
    for proto in c_exported_prototypes(&h) {
        let wit_name = wit_names
            .iter()
            .find(|(sym, _)| *sym == proto.symbol)
            .map_or(proto.symbol.as_str(), |(_, w)| w.as_str());
        out.push('\n');
        for doc in &proto.docs {
            out.push_str(doc);
            out.push('\n');
        }
        let decl = proto.declaration.trim_end_matches(';').trim();
        out.push_str(&format!(
            "{decl} {{\n    // TODO: implement `{wit_name}`.\n"
        ));
        if proto.returns != "void" {
            out.push_str(&format!("    return ({}){{0}};\n", proto.returns));
        }
        out.push_str("}\n");
    }
    let file = format!("{}.c", name.replace('-', "_"));
    Ok(vec![(PathBuf::from(file), out)])
}

struct CPrototype {
    docs: Vec<String>,
    declaration: String,
    returns: String,
    symbol: String,
}

/// The prototypes under wit-bindgen-c's `// Exported Functions from …`
/// headings, and resource destructors (the functions the user defines).
fn c_exported_prototypes(h: &str) -> Vec<CPrototype> {
    let mut out = Vec::new();
    let mut in_exports = false;
    let mut docs = Vec::new();
    for line in h.lines() {
        let line = line.trim_end();
        if line.starts_with("// Exported Functions from") {
            in_exports = true;
            docs.clear();
            continue;
        }
        if line.is_empty() {
            in_exports = false;
            docs.clear();
            continue;
        }
        if line.starts_with("//") {
            docs.push(line.to_string());
            continue;
        }
        let destructor =
            !line.starts_with("extern ") && line.contains("_destructor(") && line.ends_with(");");
        if (in_exports && line.ends_with(");")) || destructor {
            if let Some(p) = parse_prototype(line, std::mem::take(&mut docs)) {
                out.push(p);
            }
        } else {
            docs.clear();
        }
    }
    out
}

fn parse_prototype(line: &str, docs: Vec<String>) -> Option<CPrototype> {
    let open = line.find('(')?;
    let head = &line[..open];
    let split = head.rfind([' ', '*'])?;
    let symbol = head[split + 1..].trim().to_string();
    let returns = head[..=split].trim().to_string();
    Some(CPrototype {
        docs,
        declaration: line.to_string(),
        returns,
        symbol,
    })
}

/// `typedef struct X X;` with no `struct X {` in the header: a resource
/// whose representation the user defines.
fn c_opaque_structs(h: &str) -> Vec<String> {
    h.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("typedef struct ")?;
            let (tag, alias) = rest.strip_suffix(';')?.split_once(' ')?;
            (tag == alias && !h.contains(&format!("struct {tag} {{"))).then(|| tag.to_string())
        })
        .collect()
}

// ---------------------------------------------------------------- Rust

/// A `cdylib` crate: `Cargo.toml` and `src/lib.rs` with `generate!` and an
/// `impl` of every export trait, bodies `todo!()`.
fn rust_skeleton(
    wit: &Loaded,
    world: WorldId,
    name: &str,
    world_spec: &str,
    wit_rel: &str,
) -> Result<Vec<(PathBuf, String)>, Diagnostic> {
    let opts = wit_bindgen_rust::Opts {
        stubs: true,
        format: true,
        generate_all: true,
        ..Default::default()
    };
    let files = generate(wit, world, Box::new(opts.build()), "Rust")?;
    let (_, text) = files
        .iter()
        .next()
        .ok_or_else(|| Diagnostic::new("wit-bindgen-rust wrote no file"))?;
    let text = String::from_utf8_lossy(text);
    let world_name = world_name(wit, world);
    let body = rust_impls(&text);

    let mut lib = header("//!", name, &world_name);
    lib.push_str(&format!(
        "\nwit_bindgen::generate!({{\n    world: {world_spec:?},\n    path: \
         {wit_rel:?},\n    // Bindings for every interface the world uses, \
         WASI included.\n    generate_all,\n}});\n\n/// The component: each export's trait is \
         implemented on it.\npub struct Component;\n"
    ));
    for resource in &body.resources {
        lib.push_str(&format!(
            "\n/// The state of one `{resource}`.\npub struct {resource} {{}}\n"
        ));
    }
    for block in &body.impls {
        lib.push('\n');
        lib.push_str(block);
    }
    lib.push_str("\nexport!(Component);\n");

    let cargo = format!(
        "[package]\nname = {name:?}\nversion = \"0.1.0\"\nedition = \"2024\"\n\
         publish = false\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\n\
         wit-bindgen = \"{WIT_BINDGEN_VERSION}\"\n\n\
         # A guest is a crate of its own, not a member of an enclosing workspace.\n\
         [workspace]\n"
    );
    Ok(vec![
        (PathBuf::from("Cargo.toml"), cargo),
        (PathBuf::from("src/lib.rs"), lib),
        (
            PathBuf::from(".gitignore"),
            "/target\n/Cargo.lock\n".to_string(),
        ),
    ])
}

struct RustImpls {
    /// Resource types to declare.
    resources: Vec<String>,
    /// `impl … for …` blocks, formatted.
    impls: Vec<String>,
}

/// Takes wit-bindgen-rust's stub impls (all on one `Stub` type) and gives
/// each exported resource a type of its own, named after it.
fn rust_impls(text: &str) -> RustImpls {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
            if line == "}" {
                blocks.push(current.take().expect("a block"));
            }
        } else if line.starts_with("impl ") && line.ends_with(" for Stub {") {
            current = Some(format!("{line}\n"));
        }
    }
    let mut resources = Vec::new();
    let mut impls = Vec::new();
    for block in blocks {
        let mut out = String::new();
        for line in block.lines() {
            let trimmed = line.trim();
            if trimmed == "#[allow(async_fn_in_trait)]" || trimmed == "#[allow(unused_variables)]" {
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("type ")
                && let Some(resource) = rest.strip_suffix(" = Stub;")
            {
                if !resources.iter().any(|r| r == resource) {
                    resources.push(resource.to_string());
                }
                out.push_str(&format!("    type {resource} = {resource};\n"));
                continue;
            }
            let line = line
                .replace("unreachable!()", "todo!()")
                .replace("_rt::String", "String")
                .replace("_rt::Vec", "Vec");
            out.push_str(&line);
            out.push('\n');
        }
        // `impl path::GuestCounter for Stub` implements resource `Counter`.
        let first = out.lines().next().unwrap_or_default().to_string();
        let trait_path = first
            .trim_start_matches("impl ")
            .trim_end_matches(" for Stub {");
        let last = trait_path.rsplit("::").next().unwrap_or(trait_path);
        let target = match last.strip_prefix("Guest") {
            Some(resource) if !resource.is_empty() => resource.to_string(),
            _ => "Component".to_string(),
        };
        let out = out.replacen(&first, &format!("impl {trait_path} for {target} {{"), 1);
        impls.push(format!("#[allow(unused_variables)]\n{out}"));
    }
    RustImpls { resources, impls }
}

// ---------------------------------------------------------------- Go

/// One Go file per exported interface, in its `export_…` package: the
/// functions (and resource types) the bindings call, bodies that panic.
fn go_skeleton(
    wit: &Loaded,
    world: WorldId,
    name: &str,
) -> Result<Vec<(PathBuf, String)>, Diagnostic> {
    let plain = generate(wit, world, wit_bindgen_go::Opts::default().build(), "Go")?;
    let stubbed = generate(
        wit,
        world,
        wit_bindgen_go::Opts {
            generate_stubs: true,
            ..Default::default()
        }
        .build(),
        "Go",
    )?;
    let world_name = world_name(wit, world);
    let mut out = Vec::new();
    for (path, contents) in stubbed.iter() {
        if !path.ends_with(".go") {
            continue;
        }
        let stub = String::from_utf8_lossy(contents);
        let generated = file_text(&plain, path);
        let Some(user) = go_user_part(&stub, generated.as_deref()) else {
            continue;
        };
        let dir = Path::new(path).parent().unwrap_or(Path::new(""));
        let (package, imports, body) = user;
        let file_name = dir
            .file_name()
            .and_then(|d| d.to_str())
            .map(|d| d.trim_start_matches("export_"))
            .filter(|d| !d.is_empty())
            .unwrap_or("component");
        let mut text = header("//", name, &world_name);
        text.push_str(&format!("\npackage {package}\n"));
        if !imports.is_empty() {
            text.push_str("\nimport (\n");
            for import in &imports {
                text.push_str(&format!("\t{import}\n"));
            }
            text.push_str(")\n");
        }
        text.push_str(&body.replace("// TODO: Implement\n", "// TODO: implement.\n"));
        out.push((dir.join(format!("{file_name}.go")), text));
    }
    Ok(out)
}

/// From a stubbed file and the same file without stubs, the part the user
/// writes: its package, the imports that part uses, and the stubs. `None`
/// when the file has no stubs.
fn go_user_part(stub: &str, generated: Option<&str>) -> Option<(String, Vec<String>, String)> {
    let (package, imports, body) = split_go(stub)?;
    let tail = match generated.and_then(split_go) {
        Some((_, _, generated_body)) => body.strip_prefix(generated_body.as_str())?.to_string(),
        None => body,
    };
    if !tail.contains("panic(\"not implemented\")") {
        return None;
    }
    let used: Vec<String> = imports
        .into_iter()
        .filter(|import| {
            let ident = match import.split_once(' ') {
                Some((alias, _)) => alias.to_string(),
                None => import
                    .trim_matches('"')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            };
            ident == "." || tail.contains(&format!("{ident}."))
        })
        .collect();
    Some((package, used, tail))
}

/// `(package, imports, body after the imports)` of a generated Go file.
fn split_go(text: &str) -> Option<(String, Vec<String>, String)> {
    let package_at = text.find("\npackage ")? + 1;
    let rest = &text[package_at..];
    let (package_line, mut rest) = rest.split_once('\n')?;
    let package = package_line
        .trim_start_matches("package ")
        .trim()
        .to_string();
    let mut imports = Vec::new();
    let trimmed = rest.trim_start();
    if let Some(block) = trimmed.strip_prefix("import (") {
        let (list, after) = block.split_once("\n)")?;
        imports = list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        rest = after;
    } else if let Some(single) = trimmed.strip_prefix("import ") {
        let (line, after) = single.split_once('\n')?;
        imports.push(line.trim().to_string());
        rest = after;
    }
    Some((package, imports, rest.to_string()))
}

/// `target` relative to `from` (both under the app), with `/` separators,
/// for a path written into a generated file.
fn relative_to(target: &Path, from: &Path) -> String {
    let abs = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    };
    let (t, f) = (abs(target), abs(from));
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(t[common..].iter().cloned());
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/app/wit"), Path::new("/app/kernel")),
            "../wit"
        );
        assert_eq!(
            relative_to(Path::new("/app/a/wit"), Path::new("/app/b/c")),
            "../../a/wit"
        );
    }

    #[test]
    fn the_rust_skeleton_depends_on_the_pinned_wit_bindgen() {
        assert_eq!(
            WIT_BINDGEN_VERSION,
            witloom_testkit::pinned_version("wit-bindgen")
        );
    }
}
