//! The async matrix's runner in Rust: checks an implementation of `pipes`
//! (its async function, called twice at once; a 1 MiB `stream<u8>` each
//! way; a `future<string>`) and an `error-context` passed out by `faults`,
//! prints each check and `N checks, M failed`, and fails if any did.

wit_bindgen::generate!({
    world: "pipes-runner-faults",
    path: "../wit",
    generate_all,
});

use witloom_tests::p3::{faults, pipes};

const LEN: u64 = 1 << 20;
const CHUNK: usize = 64 << 10;

#[derive(Default)]
struct Checks {
    run: u32,
    failed: u32,
}

impl Checks {
    fn check(&mut self, what: &str, ok: bool) {
        self.run += 1;
        if !ok {
            self.failed += 1;
        }
        println!("{}: {what}", if ok { "ok" } else { "FAILED" });
    }
}

struct Runner;

impl exports::wasi::cli::run::Guest for Runner {
    async fn run() -> Result<(), ()> {
        let mut c = Checks::default();

        let (a, b) = futures::join!(pipes::later("one".into(), 30), pipes::later("two".into(), 30));
        c.check("later: two async calls in flight at once", a == "ONE" && b == "TWO");

        let (mut tx, rx) = wit_stream::new::<u8>();
        let digest = pipes::digest(rx);
        let bytes: Vec<u8> = (0..LEN).map(|i| (i * 7) as u8).collect();
        let sum: u64 = bytes.iter().map(|b| u64::from(*b)).sum();
        let writer = async move {
            let left = tx.write_all(bytes).await;
            drop(tx);
            left.is_empty()
        };
        let (all_written, (count, seen)) = futures::join!(writer, digest);
        c.check(
            "digest: 1 MiB written to the callee's stream, every byte counted",
            all_written && count == LEN && seen == sum,
        );

        let (mut bytes, taken) = pipes::produce(LEN).await;
        let mut read = 0u64;
        let mut in_order = true;
        loop {
            let (status, chunk) = bytes.read(Vec::with_capacity(CHUNK)).await;
            for (i, b) in chunk.iter().enumerate() {
                in_order &= *b == ((read + i as u64) % 251) as u8;
            }
            read += chunk.len() as u64;
            if !matches!(status, wit_bindgen::StreamResult::Complete(_)) {
                break;
            }
        }
        drop(bytes);
        c.check(
            "produce: 1 MiB read from the callee's stream, every byte in order",
            read == LEN && in_order,
        );
        c.check("produce: the future says how many were taken", taken.await == LEN);

        let backwards = pipes::reverse("stressed".into()).await.await;
        c.check(
            "reverse: a future<string> written after the call returned",
            backwards == "desserts",
        );

        let error = faults::fail("boom".into()).await;
        c.check(
            "fail: an error-context passed out keeps its message",
            error.debug_message().contains("boom"),
        );

        println!("{} checks, {} failed", c.run, c.failed);
        if c.failed == 0 { Ok(()) } else { Err(()) }
    }
}

export!(Runner);
