// SPDX-License-Identifier: MIT
//! The kernel's audit lines (`denied:`, `ignored:`) under a domain that
//! tries to exhaust them.

use super::{Ctx, counter_alive_after, find_line, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, ensure};
use std::time::Duration;

/// `domains/test/prober` makes 40 refused calls at once, then, 1.2 s later, one
/// distinct refused call. The budget lets the first 32 be logged and
/// counts the rest; the probe is logged (the budget has refilled), and the
/// 8 uncounted are summed up when the domain stops. With a fixed allowance
/// per life (the code before), the probe went unseen.
pub(super) fn an_audit_budget_burnt_in_advance_still_logs_the_probe(_ctx: &mut Ctx) -> Result<()> {
    let built = build("boards/test/prober.toml", Some(LogFormat::Text))?;
    let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
    let out = qemu::run_until(cmd, Duration::from_secs(60), |log| {
        find_line(log, 0, "domain prober halted").is_some_and(|at| counter_alive_after(log, at + 1))
    })?;
    let log = &out.output;
    let fail = |what: &str| anyhow::anyhow!("{what}\n--- console ---\n{log}");
    ensure!(!out.timed_out, fail("timed out before the prober was halted and the counter counted on"));
    let burn = "denied: domain prober vCPU 0: PSCI 0xc4000003 (target 0x5) refused with -2";
    let logged = log.lines().filter(|l| l.starts_with(burn)).count();
    ensure!(logged == 32, fail(&format!("{logged} of the 40 burning calls were logged, not the budget's 32")));
    ensure!(
        has_line(log, "audit: domain prober: over its budget of audit lines, counting them instead (rate limit)"),
        fail("no line saying the audit budget ran out")
    );
    let probing = find_line(log, 0, "[prober] prober: probing").ok_or_else(|| fail("the prober never probed"))?;
    ensure!(
        find_line(log, probing, "denied: domain prober vCPU 0: PSCI 0xc4000003 (target 0x77) refused with -2")
            .is_some(),
        fail("the probe after the quiet spell was not logged")
    );
    ensure!(
        has_line(log, "audit: domain prober: 8 denied or ignored accesses not logged (rate limit)"),
        fail("no summary of the 8 calls not logged")
    );
    for bad in ["PANIC", "fault: ", "domain counter restarted"] {
        ensure!(!has_line(log, bad), fail(&format!("a line starts with `{bad}`")));
    }
    Ok(())
}
