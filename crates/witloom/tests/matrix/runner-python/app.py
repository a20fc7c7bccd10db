# The matrix runner in Python: calls the `values` and `counters` exports of
# whichever `test` implementation it is composed with, and checks every
# result. Prints one line per check; `run` fails if any check fails.

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import counters, values as v


class Checks:
    def __init__(self):
        self.checks = 0
        self.failed = 0

    def check(self, name, ok):
        self.checks += 1
        if not ok:
            self.failed += 1
        print(("ok  " if ok else "FAIL") + " " + name)


def error_of(call):
    """The error value of a call whose result is `result<_, E>`, or None."""
    try:
        call()
    except Err as e:
        return e.value
    return None


class Run(exports.Run):
    def run(self) -> None:
        r = Checks()
        r.check("echo-u8", v.echo_u8(255) == 255)
        r.check("echo-s64", v.echo_s64(-(2**63)) == -(2**63))
        r.check("echo-f64", v.echo_f64(1.5) == 1.5)
        r.check("echo-char", v.echo_char("€") == "€")
        r.check("echo-string", v.echo_string("héllo, wörld ✓") == "héllo, wörld ✓")
        r.check("string-len", v.string_len("héllo") == 6)
        r.check("repeat-string", v.repeat_string("ab", 3) == "ababab")
        r.check("sum-bytes", v.sum_bytes(bytes([1, 2, 3, 250])) == 256)
        flipped = v.flip_points([v.Point(x=1, y=2), v.Point(x=3, y=-4)])
        r.check(
            "flip-points",
            [(p.x, p.y) for p in flipped] == [(-4, 3), (2, 1)],
        )
        r.check("echo-color", v.echo_color(v.Color.BLUE) == v.Color.BLUE)
        perms = v.Perms.READ | v.Perms.EXEC
        r.check("echo-perms", v.echo_perms(perms) == perms)
        shape = v.echo_shape(v.Shape_Rect(v.Size(width=3, height=4)))
        r.check(
            "echo-shape",
            isinstance(shape, v.Shape_Rect)
            and (shape.value.width, shape.value.height) == (3, 4),
        )
        r.check("echo-option", v.echo_option(7) == 7)
        r.check("echo-option-none", v.echo_option(None) is None)
        r.check("checked-div", v.checked_div(7, 2) == 3)
        r.check("checked-div-by-zero", bool(error_of(lambda: v.checked_div(1, 0))))
        r.check("swap", tuple(v.swap("left", "right")) == ("right", "left"))
        half = v.new(2, 4)
        r.check("fraction-new", (half.numerator, half.denominator) == (1, 2))
        total = v.add(half, v.new(1, 3))
        r.check("fraction-add", (total.numerator, total.denominator) == (5, 6))
        r.check("call-host", v.call_host(5) == 12)

        live = counters.live()
        c1 = counters.Counter(10)
        c2 = counters.Counter(1)
        r.check("counter-add", c1.add(5) == 15)
        r.check("counter-get", c1.get() == 15)
        c3 = counters.Counter.merge(c1, c2)
        r.check("counter-merge", c3.get() == 16)
        r.check("counters-live", counters.live() == live + 3)
        for c in (c1, c2, c3):
            c.__exit__(None, None, None)
        r.check("counters-dropped", counters.live() == live)

        print(f"{r.checks} checks, {r.failed} failed")
        if r.failed:
            raise Err(None)
