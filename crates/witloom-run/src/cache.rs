//! Compiled components, cached on disk by the component's content and the
//! engine's settings, under the user's cache directory
//! (`$XDG_CACHE_HOME/witloom/compiled`, else `~/.cache/witloom/compiled`;
//! `WITLOOM_CACHE_DIR` overrides it). A second run of the same file skips
//! Cranelift, and a run of a file already run does not read it at all.
//!
//! A cached artifact is native code that wasmtime maps executable, so the
//! cache takes back only what it wrote, intact:
//! - the key is BLAKE3 over the file format, witloom's version, wasmtime's
//!   engine-compatibility hash and the BLAKE3 digest of the component's
//!   bytes;
//! - a `KEY.cwasm` file is wasmtime's serialized component followed by a
//!   trailer (magic, that key, and BLAKE3 of the key and everything before
//!   the trailer); the whole file is hashed through the handle it was
//!   opened with before wasmtime sees it, and wasmtime then maps that same
//!   file (`/proc/self/fd`), so no copy is made of it;
//! - files are only ever replaced (written beside, then renamed), never
//!   changed in place, so a file wasmtime has mapped stays as it was
//!   checked;
//! - the directory must be the user's own and writable by no one else,
//!   and must be named by an absolute path: a group- or world-writable
//!   directory, one owned by someone else, or an empty or relative
//!   `WITLOOM_CACHE_DIR` is skipped with a warning. Each file must be a
//!   regular file (links are not followed) of the user's, writable only by
//!   them.
//!
//! Finding the key means hashing the component's bytes, which for a
//! large component costs more than the rest of a warm run. So the cache
//! also records, per component file, its identity (device, inode, size,
//! modification and status-change times, in nanoseconds) and the digest
//! its bytes had (`DEV-INODE.file`): a file with the same identity has the
//! same bytes, because any write to it moves its status-change time,
//! which no user can set back. A file is recorded only once its last
//! change is [`SETTLE`] old, so that a second write within the file
//! system's timestamp granularity cannot leave the identity as it was
//! (what git calls "racily clean"). Only restoring a file system image or
//! setting the clock back could give a changed file an old identity, and
//! then what runs is the compiled code of the component that file held
//! before, never anything the user did not compile.
//!
//! On any doubt the component is compiled afresh (and a bad file replaced).
//! What the checks cannot stop is the user's own account writing a file
//! that passes them: the cache trusts exactly what the user can write to.

use crate::RunError;
use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wasmtime::Engine;
use wasmtime::component::Component;

/// The start of a cache file's trailer; the last byte is the format's
/// version.
const MAGIC: &[u8; 16] = b"witloom-cwasm\0\0\x02";
/// Magic, key, digest.
const TRAILER: usize = MAGIC.len() + 32 + 32;
/// The start of an identity record.
const RECORD_MAGIC: &[u8; 16] = b"witloom-fileid\0\x01";
/// Magic, the identity's seven numbers, the content digest, the record's
/// own digest.
const RECORD: usize = RECORD_MAGIC.len() + 7 * 8 + 32 + 32;
/// How long ago a component file must have last changed before its
/// identity is recorded: more than any file system's timestamp
/// granularity (FAT's is two seconds; ext4 and XFS advance theirs with the
/// kernel's clock tick).
pub const SETTLE: Duration = Duration::from_secs(2);

/// A cache directory that passed the checks.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    settle: Duration,
}

/// BLAKE3 of a component's bytes: what the cache knows it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentDigest([u8; 32]);

impl ContentDigest {
    pub fn of(bytes: &[u8]) -> ContentDigest {
        ContentDigest(blake3::hash(bytes).into())
    }
}

