// SPDX-License-Identifier: MIT
//! The domain's GICv3, as QEMU virt places it: the distributor (GICD) at
//! [`GICD_BASE`], one redistributor per vCPU (GICR, 128 KiB: RD_base then
//! SGI_base) from [`GICR_BASE`], frame `n` belonging to vCPU `n`, and the
//! CPU interface through the `ICC_*` system registers. Under Bulkhead the
//! kernel emulates GICD and GICR at the same addresses and gives the domain
//! the virtual CPU interface; natively (`domain_rt::native()`) they are
//! QEMU's real GIC.
//!
//! Every interrupt is put in Group 1 (signalled as IRQ, acknowledged
//! through `ICC_IAR1_EL1`). The domain runs with its stage-1 MMU off, so
//! these are Device accesses: every register is read and written with one
//! aligned 32-bit `ldr`/`str` (64-bit for `GICD_IROUTER<n>`), never with a
//! writeback addressing form, so that a trapping hypervisor can decode it.
//!
//! SGIs (0..15) and PPIs (16..31) are configured in the redistributor of the
//! vCPU named by the `vcpu` argument (normally the caller's own); SPIs
//! (32..1019) in the distributor, where `vcpu` is where [`enable`] routes
//! the SPI and is otherwise ignored.

use core::arch::asm;
#[cfg(feature = "relocatable-gic")]
use core::sync::atomic::{AtomicUsize, Ordering};

/// The distributor's base address.
pub const GICD_BASE: usize = 0x0800_0000;
/// The first redistributor's base address.
pub const GICR_BASE: usize = 0x080a_0000;
/// Bytes per redistributor (RD_base and SGI_base frames).
pub const GICR_STRIDE: usize = 0x2_0000;

/// Where this domain's distributor and redistributors are: QEMU virt's
/// addresses unless [`relocate`] moved them (a guest of another
/// hypervisor, e.g. Xen's fixed guest layout). Only with the
/// `relocatable-gic` feature: without it the addresses are constants, and
/// no GIC access pays for a load of its base.
#[cfg(feature = "relocatable-gic")]
static BASES: [AtomicUsize; 2] = [AtomicUsize::new(GICD_BASE), AtomicUsize::new(GICR_BASE)];

/// Uses the distributor at `gicd` and the first redistributor at `gicr`
/// (same 128 KiB stride) instead of QEMU virt's addresses; call it before
/// any other function of this module.
#[cfg(feature = "relocatable-gic")]
pub fn relocate(gicd: usize, gicr: usize) {
    BASES[0].store(gicd, Ordering::Relaxed);
    BASES[1].store(gicr, Ordering::Relaxed);
}

#[cfg(feature = "relocatable-gic")]
fn gicd() -> usize {
    BASES[0].load(Ordering::Relaxed)
}

#[cfg(not(feature = "relocatable-gic"))]
fn gicd() -> usize {
    GICD_BASE
}

#[cfg(feature = "relocatable-gic")]
fn gicr() -> usize {
    BASES[1].load(Ordering::Relaxed)
}

#[cfg(not(feature = "relocatable-gic"))]
fn gicr() -> usize {
    GICR_BASE
}

/// The first SPI.
pub const FIRST_SPI: u32 = 32;
/// One past the last INTID a GICv3 SPI may have.
pub const END_SPI: u32 = 1020;
/// What `ICC_IAR1_EL1` returns when nothing is pending.
pub const SPURIOUS: u32 = 1023;

/// GICD_CTLR and its bits (both the one-security-state and the
/// non-secure view: bit 0 EnableGrp0/EnableGrp1, bit 1 EnableGrp1/
/// EnableGrp1A, bit 4 ARE/ARE_NS, bit 31 RWP).
const GICD_CTLR: usize = 0x0000;
const CTLR_ENABLE_G0_OR_G1: u32 = 1 << 0;
const CTLR_ENABLE_G1_OR_G1A: u32 = 1 << 1;
const CTLR_ARE: u32 = 1 << 4;
const GICD_CTLR_RWP: u32 = 1 << 31;

/// Register blocks, at the same offsets in GICD and in GICR's SGI_base.
const IGROUPR: usize = 0x0080;
const ISENABLER: usize = 0x0100;
const ICENABLER: usize = 0x0180;
const ISPENDR: usize = 0x0200;
const ICPENDR: usize = 0x0280;
const IPRIORITYR: usize = 0x0400;
const ICFGR: usize = 0x0c00;
/// GICD_IROUTER<n> (64-bit, n >= 32).
const GICD_IROUTER: usize = 0x6000;

