// SPDX-License-Identifier: MIT
//! Checks of the machine: `[board]` (CPUs, GIC, console) and the kernel's
//! SGIs. Refuses what the kernel cannot drive (a GICv2), so that `check`
//! passes only boards that `build` builds. Must not look at domains.

use super::checker::{Checker, SPI_FIRST, SPI_LAST, span};
use crate::diag::Diagnostic;
use crate::schema::BoardFile;
use bulkhead_bootcfg::MAX_PCPUS;

/// Checks `[board]`, `[board.gic]`, `[board.console]` and `[kernel].sgis`.
pub fn check(c: &mut Checker, file: &BoardFile) {
    let board = file.board.get_ref();
    let cpus = *board.cpus.get_ref();
    if cpus == 0 || cpus as usize > MAX_PCPUS {
        c.push(
            Diagnostic::new(span(&board.cpus), format!("a board with {cpus} CPUs is not supported"))
                .help(format!("Bulkhead runs on 1 to {MAX_PCPUS} CPUs")),
        );
    }
    let gic = board.gic.get_ref();
    match *gic.version.get_ref() {
        3 => {}
        2 => c.push(
            Diagnostic::new(
                span(&gic.version),
                format!("board `{}` has a GICv2: this kernel drives GICv3 only", board.name.get_ref()),
            )
            .help("GICv2 support is not written yet: `cargo xtask build` cannot make an image for this board"),
        ),
        version => c.push(
            Diagnostic::new(span(&gic.version), format!("GIC version {version} does not exist")).help("use 2 or 3"),
        ),
    }
    let maint = *gic.maintenance_irq.get_ref();
    if !(16..32).contains(&maint) {
        c.push(
            Diagnostic::new(span(&gic.maintenance_irq), format!("the maintenance interrupt {maint} is not a PPI"))
                .help("it is a PPI, INTID 16..31 (25 on most boards)"),
        );
    }
    let console_irq = *board.console.get_ref().irq.get_ref();
    if !(SPI_FIRST..=SPI_LAST).contains(&console_irq) {
        c.push(
            Diagnostic::new(
                span(&board.console.get_ref().irq),
                format!("the console interrupt {console_irq} is not an SPI"),
            )
            .help("UART interrupts are SPIs: INTID 32 + the SPI number"),
        );
    }
    for sgi in &file.kernel.get_ref().sgis {
        if *sgi.get_ref() > 15 {
            c.push(
                Diagnostic::new(span(sgi), format!("{} is not an SGI", sgi.get_ref())).help("SGIs are INTIDs 0..15"),
            );
        }
    }
}