/// What a file is, as far as a change to its bytes would show: any write
/// moves `ctime`, and a new file at the same path has another inode or a
/// later `ctime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileId {
    /// The identity of the file `meta` describes (`None` where the platform
    /// has no inodes).
    pub fn of(meta: &std::fs::Metadata) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileId {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.size(),
                mtime: (meta.mtime(), meta.mtime_nsec()),
                ctime: (meta.ctime(), meta.ctime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// Whether the file last changed at least `settle` before `now`
    /// (seconds and nanoseconds since the epoch).
    fn settled(&self, now: Duration, settle: Duration) -> bool {
        let (s, ns) = self.ctime;
        let Ok(s) = u64::try_from(s) else {
            return false;
        };
        let changed = Duration::new(s, ns.clamp(0, 999_999_999) as u32);
        now.checked_sub(changed).is_some_and(|age| age >= settle)
    }

    fn numbers(&self) -> [u64; 7] {
        [
            self.dev,
            self.ino,
            self.size,
            self.mtime.0 as u64,
            self.mtime.1 as u64,
            self.ctime.0 as u64,
            self.ctime.1 as u64,
        ]
    }
}

/// Why a cache directory is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// `WITLOOM_CACHE_DIR` is set but empty (it would mean the current
    /// directory).
    EmptyVariable,
    /// The directory is named by a relative path (it would depend on the
    /// current directory).
    Relative(PathBuf),
    /// Someone other than the user may write to it.
    Writable { dir: PathBuf, mode: u32 },
    /// Another user owns it.
    NotOwned { dir: PathBuf, owner: u32 },
    /// It exists but is not a directory, or cannot be created or read.
    Unusable { dir: PathBuf, why: String },
    /// The platform cannot tell who may write to a directory.
    Unsupported,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::EmptyVariable => f.write_str(
                "WITLOOM_CACHE_DIR is empty; set it to an absolute path, or unset it for the default",
            ),
            Refused::Relative(dir) => write!(
                f,
                "the cache directory `{}` is a relative path; name it by an absolute one",
                dir.display()
            ),
            Refused::Writable { dir, mode } => write!(
                f,
                "the cache directory `{}` may be written by other users (mode {mode:o}); `chmod go-w` it, or choose another with WITLOOM_CACHE_DIR",
                dir.display()
            ),
            Refused::NotOwned { dir, owner } => write!(
                f,
                "the cache directory `{}` belongs to another user (uid {owner}); choose your own with WITLOOM_CACHE_DIR",
                dir.display()
            ),
            Refused::Unusable { dir, why } => {
                write!(f, "the cache directory `{}` {why}", dir.display())
            }
            Refused::Unsupported => {
                f.write_str("this platform cannot check who may write the cache directory")
            }
        }
    }
}

