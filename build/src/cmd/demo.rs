// SPDX-License-Identifier: MIT
//! `cargo xtask demo`: the README's demo. Fetches Debian's arm64 kernel,
//! builds `qemu-virt-linux` and boots it: Linux boots on 2 vCPUs, runs its
//! workload and powers off while the bare-metal counter counts beside it.
//! The console is shown as it comes; the run ends as soon as the kernel's
//! lines show all of it (`demo::verdict`), with a summary per domain
//! (`demo::summary`). Exit status: 0 shown, 1 failed, 124 timed out.
//!
//! The counter prints about thirty lines a second under TCG; the demo
//! shows one a second and says so (the summary counts them all). QEMU runs
//! without semihosting, as every run does (`qemu`).

use crate::board::schema::LogFormat;
use crate::demo::summary::{self, Table};
use crate::demo::verdict::{self, Verdict};
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use std::io::Write;
use std::time::{Duration, Instant};

/// The demo's board.
pub const BOARD: &str = "qemu-virt-linux";
/// Exit status when the timeout ends the demo.
pub const EXIT_TIMEOUT: i32 = 124;

/// Shows the console's complete lines, one `[counter] count` line a second.
struct Shown {
    /// Bytes of the console already shown.
    cursor: usize,
    /// When a counter line was last shown.
    last_count: Option<Instant>,
    /// Counter lines not shown.
    hidden: u64,
    /// The newest counter line not shown, if none was shown after it.
    unshown: Option<String>,
}

impl Shown {
    fn show(&mut self, log: &str, out: &mut impl Write) {
        let Some(end) = log[self.cursor..].rfind('\n').map(|p| self.cursor + p + 1) else { return };
        for line in log[self.cursor..end].lines() {
            if line.starts_with("[counter] count ") {
                if self.last_count.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                    self.hidden += 1;
                    self.unshown = Some(line.to_string());
                    continue;
                }
                self.last_count = Some(Instant::now());
                self.unshown = None;
            }
            let _ = writeln!(out, "{line}");
        }
        self.cursor = end;
    }

    /// Shows the newest counter line, if it was held back: the count the
    /// run ended with.
    fn finish(&mut self, out: &mut impl Write) {
        if let Some(line) = self.unshown.take() {
            self.hidden -= 1;
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Runs the demo with `timeout_s` as the guard on QEMU's run.
pub fn run(timeout_s: u64) -> Result<i32> {
    eprintln!(
        "demo: 1/3 fetching Debian's arm64 kernel and busybox (cargo xtask fetch-guest; cached after the first time)"
    );
    ensure!(super::fetch_guest::run()? == 0, "cargo xtask fetch-guest failed (see above)");
    eprintln!("demo: 2/3 building {BOARD} (the kernel, the counter, Linux's device tree; first time about 2 min)");
    let built = super::build::build(BOARD, Some(LogFormat::Text))?;
    let names: Vec<String> = built.board.config.domains.iter().map(|d| d.name.as_str().to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    eprintln!(
        "demo: 3/3 booting {}: Linux on 2 vCPUs boots, runs a workload and powers off, the counter counts on \
         (about 30 s; timeout {timeout_s} s; the counter's lines are shown once a second)",
        built.image.display()
    );
    let mut shown = Shown { cursor: 0, last_count: None, hidden: 0, unshown: None };
    let mut stdout = std::io::stdout();
    let mut last = Verdict::Pending("");
    let out = qemu::run_watching(cmd, Duration::from_secs(timeout_s), |log| {
        shown.show(log, &mut stdout);
        last = verdict::judge(log);
        !matches!(last, Verdict::Pending(_))
    })?;
    // What came after the last look (QEMU's stderr included).
    shown.show(&format!("{}\n", out.output), &mut stdout);
    shown.finish(&mut stdout);
    let verdict = verdict::judge(&out.output);
    println!();
    println!("demo: summary ({:.0} s; {} counter lines not shown)", out.seconds, shown.hidden);
    print!("{}", Table(&summary::summarise(&names, &out.output)));
    let code = match (&verdict, out.timed_out) {
        (Verdict::Shown, _) => {
            println!(
                "demo: OK: Linux booted on 2 vCPUs, ran its workload and powered off; the counter counted throughout"
            );
            0
        }
        (Verdict::Failed(why), _) => {
            println!("demo: FAILED: {why}");
            1
        }
        (Verdict::Pending(what), true) => {
            println!("demo: FAILED: the {timeout_s} s timeout ended QEMU before {what}");
            EXIT_TIMEOUT
        }
        (Verdict::Pending(what), false) => {
            println!("demo: FAILED: QEMU ended ({:?}) before {what}", out.code);
            1
        }
    };
    Ok(code)
}
