//! The shim's own tests: a container's environment read as settings. The
//! shim under a real containerd is tested with the CLI's
//! (`crates/witloom/tests/all/containerd.rs`), which packages the images.

use std::time::Duration;
use witloom_shim::options::{DEFAULT_ADDR, SETTINGS, SettingError, Settings};

#[test]
fn the_shims_variables_become_options_and_the_rest_is_the_guests() {
    let s = Settings::from_env(&[
        "PATH=/usr/bin",
        "WHO=me",
        "WITLOOM_SQLITE=/data/app.db",
        "WITLOOM_TIMEOUT=2s",
        "WITLOOM_MAX_MEMORY=64MiB",
        "WITLOOM_MAX_INSTANCE_REUSE=1",
        "WASMTIME_HTTP_PROXY_SOCKET_ADDR=127.0.0.1:9000",
        "EMPTY",
    ])
    .unwrap();
    assert_eq!(
        s.guest_env,
        [("PATH", "/usr/bin"), ("WHO", "me"), ("EMPTY", "")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        s.sqlite.as_deref(),
        Some(std::path::Path::new("/data/app.db"))
    );
    assert_eq!(s.limits.timeout, Some(Duration::from_secs(2)));
    assert_eq!(s.limits.max_memory, Some(64 << 20));
    assert_eq!(s.reuse.max_requests, Some(1));
    assert_eq!(s.addr.to_string(), "127.0.0.1:9000");
    let serve = s.serve_options();
    assert_eq!(serve.env, s.guest_env);
    let run = s.run_options(vec!["a".into()], vec!["/texts".into()]);
    assert_eq!(run.dirs, [("/texts".into(), "/texts".to_string())]);
    assert_eq!(run.args, ["a"]);
}

#[test]
fn nothing_set_is_runwasis_default_address_and_no_grant() {
    let s = Settings::from_env::<&str>(&[]).unwrap();
    assert_eq!(s.addr.to_string(), DEFAULT_ADDR);
    assert!(s.sqlite.is_none() && s.postgres.is_none());
    assert!(s.guest_env.is_empty());
}

#[test]
fn an_unknown_or_invalid_setting_is_refused_by_name() {
    let e = Settings::from_env(&["WITLOOM_TIMOUT=1s"]).unwrap_err();
    assert!(matches!(&e, SettingError::Unknown { name } if name == "WITLOOM_TIMOUT"));
    let shown = witloom_diag::Diagnostic::from(e).to_string();
    assert!(shown.contains("did you mean `WITLOOM_TIMEOUT`?"), "{shown}");
    for bad in [
        "WITLOOM_TIMEOUT=soon",
        "WITLOOM_MAX_MEMORY=lots",
        "WITLOOM_FUEL=0",
        "WITLOOM_MAX_INSTANCE_REUSE=-1",
        "WASMTIME_HTTP_PROXY_SOCKET_ADDR=localhost",
        "WITLOOM_SQL=",
    ] {
        let e = Settings::from_env(&[bad]).unwrap_err();
        let (name, _) = bad.split_once('=').unwrap();
        assert!(
            matches!(&e, SettingError::Invalid { name: n, .. } if *n == name),
            "{bad}: {e:?}"
        );
        let shown = witloom_diag::Diagnostic::from(e).to_string();
        assert!(shown.contains(bad), "{shown}");
        assert!(shown.contains("caused by: "), "{shown}");
    }
}

#[test]
fn every_setting_is_documented_in_deploy_md() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/deploy.md"),
    )
    .unwrap();
    for (name, _) in SETTINGS {
        assert!(
            doc.contains(&format!("`{name}`")),
            "docs/deploy.md does not name `{name}`"
        );
    }
}

/// A container's mountinfo as Debian's containerd 1.6 and runc lay it out,
/// with the mounts a test gives and the files Kubernetes mounts.
const MOUNTINFO: &str = "\
612 560 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/x,upperdir=/y,workdir=/z
613 612 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
614 612 0:56 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
615 614 0:57 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666
616 614 0:58 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
617 614 0:54 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw
618 612 0:59 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
619 618 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw
620 612 0:60 / /run rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw
621 612 254:1 /srv/texts /texts ro,relatime - ext4 /dev/vda1 rw
622 612 254:1 /var/lib/app /data rw,relatime - ext4 /dev/vda1 rw
623 612 254:1 /var/cache/witloom /cache rw,relatime - ext4 /dev/vda1 rw
624 612 254:1 /srv/my\\040files /my\\040files rw,relatime - ext4 /dev/vda1 rw
625 612 254:1 /etc/hosts /etc/hosts rw,relatime - ext4 /dev/vda1 rw
626 612 0:61 / /var/run/secrets/kubernetes.io/serviceaccount ro,relatime - tmpfs tmpfs rw
";

#[test]
fn a_commands_guest_gets_the_containers_mounts_but_the_hosts() {
    use std::path::PathBuf;
    let s = Settings::from_env(&[
        "WITLOOM_SQLITE=/data/app.db",
        "WITLOOM_CACHE_DIR=/cache/compiled",
    ])
    .unwrap();
    let dirs = witloom_shim::options::preopens(MOUNTINFO, &s);
    assert_eq!(
        dirs,
        [
            "/run",
            "/texts",
            "/my files",
            "/etc/hosts",
            "/var/run/secrets/kubernetes.io/serviceaccount",
        ]
        .map(PathBuf::from)
    );
    // Without those grants, /data and /cache are the guest's like any.
    let plain =
        witloom_shim::options::preopens(MOUNTINFO, &Settings::from_env::<&str>(&[]).unwrap());
    assert!(plain.contains(&PathBuf::from("/data")) && plain.contains(&PathBuf::from("/cache")));
    // Nothing readable: nothing given.
    assert!(witloom_shim::options::preopens("", &s).is_empty());
    assert!(witloom_shim::options::preopens("garbage\n\\777 x y z w -\n", &s).is_empty());
}
