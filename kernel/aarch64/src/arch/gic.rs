// SPDX-License-Identifier: MIT
//! The physical GICv3, through the `arm-gic` crate: just what the
//! partitioning kernel needs at EL2. One SGI (`KICK`) tells a pCPU to look
//! at its mailbox; PPI 26 is the EL2 physical timer (the watchdog). Both
//! are Group 1 and reach EL2 because HCR_EL2.IMO=1. Guest interrupts
//! (list registers, per-domain distributor) are not handled here yet.

use arm_gic::gicv3::{GicCpuInterface, GicV3, SgiTarget, SgiTargetGroup};
use arm_gic::{IntId, InterruptGroup, UniqueMmioPointer};
use core::ptr::NonNull;
use spin::{Mutex, Once};

/// The SGI that makes a pCPU check its mailbox and its domain's state.
pub const KICK: IntId = IntId::sgi(0);
/// The EL2 physical timer (CNTHP), PPI 10 = INTID 26.
pub const HYP_TIMER: IntId = IntId::ppi(10);

struct Gic(GicV3<'static>);

// SAFETY: the driver only holds MMIO pointers to the GIC, which any CPU may
// access; the mutex below serialises every use.
unsafe impl Send for Gic {}

static GIC: Once<Mutex<Gic>> = Once::new();

/// Initialises distributor and redistributors (boot CPU, once).
///
/// # Safety
/// `gicd` and `gicr` must be the GICv3 distributor and first redistributor
/// frame of this machine, used by nothing else.
pub unsafe fn init(gicd: usize, gicr: usize, cpus: usize, boot_cpu: usize) {
    GIC.call_once(|| {
        let gicd = NonNull::new(gicd as *mut _).expect("GICD address is not null");
        let gicr = NonNull::new(gicr as *mut _).expect("GICR address is not null");
        // SAFETY: the caller guarantees this is the machine's distributor,
        // identity-mapped (MMU off) and owned by the kernel alone.
        let gicd = unsafe { UniqueMmioPointer::new(gicd) };
        // SAFETY: likewise for the redistributor frames.
        let gic = unsafe { GicV3::new(gicd, gicr, cpus) }.expect("GICv3 redistributors");
        let mut gic = Gic(gic);
        GicCpuInterface::enable_system_register_el2(true);
        gic.0.setup(boot_cpu);
        Mutex::new(gic)
    });
}

/// Per-CPU set-up: system registers, this CPU's redistributor, the
/// kernel's own interrupts enabled.
pub fn init_cpu(cpu: usize) {
    let Some(gic) = GIC.get() else { return };
    GicCpuInterface::enable_system_register_el2(true);
    let mut gic = gic.lock();
    gic.0.init_cpu(cpu);
    for intid in [KICK, HYP_TIMER] {
        let _ = gic.0.set_interrupt_priority(intid, Some(cpu), 0x80);
        let _ = gic.0.enable_interrupt(intid, Some(cpu), true);
    }
    drop(gic);
    GicCpuInterface::set_priority_mask(0xff);
    GicCpuInterface::enable_group1(true);
}

/// Disables an SPI (a restarted domain's interrupts start disabled).
pub fn disable_spi(intid: u32) {
    if let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) {
        let _ = gic.lock().0.enable_interrupt(intid, None, false);
    }
}

/// Sends `KICK` to the CPU with affinity `mpidr`.
pub fn kick(mpidr: u64) {
    let byte = |shift: u32| ((mpidr >> shift) & 0xff) as u8;
    let target = SgiTarget::List {
        affinity3: byte(32),
        affinity2: byte(16),
        affinity1: byte(8),
        target_list: 1 << (mpidr & 0xf),
    };
    let _ = GicCpuInterface::send_sgi(KICK, target, SgiTargetGroup::CurrentGroup1);
}

/// The ICC_SGI1R_EL1 value that sends `KICK` to the CPU with affinity
/// `mpidr` (precomputed for the doorbell routes).
pub fn kick_sgi1r(mpidr: u64) -> u64 {
    let aff0 = mpidr & 0xff;
    let aff1 = (mpidr >> 8) & 0xff;
    let aff2 = (mpidr >> 16) & 0xff;
    let aff3 = (mpidr >> 32) & 0xff;
    let intid = u64::from(u32::from(KICK) & 0xf);
    (aff3 << 48) | ((aff0 >> 4) << 44) | (aff2 << 32) | (intid << 24) | (aff1 << 16) | (1 << (aff0 & 0xf))
}

/// Writes a precomputed ICC_SGI1R_EL1 value (Group 1 SGI, this security
/// state).
#[inline(always)]
pub fn send_sgi1r(value: u64) {
    // SAFETY: generating an SGI has no effect on memory; the value was
    // built by `kick_sgi1r` and names the kernel's KICK interrupt only.
    unsafe {
        core::arch::asm!("msr icc_sgi1r_el1, {0}", "isb", in(reg) value, options(nomem, nostack, preserves_flags))
    };
}

/// Acknowledges the highest-priority pending interrupt.
pub fn acknowledge() -> Option<IntId> {
    GicCpuInterface::get_and_acknowledge_interrupt(InterruptGroup::Group1)
}

/// Ends (and deactivates) an acknowledged interrupt.
pub fn end(intid: IntId) {
    GicCpuInterface::end_interrupt(intid, InterruptGroup::Group1);
}

/// Sends `KICK` to every other CPU (stopping the system).
pub fn kick_all_others() {
    if GIC.get().is_some() {
        let _ = GicCpuInterface::send_sgi(KICK, SgiTarget::All, SgiTargetGroup::CurrentGroup1);
    }
}

/// Acknowledges a pending Group 0 interrupt.
pub fn acknowledge_group0() -> Option<IntId> {
    GicCpuInterface::get_and_acknowledge_interrupt(InterruptGroup::Group0)
}

/// Ends a Group 0 interrupt.
pub fn end_group0(intid: IntId) {
    GicCpuInterface::end_interrupt(intid, InterruptGroup::Group0);
}
