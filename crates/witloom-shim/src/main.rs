//! `containerd-shim-witloom-v1`: the binary containerd starts for the
//! `io.containerd.witloom.v1` runtime (see the library's docs).

use containerd_shim_wasm::shim::Cli;

fn main() {
    witloom_shim::Witloom::run(None);
}
