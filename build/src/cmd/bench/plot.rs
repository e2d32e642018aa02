// SPDX-License-Identifier: MIT
//! `cargo xtask bench --plot`: after the run, draws the interrupt latency
//! distributions it recorded (`target/bench/irq_samples.json`) into
//! `target/bench/irq_latency.png` with `build/plot` (`bench-plot`, a
//! separate crate so that only the chart links plotters' font stack).

use crate::workspace;
use anyhow::{Context, Result, ensure};
use std::path::PathBuf;
use std::process::Command;

/// The samples file the interrupt benchmarks write.
pub fn samples_file() -> PathBuf {
    workspace::target_dir().join("bench/irq_samples.json")
}

/// The chart.
pub fn chart_file() -> PathBuf {
    workspace::target_dir().join("bench/irq_latency.png")
}

/// Draws the chart from this run's samples.
pub fn draw() -> Result<PathBuf> {
    let samples = samples_file();
    ensure!(samples.is_file(), "{} is missing: the interrupt benchmarks did not record samples", samples.display());
    let chart = chart_file();
    println!("== chart: {}", chart.display());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace::root())
        .args(["run", "--quiet", "--release", "--package", "bench-plot", "--"])
        .arg(&samples)
        .arg(&chart)
        .status()
        .context("could not run cargo")?;
    ensure!(status.success(), "bench-plot failed ({status}); ci/setup.sh installs the fonts and libraries it needs");
    Ok(chart)
}
