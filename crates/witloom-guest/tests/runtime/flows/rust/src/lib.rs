//! The `concurrent-faults` world in Rust: `flows` (async exports that call
//! the host's async imports, and streams and futures written by tasks that
//! outlive the call that handed them out) and `faults` (an `error-context`
//! passed out).

wit_bindgen::generate!({ world: "concurrent-faults", path: "../../wit", generate_all });

use exports::witloom::test::faults;
use exports::witloom::test::flows::Guest;
use witloom::test::flow_host;
use wit_bindgen::rt::async_support::ErrorContext;
use wit_bindgen::{FutureReader, StreamReader, StreamResult};

/// Bytes moved per read or write.
const CHUNK: u64 = 64 << 10;

/// Bytes `from..to` of what `produce` and `send` write.
fn pattern(from: u64, to: u64) -> Vec<u8> {
    (from..to).map(|i| (i % 251) as u8).collect()
}

struct Flows;

impl Guest for Flows {
    async fn shout(text: String, ms: u32) -> String {
        flow_host::pause(ms).await;
        text.to_ascii_uppercase()
    }

    async fn digest(mut data: StreamReader<u8>) -> (u64, u64) {
        let (mut count, mut sum) = (0u64, 0u64);
        let mut buf = Vec::with_capacity(CHUNK as usize);
        loop {
            let (status, chunk) = data.read(buf).await;
            count += chunk.len() as u64;
            sum += chunk.iter().map(|b| u64::from(*b)).sum::<u64>();
            if !matches!(status, StreamResult::Complete(_)) {
                return (count, sum);
            }
            buf = chunk;
            buf.clear();
        }
    }

    async fn produce(len: u64) -> (StreamReader<u8>, FutureReader<u64>) {
        let (mut bytes, reader) = wit_stream::new::<u8>();
        let (taken, taken_reader) = wit_future::new::<u64>(|| 0);
        wit_bindgen::spawn_local(async move {
            let mut written = 0;
            while written < len {
                let end = len.min(written + CHUNK);
                let left = bytes.write_all(pattern(written, end)).await;
                written = end - left.len() as u64;
                if !left.is_empty() {
                    break;
                }
            }
            drop(bytes);
            let _ = taken.write(written).await;
        });
        (reader, taken_reader)
    }

    async fn reverse(text: String) -> FutureReader<String> {
        let (writer, reader) = wit_future::new::<String>(String::new);
        wit_bindgen::spawn_local(async move {
            let _ = writer.write(text.chars().rev().collect()).await;
        });
        reader
    }

    async fn send(len: u64) -> u64 {
        let (mut bytes, reader) = wit_stream::new::<u8>();
        let writing = async move {
            let mut at = 0;
            while at < len {
                let end = len.min(at + CHUNK);
                if !bytes.write_all(pattern(at, end)).await.is_empty() {
                    break;
                }
                at = end;
            }
        };
        // The host reads while this writes.
        let (_, counted) = futures::join!(writing, flow_host::drain(reader));
        counted
    }
}

impl faults::Guest for Flows {
    async fn fail(message: String) -> ErrorContext {
        ErrorContext::new(&message)
    }
}

export!(Flows);
