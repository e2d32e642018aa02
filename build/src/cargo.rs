// SPDX-License-Identifier: MIT
//! Invoking cargo for the target crates (kernel and domains), with a
//! progress line per crate and cargo's own progress on stderr.

use crate::workspace;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// The kernel's target: no FP/SIMD, so EL2 never touches a guest's.
pub const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";
/// The domains' target.
pub const DOMAIN_TARGET: &str = "aarch64-unknown-none";

/// One cargo build of a binary crate for a target.
pub struct TargetBuild<'a> {
    /// Package name.
    pub package: &'a str,
    /// Target triple.
    pub target: &'a str,
    /// Cargo features.
    pub features: Vec<&'a str>,
    /// Environment for its build script.
    pub env: Vec<(&'a str, String)>,
}

impl TargetBuild<'_> {
    /// Builds in release mode; returns the ELF's path.
    pub fn run(&self) -> Result<PathBuf> {
        let features = self.features.join(",");
        eprintln!(
            "   building {} for {}{}",
            self.package,
            self.target,
            if features.is_empty() { String::new() } else { format!(" (features: {features})") }
        );
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace::root()).args([
            "build",
            "--release",
            "--package",
            self.package,
            "--target",
            self.target,
        ]);
        if !features.is_empty() {
            cmd.args(["--features", &features]);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let status = cmd.status().with_context(|| format!("could not run cargo for {}", self.package))?;
        if !status.success() {
            bail!("cargo build of {} for {} failed", self.package, self.target);
        }
        Ok(workspace::target_dir().join(self.target).join("release").join(self.package))
    }
}
