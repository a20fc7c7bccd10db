//! Wasm in OCI registries: a component or a WIT package (encoded as a
//! component, as `wkg` publishes one) pushed and pulled as a CNCF TAG
//! Runtime wasm artifact: an image manifest whose config is
//! `application/vnd.wasm.config.v0+json` (what the component imports and
//! exports, `architecture: wasm`, `os: wasip2`) and whose one layer is the
//! `application/wasm` bytes.
//!
//! The registry protocol is `oci-client`'s (the client `wkg` builds on);
//! this crate adds what witloom promises on top:
//! - plain HTTP only for registries on the loopback (`localhost`,
//!   `127.0.0.1`, `[::1]`) or when asked (`insecure`);
//! - credentials from the Docker config (`docker login`, credential
//!   helpers), as other OCI clients read them, else anonymous;
//! - every operation bounded in time, and the wasm layer in size (the
//!   manifest and config are read with bounds of their own);
//! - what is pulled is verified against its digest here, whatever the
//!   registry or the client library did;
//! - failures as [`OciError`], classified by the client's error types,
//!   with the cause kept where a failure has one.
//!
//! [`image`] writes a component as a container image for containerd and
//! witloom's shim instead.
//!
//! The modules are private but [`image`], [`layout`] and [`ship`]; what callers use
//! is re-exported here, so that the paths stay when a module is split.

mod artifact;
mod auth;
mod client;
mod error;
pub mod image;
pub mod layout;
mod pull;
mod push;
mod reference;
pub mod ship;
mod wasm_config;

pub use artifact::{
    Artifact, CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, MAX_BLOB, digest_of,
};
pub use client::{Options, is_loopback};
pub use error::{
    LayoutReason, NotAComponentReason, NotComponentReason, NotWasmReason, OciError, RegistryReason,
};
pub use oci_client::Reference;
pub use pull::{MAX_MANIFEST, Pulled, pull, tags, well_known};
pub use push::{Pushed, push};
pub use reference::parse as parse_reference;
pub use wasm_config::{ComponentInfo, WasmConfig};
