// SPDX-License-Identifier: MIT
//! `cargo xtask fuzz <target> --time N`: runs a cargo-fuzz target of `fuzz/`
//! (its own workspace, built by the nightly toolchain with the address
//! sanitizer) for N seconds; `all` runs each in turn, `--list` lists them.
//! Also the short smoke of every target that `cargo xtask test` runs.
//!
//! This module owns finding the targets (the `[[bin]]`s of
//! `fuzz/Cargo.toml`), checking for nightly and cargo-fuzz, and reading
//! libFuzzer's output for its result. libFuzzer reads the checked-in seeds
//! in `fuzz/corpus/<target>/`, adds what it finds to
//! `target/fuzz/corpus/<target>/` and saves a crashing input under
//! `fuzz/artifacts/<target>/`.

use super::test::Tally;
use crate::workspace;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Seconds each target runs in the smoke of `cargo xtask test`.
pub const SMOKE_SECONDS: u64 = 8;
/// libFuzzer's limit on one input, in seconds (a longer one is a crash).
const INPUT_TIMEOUT: u64 = 20;
/// Output lines kept to show when a quiet run fails.
const TAIL_LINES: usize = 30;

/// The fuzz project.
fn fuzz_dir() -> PathBuf {
    workspace::root().join("fuzz")
}

/// cargo-fuzz's build directory, beside the workspace's.
fn fuzz_target_dir() -> PathBuf {
    workspace::target_dir().join("fuzz")
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    bin: Vec<Bin>,
}

#[derive(Deserialize)]
struct Bin {
    name: String,
}

/// The fuzz targets: the `[[bin]]` names of `fuzz/Cargo.toml`.
pub fn targets() -> Result<Vec<String>> {
    let path = fuzz_dir().join("Cargo.toml");
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let manifest: Manifest = toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
    Ok(manifest.bin.into_iter().map(|b| b.name).collect())
}

/// `cargo +nightly ...` in `fuzz/`, through rustup's `cargo` (not the
/// `$CARGO` of the pinned toolchain running us, which has no `+nightly`).
fn cargo_nightly() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly").current_dir(fuzz_dir());
    for var in ["CARGO", "RUSTUP_TOOLCHAIN", "RUSTC", "RUSTDOC"] {
        cmd.env_remove(var);
    }
    cmd
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Fails with how to install them if nightly or cargo-fuzz is missing.
pub fn check_tools() -> Result<()> {
    if !succeeds(cargo_nightly().arg("--version")) {
        bail!(
            "the nightly Rust toolchain is missing (cargo-fuzz needs it)\n  = help: install it with \
             `rustup toolchain install nightly --profile minimal`, or run `bash ci/setup.sh`"
        );
    }
    if !succeeds(cargo_nightly().args(["fuzz", "--version"])) {
        bail!(
            "cargo-fuzz is not installed\n  = help: install it with `cargo install cargo-fuzz --locked`, \
             or run `bash ci/setup.sh`"
        );
    }
    Ok(())
}

/// `cargo +nightly fuzz <sub>`, with the same build options for every
/// subcommand so that `run` reuses what `build` built.
fn cargo_fuzz(sub: &str) -> Command {
    let mut cmd = cargo_nightly();
    cmd.args(["fuzz", sub, "--target-dir"]).arg(fuzz_target_dir());
    cmd
}

/// Builds every target (cargo's progress on stderr).
fn build_all() -> Result<()> {
    eprintln!("   building the fuzz targets (nightly, address sanitizer)");
    let start = Instant::now();
    let status = cargo_fuzz("build").status().context("could not run cargo +nightly fuzz build")?;
    if !status.success() {
        bail!("cargo +nightly fuzz build failed (see above)");
    }
    eprintln!("   built in {:.0}s", start.elapsed().as_secs_f64());
    Ok(())
}

/// How one run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No crash within the time.
    Passed,
    /// A crash (panic, failed invariant, timeout, out of memory, leak);
    /// libFuzzer saved the input.
    Crashed,
    /// cargo-fuzz failed without a crash (build error, bad option).
    Failed {
        /// Its exit status.
        status: Option<i32>,
    },
}

