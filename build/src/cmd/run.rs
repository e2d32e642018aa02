// SPDX-License-Identifier: MIT
//! `cargo xtask run <board>`: build, then boot the image in QEMU with the
//! serial console on this terminal. The exit status is the image's.

use crate::board::schema::LogFormat;
use crate::qemu::{self, Overrides};
use anyhow::Result;
use std::time::Duration;

/// Options of `run`.
pub struct RunOptions {
    /// Kill QEMU after this many seconds.
    pub timeout: Option<u64>,
    /// No display window.
    pub headless: bool,
    /// Log format override.
    pub log: Option<LogFormat>,
    /// Extra QEMU arguments.
    pub qemu_args: Vec<String>,
}

/// Runs the command; returns the exit status.
pub fn run(board: &str, opts: RunOptions) -> Result<i32> {
    let built = super::build::build(board, opts.log)?;
    let display = std::env::var_os("DISPLAY").is_some();
    let headless = opts.headless || !display;
    if !opts.headless && !display {
        eprintln!("xtask: no $DISPLAY, so no display window (as with --headless)");
    }
    let overrides = Overrides { extra: opts.qemu_args, ..Overrides::default() };
    let cmd = qemu::command(&built.board, &built.image, headless, &overrides)?;
    eprintln!(
        "xtask: booting {} in QEMU{}",
        built.image.display(),
        opts.timeout.map_or(String::new(), |t| format!(" (timeout {t}s)"))
    );
    qemu::run_interactive(cmd, opts.timeout.map(Duration::from_secs))
}
