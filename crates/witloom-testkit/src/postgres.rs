//! A real PostgreSQL server for tests: Debian's `postgresql` binaries,
//! `initdb` into a directory of the test's own and `postgres` on a free
//! 127.0.0.1 port, killed when dropped. PostgreSQL refuses to run as root,
//! so as root both run as the `postgres` user the package creates.
//! `cargo xtask setup` installs the package; a test that needs it fails,
//! saying so, when it is missing.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server, with one database (`witloom`) its user owns.
#[derive(Debug)]
pub struct LocalPostgres {
    child: Child,
    /// `postgres://witloom@127.0.0.1:PORT/witloom`.
    pub url: String,
    pub port: u16,
    log: PathBuf,
    data: PathBuf,
}

/// The directory of the newest PostgreSQL's programs.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    versions.sort();
    versions.pop().map(|v| v.join("bin")).unwrap_or_else(|| {
        panic!("no PostgreSQL in /usr/lib/postgresql; `cargo xtask setup` installs the Debian package postgresql")
    })
}

/// Whether this process runs as root: `/proc/self` belongs to the
/// process's user.
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `program args…`, as the `postgres` user when this process is root.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

impl LocalPostgres {
    /// Starts a server whose files live under `dir` (emptied first).
    pub fn start(dir: &Path) -> LocalPostgres {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "cannot give {} to the postgres user", dir.display());
        }
        let bin = bin_dir();
        let out = as_server_user(&bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "witloom",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let log = dir.join("postgres.log");
        let child = as_server_user(&bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string()])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            .args(["-c", "fsync=off", "-c", "max_connections=200"])
            // Tests count the connections made.
            .args(["-c", "log_connections=on"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("postgres starts");
        let mut server = LocalPostgres {
            child,
            url: format!("postgres://witloom@127.0.0.1:{port}/witloom"),
            port,
            log,
            data: data.clone(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                let created = Command::new(bin.join("psql"))
                    .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "witloom"])
                    .args(["-d", "postgres", "-c", "CREATE DATABASE witloom"])
                    .output()
                    .expect("psql runs");
                if created.status.success() {
                    break;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("postgres exited with {status}:\n{}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "postgres was not ready within 60s:\n{}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// The server's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Runs `sql` with `psql` and returns its unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> String {
        let out = Command::new(bin_dir().join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "witloom",
            ])
            .args(["-d", "witloom", "-At", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Stops the server (it refuses new connections, and drops the ones
    /// it has): SIGINT, PostgreSQL's fast shutdown, to the postmaster
    /// itself (as root, the child is `runuser`, which does not pass it on),
    /// whose pid is the first line of `postmaster.pid`.
    pub fn stop(&mut self) {
        let pid_file = self.data.join("postmaster.pid");
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string))
        {
            let _ = Command::new("kill").args(["-INT", &pid]).status();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        // SIGINT: PostgreSQL's fast shutdown, which ends its children too.
        self.stop();
    }
}
