//! Helpers shared by the integration tests: the reference Python and the judge scripts.

#![allow(dead_code)]

pub(crate) mod raw;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The venv Python with the reference scylla-driver, from `DRIVER_TEST_PYTHON`. Panics with a
/// clear message when unset: these tests must not be skipped silently.
pub(crate) fn python() -> String {
    std::env::var("DRIVER_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "DRIVER_TEST_PYTHON is not set: point it to the Python of the venv with the reference \
             scylla-driver (e.g. /work/main/.run/venv/bin/python; create it with scripts/pyenv)"
        )
    })
}

/// Path of a judge script.
pub(crate) fn judge(script: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("judge")
        .join(script)
}

/// Runs a judge script with `args`, feeding `input`, returning stdout lines.
pub(crate) fn run_judge(script: &str, args: &[&str], input: &str) -> Vec<String> {
    let mut child = Command::new(python())
        .arg(judge(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start DRIVER_TEST_PYTHON");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{script} failed: {:?}", out.status);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// The real node the sims stand in front of: the first of `CQL_TEST_HOSTS` (default
/// 127.0.0.1), port 9042 unless given.
pub(crate) fn backend() -> String {
    let hosts = std::env::var("CQL_TEST_HOSTS").unwrap_or_else(|_| "127.0.0.1".into());
    let first = hosts
        .split(',')
        .next()
        .unwrap_or("127.0.0.1")
        .trim()
        .to_string();
    if first.contains(':') {
        first
    } else {
        format!("{first}:9042")
    }
}

/// Starts an in-process sim with `flags` (its control port on `listen`:0) on a runtime of its
/// own; returns the runtime (keep it alive) and the control address.
pub(crate) fn start_sim(flags: &str, listen: &str) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let args = format!("{flags} --control {listen}:0");
    let cfg = scylla_sim::config::Config::parse(args.split_whitespace().map(String::from)).unwrap();
    let sim = rt
        .block_on(scylla_sim::server::start(cfg))
        .expect("sim cannot listen");
    (rt, sim.control.unwrap().to_string())
}

/// A small deterministic PRNG (xorshift64*), so failures are reproducible.
#[derive(Debug)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// Next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Runs judge/reference.py against a sim node and returns its final `RESULT` JSON line
/// (the raw text; the tests look figures up with [`json_number`]).
pub(crate) fn run_reference(host: &str, control: &str, extra: &[&str]) -> String {
    let mut args = vec!["--host", host, "--control", control];
    args.extend_from_slice(extra);
    run_result("reference.py", &args)
}

/// Runs a judge script printing a final `RESULT {json}` line and returns that JSON text.
pub(crate) fn run_result(script: &str, args: &[&str]) -> String {
    // The test cluster's superuser (scripts/cassandra), unless told otherwise.
    let user = std::env::var("SIM_CQL_USERNAME").unwrap_or_else(|_| "cassandra".into());
    let password = std::env::var("SIM_CQL_PASSWORD").unwrap_or_else(|_| "cassandra".into());
    let out = Command::new(python())
        .arg(judge(script))
        .args(args)
        .env("SIM_CQL_USERNAME", user)
        .env("SIM_CQL_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("cannot start DRIVER_TEST_PYTHON");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
    print!("{stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .expect("no RESULT line")
        .to_string()
}

/// The number after `"key": ` in a flat JSON text (first occurrence).
pub(crate) fn json_number(json: &str, key: &str) -> i64 {
    let pat = format!("\"{key}\": ");
    let at = json
        .find(&pat)
        .unwrap_or_else(|| panic!("{key} missing in {json}"))
        + pat.len();
    let digits: String = json[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{key} is not a number in {json}"))
}
