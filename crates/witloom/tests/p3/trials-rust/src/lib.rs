//! The `trials` interface: async exports, one that behaves (`shout`) and
//! the ways a guest can misbehave with tasks, streams and futures, for the
//! host to contain.

wit_bindgen::generate!({
    world: "trials-world",
    path: "../wit",
    generate_all,
});

use exports::witloom_tests::p3::trials::Guest;
use wasi::clocks::monotonic_clock;

struct Trials;

impl Guest for Trials {
    async fn shout(text: String) -> String {
        let (bytes, count) = Self::spell(text.to_uppercase()).await;
        let mut shouted = String::from_utf8(bytes.collect().await).unwrap_or_default();
        if count.await as usize == shouted.len() {
            shouted.push('!');
        }
        shouted
    }

    async fn spell(
        text: String,
    ) -> (wit_bindgen::StreamReader<u8>, wit_bindgen::FutureReader<u32>) {
        let (mut bytes, bytes_rx) = wit_stream::new::<u8>();
        let (count, count_rx) = wit_future::new::<u32>(|| 0);
        wit_bindgen::spawn_local(async move {
            let n = text.len() as u32;
            bytes.write_all(text.into_bytes()).await;
            drop(bytes);
            let _ = count.write(n).await;
        });
        (bytes_rx, count_rx)
    }

    async fn wait_forever() {
        let (tx, rx) = wit_future::new::<u32>(|| 0);
        rx.await;
        drop(tx);
    }

    async fn read_forever() {
        let (tx, mut rx) = wit_stream::new::<u8>();
        let _ = rx.next().await;
        drop(tx);
    }

    async fn sleep(ms: u64) {
        monotonic_clock::wait_for(ms * 1_000_000).await;
    }

    async fn spin() {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    async fn spawn_forever() {
        loop {
            let held = vec![1u8; 1 << 20];
            wit_bindgen::spawn_local(async move {
                monotonic_clock::wait_for(3_600_000_000_000).await;
                drop(std::hint::black_box(held));
            });
            monotonic_clock::wait_for(0).await;
        }
    }
}

export!(Trials);