impl Cache {
    /// The user's cache, from the environment: `Ok(None)` when there is no
    /// home to put it in.
    pub fn from_env() -> Result<Option<Cache>, Refused> {
        let dir = match std::env::var_os("WITLOOM_CACHE_DIR") {
            Some(d) if d.is_empty() => return Err(Refused::EmptyVariable),
            Some(d) => PathBuf::from(d),
            None => {
                // The XDG spec says to ignore a relative XDG_CACHE_HOME.
                let xdg = std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute());
                let home = std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute());
                match xdg.or_else(|| home.map(|h| h.join(".cache"))) {
                    Some(base) => base.join("witloom/compiled"),
                    None => return Ok(None),
                }
            }
        };
        Cache::at(&dir).map(Some)
    }

    /// The cache in `dir`, created (readable by the user only) if missing.
    pub fn at(dir: &Path) -> Result<Cache, Refused> {
        if !dir.is_absolute() {
            return Err(Refused::Relative(dir.to_path_buf()));
        }
        if !dir.exists() {
            create_private_dir(dir).map_err(|e| Refused::Unusable {
                dir: dir.to_path_buf(),
                why: format!("cannot be created: {}", witloom_diag::io::reason(&e)),
            })?;
        }
        check_private_dir(dir)?;
        Ok(Cache {
            dir: dir.to_path_buf(),
            settle: SETTLE,
        })
    }

    /// This cache, recording files whose last change is `settle` old
    /// (tests use less than [`SETTLE`], and wait that long).
    pub fn settling(self, settle: Duration) -> Cache {
        Cache { settle, ..self }
    }

    /// Where the files are.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the compiled form of `bytes` for `engine`.
    pub fn path(&self, engine: &Engine, bytes: &[u8]) -> PathBuf {
        self.artifact(&key(engine, &ContentDigest::of(bytes)))
    }

    fn artifact(&self, key: &[u8; 32]) -> PathBuf {
        self.dir.join(format!("{}.cwasm", hex(key)))
    }

    fn record_path(&self, id: &FileId) -> PathBuf {
        self.dir.join(format!("{:x}-{:x}.file", id.dev, id.ino))
    }

    /// The digest of the bytes of the file with identity `id`, when the
    /// cache recorded it for exactly this identity.
    pub fn recorded(&self, id: &FileId) -> Option<ContentDigest> {
        let data = read_own(&self.record_path(id), Some(RECORD as u64))?;
        let (body, check) = data.split_at(RECORD - 32);
        if body[..RECORD_MAGIC.len()] != RECORD_MAGIC[..]
            || blake3::hash(body).as_bytes()[..] != check[..]
        {
            return None;
        }
        let mut at = RECORD_MAGIC.len();
        for n in id.numbers() {
            if body[at..at + 8] != n.to_le_bytes() {
                return None;
            }
            at += 8;
        }
        Some(ContentDigest(body[at..at + 32].try_into().ok()?))
    }

    /// Records that the file with identity `id` holds bytes whose digest
    /// is `digest`, if it last changed [`SETTLE`] ago or more (else a
    /// later write could leave its identity unchanged). A record that
    /// cannot be written is only skipped.
    pub fn record(&self, id: &FileId, digest: &ContentDigest) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        if !id.settled(now, self.settle) || self.recorded(id) == Some(*digest) {
            return;
        }
        let mut body = Vec::with_capacity(RECORD);
        body.extend_from_slice(RECORD_MAGIC);
        for n in id.numbers() {
            body.extend_from_slice(&n.to_le_bytes());
        }
        body.extend_from_slice(&digest.0);
        let check = blake3::hash(&body);
        body.extend_from_slice(check.as_bytes());
        let path = self.record_path(id);
        if let Err(e) = write_new(&path, &[&body]) {
            tracing::debug!("not recording `{}`: {e}", path.display());
        }
    }

    /// The compiled component for the bytes whose digest is `digest`, when
    /// a file written for exactly them and this engine is there intact.
    pub fn get(&self, engine: &Engine, digest: &ContentDigest) -> Option<Component> {
        let key = key(engine, digest);
        let path = self.artifact(&key);
        let loaded = load_checked(engine, &path, &key);
        if let Err(why) = &loaded {
            match why {
                Miss::Absent => {}
                Miss::Refused(why) => tracing::debug!("recompiling: `{}` {why}", path.display()),
            }
        }
        loaded.ok()
    }

    /// The compiled component for `bytes`: from the cache when a file
    /// written for exactly these bytes and this engine is there intact, or
    /// compiled by `compile` and stored. A cache that cannot be read or
    /// written is only skipped.
    pub fn get_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        compile: impl FnOnce() -> Result<Component, RunError>,
    ) -> Result<Component, RunError> {
        self.get_or_compile_digest(engine, &ContentDigest::of(bytes), compile)
    }

    /// [`Cache::get_or_compile`] for the bytes whose digest is `digest`.
    pub fn get_or_compile_digest(
        &self,
        engine: &Engine,
        digest: &ContentDigest,
        compile: impl FnOnce() -> Result<Component, RunError>,
    ) -> Result<Component, RunError> {
        if let Some(component) = self.get(engine, digest) {
            return Ok(component);
        }
        let component = compile()?;
        self.put(engine, digest, &component);
        Ok(component)
    }

    /// Stores `component`, compiled from the bytes whose digest is
    /// `digest`. A cache that cannot be written is only skipped.
    pub fn put(&self, engine: &Engine, digest: &ContentDigest, component: &Component) {
        let key = key(engine, digest);
        let path = self.artifact(&key);
        if let Ok(serialized) = component.serialize() {
            let mut trailer = Vec::with_capacity(TRAILER);
            trailer.extend_from_slice(MAGIC);
            trailer.extend_from_slice(&key);
            trailer.extend_from_slice(&file_digest(&key, &serialized));
            if let Err(e) = write_new(&path, &[&serialized, &trailer]) {
                tracing::debug!("not caching `{}`: {e}", path.display());
            }
        }
    }
}

