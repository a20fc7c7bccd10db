//! What one WIT input may make witloom read: a file over
//! `MAX_WIT_FILE`, or a package directory over `MAX_WIT_TOTAL` in all, is
//! refused before wit-parser sees it (wit-parser peaks at about 24 times
//! what it parses).

use witloom_ir::{LoadOptions, MAX_WIT_FILE, MAX_WIT_TOTAL, load};

/// `bytes` of valid WIT: a package of one interface of functions.
fn wit_of(bytes: u64, package: &str) -> String {
    let mut text = format!("package acme:{package};\n\ninterface i {{\n");
    let mut n = 0;
    while (text.len() as u64) < bytes {
        text.push_str(&format!("  f{n}: func(a: u32) -> string;\n"));
        n += 1;
    }
    text.push_str("}\n");
    text
}

#[test]
fn wit_over_the_caps_is_refused_before_it_is_parsed() {
    let dir = witloom_testkit::scratch_dir("witloom-ir-tests/limits");
    let big = dir.join("big.wit");
    std::fs::write(&big, wit_of(MAX_WIT_FILE + 1, "big")).unwrap();
    let d = load(&big, &LoadOptions::default()).unwrap_err();
    assert!(
        d.message
            .contains("more than the 16 MiB witloom reads in one file"),
        "{d}"
    );

    // Three files each under the file cap, over the directory's.
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(pkg.join("deps")).unwrap();
    let third = MAX_WIT_TOTAL / 3 + 1;
    std::fs::write(pkg.join("a.wit"), wit_of(third, "a")).unwrap();
    std::fs::write(pkg.join("deps/b.wit"), wit_of(third, "b")).unwrap();
    std::fs::write(pkg.join("deps/c.wit"), wit_of(third, "c")).unwrap();
    let d = load(&pkg, &LoadOptions::default()).unwrap_err();
    assert!(d.message.contains("holds more than 32 MiB of WIT"), "{d}");
}
