//! Every WIT error is located: each entry of wit-parser's own parse-fail
//! corpus (its `tests/ui/parse-fail`, from cargo's registry at the locked
//! version, never committed here) fails to load with a diagnostic that
//! names a file and a `line:col`; errors wit-parser reports without a span
//! point at where the package starts.

use witloom_ir::{LoadOptions, load};

#[test]
fn every_entry_of_wit_parsers_parse_fail_corpus_is_located() {
    let dir = witloom_buildsupport::locked_package_dir("wit-parser", "tests/ui/parse-fail");
    let corpus = dir.join("tests/ui/parse-fail");
    let mut entries: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "wit"))
        .collect();
    entries.sort();
    assert!(
        entries.len() >= 180,
        "{} entries in {}",
        entries.len(),
        corpus.display()
    );
    let mut loaded = Vec::new();
    let mut unlocated = Vec::new();
    for entry in &entries {
        match load(entry, &LoadOptions::default()) {
            Ok(_) => loaded.push(entry.file_name().unwrap().to_string_lossy().into_owned()),
            Err(d) if d.location().is_none() => {
                unlocated.push(format!("{}: {d}", entry.display()));
            }
            Err(d) => {
                let shown = d.to_string();
                assert!(shown.contains(" --> "), "{shown}");
            }
        }
    }
    // Entries whose error is a feature gate the default options keep off
    // still fail: none loads.
    assert!(loaded.is_empty(), "loaded without an error: {loaded:?}");
    assert!(
        unlocated.is_empty(),
        "{} unlocated:\n{}",
        unlocated.len(),
        unlocated.join("\n")
    );
}
