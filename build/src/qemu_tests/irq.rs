// SPDX-License-Identifier: MIT
//! Interrupt routing: a guest's timer, SPI and SGIs, another domain's attempts on them, direct delivery.

use super::{Ctx, boots_and_prints};
use anyhow::{Result, ensure};

pub(super) fn a_guest_gets_its_interrupts_and_cannot_touch_anothers(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/irq.toml",
        &[
            "[irqtest] irqtest: rate ok",
            "[irqtest] irqtest: timer ok",
            "[irqtest] irqtest: spi ok",
            "[irqtest] irqtest: sgi ok",
            "[irqtest] irqtest: many ok",
            "[irqtest] irqtest: all ok",
            "ignored: domain gicprobe vCPU 0: GIC write at 0x8000104 to interrupt 34 it does not own",
            "ignored: domain gicprobe vCPU 0: GIC write at 0x8006110 to interrupt 34 it does not own",
            "ignored: domain gicprobe vCPU 0: GIC write at 0x8000204 to interrupt 34 it does not own",
            "[gicprobe] tried to take over SPI 34; it reads as 0x0 here",
            // ESR ISS.SSE and ISS.SF: sign-extending loads of an emulated
            // register are extended to their register's width.
            "[gicprobe] loads of priority 0xa0: ldrb 0xa0 ldrsb w 0xffffffa0 ldrsb x 0xffffffffffffffa0 \
             ldr w 0xa0000000 ldrsw x 0xffffffffa0000000: as sign-extended",
            "[gicprobe] storm over: ",
            "every domain has stopped: system off",
        ],
    )?;
    ensure!(!out.output.contains("FAILED") && !out.output.contains("fault:"), "a check failed:\n{}", out.output);
    // The timer kept its rate while the other domain stormed.
    let rate = out.output.find("irqtest: rate ok");
    let storm_start = out.output.find("[gicprobe] tried to take over");
    let storm_end = out.output.find("[gicprobe] storm over");
    ensure!(
        rate.is_some() && storm_start < rate && rate < storm_end,
        "the rate check did not run during the storm:\n{}",
        out.output
    );
    Ok(())
}

pub(super) fn the_same_guest_runs_under_direct_delivery(_ctx: &mut Ctx) -> Result<()> {
    let out = boots_and_prints(
        "boards/test/irq-direct.toml",
        &[
            "[irqtest] irqtest: timer ok",
            "[irqtest] irqtest: spi ok",
            "[irqtest] irqtest: sgi ok",
            "[irqtest] irqtest: many ok",
            "[irqtest] irqtest: all ok",
            "domain irqtest halted",
        ],
    )?;
    ensure!(!out.output.contains("FAILED") && !out.output.contains("fault:"), "a check failed:\n{}", out.output);
    Ok(())
}

/// `irqhold` (boards/test/irqhold.toml): its vCPU 1 acknowledges the RTC's
/// SPI and never ends it, then the domain resets. In its next life vCPU 0
/// alone must get that SPI: the kernel deactivated it (and emptied vCPU
/// 1's list registers and queue) when the domain stopped, not when vCPU 1
/// next starts, which it never does.
pub(super) fn a_stopped_domain_leaves_no_interrupt_active(_ctx: &mut Ctx) -> Result<()> {
    no_interrupt_left_active_on("boards/test/irqhold.toml")
}

/// The same in direct delivery: vCPU 1 acknowledged the SPI on its pCPU's
/// physical interface (active, and its priority active there); parking
/// that pCPU deactivates it and clears the active priorities.
pub(super) fn a_stopped_direct_domain_leaves_no_interrupt_active(_ctx: &mut Ctx) -> Result<()> {
    no_interrupt_left_active_on("boards/test/irqhold-direct.toml")
}

fn no_interrupt_left_active_on(board: &str) -> Result<()> {
    let out = boots_and_prints(
        board,
        &[
            "[irqhold] irqhold: life 0: vCPU 1 holds INTID 34; vCPU 0 asks for SYSTEM_RESET",
            "domain irqhold: PSCI SYSTEM_RESET from vCPU 0",
            "domain irqhold restarted (1 restarts)",
            "[irqhold] irqhold: life 1: INTID 34 taken on vCPU 0 after ",
            "domain irqhold halted",
            "every domain has stopped: system off",
        ],
    )?;
    ensure!(!out.output.contains("FAILED") && !out.output.contains("fault:"), "a check failed:\n{}", out.output);
    Ok(())
}