/// What libFuzzer's output said.
#[derive(Debug, Default)]
struct Scan {
    /// `Test unit written to <path>`: the crashing input.
    input: Option<PathBuf>,
    /// `Done <n> runs in ...`.
    runs: Option<u64>,
    /// Why it crashed: the panic and its message, or libFuzzer's error.
    cause: Option<String>,
    /// The previous line was a panic's location; its message follows.
    panic_at: Option<String>,
}

impl Scan {
    fn line(&mut self, line: &str) {
        if let Some(at) = self.panic_at.take() {
            self.cause = Some(format!("{at}: {}", line.trim()));
        }
        if let Some(path) = line.split("Test unit written to ").nth(1) {
            self.input = Some(PathBuf::from(path.trim()));
        }
        if let Some(n) = line.strip_prefix("Done ").and_then(|rest| rest.split(' ').next()) {
            self.runs = n.parse().ok().or(self.runs);
        }
        if self.cause.is_none() {
            if let Some(at) = line.split(" panicked at ").nth(1) {
                self.panic_at = Some(format!("panicked at {}", at.trim_end_matches(':')));
            } else if let Some(error) = line.split("ERROR: ").nth(1) {
                self.cause = Some(error.trim().to_string());
            }
        }
    }
}

/// What a run reported.
struct Run {
    outcome: Outcome,
    scan: Scan,
    seconds: f64,
    /// Its last lines of output.
    tail: VecDeque<String>,
}

/// Runs `target` for `seconds`; echoes libFuzzer's output unless `quiet`.
fn run_target(target: &str, seconds: u64, quiet: bool) -> Result<Run> {
    let found = fuzz_target_dir().join("corpus").join(target);
    std::fs::create_dir_all(&found).with_context(|| format!("cannot create {}", found.display()))?;
    let seeds = fuzz_dir().join("corpus").join(target);
    let mut cmd = cargo_fuzz("run");
    cmd.arg(target).arg(&found);
    if seeds.is_dir() {
        cmd.arg(&seeds);
    }
    cmd.arg("--").arg(format!("-max_total_time={seconds}")).arg(format!("-timeout={INPUT_TIMEOUT}"));
    cmd.stdout(if quiet { Stdio::null() } else { Stdio::inherit() }).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().context("could not run cargo +nightly fuzz run")?;
    let (mut scan, mut tail) = (Scan::default(), VecDeque::new());
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines() {
            let line = line?;
            if !quiet {
                eprintln!("{line}");
            }
            scan.line(&line);
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
    let status = child.wait()?;
    let outcome = if status.success() {
        Outcome::Passed
    } else if scan.input.is_some() {
        Outcome::Crashed
    } else {
        Outcome::Failed { status: status.code() }
    };
    Ok(Run { outcome, scan, seconds: start.elapsed().as_secs_f64(), tail })
}

/// A path relative to the workspace root, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(workspace::root()).unwrap_or(path).display().to_string()
}

/// One line saying how `target` did (more if it failed); whether it passed.
fn report(target: &str, run: &Run, quiet: bool) -> bool {
    let secs = run.seconds;
    match &run.outcome {
        Outcome::Passed => {
            let runs = run.scan.runs.map_or(String::new(), |n| format!(", {n} runs"));
            println!("PASS fuzz {target} ({secs:.1}s{runs})");
            return true;
        }
        Outcome::Crashed => {
            let input = run.scan.input.as_deref();
            println!("FAIL fuzz {target} ({secs:.1}s): crash, input saved to {}", input.map_or("?".into(), shown));
            if let Some(cause) = &run.scan.cause {
                println!("     {cause}");
            }
            if let Some(in_fuzz) = input.and_then(|p| p.strip_prefix(fuzz_dir()).ok()) {
                println!("     reproduce: cd fuzz && cargo +nightly fuzz run {target} {}", in_fuzz.display());
            }
        }
        Outcome::Failed { status } => {
            let status = status.map_or("a signal".into(), |c| format!("status {c}"));
            println!("FAIL fuzz {target} ({secs:.1}s): cargo fuzz ended with {status} without a crash");
            if quiet {
                for line in &run.tail {
                    println!("     | {line}");
                }
            }
        }
    }
    false
}

