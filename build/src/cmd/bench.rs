// SPDX-License-Identifier: MIT
//! `cargo xtask bench`: measure, print a table, and write
//! `target/bench/results.json` (a flat object of metric name to number).
//! Every figure is measured in this run; nothing is copied from elsewhere.

use crate::board::schema::LogFormat;
use crate::elf;
use crate::workspace;
use anyhow::Result;
use std::collections::BTreeMap;

/// Runs the benchmarks; returns the exit status.
pub fn run() -> Result<i32> {
    let mut results: BTreeMap<&str, f64> = BTreeMap::new();
    let built = super::build::build("qemu-virt", Some(LogFormat::Text))?;
    let kernel = std::fs::read(&built.kernel_elf)?;
    results.insert("kernel_text_bytes", elf::section_sizes(&kernel)?.text as f64);
    results.insert("image_bytes", std::fs::metadata(&built.image)?.len() as f64);

    println!("{:<32} {:>14}", "metric", "value");
    for (name, value) in &results {
        println!("{name:<32} {value:>14}");
    }
    let dir = workspace::target_dir().join("bench");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results)? + "\n")?;
    println!("wrote {}", path.display());
    Ok(0)
}
