# The suite's world `test` in Python: every export echoes or computes as
# the other languages' guests do (tests/all/runtime.rs checks them all).

from math import gcd

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.exports import values
from wit_world.imports import host


class Values(exports.Values):
    def echo_bool(self, x):
        return x

    def echo_u8(self, x):
        return x

    def echo_s8(self, x):
        return x

    def echo_u16(self, x):
        return x

    def echo_s16(self, x):
        return x

    def echo_u32(self, x):
        return x

    def echo_s32(self, x):
        return x

    def echo_u64(self, x):
        return x

    def echo_s64(self, x):
        return x

    def echo_f32(self, x):
        return x

    def echo_f64(self, x):
        return x

    def echo_char(self, x):
        return x

    def echo_string(self, x):
        return x

    def string_len(self, x):
        # The length in UTF-8 bytes, as the host counts it.
        return len(x.encode("utf-8"))

    def repeat_string(self, x, n):
        return x * n

    def echo_bytes(self, x):
        return x

    def sum_bytes(self, x):
        return sum(x)

    def flip_points(self, x):
        return [values.Point(x=p.y, y=p.x) for p in reversed(x)]

    def echo_color(self, x):
        return x

    def echo_perms(self, x):
        return x

    def echo_many(self, x):
        return x

    def echo_shape(self, x):
        return x

    def echo_everything(self, x):
        return x

    def echo_option(self, x):
        return x

    def echo_option_string(self, x):
        return x

    def checked_div(self, a, b):
        if b == 0:
            raise Err("division by zero")
        # WIT's s32 division truncates toward zero.
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q

    def echo_result(self, x):
        if isinstance(x, Ok):
            return x.value
        raise Err(x.value)

    def echo_tuple(self, x):
        return x

    def swap(self, a, b):
        return (b, a)

    def new(self, numerator, denominator):
        if denominator == 0:
            raise Err("the denominator is zero")
        return reduced(numerator, denominator)

    def add(self, a, b):
        return reduced(
            a.numerator * b.denominator + b.numerator * a.denominator,
            a.denominator * b.denominator,
        )

    def call_host(self, x):
        host.log("call-host")
        return host.add_one(x) * 2


def reduced(numerator, denominator):
    """The fraction in lowest terms, its denominator positive."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    d = gcd(numerator, denominator) or 1
    return values.Fraction(numerator=numerator // d, denominator=denominator // d)


class Counters(exports.Counters):
    def live(self):
        import gc

        import counters

        gc.collect()
        return counters.LIVE