/// The target named `name`, or an error listing the valid ones.
fn known(name: &str, all: &[String]) -> Result<()> {
    if all.iter().any(|t| t == name) {
        return Ok(());
    }
    bail!("unknown fuzz target `{name}`\n  = help: the targets are {}, or `all`", all.join(", "))
}

/// Runs the command; returns the exit status (1 if any target crashed).
pub fn run(target: Option<&str>, seconds: u64, list: bool) -> Result<i32> {
    let all = targets()?;
    if list {
        for t in &all {
            println!("{t}");
        }
        return Ok(0);
    }
    let target = target.unwrap_or("all");
    if target != "all" {
        known(target, &all)?;
    }
    check_tools()?;
    if target != "all" {
        let run = run_target(target, seconds, false)?;
        return Ok(if report(target, &run, false) { 0 } else { 1 });
    }
    build_all()?;
    let mut failed = Vec::new();
    for t in &all {
        let run = run_target(t, seconds, true)?;
        if !report(t, &run, true) {
            failed.push(format!("{t}: {}", run.scan.input.as_deref().map_or("no crashing input".into(), shown)));
        }
    }
    println!(
        "{} fuzz targets, {seconds}s each: {} passed, {} failed",
        all.len(),
        all.len() - failed.len(),
        failed.len()
    );
    for f in &failed {
        println!("  failed {f}");
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

/// The smoke of `cargo xtask test`: every target for [`SMOKE_SECONDS`],
/// each a test in `tally`; a missing tool or a failed build is one failure.
pub fn smoke(tally: &mut Tally) {
    println!("== fuzz smoke (every target of fuzz/ for {SMOKE_SECONDS}s)");
    let start = Instant::now();
    let ready = targets().and_then(|all| check_tools().and_then(|()| build_all()).map(|()| all));
    let all = match ready {
        Ok(all) => all,
        Err(e) => {
            println!("FAIL fuzz smoke: {e:#}");
            tally.failed += 1;
            return;
        }
    };
    for t in &all {
        match run_target(t, SMOKE_SECONDS, true) {
            Ok(run) if report(t, &run, true) => tally.passed += 1,
            Ok(_) => tally.failed += 1,
            Err(e) => {
                println!("FAIL fuzz {t}: {e:#}");
                tally.failed += 1;
            }
        }
    }
    println!("   fuzz smoke took {:.0}s", start.elapsed().as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libfuzzer_output_is_read() {
        let mut scan = Scan::default();
        scan.line("#1024\tpulse  cov: 12 ft: 13 corp: 4/40b exec/s: 0 rss: 30Mb");
        assert!(scan.input.is_none() && scan.runs.is_none() && scan.cause.is_none());
        scan.line("thread '<unnamed>' panicked at fuzz_targets/x.rs:13:5:");
        scan.line("frames came out changed or out of order");
        scan.line("==77== ERROR: libFuzzer: deadly signal");
        assert_eq!(
            scan.cause.as_deref(),
            Some("panicked at fuzz_targets/x.rs:13:5: frames came out changed or out of order")
        );
        scan.line("artifact_prefix='/w/fuzz/artifacts/x/'; Test unit written to /w/fuzz/artifacts/x/crash-ab12");
        assert_eq!(scan.input, Some(PathBuf::from("/w/fuzz/artifacts/x/crash-ab12")));
        scan.line("Done 123456 runs in 11 second(s)");
        assert_eq!(scan.runs, Some(123456));

        let mut timeout = Scan::default();
        timeout.line("==9== ERROR: libFuzzer: timeout after 21 seconds");
        assert_eq!(timeout.cause.as_deref(), Some("libFuzzer: timeout after 21 seconds"));
    }

    #[test]
    fn every_target_is_listed_and_has_a_source() {
        let all = targets().unwrap();
        for expected in ["ring_consumer", "bootcfg_decode", "board_parse", "input_decode", "dmop_decode"] {
            assert!(all.iter().any(|t| t == expected), "{expected} missing from fuzz/Cargo.toml");
        }
        for t in &all {
            assert!(fuzz_dir().join("fuzz_targets").join(format!("{t}.rs")).is_file(), "no source for {t}");
        }
        assert!(known("nope", &all).unwrap_err().to_string().contains("ring_consumer"));
    }
}
