// SPDX-License-Identifier: MIT
//! Attacks that only a direct-delivery domain can make: at EL1 it reaches
//! the physical Group 1 registers of its pCPU's GIC CPU interface, and can
//! use them to keep the kernel's own interrupts from preempting it.

use super::{Ctx, counter_alive_after, find_line, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use std::time::Duration;

/// `silencer` (boards/test/silencer-direct.toml): its vCPU 1 makes priority
/// 0 active on its pCPU (ICC_AP1R0_EL1 = 1), so the kernel's kick cannot
/// reach it, and its vCPU 0 asks for PSCI SYSTEM_RESET. The kernel must
/// force that pCPU into EL2, clean its CPU interface and restart the domain,
/// whose next life takes timer interrupts on both pCPUs and powers off; the
/// counter beside it counts on.
pub(super) fn a_direct_domain_that_silences_its_pcpu_is_stopped_and_restarted(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/silencer-direct.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, Duration::from_secs(60), |log| {
        find_line(log, 0, "domain silencer halted").is_some_and(|at| counter_alive_after(log, at))
    })?;
    let log = &out.output;
    let fail = |what: String| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    for bad in ["PANIC", "fault: domain counter", "domain counter restarted", "domain silencer lost"] {
        ensure!(!has_line(log, bad), fail(format!("a line starts with `{bad}`")));
    }
    if out.timed_out {
        return Err(fail("timed out before the silencer was halted and the counter counted on".into()));
    }
    // In this order, each at the start of a line: the guest's lines carry
    // its `[silencer] ` prefix, the others are the kernel's.
    let mut cursor = 0;
    for line in [
        "[silencer] silencer: vCPU 1 silences its pCPU",
        "[silencer] silencer: vCPU 0 asks for SYSTEM_RESET",
        "domain silencer: PSCI SYSTEM_RESET from vCPU 0",
        "domain silencer: pCPU 2 did not stop",
        "domain silencer restarted (1 restarts)",
        "[silencer] silencer: life 1: timer interrupt taken",
        "[silencer] silencer: life 1: vCPU 1 running",
        "[silencer] silencer: life 1: vCPU 1 timer interrupt taken",
        "domain silencer: PSCI SYSTEM_OFF from vCPU 0",
        "domain silencer halted",
    ] {
        cursor = find_line(log, cursor, line).ok_or_else(|| fail(format!("no line `{line}` (in order)")))?;
    }
    ensure!(counter_alive_after(log, cursor), fail("the counter made no progress after the silencer halted".into()));
    Ok(())
}
