// SPDX-License-Identifier: MIT
//! The physical GICv3, through the `arm-gic` crate: just what the
//! partitioning kernel needs at EL2. One SGI (`KICK`) tells a pCPU to look
//! at its mailbox; PPI 26 is the EL2 physical timer (the watchdog). Both
//! are Group 1 and reach EL2 because HCR_EL2.IMO=1. Guest interrupts
//! (list registers, per-domain distributor) are not handled here yet.

use arm_gic::gicv3::{GicCpuInterface, GicV3, SgiTarget, SgiTargetGroup};
use arm_gic::{IntId, InterruptGroup, UniqueMmioPointer};
use bulkhead_abi::PhysAddr;
use core::ptr::NonNull;
use spin::{Mutex, Once};

/// The SGI that makes a pCPU check its mailbox and its domain's state.
pub const KICK: IntId = IntId::sgi(0);
/// The EL2 physical timer (CNTHP), PPI 10 = INTID 26.
pub const HYP_TIMER: IntId = IntId::ppi(10);
/// The GIC maintenance interrupt, PPI 9 = INTID 25 (list registers need
/// refilling).
pub const MAINTENANCE: IntId = IntId::ppi(9);
/// The EL1 virtual timer (CNTV), PPI 11 = INTID 27: a guest interrupt.
pub const VTIMER: IntId = IntId::ppi(11);
/// Priority of the kernel's own interrupts.
const KERNEL_PRIORITY: u8 = 0x80;
/// Priority of interrupts forwarded to guests (below the kernel's).
const GUEST_PRIORITY: u8 = 0xa0;

struct Gic(GicV3<'static>);

// SAFETY: the driver only holds MMIO pointers to the GIC, which any CPU may
// access; the mutex below serialises every use.
unsafe impl Send for Gic {}

static GIC: Once<Mutex<Gic>> = Once::new();
/// The distributor's and the first redistributor's physical addresses
/// (for the active-state registers `arm-gic` does not wrap).
static BASES: Once<(u64, u64)> = Once::new();

/// Initialises distributor and redistributors (boot CPU, once), at the
/// GICv3 frames the device tree gives (`kernel_core::PlatformFacts::gicv3`:
/// distributor, first redistributor), which only the kernel drives; false
/// if it names none.
pub fn init(dtb_gicv3: Option<(PhysAddr, PhysAddr)>, cpus: usize, boot_cpu: usize) -> bool {
    let Some((gicd, gicr)) = dtb_gicv3 else { return false };
    let (gicd, gicr) = (gicd.raw() as usize, gicr.raw() as usize);
    BASES.call_once(|| (gicd as u64, gicr as u64));
    GIC.call_once(|| {
        let gicd = NonNull::new(gicd as *mut _).expect("GICD address is not null");
        let gicr = NonNull::new(gicr as *mut _).expect("GICR address is not null");
        // SAFETY: the device tree says this is the machine's distributor,
        // identity-mapped (MMU off) and owned by the kernel alone.
        let gicd = unsafe { UniqueMmioPointer::new(gicd) };
        // SAFETY: likewise for the redistributor frames.
        let gic = unsafe { GicV3::new(gicd, gicr, cpus) }.expect("GICv3 redistributors");
        let mut gic = Gic(gic);
        GicCpuInterface::enable_system_register_el2(true);
        gic.0.setup(boot_cpu);
        Mutex::new(gic)
    });
    true
}

/// Per-CPU set-up: system registers, this CPU's redistributor, the
/// kernel's own interrupts enabled.
pub fn init_cpu(cpu: usize) {
    let Some(gic) = GIC.get() else { return };
    GicCpuInterface::enable_system_register_el2(true);
    let mut gic = gic.lock();
    gic.0.init_cpu(cpu);
    for intid in [KICK, HYP_TIMER, MAINTENANCE] {
        let _ = gic.0.set_interrupt_priority(intid, Some(cpu), KERNEL_PRIORITY);
        let _ = gic.0.enable_interrupt(intid, Some(cpu), true);
    }
    let _ = gic.0.set_interrupt_priority(VTIMER, Some(cpu), GUEST_PRIORITY);
    let _ = gic.0.set_trigger(VTIMER, Some(cpu), arm_gic::Trigger::Level);
    let _ = gic.0.enable_interrupt(VTIMER, Some(cpu), true);
    drop(gic);
    super::vgic::split_eoi();
    GicCpuInterface::set_priority_mask(0xff);
    GicCpuInterface::enable_group1(true);
}

/// Disables an SPI (a restarted domain's interrupts start disabled).
pub fn disable_spi(intid: u32) {
    if let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) {
        let _ = gic.lock().0.enable_interrupt(intid, None, false);
    }
}

