//! Every older WASI 0.2 release the runtime serves can be written out:
//! for each `0.2.x` up to the runtime's, a world naming the packages of
//! `wasi:http/proxy`, `wasi:filesystem` and `wasi:sockets` at that version
//! gets its `deps/`, and the result resolves with wit-parser alone.

#[test]
fn every_release_on_the_track_resolves() {
    let runtime = witloom_host::carried()
        .package("wasi:cli")
        .and_then(|p| p.version.clone())
        .unwrap();
    for patch in 0..=runtime.patch {
        let v = format!("{}.{}.{patch}", runtime.major, runtime.minor);
        let dir = witloom_testkit::scratch_dir(format!("witloom-deps-tests/derive/{v}"));
        std::fs::write(
            dir.join("app.wit"),
            format!(
                "package local:app;\n\nworld app {{\n    \
                 import wasi:http/types@{v};\n    \
                 import wasi:http/outgoing-handler@{v};\n    \
                 import wasi:filesystem/preopens@{v};\n    \
                 import wasi:sockets/tcp@{v};\n    \
                 import wasi:cli/environment@{v};\n    \
                 export wasi:cli/run@{v};\n}}\n"
            ),
        )
        .unwrap();
        let filled = witloom_deps::fill(&dir, &Default::default())
            .unwrap_or_else(|e| panic!("{v}: {}", witloom_diag::Diagnostic::from(e)));
        assert!(filled.written.len() >= 7, "{v}: {:?}", filled.written);
        let mut resolve = wit_parser::Resolve::default();
        resolve
            .push_dir(&dir)
            .unwrap_or_else(|e| panic!("{v}: {e:#}"));
    }
}