/// Why a cache file was not used.
enum Miss {
    /// There is none.
    Absent,
    /// There is one, but it is not the user's, not written for this key,
    /// changed since, or refused by wasmtime.
    Refused(&'static str),
}

/// Opens `path` without following a link, when it is a regular file of
/// the user's that no one else may write.
fn open_own(path: &Path) -> Result<(File, std::fs::Metadata), Miss> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Miss::Absent,
        _ => Miss::Refused("cannot be opened (a link is not followed)"),
    })?;
    let meta = file
        .metadata()
        .map_err(|_| Miss::Refused("cannot be read"))?;
    if !meta.is_file() {
        return Err(Miss::Refused("is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != current_uid() || meta.mode() & 0o022 != 0 {
            return Err(Miss::Refused("is not the user's own"));
        }
    }
    Ok((file, meta))
}

/// The whole of a small file of the user's (see [`open_own`]), when it
/// has `len` bytes if given.
fn read_own(path: &Path, len: Option<u64>) -> Option<Vec<u8>> {
    let (file, meta) = open_own(path).ok()?;
    if len.is_some_and(|len| meta.len() != len) {
        return None;
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(meta.len()).read_to_end(&mut data).ok()?;
    Some(data)
}

/// The component in the cache file at `path`, written for `key` and
/// intact. What is hashed is what wasmtime maps: the file is read through
/// the handle it was checked with, and on Linux wasmtime maps that handle's
/// file (not the path, which could be swapped meanwhile).
fn load_checked(engine: &Engine, path: &Path, key: &[u8; 32]) -> Result<Component, Miss> {
    let started = std::time::Instant::now();
    let (mut file, meta) = open_own(path)?;
    let len = meta.len();
    let changed = Miss::Refused("was not written for this component, or has changed since");
    if len <= TRAILER as u64 {
        return Err(changed);
    }
    let payload = len - TRAILER as u64;
    let mut trailer = [0u8; TRAILER];
    read_at(&file, &mut trailer, payload).map_err(|_| Miss::Refused("cannot be read"))?;
    if trailer[..MAGIC.len()] != MAGIC[..]
        || trailer[MAGIC.len()..MAGIC.len() + 32] != key[..]
        || trailer[MAGIC.len() + 32..] != digest_file(&file, key, payload)?[..]
    {
        return Err(changed);
    }
    let checked = started.elapsed();
    // SAFETY: wasmtime requires that deserialized bytes come from
    // `Component::serialize` of a compatible engine. These bytes are
    // exactly what `serialize` gave for this component on an engine with
    // this compatibility hash: the trailer's key says for what they were
    // written, its digest that they are unchanged since, the directory is
    // writable by the user alone, and witloom never changes a cache file
    // in place (so a mapped file stays as checked). The trailer after
    // wasmtime's ELF image is outside every section wasmtime reads.
    // wasmtime also checks its own header and the engine.
    #[allow(unsafe_code)]
    let mapped = {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let fd = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
            unsafe { Component::deserialize_file(engine, &fd) }.ok()
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    };
    if let Some(component) = mapped {
        tracing::debug!(
            "compiled code from `{}`: {len} bytes checked in {:.2} ms, mapped in {:.2} ms",
            path.display(),
            checked.as_secs_f64() * 1e3,
            (started.elapsed() - checked).as_secs_f64() * 1e3
        );
        return Ok(component);
    }
    // Not mappable (no /proc, a `noexec` mount): the checked bytes, copied.
    std::io::Seek::rewind(&mut file).map_err(|_| Miss::Refused("cannot be read"))?;
    let mut data = Vec::with_capacity(len as usize);
    (&mut file)
        .take(len)
        .read_to_end(&mut data)
        .map_err(|_| Miss::Refused("cannot be read"))?;
    if data.len() as u64 != len
        || file_digest(key, &data[..payload as usize])[..] != trailer[MAGIC.len() + 32..]
    {
        return Err(changed);
    }
    // SAFETY: as above, for the bytes just read and checked again.
    #[allow(unsafe_code)]
    let copied = unsafe { Component::deserialize(engine, &data[..payload as usize]) };
    copied.map_err(|e| {
        tracing::debug!("wasmtime refused `{}`: {e}", path.display());
        Miss::Refused("was refused by wasmtime")
    })
}

/// Writes `parts` to a file then renames it into place: a concurrent
/// reader never sees half a file, a file is never changed in place (so one
/// wasmtime has mapped stays as it was), and a planted file at the
/// temporary name is never followed (`create_new`).
fn write_new(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = options.open(&tmp).and_then(|mut file| {
        for part in parts {
            file.write_all(part)?;
        }
        file.sync_all()
    });
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The cache key: the file format, witloom's version, everything about the
/// engine that makes compiled code (in)compatible (wasmtime's own hash of
/// it), and the component's digest.
fn key(engine: &Engine, digest: &ContentDigest) -> [u8; 32] {
    /// Feeds `Hash` into BLAKE3, so wasmtime's hashable engine settings
    /// go into a cryptographic key.
    struct Feed(blake3::Hasher);
    impl std::hash::Hasher for Feed {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            unreachable!("only written to")
        }
    }
    let mut feed = Feed(blake3::Hasher::new());
    feed.0.update(MAGIC);
    feed.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    feed.0.update(&[0]);
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut feed);
    feed.0.update(&digest.0);
    feed.0.finalize().into()
}