/// Prepares SPI `intid` for a domain: group 1, guest priority, level,
/// routed to the CPU with affinity `mpidr`, disabled until the domain
/// enables it through its virtual distributor.
pub fn configure_guest_spi(intid: u32, mpidr: u64) {
    let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) else { return };
    let mut gic = gic.lock();
    let _ = gic.0.enable_interrupt(intid, None, false);
    let _ = gic.0.set_group(intid, None, arm_gic::gicv3::Group::Group1NS);
    let _ = gic.0.set_interrupt_priority(intid, None, GUEST_PRIORITY);
    let _ = gic.0.set_trigger(intid, None, arm_gic::Trigger::Level);
    let _ = gic.0.distributor().set_routing(intid, Some(mpidr));
}

/// Makes SPI `intid` one of the kernel's own (the console UART's
/// receive interrupt): level, kernel priority, routed to the CPU with
/// affinity `mpidr`, enabled; Group 0 if that CPU runs a direct-delivery
/// domain (its kernel interrupts arrive as FIQ), else Group 1.
pub fn configure_kernel_spi(intid: u32, mpidr: u64, group0: bool) {
    use arm_gic::gicv3::{Group, SecureIntGroup};
    let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) else { return };
    let mut gic = gic.lock();
    let _ = gic.0.enable_interrupt(intid, None, false);
    let group = if group0 { Group::Secure(SecureIntGroup::Group0) } else { Group::Group1NS };
    let _ = gic.0.set_group(intid, None, group);
    let _ = gic.0.set_interrupt_priority(intid, None, KERNEL_PRIORITY);
    let _ = gic.0.set_trigger(intid, None, arm_gic::Trigger::Level);
    let _ = gic.0.distributor().set_routing(intid, Some(mpidr));
    if group0 {
        gic.0.distributor().enable_group0(true);
    }
    let _ = gic.0.enable_interrupt(intid, None, true);
}

/// Enables or disables SPI `intid` at the distributor.
pub fn enable_spi(intid: u32, enable: bool) {
    if let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) {
        let _ = gic.lock().0.enable_interrupt(intid, None, enable);
    }
}

/// Routes SPI `intid` to the CPU with affinity `mpidr`.
pub fn route_spi(intid: u32, mpidr: u64) {
    if let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) {
        let _ = gic.lock().0.distributor().set_routing(intid, Some(mpidr));
    }
}

/// Makes SPI `intid` edge- or level-triggered.
pub fn set_spi_edge(intid: u32, edge: bool) {
    if let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) {
        let trigger = if edge { arm_gic::Trigger::Edge } else { arm_gic::Trigger::Level };
        let _ = gic.lock().0.set_trigger(intid, None, trigger);
    }
}

/// Sends `KICK` to the CPU with affinity `mpidr`: as a Group 0 SGI to a
/// pCPU in direct delivery (its kernel interrupts are Group 0, FIQ), as a
/// Group 1 SGI otherwise.
pub fn kick(mpidr: u64, group0: bool) {
    let value = kick_sgi1r(mpidr);
    if group0 {
        // SAFETY: as `send_sgi1r`, for the Group 0 SGI register.
        unsafe {
            core::arch::asm!("dsb ishst", "msr icc_sgi0r_el1, {0}", "isb", in(reg) value, options(nostack, preserves_flags))
        };
    } else {
        send_sgi1r(value);
        // SAFETY: a context synchronization barrier only.
        unsafe { core::arch::asm!("isb", options(nomem, nostack, preserves_flags)) };
    }
}

/// The ICC_SGI1R_EL1 value that sends SGI `intid` to the CPU with
/// affinity `mpidr`.
pub fn sgi1r_for(mpidr: u64, intid: u32) -> u64 {
    (kick_sgi1r(mpidr) & !(0xf << 24)) | (u64::from(intid & 0xf) << 24)
}

