//! Every link of every Markdown page resolving to a page and an anchor,
//! for the corpus and the whole WASI 0.2 set (the pages' text is golden in
//! `tests/golden.rs`).

use crate::common;

use common::{corpus, load};
use std::collections::HashMap;
use std::path::Path;
use witloom_doc::Page;

fn pages(input: &Path) -> Vec<Page> {
    witloom_doc::markdown(&load(input).ir)
}

/// `[text](target)` links of a Markdown page.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

fn anchors(text: &str) -> Vec<&str> {
    text.split("<a id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

fn check_links(input: &Path) -> usize {
    let pages = pages(input);
    let by_path: HashMap<String, &Page> = pages
        .iter()
        .map(|p| (p.path.display().to_string(), p))
        .collect();
    let mut checked = 0;
    for page in &pages {
        let own = anchors(&page.text);
        let mut seen = std::collections::HashSet::new();
        for a in &own {
            assert!(
                seen.insert(*a),
                "{}: anchor `{a}` twice",
                page.path.display()
            );
        }
        for link in links(&page.text) {
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() {
                page
            } else {
                by_path.get(file).unwrap_or_else(|| {
                    panic!("{}: link to missing page `{link}`", page.path.display())
                })
            };
            if !anchor.is_empty() {
                assert!(
                    anchors(&target.text).contains(&anchor),
                    "{}: link `{link}` has no target",
                    page.path.display()
                );
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_link_resolves() {
    let mut checked = 0;
    for input in corpus() {
        checked += check_links(&input);
    }
    let wasi = check_links(&witloom_testkit::wasi_wit_dir());
    assert!(wasi > 400, "only {wasi} links in the WASI docs");
    assert!(checked > 50, "only {checked} links in the corpus docs");
}
