//! The README's two commands are the ones CI and users run: `.ci/run` calls
//! the README's test command, and every `cargo xtask` task the README names
//! exists.

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            cmd if in_sh && !cmd.is_empty() => commands.push(cmd.to_string()),
            _ => {}
        }
    }
    commands
}

#[test]
fn readme_has_two_commands_and_ci_runs_the_test_one() {
    let commands = readme_commands();
    assert_eq!(commands, ["cargo xtask demo", "cargo xtask test"]);
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == commands[1]),
        ".ci/run does not run the README's test command `{}`",
        commands[1]
    );
}

#[test]
fn readme_tasks_exist() {
    let xtask = env!("CARGO_BIN_EXE_xtask");
    let out = std::process::Command::new(xtask)
        .arg("help")
        .output()
        .unwrap();
    let usage = String::from_utf8_lossy(&out.stdout);
    for cmd in readme_commands() {
        let task = cmd.strip_prefix("cargo xtask ").unwrap();
        assert!(
            usage.lines().any(|l| l.trim_start().starts_with(task)),
            "`cargo xtask help` does not list `{task}`"
        );
    }
}
