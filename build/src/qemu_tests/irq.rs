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