/// GICR RD_base registers.
const GICR_CTLR: usize = 0x0000;
const GICR_CTLR_RWP: u32 = 1 << 3;
const GICR_WAKER: usize = 0x0014;
const WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;
/// SGI_base, from RD_base.
const SGI_BASE: usize = 0x1_0000;

/// How an interrupt is signalled (`GICD_ICFGR`/`GICR_ICFGR1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Level-sensitive: pending while the line is asserted.
    Level,
    /// Edge-triggered: one pending event per rising edge.
    Edge,
}

fn read32(addr: usize) -> u32 {
    let value: u32;
    // SAFETY: `addr` is a 4-byte aligned register of the GIC (the callers
    // only form addresses inside GICD or the GICR frames); a Device load
    // with no side effect on memory Rust knows about.
    unsafe { asm!("ldr {0:w}, [{1}]", out(reg) value, in(reg) addr, options(nostack, preserves_flags)) };
    value
}

fn write32(addr: usize, value: u32) {
    // SAFETY: as `read32`, a 32-bit Device store to a GIC register.
    unsafe { asm!("str {0:w}, [{1}]", in(reg) value, in(reg) addr, options(nostack, preserves_flags)) };
}

fn write64(addr: usize, value: u64) {
    // SAFETY: as `read32`, a 64-bit Device store to an 8-byte aligned GIC
    // register (GICD_IROUTER<n>).
    unsafe { asm!("str {0}, [{1}]", in(reg) value, in(reg) addr, options(nostack, preserves_flags)) };
}

/// RD_base of vCPU `vcpu`'s redistributor.
fn rd_base(vcpu: usize) -> usize {
    gicr() + vcpu * GICR_STRIDE
}

/// The block holding `intid`'s registers: SGI_base of `vcpu`'s
/// redistributor for SGIs and PPIs, the distributor for SPIs.
fn block(intid: u32, vcpu: usize) -> usize {
    assert!(intid < END_SPI, "INTID {intid} is not an SGI, PPI or SPI");
    if intid < FIRST_SPI { rd_base(vcpu) + SGI_BASE } else { gicd() }
}

/// Sets or clears `intid`'s bit in a one-bit-per-interrupt register block.
fn write_bit(base: usize, reg: usize, intid: u32) {
    write32(base + reg + 4 * (intid as usize / 32), 1 << (intid % 32));
}

/// Read-modify-writes `intid`'s `width`-bit field of a register block.
fn modify_field(base: usize, reg: usize, intid: u32, width: u32, value: u32) {
    let per_word = 32 / width;
    let addr = base + reg + 4 * (intid / per_word) as usize;
    let shift = (intid % per_word) * width;
    let mask = ((1u32 << width) - 1) << shift;
    write32(addr, (read32(addr) & !mask) | ((value << shift) & mask));
}

/// Waits until the distributor has applied earlier writes.
fn wait_distributor() {
    while read32(gicd() + GICD_CTLR) & GICD_CTLR_RWP != 0 {
        core::hint::spin_loop();
    }
}

/// Waits until `vcpu`'s redistributor has applied earlier writes.
fn wait_redistributor(vcpu: usize) {
    while read32(rd_base(vcpu) + GICR_CTLR) & GICR_CTLR_RWP != 0 {
        core::hint::spin_loop();
    }
}

fn wait_for(intid: u32, vcpu: usize) {
    if intid < FIRST_SPI { wait_redistributor(vcpu) } else { wait_distributor() }
}

/// Enables the distributor with affinity routing (GICD_CTLR: ARE_NS and
/// EnableGrp1NS, plus the bits of the one-security-state view a native
/// run sees) and waits for RWP. Once per domain, by one vCPU.
pub fn init_distributor() {
    write32(gicd() + GICD_CTLR, CTLR_ARE);
    wait_distributor();
    write32(gicd() + GICD_CTLR, CTLR_ARE | CTLR_ENABLE_G1_OR_G1A | CTLR_ENABLE_G0_OR_G1);
    wait_distributor();
}

