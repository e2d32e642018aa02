// SPDX-License-Identifier: MIT
//! A domain that overflows its stack runs into the guard page below it
//! (`boards/test/stack-guard.toml`, `domains/test/stack-diver`): the
//! kernel stops it with a stack-overflow fault at the guard page, before
//! it writes a byte below its stack, and the domain beside it is
//! untouched. Verdicts from the kernel's own lines.

use super::{Ctx, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use std::time::Duration;

const BOARD: &str = "boards/test/stack-guard.toml";

pub(super) fn a_stack_overflow_faults_at_the_guard_page(_ctx: &mut Ctx) -> Result<()> {
    let built = build(BOARD, Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, Duration::from_secs(60), |log| has_line(log, "system stop:"))?;
    let log = &out.output;
    let fault = log.lines().find(|l| l.starts_with("fault: domain diver vCPU 0 (pCPU 1): ")).unwrap_or("");
    ensure!(fault.contains(": stack overflow (into its guard page): "), "no stack-overflow fault:\n{log}");
    // The faulting address is the guard page: the first page of the
    // image's stack area (domains/rt/domain.x), 4 KiB below vCPU 0's stack.
    let far = fault
        .split_whitespace()
        .skip_while(|w| *w != "FAR")
        .nth(1)
        .and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0);
    let elf = crate::workspace::target_dir().join("aarch64-unknown-none/release/domain-stack-diver");
    let guard = crate::elf::symbol(&std::fs::read(&elf)?, "__stacks_start")?;
    ensure!(guard != 0 && far & !0xfff == guard, "the fault at {far:#x} is not in the guard page {guard:#x}:\n{log}");
    ensure!(has_line(log, "[diver] stack-diver: level 96"), "the diver never got deep:\n{log}");
    ensure!(!log.contains("stack-diver: FAIL"), "the overflow went unnoticed:\n{log}");
    ensure!(has_line(log, "[hello] hello from a Bulkhead domain"), "hello never ran:\n{log}");
    ensure!(has_line(log, "system stop: exit 0"), "the system did not stop cleanly:\n{log}");
    Ok(())
}
