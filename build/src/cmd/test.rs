// SPDX-License-Identifier: MIT
//! `cargo xtask test`: every host test, the shell tests of `ci/tests/`, a
//! short smoke of every fuzz target,
//! then every QEMU integration test, each under a timeout. Ends with
//! `N passed, N failed`; exits 1 on any failure.

use crate::workspace;
use anyhow::Result;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Counts of passed and failed tests.
#[derive(Default)]
pub struct Tally {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
}

/// Runs the host tests, echoing cargo's output and counting results.
fn host_tests(tally: &mut Tally) -> Result<()> {
    let packages = crate::packages::list(crate::packages::Kind::Host)?;
    println!("== host tests ({})", packages.join(", "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace::root()).args(["test", "--no-fail-fast"]);
    for p in &packages {
        cmd.args(["--package", p]);
    }
    let mut child = cmd.stdout(Stdio::piped()).spawn()?;
    let mut counted = false;
    let failed_before = tally.failed;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            if let Some((passed, failed)) = parse_result(&line) {
                tally.passed += passed;
                tally.failed += failed;
                counted = true;
            }
        }
    }
    let status = child.wait()?;
    if !status.success() && (!counted || tally.failed == failed_before) {
        // A build error, or a test binary that crashed without a summary.
        println!("FAIL host tests: cargo test failed without a test failure being counted (see above)");
        tally.failed += 1;
    }
    Ok(())
}

/// Runs the loom model of the ring (its own target directory: loom builds
/// need `--cfg loom`, which would otherwise invalidate the normal build).
fn loom_tests(tally: &mut Tally) -> Result<()> {
    println!("== loom model of the ring");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace::root())
        .env("RUSTFLAGS", "--cfg loom")
        .env("CARGO_TARGET_DIR", workspace::target_dir().join("loom"))
        .args(["test", "--release", "--package", "bulkhead-ring", "--test", "loom"])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let mut counted = false;
    for line in text.lines() {
        if let Some((passed, failed)) = parse_result(line) {
            println!("{line}");
            tally.passed += passed;
            tally.failed += failed;
            counted = true;
        }
    }
    if !counted || !out.status.success() {
        if !counted {
            tally.failed += 1;
        }
        println!("FAIL loom model:\n{text}");
    }
    Ok(())
}

/// Runs the shell tests of `ci/tests/` (the set-up script's), counting
/// their `ok <name>` and `FAIL <name>` lines.
fn shell_tests(tally: &mut Tally) -> Result<()> {
    let dir = workspace::root().join("ci/tests");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    scripts.sort();
    for script in scripts {
        println!("== shell tests: {}", script.display());
        let out = Command::new("bash").arg(&script).current_dir(workspace::root()).output()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        let (mut passed, mut failed) = (0, 0);
        for line in text.lines() {
            println!("{line}");
            if line.starts_with("ok ") {
                passed += 1;
            } else if line.starts_with("FAIL ") {
                failed += 1;
            }
        }
        tally.passed += passed;
        tally.failed += failed;
        if failed == 0 && (passed == 0 || !out.status.success()) {
            println!("FAIL {}: exit status {:?} with no failure counted", script.display(), out.status.code());
            tally.failed += 1;
        }
    }
    Ok(())
}

/// Parses libtest's `test result: ok. 3 passed; 1 failed; ...`.
fn parse_result(line: &str) -> Option<(usize, usize)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| {
        rest.split(';')
            .find_map(|part| part.trim().trim_start_matches("ok. ").trim_start_matches("FAILED. ").strip_suffix(word))
            .and_then(|n| n.trim().parse().ok())
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

/// Runs the command; returns the exit status.
pub fn run(filter: Option<&str>, host_only: bool) -> Result<i32> {
    let mut tally = Tally::default();
    if filter.is_none() {
        host_tests(&mut tally)?;
        shell_tests(&mut tally)?;
        loom_tests(&mut tally)?;
        super::fuzz::smoke(&mut tally);
    }
    if !host_only {
        crate::qemu_tests::run_all(&mut tally, filter);
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    Ok(if tally.failed == 0 { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::parse_result;

    #[test]
    fn libtest_summaries_parse() {
        assert_eq!(parse_result("test result: ok. 7 passed; 0 failed; 0 ignored"), Some((7, 0)));
        assert_eq!(parse_result("test result: FAILED. 2 passed; 1 failed; 0 ignored"), Some((2, 1)));
        assert_eq!(parse_result("running 3 tests"), None);
    }
}
