//! The matrix runner in Rust: calls the `values` and `counters` exports of
//! whichever `test` implementation it is composed with, and checks every
//! result. Prints one line per check; `run` fails if any check fails.

wit_bindgen::generate!({
    world: "runner",
    path: "../wit",
    generate_all,
});

use witloom::test::counters::{self, Counter};
use witloom::test::values::{self as v, Color, Fraction, Perms, Point, Shape, Size};

struct Runner {
    checks: u32,
    failed: u32,
}

impl Runner {
    fn check(&mut self, name: &str, ok: bool) {
        self.checks += 1;
        if !ok {
            self.failed += 1;
        }
        println!("{} {name}", if ok { "ok  " } else { "FAIL" });
    }
}

struct Component;

impl exports::wasi::cli::run::Guest for Component {
    fn run() -> Result<(), ()> {
        let mut r = Runner {
            checks: 0,
            failed: 0,
        };
        r.check("echo-u8", v::echo_u8(255) == 255);
        r.check("echo-s64", v::echo_s64(i64::MIN) == i64::MIN);
        r.check("echo-f64", v::echo_f64(1.5) == 1.5);
        r.check("echo-char", v::echo_char('€') == '€');
        r.check(
            "echo-string",
            v::echo_string("héllo, wörld ✓") == "héllo, wörld ✓",
        );
        r.check("string-len", v::string_len("héllo") == 6);
        r.check("repeat-string", v::repeat_string("ab", 3) == "ababab");
        r.check("sum-bytes", v::sum_bytes(&[1, 2, 3, 250]) == 256);
        let flipped = v::flip_points(&[Point { x: 1, y: 2 }, Point { x: 3, y: -4 }]);
        r.check(
            "flip-points",
            flipped.len() == 2
                && (flipped[0].x, flipped[0].y) == (-4, 3)
                && (flipped[1].x, flipped[1].y) == (2, 1),
        );
        r.check("echo-color", v::echo_color(Color::Blue) == Color::Blue);
        let perms = Perms::READ | Perms::EXEC;
        r.check("echo-perms", v::echo_perms(perms) == perms);
        let shape = v::echo_shape(&Shape::Rect(Size {
            width: 3,
            height: 4,
        }));
        r.check(
            "echo-shape",
            matches!(shape, Shape::Rect(Size { width: 3, height: 4 })),
        );
        r.check("echo-option", v::echo_option(Some(7)) == Some(7));
        r.check("echo-option-none", v::echo_option(None).is_none());
        r.check("checked-div", v::checked_div(7, 2) == Ok(3));
        r.check(
            "checked-div-by-zero",
            v::checked_div(1, 0).is_err_and(|e| !e.is_empty()),
        );
        r.check(
            "swap",
            v::swap("left", "right") == ("right".to_string(), "left".to_string()),
        );
        let half = v::new(2, 4);
        r.check(
            "fraction-new",
            matches!(half, Ok(Fraction { numerator: 1, denominator: 2 })),
        );
        let sum = match (half, v::new(1, 3)) {
            (Ok(a), Ok(b)) => Some(v::add(a, b)),
            _ => None,
        };
        r.check(
            "fraction-add",
            matches!(sum, Some(Fraction { numerator: 5, denominator: 6 })),
        );
        r.check("call-host", v::call_host(5) == 12);

        let live = counters::live();
        let c1 = Counter::new(10);
        let c2 = Counter::new(1);
        r.check("counter-add", c1.add(5) == 15);
        r.check("counter-get", c1.get() == 15);
        let c3 = Counter::merge(&c1, &c2);
        r.check("counter-merge", c3.get() == 16);
        r.check("counters-live", counters::live() == live + 3);
        drop((c1, c2, c3));
        r.check("counters-dropped", counters::live() == live);

        println!("{} checks, {} failed", r.checks, r.failed);
        if r.failed == 0 { Ok(()) } else { Err(()) }
    }
}

export!(Component);
