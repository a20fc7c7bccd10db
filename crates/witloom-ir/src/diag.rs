//! Diagnostics: an error message with labelled source locations and hints,
//! rendered like rustc's:
//!
//! ```text
//! error: type `strng` does not exist
//!   --> wit/greet.wit:4:20
//!    |
//!  4 |     greet: func(name: strng) -> string;
//!    |                       ^^^^^
//!    |
//!    = help: did you mean `string`?
//! ```
//!
//! wit-parser reports one structured error (`ParseError` or `ResolveError`)
//! with a span, wrapped in anyhow context. This module finds it in the
//! chain, resolves its spans to lines, and adds what wit-parser cannot know:
//! names that are close to a misspelt one, and where `deps/` was searched.

use crate::source::{Resolved, SourceCache};
use std::path::{Path, PathBuf};
use wit_parser::{ParseError, ParseErrorKind, Resolve, ResolveError, ResolveErrorKind, Span};
pub use witloom_diag::{Diagnostic, Label};

/// What the loader knew when wit-parser failed, for hints.
#[derive(Debug, Default)]
pub(crate) struct LoadContext {
    /// The `deps/` directory that was searched, if any.
    pub deps_dir: Option<PathBuf>,
    /// The root package (a `.wit` file or a directory): where an error
    /// without a span of its own (a whole-package error) is located. Its
    /// files are listed only then, off the path of a load that works.
    pub root: Option<PathBuf>,
}

/// Turns an error from a `Resolve::push_*` call into a diagnostic.
pub(crate) fn from_wit_error(
    err: &anyhow::Error,
    resolve: &Resolve,
    cx: &LoadContext,
) -> Diagnostic {
    let mut sources = SourceCache::default();
    for layer in err.chain() {
        let d = if let Some(e) = layer.downcast_ref::<ParseError>() {
            from_parse_error(e, resolve, &mut sources)
        } else if let Some(e) = layer.downcast_ref::<ResolveError>() {
            from_resolve_error(e, resolve, &mut sources, cx)
        } else {
            continue;
        };
        return located(d, err, layer, cx);
    }
    // No structured error: I/O, UTF-8, a malformed binary. wit-parser's
    // context layers name the path; the innermost cause says what happened.
    let mut chain: Vec<String> = err.chain().map(|l| l.to_string()).collect();
    chain.dedup();
    let message = chain.pop().unwrap_or_default();
    let mut d = Diagnostic::new(message);
    for outer in chain.into_iter().rev() {
        d = d.with_note(outer);
    }
    d
}

