// SPDX-License-Identifier: MIT
//! `gicprobe`: a domain that is hostile to another domain's interrupts.
//! It owns the PL061 (SPI 39) only, and through its own virtual
//! distributor it tries to enable, route, make pending and disable SPI 34,
//! which belongs to `irqtest`: every one of those writes must be ignored
//! (the kernel logs the first three; clearing bits is ignored silently).
//! It loads its own SPI's priority (0xa0, top bit set) with sign-extending
//! and zero-extending loads and says whether each was extended as the
//! instruction asks. Then it storms itself with interrupts (an SGI to
//! itself, taken and ended by polling, as fast as it can) for 3 s,
//! during which `irqtest`'s timer must keep its rate.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::probe::{self, gic_poll};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

const GICD: u64 = 0x0800_0000;
const GICR_SGI: u64 = 0x080a_0000 + 0x1_0000;
/// The victim's SPI.
const VICTIM: u32 = 34;
/// SGI the storm uses.
const STORM_SGI: u32 = 1;
/// How long the storm lasts, in seconds.
const STORM_SECONDS: u64 = 3;

/// Our own SPI (the PL061's).
const OWN: u32 = 39;

/// Loads an emulated register whose top bit is set, sign-extending and
/// not: its own SPI's priority, 0xa0, in GICD_IPRIORITYR (byte 3 of the
/// word that holds INTIDs 36..39; the others are not ours and read 0).
/// The kernel must extend as the instruction says (ESR ISS.SSE, ISS.SF).
fn signed_loads() {
    let word = GICD + 0x400 + u64::from(OWN & !3);
    probe::write_u32(word, 0xa0 << (8 * (OWN % 4)));
    let got = probe::loads(word + u64::from(OWN % 4), word);
    let byte = got.ldrb as u8;
    let expected = probe::Loads {
        ldrb: u64::from(byte),
        ldrsb_w: u64::from(byte as i8 as i32 as u32),
        ldrsb_x: byte as i8 as i64 as u64,
        ldr_w: u64::from(0xa0u32 << 24),
        ldrsw: (0xa0u32 << 24) as i32 as i64 as u64,
    };
    let verdict = if got == expected && byte == 0xa0 { "as sign-extended" } else { "WRONG" };
    let _ = writeln!(
        Console,
        "loads of priority {:#x}: ldrb {:#x} ldrsb w {:#x} ldrsb x {:#x} ldr w {:#x} ldrsw x {:#x}: {verdict}",
        byte, got.ldrb, got.ldrsb_w, got.ldrsb_x, got.ldr_w, got.ldrsw
    );
}

fn main(_boot: Boot) {
    let (reg, bit) = (u64::from(VICTIM / 32) * 4, 1u32 << (VICTIM % 32));
    // Each of these is refused by the kernel and logged.
    probe::write_u32(GICD + 0x100 + reg, bit); // ISENABLER: enable it
    probe::write_u32(GICD + 0x6000 + 8 * u64::from(VICTIM), 1); // IROUTER (low half): route it elsewhere
    probe::write_u32(GICD + 0x200 + reg, bit); // ISPENDR: make it pending
    // ICENABLER: disable it. Ignored without a log line: Linux writes all
    // ones to every row at boot, so clearing bits of foreign interrupts is
    // not an attack signal; it has no effect all the same.
    probe::write_u32(GICD + 0x180 + reg, bit);
    let seen = probe::read_u32(GICD + 0x100 + reg);
    let _ = writeln!(Console, "tried to take over SPI {VICTIM}; it reads as {:#x} here", seen & bit);

    signed_loads();

    // The storm: our own SGI, sent and taken in a loop.
    probe::write_u32(GICD, 0x12); // GICD_CTLR: ARE, EnableGrp1NS
    probe::write_u32(0x080a_0000 + 0x14, 0); // GICR_WAKER: awake
    probe::write_u32(GICR_SGI + 0x100, 1 << STORM_SGI); // ISENABLER0
    gic_poll::init_cpu();
    let mut taken = 0u32;
    let mut spurious = 0u32;
    let (start, freq) = probe::counter();
    while probe::counter().0.wrapping_sub(start) < STORM_SECONDS * freq {
        gic_poll::send_sgi1r((u64::from(STORM_SGI) << 24) | 1);
        match gic_poll::acknowledge() {
            1023 => spurious += 1,
            intid => {
                gic_poll::end(intid);
                taken += 1;
            }
        }
    }
    let _ = writeln!(Console, "storm over: {taken} interrupts taken ({spurious} polls found none)");
}