/// What a file's trailer says about the `payload` before it: BLAKE3 of
/// the key and of the BLAKE3 digests of the payload's two halves, so that
/// a large file is hashed by two threads.
fn file_digest(key: &[u8; 32], payload: &[u8]) -> [u8; 32] {
    let mid = payload.len() / 2;
    combine(
        key,
        blake3::hash(&payload[..mid]),
        blake3::hash(&payload[mid..]),
    )
}

fn combine(key: &[u8; 32], first: blake3::Hash, second: blake3::Hash) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(key);
    h.update(first.as_bytes());
    h.update(second.as_bytes());
    h.finalize().into()
}

/// [`file_digest`] of the first `payload` bytes of `file`, read in pieces
/// (never holding a copy of it), on two threads when it is large enough
/// for that to pay (a thread costs tens of microseconds; hashing 1 MiB,
/// a few hundred).
fn digest_file(file: &File, key: &[u8; 32], payload: u64) -> Result<[u8; 32], Miss> {
    let mid = payload / 2;
    // Two threads only where reading at an offset leaves the file's
    // cursor alone (elsewhere, a cloned handle shares one cursor).
    let (first, second) = if cfg!(unix) && payload >= 1 << 20 {
        std::thread::scope(|s| {
            let second = s.spawn(|| hash_range(file, mid, payload));
            let first = hash_range(file, 0, mid);
            (first, second.join().unwrap_or_else(|_| Err(unreadable())))
        })
    } else {
        (hash_range(file, 0, mid), hash_range(file, mid, payload))
    };
    let unread = |_| Miss::Refused("cannot be read");
    Ok(combine(
        key,
        first.map_err(unread)?,
        second.map_err(unread)?,
    ))
}

fn unreadable() -> std::io::Error {
    std::io::Error::other("the hashing thread failed")
}

/// BLAKE3 of bytes `start..end` of `file`.
fn hash_range(file: &File, start: u64, end: u64) -> std::io::Result<blake3::Hash> {
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; (64 << 10).min((end - start) as usize)];
    let mut at = start;
    while at < end {
        let n = buf.len().min((end - at) as usize);
        read_at(file, &mut buf[..n], at)?;
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    Ok(hasher.finalize())
}

