//! `witloom run --profile` and `witloom serve --profile`: a guest that
//! spends its time in `fib` is profiled, and both outputs (the Firefox
//! profile and the flame graph) put `fib` on top.

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

    fib_is_on_top(&profile);
}

/// Both outputs of the profile at `base`: the function most samples end
/// in is `fib`, and `fib` spans most of the flame graph.
fn fib_is_on_top(profile: &std::path::Path) {
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
    let top = leaves.iter().max_by_key(|(_, n)| **n).expect("samples");
    assert_eq!(top.0, "fib", "{leaves:?}");
    assert!(*top.1 >= 5, "enough samples: {leaves:?}");

    // The flame graph: the samples with `fib` anywhere on their stack
    // (the union of its frames' spans, `fg:x`..`fg:x + fg:w` in samples)
    // are most of them.
    let svg = std::fs::read_to_string(profile.with_extension("svg")).unwrap();
    let attr = |frame: &str, name: &str| -> Option<u64> {
        let at = frame.find(&format!("{name}=\""))? + name.len() + 2;
        frame[at..].split('"').next()?.parse().ok()
    };
    let mut all = 0;
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for frame in svg.split("<g><title>").skip(1) {
        let (Some(x), Some(w)) = (attr(frame, "fg:x"), attr(frame, "fg:w")) else {
            continue;
        };
        if frame.starts_with("all (") {
            all = w;
        } else if frame.starts_with("wasm::fib (") {
            spans.push((x, x + w));
        }
    }
    spans.sort();
    let mut covered = 0;
    let mut reach = 0;
    for (start, end) in spans {
        let start = start.max(reach);
        if end > start {
            covered += end - start;
            reach = end;
        }
    }
    assert!(
        all > 0 && covered * 2 > all,
        "fib in {covered} of {all} samples"
    );
}

#[test]
fn a_served_guest_is_profiled_across_its_requests() {
    use crate::common::served::{Served, client, get};
    let app = scratch("profile-serve").join("hot");
    let out = witloom(&[
        "init",
        app.to_str().unwrap(),
        "--lang",
        "c",
        "--template",
        "http",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let source = app.join("handler/handler.c");
    let handler = std::fs::read_to_string(&source).unwrap();
    let handler = handler
        .replace(
            "#include \"hot.h\"\n",
            "#include \"hot.h\"\n\n__attribute__((noinline)) static unsigned fib(unsigned n) {\n    return n < 2 ? n : fib(n - 1) + fib(n - 2);\n}\n",
        )
        .replace(
            "    wasi_http_types_incoming_request_drop_own(request);\n",
            "    wasi_http_types_incoming_request_drop_own(request);\n    volatile unsigned busy = fib(30);\n    (void)busy;\n",
        );
    assert!(handler.contains("fib(30)"), "{handler}");
    std::fs::write(&source, handler).unwrap();
    let manifest = app.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    for verb in ["build", "compose"] {
        let out = witloom(&[verb, "--manifest", manifest]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let profile = app.join("served-profile");
    let mut server = Served::start(
        &app.join("target/witloom/hot.wasm"),
        &["--profile", profile.to_str().unwrap()],
        "profile-serve",
    );
    let agent = client();
    for _ in 0..5 {
        let (status, body) = get(&agent, &server.url("/"));
        assert_eq!(status, 200, "{}", text(&body));
    }
    // Written when the server stops.
    assert_eq!(
        server.terminate(std::time::Duration::from_secs(30)),
        Some(0),
        "{}",
        server.log()
    );
    assert!(
        server.log().contains("served-profile.json"),
        "{}",
        server.log()
    );
    fib_is_on_top(&profile);
}
