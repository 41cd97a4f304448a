//! Runs a python-arango-async script of `tests/python/` against a stand-in and returns what
//! it printed. The interpreter is `DRIVER_TEST_PYTHON`, else the workspace's `.run/venv`.

use std::path::PathBuf;
use std::process::Command;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("DRIVER_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    // The workspace root made canonical, not the interpreter (a venv's python is a symlink
    // that must stay inside the venv).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let p = root.join(".run/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/pyenv first or set DRIVER_TEST_PYTHON",
        p.display()
    );
    p
}

/// Runs `tests/python/<script>` with `args`; panics with its output if it fails. Returns
/// stdout.
pub(crate) async fn run(script: &str, args: &[&str]) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let py = python();
    let out = tokio::task::spawn_blocking(move || Command::new(py).arg(path).args(args).output())
        .await
        .expect("join")
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The JSON printed on the line starting with `tag `.
pub(crate) fn tagged(stdout: &str, tag: &str) -> serde_json::Value {
    let prefix = format!("{tag} ");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {tag} line in:\n{stdout}"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{tag} is not JSON ({e}): {line}"))
}