/// The SGI that rings a doorbell of a domain in direct delivery (a
/// physical Group 1 SGI straight to its EL1).
pub const DOORBELL_SGI: u32 = 1;

/// Sets up the redistributor of pCPU `cpu` for direct delivery (boot CPU,
/// before the pCPU runs its domain): the kernel's kick and watchdog timer
/// become Group 0 (FIQ at EL2); the domain's SGIs 1 and 3..15 and its
/// virtual timer are Group 1 at guest priority, disabled until it enables
/// them (the doorbell SGI 1 is enabled: the kernel rings it).
pub fn configure_direct_pcpu(cpu: usize) {
    use arm_gic::gicv3::{Group, SecureIntGroup};
    let Some(gic) = GIC.get() else { return };
    let mut gic = gic.lock();
    // The distributor's Group 0 enable gates Group 0 SGIs and PPIs too.
    gic.0.distributor().enable_group0(true);
    for intid in [KICK, HYP_TIMER] {
        let _ = gic.0.set_group(intid, Some(cpu), Group::Secure(SecureIntGroup::Group0));
    }
    for n in (1..16).filter(|&n| n != 2) {
        let sgi = IntId::sgi(n);
        let _ = gic.0.set_group(sgi, Some(cpu), Group::Group1NS);
        let _ = gic.0.set_interrupt_priority(sgi, Some(cpu), GUEST_PRIORITY);
        let _ = gic.0.enable_interrupt(sgi, Some(cpu), n == DOORBELL_SGI);
    }
    let _ = gic.0.enable_interrupt(VTIMER, Some(cpu), false);
}

/// This CPU's interface for direct delivery (on the pCPU itself): Group 0
/// enabled (the kernel's interrupts), EOImode 0, because the domain's EOI
/// (ICC_EOIR1_EL1, not virtualized when HCR_EL2.IMO=0) must deactivate,
/// and its ICC_DIR_EL1 would reach only the virtual interface (common
/// registers are virtualized while HCR_EL2.FMO=1).
pub fn direct_cpu_interface() {
    GicCpuInterface::enable_group0(true);
    super::vgic::unified_eoi();
}

/// Leaves this pCPU's CPU interface clean after a direct-delivery domain
/// (HCR_EL2.IMO = 0), whose Group 1 registers are the physical ones: no
/// active priority it raised or forged (ICC_AP1R0..3_EL1, which a guest can
/// write to block the kernel's Group 0 interrupts), Group 1 enabled, the
/// binary point at its reset value, and the active state of its private
/// interrupts (SGIs 1..15, the virtual timer) and of its SPIs `spis`
/// cleared. Runs at EL2 on that pCPU, while it runs no guest.
pub fn clean_direct_interface(cpu: usize, spis: impl Iterator<Item = u32>) {
    // ICC_CTLR_EL1.PRIbits (bits 10:8) + 1 priority bits: 5 give one
    // active-priority register, 6 two, 7 four (AP1R1..3 are UNDEFINED
    // beyond them).
    let ctlr: u64;
    // SAFETY: reads this CPU's interface control register.
    unsafe { core::arch::asm!("mrs {0}, icc_ctlr_el1", out(reg) ctlr, options(nomem, nostack, preserves_flags)) };
    let registers = match (ctlr >> 8) & 7 {
        0..=4 => 1,
        5 => 2,
        _ => 4,
    };
    // SAFETY: at EL2 these are the physical Group 1 registers of this CPU;
    // the kernel itself has no Group 1 interrupt active on a direct pCPU
    // (its own are Group 0), so every active priority here is the domain's.
    unsafe { core::arch::asm!("msr icc_ap1r0_el1, xzr", options(nomem, nostack, preserves_flags)) };
    if registers > 1 {
        // SAFETY: as above; AP1R1 exists with 6 or more priority bits.
        unsafe { core::arch::asm!("msr icc_ap1r1_el1, xzr", options(nomem, nostack, preserves_flags)) };
    }
    if registers > 2 {
        // SAFETY: as above; AP1R2 and AP1R3 exist with 7 priority bits.
        unsafe {
            core::arch::asm!(
                "msr icc_ap1r2_el1, xzr",
                "msr icc_ap1r3_el1, xzr",
                options(nomem, nostack, preserves_flags)
            )
        };
    }
    // SAFETY: the binary point back to its minimum and Group 1 enabled (the
    // kernel rings the domain's doorbell SGI in Group 1).
    unsafe {
        core::arch::asm!(
            "msr icc_bpr1_el1, xzr",
            "msr icc_igrpen1_el1, {one}",
            "isb",
            one = in(reg) 1u64,
            options(nomem, nostack, preserves_flags)
        )
    };
    let Some(&(gicd, gicr)) = BASES.get() else { return };
    // GICR_ICACTIVER0, in the SGI frame of this CPU's redistributor: the
    // domain's SGIs (all but the kernel's KICK, SGI 0) and its virtual timer.
    let frame = gicr + (cpu as u64) * 0x2_0000 + 0x1_0000;
    let private = (0xffff & !(1 << u32::from(KICK))) | (1 << u32::from(VTIMER));
    super::memory::phys::write32(frame + 0x380, private);
    for intid in spis.filter(|&i| (32..1020).contains(&i)) {
        // GICD_ICACTIVER<n>: one bit per interrupt, write 1 to deactivate.
        super::memory::phys::write32(gicd + 0x380 + u64::from(intid / 32) * 4, 1 << (intid % 32));
    }
}

