//! Class `wave`: damaged WAVE calls to `witloom run FILE --invoke CALL`.
//!
//! The component is made here (wit-component's dummy module, every export
//! a trap) for a world whose exports take every kind of WAVE value:
//! integers of each width and sign, floats, `char`, strings, lists of
//! bytes and of strings, a record, a variant, an enum, flags, options,
//! results, tuples, nested lists, and an exported interface's function
//! (`calc#add`). A call that parses and type-checks reaches the dummy
//! body, which traps: exit 1, fine.
//!
//! Each case takes a valid call and applies one to four edits (bytes,
//! tokens, hostile characters, invalid UTF-8), or one of the generated
//! extremes: 10,000 nested `[` (closed or not), numbers of thousands of
//! digits, integers just past their type's range, bad escapes,
//! unterminated strings and chars. The call is passed as one argument
//! (`--invoke=CALL`, so a call starting with `-` is not read as a flag);
//! NUL cannot be in an argument, so it becomes `\u{1}`, and no argument
//! may pass 128 KiB, so calls are cut at 120 KiB. Invalid UTF-8 is a
//! clap usage error (exit 2), fine.
//!
//! The compiled-code cache is on (in the work directory): every case runs
//! the same component, so it is compiled once.
//!
//! Counted: panics, hangs, crashes, odd exits, unsafe output (the call is
//! echoed in errors). No locations are expected.

use crate::{Config, Counts, Rng, mutate};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

const WIT: &str = r#"package fuzz:wave@0.1.0;

interface calc {
    add: func(a: s32, b: s32) -> s32;
}

/// Named types live in an exported interface: a world's `use` would make
/// the component import them, which `witloom run` does not provide.
interface types {
    record point { x: s32, y: s32, label: string }
    variant shape { circle(f64), rect(point), none }
    enum color { red, green, blue }
    flags perms { read, write, exec }
    compound: func(p: point, s: shape, c: color, f: perms) -> bool;
}

world wave {
    export calc;
    export types;
    export ints: func(a: u8, b: u16, c: u32, d: u64, e: s8, f: s16, g: s32, h: s64) -> u64;
    export floats: func(a: f32, b: f64) -> f64;
    export text: func(c: char, s: string) -> string;
    export lists: func(a: list<u8>, b: list<string>) -> u32;
    export maybe: func(o: option<u32>, r: result<string, u8>, t: tuple<u8, string, bool>) -> option<string>;
    export nested: func(l: list<list<u32>>) -> u32;
    export deep: func(o: option<option<option<u8>>>, r: result<result<_, string>, list<u8>>) -> bool;
}
"#;

/// The component every case runs.
pub(crate) fn component() -> anyhow::Result<Vec<u8>> {
    crate::binary::component(WIT, "wave")
}

/// Valid calls, one or more per export.
const CALLS: &[&str] = &[
    "ints(0, 0, 0, 0, 0, 0, 0, 0)",
    "ints(255, 65535, 4294967295, 18446744073709551615, -128, -32768, -2147483648, -9223372036854775808)",
    "floats(1.5, -2.25e10)",
    "floats(nan, -inf)",
    "text('x', \"hello\")",
    "text('\\u{1f600}', \"tab\\tquote\\\"newline\\n\")",
    "lists([1, 2, 3], [\"a\", \"b\"])",
    "lists([], [])",
    "compound({x: 1, y: -1, label: \"p\"}, circle(2.5), red, {read, exec})",
    "types#compound({x: 0, y: 0, label: \"\"}, rect({x: 1, y: 2, label: \"r\"}), blue, {})",
    "maybe(some(7), ok(\"yes\"), (1, \"two\", true))",
    "maybe(none, err(3), (0, \"\", false))",
    "nested([[1, 2], [], [3]])",
    "deep(some(some(none)), ok(err(\"e\")))",
    "deep(none, err([1, 2]))",
    "calc#add(1, 2)",
    "fuzz:wave/calc@0.1.0#add(-5, 5)",
    "add(2147483647, 1)",
];

