// SPDX-License-Identifier: MIT
//! A guest reaching for the host: semihosting, which QEMU serves at EL1
//! (out of EL2's reach) to any guest of a run started with `-semihosting`.
//! No Bulkhead run is; this test shows a guest's `SYS_EXIT` ends nothing.

use super::{Ctx, counter_alive_after, find_line, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use std::time::Duration;

/// `domains/test/semihoster` asks for semihosting `SYS_EXIT` with status 0. With
/// `-semihosting` (as every run had before) QEMU would exit 0 at once, a
/// verdict the guest chose. Without it the domain is stopped by the kernel
/// (its undefined `hlt` goes to its absent vector: a stage-2 abort), is
/// halted, and the counter counts on.
pub(super) fn a_guest_cannot_end_the_run_through_semihosting(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/semihost.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, Duration::from_secs(60), |log| {
        find_line(log, 0, "domain semihoster halted").is_some_and(|at| counter_alive_after(log, at + 1))
    })?;
    let log = &out.output;
    let fail = |what: &str| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    ensure!(out.qemu_status.is_none(), fail(&format!("QEMU ended by itself (status {:?})", out.qemu_status)));
    ensure!(!out.timed_out, fail("timed out before the semihoster was halted and the counter counted on"));
    let asked = find_line(log, 0, "[semihoster] semihoster: asking the host to exit")
        .ok_or_else(|| fail("the semihoster never asked"))?;
    let fault = find_line(log, asked, "fault: domain semihoster vCPU 0 (pCPU 1): stage-2 abort outside its grants")
        .ok_or_else(|| fail("the kernel did not stop the semihoster"))?;
    ensure!(find_line(log, fault, "domain semihoster halted").is_some(), fail("the semihoster was not halted"));
    ensure!(!has_line(log, "[semihoster] semihoster: SYS_EXIT returned"), fail("SYS_EXIT returned"));
    for bad in ["PANIC", "fault: domain counter", "domain counter restarted", "system stop: "] {
        ensure!(!has_line(log, bad), fail(&format!("a line starts with `{bad}`")));
    }
    Ok(())
}