/// Enables or disables private interrupt `intid` (SGI or PPI) of pCPU
/// `cpu` (a direct-delivery domain's redistributor writes).
pub fn enable_private(cpu: usize, intid: u32, enable: bool) {
    if let (Some(gic), Ok(intid)) = (GIC.get(), IntId::try_from(intid)) {
        let _ = gic.lock().0.enable_interrupt(intid, Some(cpu), enable);
    }
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
/// state). The `dsb` makes this CPU's earlier stores (a doorbell's pending
/// bit) visible before the SGI can arrive; the SGI is generated by the time
/// of the next context synchronization (the `eret` back to the domain, or
/// the `isb` of a later write).
#[inline(always)]
pub fn send_sgi1r(value: u64) {
    // SAFETY: a barrier and an SGI have no effect on memory; the value was
    // built by `kick_sgi1r` and names the kernel's KICK interrupt only.
    unsafe {
        core::arch::asm!("dsb ishst", "msr icc_sgi1r_el1, {0}", in(reg) value, options(nostack, preserves_flags))
    };
}

/// Acknowledges the highest-priority pending interrupt.
pub fn acknowledge() -> Option<IntId> {
    GicCpuInterface::get_and_acknowledge_interrupt(InterruptGroup::Group1)
}

/// Ends (drops the priority of, and deactivates) an acknowledged
/// interrupt. The CPU interface runs with EOImode 1: a guest's interrupt
/// gets only the priority drop ([`priority_drop`]) and is deactivated by
/// the guest's EOI through a hardware-linked list register.
pub fn end(intid: IntId) {
    super::vgic::priority_drop(u32::from(intid));
    if super::vgic::eoi_split() {
        super::vgic::deactivate(u32::from(intid));
    }
}

/// Drops the running priority of an acknowledged interrupt, leaving it
/// active.
pub fn priority_drop(intid: IntId) {
    super::vgic::priority_drop(u32::from(intid));
}

/// Sends `KICK` to every other CPU (stopping the system), in both groups
/// (pCPUs in direct delivery take it as Group 0).
pub fn kick_all_others() {
    if GIC.get().is_some() {
        let _ = GicCpuInterface::send_sgi(KICK, SgiTarget::All, SgiTargetGroup::CurrentGroup1);
        let _ = GicCpuInterface::send_sgi(KICK, SgiTarget::All, SgiTargetGroup::Group0);
    }
}

/// Acknowledges a pending Group 0 interrupt.
pub fn acknowledge_group0() -> Option<IntId> {
    GicCpuInterface::get_and_acknowledge_interrupt(InterruptGroup::Group0)
}

/// Ends a Group 0 interrupt.
pub fn end_group0(intid: IntId) {
    GicCpuInterface::end_interrupt(intid, InterruptGroup::Group0);
    if super::vgic::eoi_split() {
        super::vgic::deactivate(u32::from(intid));
    }
}