/// Words a token edit puts in: WAVE's keywords, values of the wrong type,
/// numbers at and past their type's ends, names that are not exports.
const WORDS: &[&str] = &[
    "some",
    "none",
    "ok",
    "err",
    "true",
    "false",
    "nan",
    "inf",
    "-inf",
    "red",
    "circle",
    "rect",
    "read",
    "0",
    "-0",
    "256",
    "-129",
    "65536",
    "4294967296",
    "18446744073709551616",
    "-9223372036854775809",
    "1e309",
    "1e-400",
    "0x10",
    "1_000",
    "0.",
    ".5",
    "1e",
    "ints",
    "calc#add",
    "nope",
    "\"str\"",
    "'c'",
    "'ab'",
    "''",
    "[]",
    "{}",
    "()",
    "(,)",
    "{x: 1}",
];

const PUNCT: &[u8] = b"()[]{},:'\"#\\-.";

/// The generated extremes, picked by case number.
fn extreme(rng: &mut Rng) -> String {
    let digits = |n: usize| "9".repeat(n);
    match rng.below(14) {
        0 => format!("nested({}", "[".repeat(10_000)),
        1 => format!("nested({}{})", "[".repeat(10_000), "]".repeat(10_000)),
        2 => format!("deep({}none{}, ok(ok))", "some(".repeat(10_000), ")".repeat(10_000)),
        3 => format!("ints({}, 0, 0, 0, 0, 0, 0, 0)", digits(5_000)),
        4 => format!("floats({}.5, 1e{})", digits(5_000), digits(400)),
        5 => "ints(256, 65536, 4294967296, 18446744073709551616, 128, 32768, 2147483648, 9223372036854775808)".to_string(),
        6 => "ints(-1, -1, -1, -1, -129, -32769, -2147483649, -9223372036854775809)".to_string(),
        7 => format!(
            "text('{}', \"{}\")",
            rng.pick(&["\\q", "\\u{110000}", "\\u{d800}", "\\u{}", "\\u{", "\\", "ab", ""]),
            rng.pick(&["\\x41", "\\u{ffffffffff}", "\\u{dfff}", "\\", "\\0", "\\u{1f600"])
        ),
        8 => "text('x', \"unterminated)".to_string(),
        9 => "text('x, \"s\")".to_string(),
        10 => format!("text('x', \"{}\")", "\\u{41}".repeat(15_000)),
        11 => format!("lists([{}], [])", vec!["255"; 25_000].join(",")),
        12 => format!("compound({{x: 1, y: 2, label: \"\"{}}}, none, red, {{}})", ", x: 1".repeat(1_000)),
        _ => format!("{}(1, 2)", "calc#".repeat(1_000)),
    }
}

/// The longest call passed, under Linux's 128 KiB limit on one argument.
const MAX_CALL: usize = 120 << 10;

pub fn run(cfg: &Config) -> anyhow::Result<Counts> {
    let mut counts = Counts::new("wave");
    let dir = cfg.work.join("wave");
    std::fs::create_dir_all(&dir)?;
    let wasm = dir.join("wave.wasm");
    std::fs::write(&wasm, component()?)?;
    let input = dir.join("case.wave");
    let mut rng = Rng::new(cfg.seed ^ 0x7761_7600);
    for case in 0..cfg.cases {
        // Every tenth case an extreme; otherwise a mutated valid call
        // (an unmutated one now and then: the path to the trap).
        let mut call = if case % 10 == 9 {
            extreme(&mut rng).into_bytes()
        } else {
            rng.pick(CALLS).as_bytes().to_vec()
        };
        if case % 10 != 9 && case % 10 != 0 {
            mutate::mutate(&mut rng, &mut call, WORDS, PUNCT);
        }
        for b in &mut call {
            if *b == 0 {
                *b = 1;
            }
        }
        // Linux takes no argument longer than 128 KiB (MAX_ARG_STRLEN).
        call.truncate(MAX_CALL);
        std::fs::write(&input, &call)?;
        let mut arg = OsString::from("--invoke=");
        arg.push(OsString::from_vec(call));
        let mut cmd = crate::witloom(cfg);
        cmd.arg("run")
            .arg(&wasm)
            .args(["--timeout", "2s", "--max-memory", "64MiB"])
            .arg(arg);
        let outcome = crate::exec(cmd, cfg.timeout)?;
        counts.record(cfg, "run --invoke", &outcome, &input, false);
    }
    Ok(counts)
}