/// Wakes redistributor `vcpu`, puts its SGIs and PPIs in Group 1 and sets
/// up this vCPU's CPU interface: system-register access, priority mask
/// 0xff (nothing masked), binary point 0, EOImode 0 (EOI also
/// deactivates), Group 1 enabled. Each vCPU calls it for itself (the CPU
/// interface is the caller's).
pub fn init_cpu(vcpu: usize) {
    let rd = rd_base(vcpu);
    let waker = read32(rd + GICR_WAKER);
    write32(rd + GICR_WAKER, waker & !WAKER_PROCESSOR_SLEEP);
    while read32(rd + GICR_WAKER) & WAKER_CHILDREN_ASLEEP != 0 {
        core::hint::spin_loop();
    }
    write32(rd + SGI_BASE + IGROUPR, u32::MAX);
    wait_redistributor(vcpu);
    // SAFETY: configures this vCPU's own GIC CPU interface; no memory is
    // touched. ICC_SRE_EL1.SRE first, so that the other registers are
    // reachable as system registers.
    unsafe {
        asm!(
            "mrs {t}, icc_sre_el1",
            "orr {t}, {t}, #1",
            "msr icc_sre_el1, {t}",
            "isb",
            "msr icc_pmr_el1, {pmr}",
            "msr icc_bpr1_el1, xzr",
            "mrs {t}, icc_ctlr_el1",
            "bic {t}, {t}, #2",
            "msr icc_ctlr_el1, {t}",
            "msr icc_igrpen1_el1, {one}",
            "isb",
            t = out(reg) _,
            pmr = in(reg) 0xffu64,
            one = in(reg) 1u64,
            options(nostack, preserves_flags)
        );
    }
}

/// Enables `intid` for vCPU `vcpu`, in Group 1: an SGI or PPI in `vcpu`'s
/// redistributor (`GICR_ISENABLER0`), an SPI in the distributor
/// (`GICD_ISENABLER<n>`) routed to `vcpu` (`GICD_IROUTER<n>`, Aff0 =
/// `vcpu`).
pub fn enable(intid: u32, vcpu: usize) {
    let base = block(intid, vcpu);
    if intid >= FIRST_SPI {
        modify_field(base, IGROUPR, intid, 1, 1);
        write64(gicd() + GICD_IROUTER + 8 * intid as usize, vcpu as u64 & 0xff);
    }
    write_bit(base, ISENABLER, intid);
    wait_for(intid, vcpu);
}

/// Disables `intid` (see [`enable`]) and waits until the GIC has applied it.
pub fn disable(intid: u32, vcpu: usize) {
    write_bit(block(intid, vcpu), ICENABLER, intid);
    wait_for(intid, vcpu);
}

/// Sets `intid`'s priority (lower is more urgent; the GIC may implement
/// only the upper bits).
pub fn set_priority(intid: u32, vcpu: usize, priority: u8) {
    modify_field(block(intid, vcpu), IPRIORITYR, intid, 8, u32::from(priority));
}

/// Makes `intid` level-sensitive or edge-triggered (PPIs and SPIs; SGIs
/// are always edge-triggered and their configuration is read-only).
pub fn set_trigger(intid: u32, vcpu: usize, trigger: Trigger) {
    let bits = match trigger {
        Trigger::Level => 0b00,
        Trigger::Edge => 0b10,
    };
    modify_field(block(intid, vcpu), ICFGR, intid, 2, bits);
}

/// Makes `intid` pending (`ISPENDR`) for vCPU `vcpu` (SGIs and PPIs) or
/// wherever it is routed (SPIs).
pub fn pend(intid: u32, vcpu: usize) {
    write_bit(block(intid, vcpu), ISPENDR, intid);
}

/// Clears `intid`'s pending state (`ICPENDR`).
pub fn unpend(intid: u32, vcpu: usize) {
    write_bit(block(intid, vcpu), ICPENDR, intid);
}

/// Sends SGI `intid` (0..15) to the vCPUs of `targets` (bit `n`: vCPU `n`;
/// `ICC_SGI1R_EL1` with Aff3..1 = 0).
pub fn send_sgi(intid: u32, targets: u16) {
    assert!(intid < 16, "INTID {intid} is not an SGI");
    let value = (u64::from(intid) << 24) | u64::from(targets);
    // SAFETY: generates an SGI from this vCPU's CPU interface; no memory
    // is touched. The barrier makes earlier stores visible to the targets
    // before they take the SGI.
    unsafe { asm!("dsb ishst", "msr icc_sgi1r_el1, {0}", "isb", in(reg) value, options(nostack, preserves_flags)) };
}

/// Writes `value` to `ICC_AP1R0_EL1`, the CPU interface's Group 1 active
/// priorities (bit `n`: priority group `n` is active; bit 0 is priority 0,
/// the highest). For hostile tests only: a real driver never writes it
/// outside a save/restore. Under direct delivery (HCR_EL2.IMO = 0) the
/// register is not virtualized, so this writes the physical one: bit 0
/// makes the running priority 0, and then no interrupt, the kernel's
/// Group 0 ones included, can preempt on that pCPU.
pub fn icc_ap1r0_write(value: u64) {
    // SAFETY: writes this vCPU's own CPU interface register; no memory is
    // touched. It can only hold back interrupts, and a masked interrupt is
    // never unsafe to Rust.
    unsafe { asm!("msr icc_ap1r0_el1, {0}", "isb", in(reg) value, options(nostack, preserves_flags)) };
}
