//! `cat NAME`, a WASI 0.3 command: the file NAME in the first preopened
//! directory, copied to stdout through this guest's memory. The file's
//! bytes arrive on a `stream<u8>` from the host, and leave on another that
//! the host drains to stdout; the guest reads and writes them in chunks,
//! so both streams' backpressure is exercised.

wit_bindgen::generate!({
    world: "cat",
    path: "../wit",
    generate_all,
});

use wasi::cli::{environment, stderr, stdout};
use wasi::filesystem::preopens;
use wasi::filesystem::types::{DescriptorFlags, OpenFlags, PathFlags};
use wit_bindgen::StreamResult;

/// Bytes asked for per read.
const CHUNK: usize = 64 << 10;

struct Cat;

impl exports::wasi::cli::run::Guest for Cat {
    async fn run() -> Result<(), ()> {
        match cat().await {
            Ok(()) => Ok(()),
            Err(why) => {
                let (mut tx, rx) = wit_stream::new::<u8>();
                let done = stderr::write_via_stream(rx);
                tx.write_all(format!("cat: {why}\n").into_bytes()).await;
                drop(tx);
                let _ = done.await;
                Err(())
            }
        }
    }
}

async fn cat() -> Result<(), String> {
    let args = environment::get_arguments();
    let name = args.get(1).ok_or("usage: cat NAME")?;
    let (dir, _) = preopens::get_directories()
        .into_iter()
        .next()
        .ok_or("no directory granted (--dir)")?;
    let file = dir
        .open_at(
            PathFlags::empty(),
            name.clone(),
            OpenFlags::empty(),
            DescriptorFlags::READ,
        )
        .await
        .map_err(|e| format!("{name}: {e:?}"))?;
    let (mut input, read_result) = file.read_via_stream(0);
    let (mut output, drained) = wit_stream::new::<u8>();
    let written = stdout::write_via_stream(drained);
    let mut buf = Vec::with_capacity(CHUNK);
    loop {
        let (status, chunk) = input.read(buf).await;
        match status {
            StreamResult::Complete(_) => {
                let unwritten = output.write_all(chunk).await;
                if !unwritten.is_empty() {
                    return Err("stdout closed".to_string());
                }
                buf = Vec::with_capacity(CHUNK);
            }
            StreamResult::Dropped => break,
            StreamResult::Cancelled => return Err("read cancelled".to_string()),
        }
    }
    drop(output);
    read_result.await.map_err(|e| format!("{name}: {e:?}"))?;
    written.await.map_err(|e| format!("stdout: {e:?}"))?;
    Ok(())
}

export!(Cat);
