// SPDX-License-Identifier: MIT
//! The host half of `cargo xtask bench`: the ring benchmark
//! (`protocols/ring-hal/benches/ring`: our ring against `rtrb`, a 64 KiB
//! copy into a data area against memcpy), built with cargo's bench profile
//! and run once; every `BENCH name=value` line it prints is a metric of
//! this run. These are wall-clock figures (keys `*_host`), information
//! only: they swing from run to run, and on x86-64 a long copy is one
//! `rep movsb`, not the domains' loop; [`super::ring`] counts the same
//! comparisons in instructions as the domains run them. `cargo bench -p bulkhead-ring-hal --bench ring` runs the same
//! program by hand.

use crate::workspace;
use anyhow::{Context, Result, ensure};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// Metrics the ring benchmark must report (wall clock on this host:
/// information only; the ring's targets are counted in instructions by
/// [`super::ring`]).
pub const METRICS: [&str; 10] = [
    "ring_msgs_ns_per_msg_host",
    "ring_msgs_rtrb_ns_per_msg_host",
    "ring_msgs_ratio_vs_rtrb_host",
    "ring_msgs_ratio_vs_rtrb_host_lo",
    "ring_msgs_ratio_vs_rtrb_host_hi",
    "ring_bulk_gbps_host",
    "ring_bulk_memcpy_gbps_host",
    "ring_bulk_ratio_vs_memcpy_host",
    "ring_bulk_ratio_vs_memcpy_host_lo",
    "ring_bulk_ratio_vs_memcpy_host_hi",
];

/// Collects `BENCH name=value` lines with decimal values.
pub fn parse(output: &str) -> Result<BTreeMap<String, f64>> {
    let mut found = BTreeMap::new();
    for line in output.lines() {
        if let Some((name, value)) = line.strip_prefix("BENCH ").and_then(|l| l.split_once('=')) {
            let value: f64 = value.trim().parse().with_context(|| format!("bad value in `{line}`"))?;
            ensure!(value.is_finite(), "bad value in `{line}`");
            found.insert(name.to_string(), value);
        }
    }
    Ok(found)
}

/// Builds and runs the ring benchmark; returns its metrics.
pub fn metrics() -> Result<BTreeMap<String, f64>> {
    println!("== host: ring benchmark (cargo bench -p bulkhead-ring-hal --bench ring)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace::root())
        .args(["bench", "--quiet", "--package", "bulkhead-ring-hal", "--bench", "ring"])
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.success(), "the ring benchmark failed ({}):\n{text}", out.status);
    let found = parse(&text)?;
    for name in METRICS {
        ensure!(found.contains_key(name), "the ring benchmark did not report {name}:\n{text}");
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn bench_lines_parse_as_decimals() {
        let found = parse("ring benchmark: 15 rounds\nBENCH a=0.912\nBENCH b=48\nnoise=1\n").unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found["a"], 0.912);
        assert_eq!(found["b"], 48.0);
        assert!(parse("BENCH a=fast").is_err());
        assert!(parse("BENCH a=NaN").is_err());
    }
}
