//! The guest-to-guest side of `cargo xtask bench run`'s stream benchmark:
//! loops that call an implementation of `pipes` from inside a composed
//! app, so that the host's own call is paid once per loop.

wit_bindgen::generate!({
    world: "pipes-bench",
    path: "../wit",
    generate_all,
});

use witloom_tests::p3::pipes;

struct Bench;

impl exports::witloom_tests::p3::bench::Guest for Bench {
    async fn streamed(len: u64, times: u32) -> u64 {
        let bytes = vec![7u8; len as usize];
        let mut counted = 0;
        for _ in 0..times {
            let (mut tx, rx) = wit_stream::new::<u8>();
            let digest = pipes::digest(rx);
            let write = async {
                tx.write_all(bytes.clone()).await;
                drop(tx);
            };
            let ((), (count, _)) = futures::join!(write, digest);
            counted += count;
        }
        counted
    }

    fn listed(len: u64, times: u32) -> u64 {
        let bytes = vec![7u8; len as usize];
        (0..times).map(|_| pipes::digest_list(&bytes).0).sum()
    }

    async fn pings(times: u32) {
        for _ in 0..times {
            pipes::ping().await;
        }
    }

    fn pings_sync(times: u32) {
        for _ in 0..times {
            pipes::ping_sync();
        }
    }
}

export!(Bench);
