//! `witloom run --profile`: a guest that spends its time in `fib` is
//! profiled, and both outputs (the Firefox profile and the flame graph)
//! put `fib` on top.

use crate::common::{scratch, text, witloom};

const FIB: &str = r#"#include "fib.h"
#include <stdio.h>

__attribute__((noinline)) static unsigned fib(unsigned n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

bool exports_wasi_cli_run_run(void) {
    printf("fib(32) = %u\n", fib(32));
    return true;
}
"#;

#[test]
fn a_profile_of_a_hot_function_names_it_on_top_in_both_outputs() {
    let app = scratch("profile").join("fib");
    let out = witloom(&["init", app.to_str().unwrap(), "--lang", "c"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::write(app.join("main/main.c"), FIB).unwrap();
    let manifest = app.join("witloom.toml");
    let out = witloom(&["build", "-q", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let profile = app.join("fib-profile");
    let out = witloom(&[
        "run",
        app.join("target/witloom/main.wasm").to_str().unwrap(),
        "--profile",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "fib(32) = 2178309\n");
    assert!(
        text(&out.stderr).contains("fib-profile.json"),
        "{}",
        text(&out.stderr)
    );

    // The Firefox profile: the function most samples end in is `fib`.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(profile.with_extension("json")).unwrap()).unwrap();
    let thread = &json["threads"][0];
    let column = |table: &str, field: &str| -> Vec<u64> {
        thread[table][field]
            .as_array()
            .unwrap_or_else(|| panic!("{table}.{field} in {thread}"))
            .iter()
            .map(|v| v.as_u64().unwrap_or(0))
            .collect()
    };
    let (stacks, frames) = (column("stackTable", "frame"), column("frameTable", "func"));
    let names = column("funcTable", "name");
    let strings = thread["stringArray"].as_array().unwrap();
    let mut leaves: std::collections::BTreeMap<String, usize> = Default::default();
    for stack in column("samples", "stack") {
        let func = frames[stacks[stack as usize] as usize] as usize;
        let name = strings[names[func] as usize].as_str().unwrap().to_string();
        *leaves.entry(name).or_default() += 1;
    }
    let top = leaves.iter().max_by_key(|(_, n)| **n).unwrap();
    assert_eq!(top.0, "fib", "{leaves:?}");
    assert!(*top.1 >= 5, "enough samples: {leaves:?}");

    // The flame graph: `fib` spans most of its width (the samples of its
    // outermost frame are most of all the samples).
    let svg = std::fs::read_to_string(profile.with_extension("svg")).unwrap();
    let frames: Vec<(String, u64)> = svg
        .split("<title>")
        .skip(1)
        .filter_map(|t| t.split_once("</title>").map(|(title, _)| title))
        .filter_map(|t| {
            let (name, rest) = t.split_once(" (")?;
            let samples: u64 = rest.split_whitespace().next()?.parse().ok()?;
            Some((name.to_string(), samples))
        })
        .collect();
    let all = frames.iter().find(|(n, _)| n == "all").map_or(0, |f| f.1);
    let fib = frames
        .iter()
        .filter(|(n, _)| n.ends_with("::fib"))
        .map(|f| f.1)
        .max()
        .unwrap_or(0);
    assert!(all > 0 && fib * 2 > all, "fib {fib} of {all}: {frames:?}");
}
