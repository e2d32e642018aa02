// SPDX-License-Identifier: MIT
//! Checks of `[[device]]`: each lies outside RAM, below 1 TiB, with a sane
//! size, clear of the kernel's own MMIO (GIC distributor, redistributors,
//! ITS, console UART); and no page holds devices of two owners. Must not
//! check who owns what (that is `domain_devices`).

use super::checker::{Checker, GIC_ITS_SIZE, MAX_DEVICE_SIZE, PHYS_LIMIT, hex_range, span};
use crate::diag::Diagnostic;
use crate::schema::{BoardFile, DeviceEntry};
use crate::units::show_size;
use bulkhead_abi::PAGE_SIZE;
use bulkhead_bootcfg::MAX_DEVICE_IRQS;
use std::collections::HashMap;
use std::ops::Range;

/// The devices of `file` by name.
pub fn by_name(file: &BoardFile) -> HashMap<&str, &DeviceEntry> {
    file.devices.iter().map(|d| (d.get_ref().name.get_ref().as_str(), d.get_ref())).collect()
}

/// Checks every device against RAM (`ram`) and the kernel's own MMIO.
/// None may touch the kernel's own devices: the GIC distributor, the
/// redistributor frames (128 KiB per CPU), the ITS (its control and
/// translation frames, 128 KiB: it turns device writes into any interrupt
/// of any CPU) and the console UART's page.
pub fn check(c: &mut Checker, file: &BoardFile, ram: &Range<u64>) {
    let board = file.board.get_ref();
    let gic = board.gic.get_ref();
    let cpus = *board.cpus.get_ref();
    let (ram_start, ram_end) = (ram.start, ram.end);
    let gic_d = *gic.distributor.get_ref();
    let gic_r = *gic.redistributors.get_ref();
    let uart = *board.console.get_ref().base.get_ref() & !(PAGE_SIZE - 1);
    let mut kernel_mmio = vec![
        ("the GIC distributor", gic_d, gic_d.saturating_add(0x1_0000)),
        ("the GIC redistributors", gic_r, gic_r.saturating_add(0x2_0000 * u64::from(cpus))),
        ("the kernel's console UART", uart, uart.saturating_add(PAGE_SIZE)),
    ];
    if let Some(its) = &gic.its {
        let base = *its.get_ref();
        if !base.is_multiple_of(0x1_0000) {
            c.push(
                Diagnostic::new(span(its), format!("the ITS base {base:#x} is not 64 KiB aligned"))
                    .help("give the base of the GIC ITS's control frame (GITS_CTLR), from the SoC's memory map"),
            );
        }
        kernel_mmio.push(("the GIC ITS", base, base.saturating_add(GIC_ITS_SIZE)));
    }
    for d in &file.devices {
        let d = d.get_ref();
        let start = *d.base.get_ref();
        let end = start.saturating_add(d.size.get_ref().0);
        if start < ram_end && end > ram_start {
            c.push(
                Diagnostic::new(
                    span(&d.base),
                    format!("device `{}` at {} overlaps RAM", d.name.get_ref(), hex_range(start, end)),
                )
                .help("a device's MMIO range must lie outside [board].ram"),
            );
        }
        if d.size.get_ref().0 == 0 || d.size.get_ref().0 > MAX_DEVICE_SIZE {
            c.push(
                Diagnostic::new(
                    span(&d.size),
                    format!("device `{}` has size {}", d.name.get_ref(), show_size(d.size.get_ref().0)),
                )
                .help("give its MMIO size: more than 0 and at most 1 GiB"),
            );
        }
        if end > PHYS_LIMIT {
            c.push(
                Diagnostic::new(span(&d.base), format!("device `{}` lies beyond 1 TiB", d.name.get_ref()))
                    .help("stage 2 maps physical addresses below 2^40"),
            );
        }
        for (what, k_start, k_end) in &kernel_mmio {
            if start < *k_end && end > *k_start {
                c.push(
                    Diagnostic::new(
                        span(&d.base),
                        format!(
                            "device `{}` at {} overlaps {what} at {}",
                            d.name.get_ref(),
                            hex_range(start, end),
                            hex_range(*k_start, *k_end)
                        ),
                    )
                    .help("the kernel's own devices can never be given to a domain"),
                );
            }
        }
        c.capacity("interrupts on one device", d.irqs.len(), MAX_DEVICE_IRQS, span(&d.name));
    }
}
