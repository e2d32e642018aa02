// SPDX-License-Identifier: MIT
//! The ioreq path and DMOP (issue 20), on `boards/test/ioreq.toml`, run
//! once for four verdicts ([`ioreq_run`]): a target's trapped accesses
//! reach its device model and come back; a device model that never
//! answers fails its target's access as a bus error and stops nothing
//! else; DMOP calls without a capability, or completing an ioreq nobody
//! waits for, are refused and audited; the pages a target writes in its
//! tracked range are exactly those its device model is told of. Verdicts come from the kernel's own
//! lines and from the domains' lines by their prefix.

use super::{Ctx, has_line};
use crate::board::schema::LogFormat;
use crate::cmd::build::build;
use crate::qemu::{self, Overrides};
use anyhow::{Result, bail, ensure};
use std::sync::OnceLock;
use std::time::Duration;

const BOARD: &str = "boards/test/ioreq.toml";

/// Lines the run waits for (then QEMU is ended: the device models serve
/// for ever).
const AWAITED: &[&str] = &[
    "[probe] dm-target: ok: magic, scratch, byte and word loads",
    "[probe] dm-target: ok: the device's interrupt 48 arrived",
    "[probe] dm-target: ok: the device model read its RAM and refused an address outside it",
    "[probe] dm-target: ok: dirty pages 0x8009, none, 0x8, the device model's 0x20, and page 4096 refused",
    "domain probe halted",
    "domain mute-probe halted",
    "[mute] dm-echo: refused:",
    "[dm] dm-echo: refused:",
];

/// The console of the one run the three tests judge.
fn ioreq_run() -> Result<&'static str> {
    static RUN: OnceLock<Result<String, String>> = OnceLock::new();
    let run = RUN.get_or_init(|| {
        let go = || -> Result<String> {
            let built = build(BOARD, Some(LogFormat::Text))?;
            let cmd = qemu::command(&built.board, &built.image, true, &Overrides::default())?;
            let out = qemu::run_until(cmd, Duration::from_secs(60), |log| {
                AWAITED.iter().all(|l| has_line(log, l)) || log.contains("FAIL")
            })?;
            ensure!(!out.output.contains("FAIL"), "a domain failed:\n{}", out.output);
            if let Some(missing) = AWAITED.iter().find(|l| !has_line(&out.output, l)) {
                bail!("no line starts with `{missing}`:\n{}", out.output);
            }
            Ok(out.output)
        };
        go().map_err(|e| format!("{e:#}"))
    });
    run.as_deref().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The probe's loads and stores, each trapped and answered by `dm-echo`.
pub(super) fn trapped_accesses_reach_the_device_model_and_come_back(_ctx: &mut Ctx) -> Result<()> {
    let log = ioreq_run()?;
    ensure!(
        has_line(log, "[dm] dm-echo: serving probe at 0xa000000 (1 vCPUs)"),
        "the device model never served the probe:\n{log}"
    );
    ensure!(!log.contains("fault: domain probe"), "the probe faulted:\n{log}");
    ensure!(has_line(log, "domain probe: PSCI SYSTEM_OFF"), "the probe did not end by itself:\n{log}");
    Ok(())
}

/// The mute device model never answers: the mute probe's read fails as a
/// synchronous external abort (EC 0x25, DFSC 0x10) taken by its own EL1
/// vector, after the board's 20 ms; the kernel counts it; the other pair
/// and both device models run on.
pub(super) fn a_silent_device_model_fails_the_access_as_a_bus_error(_ctx: &mut Ctx) -> Result<()> {
    let log = ioreq_run()?;
    ensure!(
        has_line(log, "[mute-probe] vCPU 0: unexpected exception: synchronous (EL1): ESR_EL1=0x96000010")
            && log.contains("FAR_EL1=0xa000000"),
        "the mute probe's read did not fail as an external abort at its address:\n{log}"
    );
    ensure!(
        has_line(log, "domain mute-probe: 1 device accesses got no answer in time (bus errors)"),
        "the kernel did not count the unanswered access:\n{log}"
    );
    for other in ["dm", "mute", "probe"] {
        ensure!(!log.contains(&format!("fault: domain {other} ")), "domain {other} faulted too:\n{log}");
    }
    ensure!(!log.contains("PANIC") && !log.contains("panicked"), "the kernel panicked:\n{log}");
    Ok(())
}

/// Both device models' refused calls are audited by the kernel.
pub(super) fn dmops_without_a_capability_are_refused_and_audited(_ctx: &mut Ctx) -> Result<()> {
    let log = ioreq_run()?;
    for dm in ["dm", "mute"] {
        ensure!(
            has_line(log, &format!("denied: domain {dm} vCPU 0: no capability in slot 15")),
            "the kernel did not audit {dm}'s DMOP through a slot it lacks:\n{log}"
        );
        ensure!(
            has_line(
                log,
                &format!(
                    "denied: domain {dm} vCPU 0: completion of ioreq 1073741808 of vCPU 0, which waits for none such"
                )
            ),
            "the kernel did not audit {dm}'s completion of an ioreq nobody waits for:\n{log}"
        );
        ensure!(
            has_line(log, &format!("denied: domain {dm} vCPU 0: slot 1 holds another kind of capability")),
            "the kernel did not audit {dm}'s dirty-page harvest through a target's slot:\n{log}"
        );
        let refused = log.lines().filter(|l| l.starts_with(&format!("[{dm}] dm-echo: refused: 0xffff"))).count();
        ensure!(refused == 3, "{dm} saw {refused} of its 3 bad calls refused:\n{log}");
    }
    Ok(())
}

/// The probe's writes to its device model's tracked range (`vram`) are
/// reported page by page, once each, with the device model's own; a page
/// outside the range is refused and audited; the writes themselves land.
pub(super) fn a_device_model_sees_exactly_the_pages_its_target_wrote(_ctx: &mut Ctx) -> Result<()> {
    let log = ioreq_run()?;
    ensure!(
        has_line(
            log,
            "[probe] dm-target: ok: dirty pages 0x8009, none, 0x8, the device model's 0x20, and page 4096 refused"
        ),
        "the dirty pages were not as written:\n{log}"
    );
    ensure!(
        has_line(log, "denied: domain dm vCPU 0: pages 4096+1 outside its tracked range"),
        "the kernel did not audit the page outside the range:\n{log}"
    );
    ensure!(!log.contains("fault: domain probe"), "the probe faulted on its tracked pages:\n{log}");
    Ok(())
}
