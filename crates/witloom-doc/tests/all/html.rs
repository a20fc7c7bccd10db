//! The HTML site checked as a whole: every link, script and stylesheet of
//! every page resolves to a page of the site and an `id` on it; no page
//! has an `id` twice; every search entry leads to an item; and every
//! function of every interface is in the search index. For the IR corpus,
//! the whole WASI 0.2 set, and the example application.

use crate::common;

use common::{corpus, load};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use witloom_doc::{Format, Page};

/// The values of attribute `name` in `html`.
fn attrs<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    html.split(needle.as_str())
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

/// `target` (relative to the page at `from`), as a path in the site.
fn resolve(from: &Path, target: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in from
        .parent()
        .unwrap_or(Path::new(""))
        .join(target)
        .components()
    {
        match c {
            Component::ParentDir => assert!(out.pop(), "{target} leaves the site from {from:?}"),
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Checks the HTML pages of `pages`; returns how many links it followed.
fn check_site(pages: &[Page]) -> usize {
    let by_path: HashMap<&Path, &Page> = pages.iter().map(|p| (p.path.as_path(), p)).collect();
    let ids = |page: &Page| -> Vec<String> {
        attrs(&page.text, "id").into_iter().map(unescape).collect()
    };
    let mut followed = 0;
    for page in pages
        .iter()
        .filter(|p| p.path.extension().is_some_and(|e| e == "html"))
    {
        let own = ids(page);
        let mut seen = HashSet::new();
        for id in &own {
            assert!(seen.insert(id), "{}: id `{id}` twice", page.path.display());
        }
        let links = attrs(&page.text, "href")
            .into_iter()
            .chain(attrs(&page.text, "src"));
        for link in links.map(unescape) {
            if link.starts_with("http://") || link.starts_with("https://") {
                continue;
            }
            let (file, fragment) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page
            } else {
                let path = resolve(&page.path, file);
                by_path.get(path.as_path()).unwrap_or_else(|| {
                    panic!("{}: link to missing page `{link}`", page.path.display())
                })
            };
            if !fragment.is_empty() {
                assert!(
                    ids(target).iter().any(|id| id == fragment),
                    "{}: link `{link}` has no target",
                    page.path.display()
                );
            }
            followed += 1;
        }
    }
    // Every search entry leads to an item.
    let index = by_path[Path::new("assets/search-index.js")];
    let json = index
        .text
        .split_once(" = ")
        .and_then(|(_, j)| j.trim_end().strip_suffix(';'))
        .expect("window.witloomIndex = [...];");
    let entries: Vec<Vec<String>> = serde_json::from_str(json).unwrap();
    for e in &entries {
        let (file, fragment) = e[3].split_once('#').unwrap_or((&e[3], ""));
        let target = by_path
            .get(Path::new(file))
            .unwrap_or_else(|| panic!("search entry {e:?}: no page"));
        assert!(
            fragment.is_empty() || ids(target).iter().any(|id| id == fragment),
            "search entry {e:?}: no item"
        );
    }
    followed
}

/// The kinds of entry a function gets in the search index.
const FUNCTION_KINDS: [&str; 5] = ["func", "method", "constructor", "static func", "property"];

fn entries(pages: &[Page]) -> Vec<Vec<String>> {
    let index = pages
        .iter()
        .find(|p| p.path == Path::new("assets/search-index.js"))
        .unwrap();
    let json = index.text.split_once(" = ").unwrap().1.trim_end();
    serde_json::from_str(json.strip_suffix(';').unwrap()).unwrap()
}

#[test]
fn every_link_of_the_site_resolves_and_every_function_is_found() {
    let mut inputs = corpus();
    inputs.push(witloom_testkit::wasi_wit_dir());
    for input in inputs {
        let loaded = load(&input);
        let pages = witloom_doc::html(&loaded.ir);
        let followed = check_site(&pages);
        assert!(followed > 20, "{}: only {followed} links", input.display());
        let functions: usize = loaded
            .ir
            .interfaces
            .iter()
            .map(|(_, i)| i.functions.len())
            .sum();
        let found = entries(&pages)
            .iter()
            .filter(|e| FUNCTION_KINDS.contains(&e[0].as_str()))
            .count();
        assert_eq!(
            found,
            functions,
            "{}: functions in the index",
            input.display()
        );
    }
}

#[test]
fn the_application_site_draws_the_wiring_and_links_it() {
    let app = witloom_testkit::link_wasi_deps(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wordstats"),
    );
    let app = witloom_app::App::load(&app.join("witloom.toml")).unwrap();
    let pages = witloom_doc::app(&app, Format::Both).unwrap();
    check_site(&pages);
    let page = |path: &str| {
        &pages
            .iter()
            .find(|p| p.path == Path::new(path))
            .unwrap_or_else(|| panic!("no {path}"))
            .text
    };
    let index = page("index.html");
    // The SVG: a box per component (with its language), the host and the
    // exports; the arrows labelled with the interfaces they carry, linked.
    let svg = &index[index.find("<svg").unwrap()..index.find("</svg>").unwrap()];
    for title in [
        "kernel",
        "formatter",
        "readability",
        "flow",
        "host",
        "exports",
    ] {
        assert!(svg.contains(&format!(">{title}</text>")), "{title}: {svg}");
    }
    for sub in [
        "C · kernel",
        "Go · formatter",
        "Python · analyst",
        "Rust · flow",
    ] {
        assert!(svg.contains(sub), "{sub}: {svg}");
    }
    assert_eq!(svg.matches("class=\"g-edge\"").count(), 5, "{svg}");
    assert!(
        svg.contains("<a href=\"witloom-host/sql.html#sql\"><text class=\"g-label\""),
        "{svg}"
    );
    // The Markdown side has the same page with Mermaid.
    assert!(page("README.md").contains("```mermaid\nflowchart LR"));
    assert!(page("packages.html").contains("witloom:host@0.1.0"));
}

/// `a-b:c` and `a:b-c` would both be `a-b-c`: each gets its own pages, and
/// links go to the right one.
#[test]
fn packages_whose_dashed_names_clash_get_pages_of_their_own() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("doc-clash");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deps/other")).unwrap();
    std::fs::write(
        dir.join("root.wit"),
        "package a-b:c;\ninterface i {\n  use a:b-c/j.{t};\n  f: func(x: t);\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("deps/other/j.wit"),
        "package a:b-c;\ninterface j {\n  record t { x: u8 }\n}\n",
    )
    .unwrap();
    let pages = witloom_doc::html(&load(&dir).ir);
    check_site(&pages);
    let paths: Vec<String> = pages.iter().map(|p| p.path.display().to_string()).collect();
    assert!(paths.contains(&"a-b.c.html".to_string()), "{paths:?}");
    assert!(paths.contains(&"a.b-c.html".to_string()), "{paths:?}");
    let i = pages
        .iter()
        .find(|p| p.path == Path::new("a-b.c/i.html"))
        .unwrap();
    assert!(
        i.text.contains("href=\"../a.b-c/j.html#j.t\""),
        "{}",
        i.text
    );
}
