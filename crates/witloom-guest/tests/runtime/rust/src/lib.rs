//! The `test` world in Rust.

wit_bindgen::generate!({ world: "test", path: "../wit" });

use exports::witloom::test::counters::{self, Counter, CounterBorrow, GuestCounter};
use exports::witloom::test::values::{Color, Everything, Fraction, Many, Perms, Point, Shape};
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use witloom::test::host;

struct Test;

impl exports::witloom::test::values::Guest for Test {
    fn echo_bool(x: bool) -> bool {
        x
    }
    fn echo_u8(x: u8) -> u8 {
        x
    }
    fn echo_s8(x: i8) -> i8 {
        x
    }
    fn echo_u16(x: u16) -> u16 {
        x
    }
    fn echo_s16(x: i16) -> i16 {
        x
    }
    fn echo_u32(x: u32) -> u32 {
        x
    }
    fn echo_s32(x: i32) -> i32 {
        x
    }
    fn echo_u64(x: u64) -> u64 {
        x
    }
    fn echo_s64(x: i64) -> i64 {
        x
    }
    fn echo_f32(x: f32) -> f32 {
        x
    }
    fn echo_f64(x: f64) -> f64 {
        x
    }
    fn echo_char(x: char) -> char {
        x
    }
    fn echo_string(x: String) -> String {
        x
    }
    fn string_len(x: String) -> u32 {
        x.len() as u32
    }
    fn repeat_string(x: String, n: u32) -> String {
        x.repeat(n as usize)
    }
    fn echo_bytes(x: Vec<u8>) -> Vec<u8> {
        x
    }
    fn sum_bytes(x: Vec<u8>) -> u64 {
        x.iter().map(|b| u64::from(*b)).sum()
    }
    fn flip_points(x: Vec<Point>) -> Vec<Point> {
        x.into_iter().rev().map(|p| Point { x: p.y, y: p.x }).collect()
    }
    fn echo_color(x: Color) -> Color {
        x
    }
    fn echo_perms(x: Perms) -> Perms {
        x
    }
    fn echo_many(x: Many) -> Many {
        x
    }
    fn echo_shape(x: Shape) -> Shape {
        x
    }
    fn echo_everything(x: Everything) -> Everything {
        x
    }
    fn echo_option(x: Option<u32>) -> Option<u32> {
        x
    }
    fn echo_option_string(x: Option<String>) -> Option<String> {
        x
    }
    fn checked_div(a: i32, b: i32) -> Result<i32, String> {
        a.checked_div(b).ok_or_else(|| format!("cannot divide {a} by {b}"))
    }
    fn echo_result(x: Result<Point, Color>) -> Result<Point, Color> {
        x
    }
    fn echo_tuple(x: (u8, String, f64)) -> (u8, String, f64) {
        x
    }
    fn swap(a: String, b: String) -> (String, String) {
        (b, a)
    }
    fn new(numerator: i32, denominator: i32) -> Result<Fraction, String> {
        if denominator == 0 {
            return Err("the denominator is zero".to_string());
        }
        Ok(lowest(i64::from(numerator), i64::from(denominator)))
    }
    fn add(a: Fraction, b: Fraction) -> Fraction {
        let (an, ad) = (i64::from(a.numerator), i64::from(a.denominator));
        let (bn, bd) = (i64::from(b.numerator), i64::from(b.denominator));
        lowest(an * bd + bn * ad, ad * bd)
    }
    fn call_host(x: u32) -> u32 {
        host::log("call-host");
        host::add_one(x) * 2
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

fn lowest(n: i64, d: i64) -> Fraction {
    let g = gcd(n, d).max(1);
    let sign = if d < 0 { -1 } else { 1 };
    Fraction {
        numerator: (sign * n / g) as i32,
        denominator: (sign * d / g) as i32,
    }
}

static LIVE: AtomicU32 = AtomicU32::new(0);

struct MyCounter(Cell<i64>);

impl MyCounter {
    fn make(start: i64) -> Self {
        LIVE.fetch_add(1, Ordering::SeqCst);
        MyCounter(Cell::new(start))
    }
}

impl Drop for MyCounter {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

impl GuestCounter for MyCounter {
    fn new(start: i64) -> Self {
        MyCounter::make(start)
    }
    fn add(&self, by: i64) -> i64 {
        self.0.set(self.0.get() + by);
        self.0.get()
    }
    fn get(&self) -> i64 {
        self.0.get()
    }
    fn merge(a: CounterBorrow<'_>, b: CounterBorrow<'_>) -> Counter {
        let sum = a.get::<MyCounter>().get() + b.get::<MyCounter>().get();
        Counter::new(MyCounter::make(sum))
    }
}

impl counters::Guest for Test {
    type Counter = MyCounter;
    fn live() -> u32 {
        LIVE.load(Ordering::SeqCst)
    }
}

export!(Test);