/// Fills `buf` from `file` at `offset`: on Unix without moving its cursor
/// (so two threads may read one file); elsewhere through a clone of the
/// handle, which shares the cursor, so one thread at a time.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(not(unix))]
    {
        use std::io::Seek;
        let mut file = file.try_clone()?;
        file.seek(std::io::SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        // Another process made it first: it is checked like any other.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn check_private_dir(dir: &Path) -> Result<(), Refused> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).map_err(|e| Refused::Unusable {
        dir: dir.to_path_buf(),
        why: format!("cannot be read: {}", witloom_diag::io::reason(&e)),
    })?;
    if !meta.is_dir() {
        return Err(Refused::Unusable {
            dir: dir.to_path_buf(),
            why: "is not a directory".into(),
        });
    }
    if meta.uid() != current_uid() {
        return Err(Refused::NotOwned {
            dir: dir.to_path_buf(),
            owner: meta.uid(),
        });
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Refused::Writable {
            dir: dir.to_path_buf(),
            mode: meta.mode() & 0o7777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_dir(_: &Path) -> Result<(), Refused> {
    Err(Refused::Unsupported)
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    #[allow(unsafe_code)]
    unsafe {
        libc::geteuid()
    }
}

#[cfg(test)]
mod tests {
    //! The cache gives back only what it wrote for these bytes on this
    //! engine, intact; everything else is recompiled, and the component
    //! still answers right.

    use super::*;
    use crate::{Outcome, RunOptions};
    use std::cell::Cell;

    /// A component whose `answer` returns `n`.
    fn answering(n: u32) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(component
                 (core module $m (func (export "answer") (result i32) (i32.const {n})))
                 (core instance $i (instantiate $m))
                 (func (export "answer") (result u32) (canon lift (core func $i "answer"))))"#
        ))
        .unwrap()
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir()
            .join(format!("witloom-cache-{}", std::process::id()))
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        create_private_dir(&dir).unwrap();
        dir
    }

    /// Loads `bytes` through `cache`, then calls `answer`: what it
    /// returned, and whether it had to be compiled.
    fn answer(cache: &Cache, engine: &Engine, bytes: &[u8]) -> (String, bool) {
        answer_with(cache, engine, bytes, RunOptions::default())
    }

    /// [`answer`] with `opts`, whose settings made `engine`.
    fn answer_with(
        cache: &Cache,
        engine: &Engine,
        bytes: &[u8],
        opts: RunOptions,
    ) -> (String, bool) {
        let compiled = Cell::new(false);
        let component = cache
            .get_or_compile(engine, bytes, || {
                compiled.set(true);
                Ok(Component::new(engine, bytes).unwrap())
            })
            .unwrap();
        let opts = RunOptions {
            invoke: Some("answer()".into()),
            ..opts
        };
        match crate::run_component(engine, &component, &opts).unwrap() {
            Outcome::Returned(v) => (v, compiled.get()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_it_did_not_write_intact_never_runs() {
        let engine = crate::engine(&RunOptions::default()).unwrap();
        let cache = Cache::at(&scratch("tamper")).unwrap();
        let (a, b) = (answering(42), answering(666));
        let path = cache.path(&engine, &a);
        assert_eq!(answer(&cache, &engine, &a), ("42".into(), true));
        assert_eq!(answer(&cache, &engine, &a), ("42".into(), false));
        let good = std::fs::read(&path).unwrap();

        let mut flipped = good.clone();
        let mid = (good.len() - TRAILER) / 2;
        for byte in &mut flipped[mid..mid + 64] {
            *byte = !*byte;
        }
        let truncated = good[..good.len() / 2].to_vec();
        // What the cache wrote for another component, under this one's name.
        answer(&cache, &engine, &b);
        let foreign = std::fs::read(cache.path(&engine, &b)).unwrap();
        // wasmtime's own artifact, without witloom's header.
        let bare = Component::new(&engine, &a).unwrap().serialize().unwrap();
        for (what, bytes) in [
            ("tampered", flipped),
            ("truncated", truncated),
            ("foreign", foreign),
            ("bare", bare),
            ("empty", Vec::new()),
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(answer(&cache, &engine, &a), ("42".into(), true), "{what}");
            // The bad file was replaced by a good one.
            assert_eq!(std::fs::read(&path).unwrap(), good, "{what}");
        }
    }

    #[test]
    fn a_file_is_known_by_its_identity_once_settled_and_until_it_changes() {
        let dir = scratch("identity");
        let cache = Cache::at(&dir)
            .unwrap()
            .settling(Duration::from_millis(200));
        let file = scratch("identity-files").join("app.wasm");
        std::fs::write(&file, answering(1)).unwrap();
        let id = || FileId::of(&std::fs::metadata(&file).unwrap()).unwrap();
        let one = ContentDigest::of(&answering(1));
        // Just written: a second write within the clock's tick could leave
        // the identity as it is, so it is not recorded yet.
        cache.record(&id(), &one);
        assert_eq!(cache.recorded(&id()), None);
        std::thread::sleep(Duration::from_millis(250));
        cache.record(&id(), &one);
        assert_eq!(cache.recorded(&id()), Some(one));
        let record = cache.record_path(&id());

        // A record changed by anyone but the cache is not believed.
        let good = std::fs::read(&record).unwrap();
        let mut flipped = good.clone();
        flipped[RECORD - 40] ^= 1;
        std::fs::write(&record, &flipped).unwrap();
        assert_eq!(cache.recorded(&id()), None);
        std::fs::write(&record, &good[..RECORD - 1]).unwrap();
        assert_eq!(cache.recorded(&id()), None);
        std::fs::write(&record, &good).unwrap();
        assert_eq!(cache.recorded(&id()), Some(one));

        // Rewritten with other bytes of the same length: another identity.
        let before = id();
        std::fs::write(&file, answering(2)).unwrap();
        assert_ne!(id(), before);
        assert_eq!(cache.recorded(&id()), None);
        // Replaced by another file under the same name: another identity.
        let other = file.with_extension("new");
        std::fs::write(&other, answering(1)).unwrap();
        std::fs::rename(&other, &file).unwrap();
        assert_eq!(cache.recorded(&id()), None);
    }

    #[test]
    fn a_link_or_another_users_file_is_not_read() {
        use std::os::unix::fs::PermissionsExt;
        let engine = crate::engine(&RunOptions::default()).unwrap();
        let cache = Cache::at(&scratch("links")).unwrap();
        let a = answering(5);
        let path = cache.path(&engine, &a);
        answer(&cache, &engine, &a);
        // A good file, reached through a link: not followed.
        let elsewhere = scratch("links-target").join("good.cwasm");
        std::fs::rename(&path, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
        assert_eq!(answer(&cache, &engine, &a), ("5".into(), true));
        // A good file that others may write: not read.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert_eq!(answer(&cache, &engine, &a), ("5".into(), true));
    }

    #[test]
    fn the_key_covers_the_engine_settings() {
        let a = answering(7);
        let plain = crate::engine(&RunOptions::default()).unwrap();
        // Epoch interruption changes the code Cranelift emits.
        let timed = RunOptions {
            limits: crate::Limits {
                timeout: Some(std::time::Duration::from_secs(60)),
                ..Default::default()
            },
            ..RunOptions::default()
        };
        let interruptible = crate::engine(&timed).unwrap();
        let cache = Cache::at(&scratch("engines")).unwrap();
        assert_ne!(cache.path(&plain, &a), cache.path(&interruptible, &a));
        assert_eq!(answer(&cache, &plain, &a), ("7".into(), true));
        assert_eq!(
            answer_with(&cache, &interruptible, &a, timed),
            ("7".into(), true)
        );
    }

    #[test]
    fn only_a_private_absolute_directory_is_used() {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            Cache::at(Path::new("relative/cache")).unwrap_err(),
            Refused::Relative("relative/cache".into())
        );
        let open = scratch("world-writable");
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(
            Cache::at(&open).unwrap_err(),
            Refused::Writable {
                dir: open.clone(),
                mode: 0o777
            }
        );
        let group = scratch("group-writable");
        std::fs::set_permissions(&group, std::fs::Permissions::from_mode(0o770)).unwrap();
        assert!(matches!(Cache::at(&group), Err(Refused::Writable { .. })));
        // Someone else's: as root, a directory given away; otherwise `/`.
        let theirs = if current_uid() == 0 {
            let dir = scratch("theirs");
            std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
            dir
        } else {
            PathBuf::from("/")
        };
        assert!(
            matches!(Cache::at(&theirs), Err(Refused::NotOwned { .. })),
            "{}",
            theirs.display()
        );
        // A new directory is created for the user alone.
        let fresh = scratch("fresh").join("a/b");
        let cache = Cache::at(&fresh).unwrap();
        let mode = std::fs::metadata(cache.dir()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
