//! `pipes` in Rust, for the async matrix: where an export hands out a
//! stream or a future, a task of its own writes it after the export has
//! returned.

wit_bindgen::generate!({
    world: "pipes-test",
    path: "../wit",
    generate_all,
});

use exports::witloom_tests::p3::pipes::Guest;
use wasi::clocks::monotonic_clock;
use wit_bindgen::{FutureReader, StreamReader, StreamResult};

/// Bytes asked for per read.
const CHUNK: usize = 64 << 10;

struct Pipes;

impl Guest for Pipes {
    async fn later(text: String, ms: u32) -> String {
        monotonic_clock::wait_for(u64::from(ms) * 1_000_000).await;
        text.to_uppercase()
    }

    async fn digest(mut data: StreamReader<u8>) -> (u64, u64) {
        let (mut count, mut sum) = (0u64, 0u64);
        let mut buf = Vec::with_capacity(CHUNK);
        loop {
            let (status, chunk) = data.read(buf).await;
            count += chunk.len() as u64;
            sum += chunk.iter().map(|b| u64::from(*b)).sum::<u64>();
            match status {
                StreamResult::Complete(_) => {
                    buf = chunk;
                    buf.clear();
                }
                StreamResult::Dropped | StreamResult::Cancelled => break,
            }
        }
        (count, sum)
    }

    async fn produce(len: u64) -> (StreamReader<u8>, FutureReader<u64>) {
        let (mut bytes, bytes_rx) = wit_stream::new::<u8>();
        let (taken, taken_rx) = wit_future::new::<u64>(|| 0);
        wit_bindgen::spawn_local(async move {
            let mut written = 0u64;
            while written < len {
                let n = (len - written).min(CHUNK as u64);
                let chunk: Vec<u8> = (written..written + n).map(|i| (i % 251) as u8).collect();
                let left = bytes.write_all(chunk).await;
                written += n - left.len() as u64;
                if !left.is_empty() {
                    break;
                }
            }
            drop(bytes);
            let _ = taken.write(written).await;
        });
        (bytes_rx, taken_rx)
    }

    fn digest_list(data: Vec<u8>) -> (u64, u64) {
        (
            data.len() as u64,
            data.iter().map(|b| u64::from(*b)).sum::<u64>(),
        )
    }

    async fn ping() {}

    fn ping_sync() {}

    async fn reverse(text: String) -> FutureReader<String> {
        let (tx, rx) = wit_future::new::<String>(String::new);
        wit_bindgen::spawn_local(async move {
            let _ = tx.write(text.chars().rev().collect()).await;
        });
        rx
    }
}

export!(Pipes);