/// `d`, located: wit-parser reports some errors about a whole package or
/// world with no span (no `package` header; names that collide only
/// through an `include`). Those point at where the root package starts:
/// its `package` line, else the first line of its first file. The context
/// layers wit-parser wrapped around the error (which dependency it was
/// parsing) stay as notes.
fn located(
    mut d: Diagnostic,
    err: &anyhow::Error,
    layer: &(dyn std::error::Error + 'static),
    cx: &LoadContext,
) -> Diagnostic {
    if !d.labels.is_empty() {
        return d;
    }
    let mut context = false;
    for outer in err.chain().take_while(|l| !std::ptr::addr_eq(*l, layer)) {
        let outer = outer.to_string();
        if !d.notes.contains(&outer) && outer != d.message {
            d.notes.push(outer);
            context = true;
        }
    }
    let root_files = match &cx.root {
        Some(dir) if dir.is_dir() => crate::load::wit_files(dir),
        Some(file) => vec![file.clone()],
        None => Vec::new(),
    };
    let texts: Vec<(&PathBuf, String)> = root_files
        .iter()
        .filter_map(|f| Some((f, witloom_diag::io::read_to_string(f).ok()?)))
        .collect();
    // The header, in whichever file has it; else the first line of the
    // first file.
    let found = texts.iter().find_map(|(file, text)| {
        let (line, l) = text
            .lines()
            .enumerate()
            .find(|(_, l)| is_package_header(l))?;
        Some((*file, line, l))
    });
    let Some((file, line, line_text)) = found.or_else(|| {
        let (file, text) = texts.first()?;
        let (line, l) = text
            .lines()
            .enumerate()
            .find(|(_, l)| !l.trim().is_empty())
            .unwrap_or((0, ""));
        Some((*file, line, l))
    }) else {
        return d;
    };
    let col = line_text.len() - line_text.trim_start().len();
    d.labels.push(Label {
        location: witloom_diag::Location {
            file: file.display().to_string(),
            line: line as u32 + 1,
            col: line_text[..col].chars().count() as u32 + 1,
        },
        line_text: line_text.trim_end_matches('\r').to_string(),
        width: line_text.trim().chars().count().max(1),
        // With wit-parser's context (a dependency it was parsing, named in
        // a note), the root package is only where loading started.
        text: (!context).then(|| "in this package".to_string()),
    });
    d
}

fn label(
    sources: &mut SourceCache,
    resolve: &Resolve,
    span: Span,
    text: Option<&str>,
) -> Option<Label> {
    let Resolved {
        location,
        line_text,
        width,
    } = sources.resolve(resolve, span)?;
    Some(Label {
        location,
        line_text,
        width,
        text: text.map(str::to_string),
    })
}

fn from_parse_error(e: &ParseError, resolve: &Resolve, sources: &mut SourceCache) -> Diagnostic {
    let kind = e.kind();
    let mut d = match kind {
        // The hint goes to `help:`, not into the headline.
        ParseErrorKind::ItemNotFound { kind, name, .. } => {
            Diagnostic::new(format!("{kind} `{name}` does not exist"))
        }
        other => Diagnostic::new(other.to_string()),
    };
    d.labels.extend(label(sources, resolve, kind.span(), None));
    // The lexer names a character it refuses in its own debug notation;
    // say what it is instead, from the source at the error.
    if let (ParseErrorKind::Lex(_), Some(l)) = (kind, d.labels.first())
        && let Some(c) = l
            .line_text
            .chars()
            .nth(l.location.col.saturating_sub(1) as usize)
        && witloom_diag::hidden(c)
    {
        let what = if c.is_control() {
            "a control character"
        } else {
            "a bidirectional text control (it makes text read differently from how it parses)"
        };
        d.message = format!("WIT text cannot hold U+{:04X}, {what}", c as u32);
        d.help
            .push("remove it: WIT text may not hold it here".to_string());
        return d;
    }
    match kind {
        ParseErrorKind::ItemNotFound {
            kind, name, hint, ..
        } => {
            if let Some(hint) = hint {
                d.help.push(hint.clone());
            }
            sources.load_all(resolve);
            // wit-parser says `name` for an unknown type in a signature.
            let is_type = kind == "type" || kind == "name";
            let candidates = declared_names(sources.texts(), is_type);
            if let Some(help) = did_you_mean(name, candidates.iter().map(String::as_str)) {
                d.help.push(help);
            } else if is_type {
                d.help.push(
                    "define it in this interface, or bring it in with `use other-interface.{name};`"
                        .to_string(),
                );
            }
        }
        ParseErrorKind::TypeCycle { kind, .. } if kind == "type" => d.help.push(
            "WIT types cannot contain themselves; break the cycle, for example with a resource"
                .to_string(),
        ),
        ParseErrorKind::TypeCycle { .. } => d.help.push(
            "interfaces and worlds cannot `use` each other in a cycle; move the shared types into an interface both can use"
                .to_string(),
        ),
        _ => {
            // Whether the input names a package at all, read from the
            // sources themselves (wit-parser reports a missing header as
            // a plain syntax error).
            sources.load_all(resolve);
            let declares_package = sources.texts().any(|text| text.lines().any(is_package_header));
            d.help.extend(syntax_help(&d, declares_package))
        }
    }
    d
}

/// Whether `line` is a file's package header, `package ns:name;` (not a
/// nested `package ns:name { … }`, which names another package).
fn is_package_header(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or_default();
    code.trim_start()
        .strip_prefix("package")
        .is_some_and(|r| r.starts_with(char::is_whitespace))
        && code
            .split_once(';')
            .is_some_and(|(decl, _)| !decl.contains('{'))
}

/// Help for syntax errors whose message is about a token, while the
/// mistake is in how a version or gate is written.
fn syntax_help(d: &Diagnostic, declares_package: bool) -> Option<String> {
    if !declares_package {
        return Some("start one of the package's files with `package namespace:name;` (or `namespace:name@1.0.0;`)".to_string());
    }
    let label = d.labels.first()?;
    let before: String = label
        .line_text
        .chars()
        .take(label.location.col.saturating_sub(1) as usize)
        .collect();
    let line = label.line_text.trim_start();
    // The error is in a package declaration only when the line declares
    // one (`package` then a space, not `packages: …`) and the error falls
    // before the declaration's `;`, not in what follows it on the line.
    let in_package = line
        .strip_prefix("package")
        .is_some_and(|rest| rest.starts_with(char::is_whitespace))
        && !before.contains(';');
    if line.starts_with("@unstable") {
        Some("write the gate as `@unstable(feature = name-of-feature)`".to_string())
    } else if line.starts_with('@') && before.contains("version") {
        Some("gate versions are semver, as in `@since(version = 1.2.0)`".to_string())
    } else if in_package && before.contains('@') {
        Some(
            "package versions are semver with three parts, as in `package ns:name@1.2.0;`"
                .to_string(),
        )
    } else if in_package {
        Some("a package is named `namespace:name`, as in `package my-org:my-app;`".to_string())
    } else {
        None
    }
}

fn from_resolve_error(
    e: &ResolveError,
    resolve: &Resolve,
    sources: &mut SourceCache,
    cx: &LoadContext,
) -> Diagnostic {
    let kind = e.kind();
    match kind {
        ResolveErrorKind::PackageNotFound {
            span,
            requested,
            known,
        } => {
            let mut d = Diagnostic::new(format!("package `{requested}` not found"));
            d.labels.extend(label(sources, resolve, *span, None));
            let mut present = Vec::new();
            match &cx.deps_dir {
                Some(deps) => {
                    let shown = display_dir(deps);
                    present = packages_in_deps(deps);
                    if !deps.is_dir() {
                        d.notes.push(format!("there is no `{shown}` folder"));
                    } else if present.is_empty() {
                        d.notes.push(format!("searched `{shown}`: it holds no packages"));
                    } else {
                        let names: Vec<String> = present.iter().map(|p| format!("`{p}`")).collect();
                        d.notes.push(format!("searched `{shown}`: it holds {}", names.join(", ")));
                    }
                    if requested.namespace == "wasi" {
                        d.help.push(
                            "run `witloom wit deps`: it writes the WASI packages the WIT names into `deps/`, from the WIT witloom carries (no network)"
                                .to_string(),
                        );
                    } else {
                        d.help.push(format!(
                            "put the package's WIT in `{shown}{}/` (a folder of .wit files) or `{shown}{}.wit`, or run `witloom wit deps` to fetch it from a registry",
                            requested.name, requested.name
                        ));
                    }
                }
                None => d.help.push(
                    "a single WIT file cannot use other packages; pass the directory that holds it and its `deps/` folder"
                        .to_string(),
                ),
            }
            // A version mismatch is the commonest cause: say so.
            let same_name = format!("{}:{}", requested.namespace, requested.name);
            let known = known.iter().map(|k| k.to_string());
            if let Some(other) = present
                .into_iter()
                .chain(known)
                .find(|k| k.split('@').next() == Some(same_name.as_str()))
            {
                d.help
                    .push(format!("`{other}` is present: did you mean that version?"));
            }
            d
        }
        ResolveErrorKind::InterfaceNotFound {
            span,
            requested,
            package,
        }
        | ResolveErrorKind::WorldNotFound {
            span,
            requested,
            package,
        } => {
            let is_iface = matches!(kind, ResolveErrorKind::InterfaceNotFound { .. });
            let what = if is_iface { "interface" } else { "world" };
            let mut d = Diagnostic::new(format!(
                "{what} `{requested}` not found in package `{package}`"
            ));
            d.labels.extend(label(sources, resolve, *span, None));
            if let Some(pkg) = resolve.package_names.get(package) {
                let pkg = &resolve.packages[*pkg];
                let names: Vec<&str> = if is_iface {
                    pkg.interfaces.keys().map(String::as_str).collect()
                } else {
                    pkg.worlds.keys().map(String::as_str).collect()
                };
                match did_you_mean(requested, names.iter().copied()) {
                    Some(help) => d.help.push(help),
                    None if names.is_empty() => {
                        d.notes.push(format!("`{package}` has no {what}s"));
                    }
                    None => d
                        .notes
                        .push(format!("`{package}` has {what}s: {}", names.join(", "))),
                }
            }
            d
        }
        ResolveErrorKind::DuplicatePackage { name, span1, span2 } => {
            let mut d = Diagnostic::new(format!(
                "package `{name}` is defined in two different locations"
            ));
            d.labels
                .extend(label(sources, resolve, *span1, Some("first defined here")));
            d.labels
                .extend(label(sources, resolve, *span2, Some("and again here")));
            d.help
                .push("keep one copy of the package, in one folder of `deps/`".to_string());
            d
        }
        ResolveErrorKind::PackageCycle { .. } => {
            let mut d = Diagnostic::new(kind.to_string());
            d.labels.extend(label(sources, resolve, kind.span(), None));
            d.help.push(
                "packages must not depend on each other in a cycle; move the shared items into a package both can use"
                    .to_string(),
            );
            d
        }
        other => {
            let mut d = Diagnostic::new(other.to_string());
            d.labels.extend(label(sources, resolve, other.span(), None));
            d
        }
    }
}

/// The packages declared in `deps/`: each `.wit` file directly in it or in
/// one of its folders, scanned for `package ns:name[@version]`. A scan,
/// because the point is to explain why resolving failed.
fn packages_in_deps(deps: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(deps).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else {
            files.push(path);
        }
    }
    let mut out: Vec<String> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "wit"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| {
                    let rest = l.trim_start().strip_prefix("package ")?;
                    let name = rest.split([';', '{', ' ']).next()?.trim();
                    (!name.is_empty()).then(|| name.to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `deps` with a trailing slash, for messages.
fn display_dir(dir: &Path) -> String {
    let mut s = dir.display().to_string().replace('\\', "/");
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// WIT's built-in type names, which a misspelt type is often close to.
const BUILTIN_TYPES: &[&str] = &[
    "bool",
    "u8",
    "u16",
    "u32",
    "u64",
    "s8",
    "s16",
    "s32",
    "s64",
    "f32",
    "f64",
    "char",
    "string",
    "list",
    "option",
    "result",
    "tuple",
    "borrow",
    "own",
    "future",
    "stream",
    "error-context",
];

/// Names declared in WIT source text: what follows `interface`, `world`,
/// `type`, `record`, `variant`, `enum`, `flags` and `resource`, and the names
/// a `use … .{…}` brings in. A scan of words, not a parse: the text may be
/// the very file that failed to parse.
fn declared_names<'a>(texts: impl Iterator<Item = &'a str>, with_builtins: bool) -> Vec<String> {
    const DECLARERS: &[&str] = &[
        "interface",
        "world",
        "type",
        "record",
        "variant",
        "enum",
        "flags",
        "resource",
    ];
    let mut out: Vec<String> = Vec::new();
    if with_builtins {
        out.extend(BUILTIN_TYPES.iter().map(|s| s.to_string()));
    }
    for text in texts {
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let words: Vec<&str> = code
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '%'))
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            if DECLARERS.contains(&pair[0]) {
                out.push(pair[1].trim_start_matches('%').to_string());
            }
        }
        // `use a.{b, c as d}`: every word inside braces that follow `use`.
        let mut rest = code.as_str();
        while let Some(i) = rest.find("use ") {
            rest = &rest[i + 4..];
            let stmt = rest.split(';').next().unwrap_or("");
            if let (Some(open), Some(close)) = (stmt.find('{'), stmt.find('}'))
                && open < close
            {
                for part in stmt[open + 1..close].split(',') {
                    if let Some(name) = part.split_whitespace().last() {
                        out.push(name.trim_start_matches('%').to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub(crate) use witloom_diag::did_you_mean;
