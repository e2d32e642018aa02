// SPDX-License-Identifier: MIT
//! Interrupt routing to domains: each domain's virtual GICv3 (the model in
//! `kernel_core::vgic`, one per domain behind a lock), each vCPU's queue
//! of virtual interrupts waiting for a list register, and the glue that
//! turns physical interrupts, trapped MMIO and trapped SGI writes into list
//! register contents.
//!
//! Owns: which physical SPIs a domain has (configured at boot and at each
//! restart), forwarding a physical interrupt to the vCPU of its owner
//! (hardware-linked, so the guest's EOI deactivates it), refilling list
//! registers (the maintenance interrupt asks when they run low), the
//! effects of the domain's distributor writes on the physical GIC.
//! Must not: decide what a register access means (the model does) or
//! touch the hardware directly (the arch layer does). No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::percpu::{NO_DOMAIN, PCPUS};
use crate::arch::{gic, vgic as ich};
use crate::world::{DOMAINS, World};
use bulkhead_bootcfg::{MAX_DOMAINS, MAX_PCPUS};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel_core::pinning::VcpuId;
use kernel_core::vgic::{
    MmioAccess, PendingQueue, PhysEffect, Refusal, VgicLayout, VirtualGic, VirtualIrq, lr_is_free, settle,
};
use spin::Mutex;

static VGICS: [Mutex<VirtualGic>; MAX_DOMAINS] = [const { Mutex::new(VirtualGic::new()) }; MAX_DOMAINS];
/// Per pCPU (= per vCPU: pinning is 1:1): virtual interrupts waiting for a
/// list register.
static QUEUES: [Mutex<PendingQueue>; MAX_PCPUS] = [const { Mutex::new(PendingQueue::new()) }; MAX_PCPUS];
/// Per pCPU: its queue may be non-empty (set before an interrupt is queued,
/// cleared by the pCPU itself, under the queue's lock, when its queue
/// drains), so that the hot paths skip the lock when nothing is queued.
static QUEUED: [AtomicBool; MAX_PCPUS] = [const { AtomicBool::new(false) }; MAX_PCPUS];
/// Per domain: its vCPU 0 has enabled the doorbell SGI in its virtual GIC,
/// so doorbells arrive as that SGI (through a list register) rather than
/// as HCR_EL2.VI, which a guest with a GIC driver could not acknowledge.
static DOORBELL_SGI_ON: [AtomicBool; MAX_DOMAINS] = [const { AtomicBool::new(false) }; MAX_DOMAINS];
/// List registers of this machine's CPU interfaces (read at vCPU start).
static LRS: AtomicUsize = AtomicUsize::new(0);

/// Where domain `d` sees its GIC: at the physical GIC's addresses (its
/// stage-2 tables leave them unmapped, so every access traps).
pub fn layout(world: &World, d: usize) -> VgicLayout {
    VgicLayout {
        dist_base: world.config.gic.distributor.raw(),
        redist_base: world.config.gic.redistributors.raw(),
        vcpus: world.config.domains.get(d).map_or(0, |dom| dom.pcpus.len()),
    }
}

/// The SPIs domain `d` owns: its devices' and its own `irqs`, its
/// console UART's and those of the devices device models emulate for it
/// (virtual SPIs only: [`virtual_only`]).
fn owned_spis(world: &World, d: usize) -> heapless::Vec<u32, { kernel_core::vgic::MAX_OWNED_SPIS }> {
    let mut out = heapless::Vec::new();
    if let Some(domain) = world.config.domains.get(d) {
        for &irq in domain.devices.iter().flat_map(|dev| dev.irqs.iter()).chain(domain.irqs.iter()) {
            let _ = out.push(irq);
        }
        if let Some(console) = domain.console {
            let _ = out.push(console.intid);
        }
    }
    for intid in emulated_spis(world, d) {
        let _ = out.push(intid);
    }
    out
}

/// The SPIs of the devices device models emulate for domain `d`
/// (`DmIrq` capabilities naming it).
fn emulated_spis(world: &World, d: usize) -> impl Iterator<Item = u32> + '_ {
    world.config.domains.iter().flat_map(|dm| dm.caps.iter()).filter_map(move |cap| match *cap {
        bulkhead_bootcfg::Capability::DmIrq { target, intid } if usize::from(target) == d => Some(intid),
        _ => None,
    })
}

/// Whether SPI `intid` of domain `d` exists only in its virtual GIC (its
/// emulated console UART's, or an emulated device's): the physical SPI of
/// that number is not the domain's, so the domain's writes never reach it.
fn virtual_only(world: &World, d: usize, intid: u32) -> bool {
    world.config.domains.get(d).and_then(|dom| dom.console).is_some_and(|c| c.intid == intid)
        || emulated_spis(world, d).any(|spi| spi == intid)
}

/// The MPIDR of the pCPU that runs vCPU `vcpu` of domain `d`.
fn mpidr_of(world: &World, d: usize, vcpu: usize) -> Option<u64> {
    let domain = world.config.domains.get(d)?;
    let p = usize::from(*domain.pcpus.get(vcpu)?);
    Some(PCPUS.get(p)?.mpidr.load(Ordering::Acquire))
}

/// Puts domain `d`'s virtual GIC and its physical SPIs in their reset
/// state (boot, and every restart, while none of its vCPUs runs).
pub fn reset_domain(world: &World, d: usize) {
    let owned = owned_spis(world, d);
    let vcpus = world.config.domains.get(d).map_or(0, |dom| dom.pcpus.len());
    if let Some(v) = VGICS.get(d) {
        v.lock().reset(vcpus, &owned);
    }
    if let Some(flag) = DOORBELL_SGI_ON.get(d) {
        flag.store(false, Ordering::Release);
    }
    let Some(mpidr) = mpidr_of(world, d, 0) else { return };
    for &intid in owned.iter().filter(|&&intid| !virtual_only(world, d, intid)) {
        gic::configure_guest_spi(intid, mpidr);
    }
}

/// Per pCPU: its virtual CPU interface holds a vCPU's state (from
/// [`vcpu_start`] until [`vcpu_stop`] cleans it). Before its first start
/// the list registers hold UNKNOWN values, which must not be taken for
/// interrupts to deactivate.
static LIVE: [AtomicBool; MAX_PCPUS] = [const { AtomicBool::new(false) }; MAX_PCPUS];

/// Deactivates the physical interrupts this pCPU's vCPU held in list
/// registers (hardware-linked: acknowledged by the kernel, waiting for the
/// guest's EOI) and in its queue, and empties both; with `enable`, the
/// virtual CPU interface is then reset and enabled for a new start,
/// otherwise left disabled. Runs on pCPU `p` itself (list registers are
/// per CPU).
fn clean_interface(p: usize, lrs: usize, enable: bool) {
    if LIVE.get(p).is_some_and(|live| live.swap(false, Ordering::AcqRel)) {
        for n in 0..lrs {
            let lr = ich::read_lr(n);
            if !lr_is_free(lr) && lr & (1 << 61) != 0 {
                ich::deactivate(((lr >> 32) & 0x1fff) as u32);
            }
        }
    }
    drain_queue(p, true);
    ich::reset_interface(lrs, enable);
}

/// Empties pCPU `p`'s queue; `local` (on `p` itself) also deactivates the
/// hardware-linked interrupts in it. Only `p` queues hardware-linked
/// interrupts for itself (a physical interrupt is forwarded on the pCPU
/// that took it), and it drains its queue before it parks, so a queue
/// drained from elsewhere holds software interrupts only.
fn drain_queue(p: usize, local: bool) {
    let (Some(q), Some(flag)) = (QUEUES.get(p), QUEUED.get(p)) else { return };
    let mut q = q.lock();
    while let Some(irq) = q.pop_highest() {
        if irq.hw && local {
            ich::deactivate(irq.intid);
        }
    }
    flag.store(false, Ordering::Release);
}

/// A vCPU starts afresh on pCPU `p`: physical interrupts it held (in list
/// registers or queued) are deactivated, the virtual CPU interface reset.
pub fn vcpu_start(p: usize) {
    let lrs = ich::lr_count();
    LRS.store(lrs, Ordering::Relaxed);
    let direct = PCPUS[p].direct.load(Ordering::Acquire);
    clean_interface(p, lrs, !direct);
    if let Some(live) = LIVE.get(p) {
        live.store(true, Ordering::Release);
    }
    if direct {
        // The domain's private interrupts start disabled and inactive, as
        // after a reset; the doorbell SGI stays enabled.
        for intid in (3..16).chain([u32::from(gic::VTIMER)]) {
            gic::enable_private(p, intid, false);
        }
        let sgi_frame = crate::world::world().config.gic.redistributors.raw() + (p as u64) * 0x2_0000 + 0x1_0000;
        crate::arch::memory::phys::write32(sgi_frame + 0x380, !0b101); // ICACTIVER0 (not the kick, nor SGI 2)
    }
}

/// The vCPU on pCPU `p` (this pCPU) stops: its domain stops, or it is
/// switched off. What it held is dropped at once, not at its next start:
/// the physical interrupts in its list registers and queue are
/// deactivated (an SPI left active would never fire for the domain's next
/// life, on any vCPU), and its virtual CPU interface is emptied and
/// disabled, so nothing of this life stays pending on a parked pCPU.
pub fn vcpu_stop(p: usize) {
    clean_interface(p, ich::lr_count(), false);
}

/// Empties the queues of domain `d`'s vCPUs, once every one of them is
/// parked (each cleaned its own list registers when it parked): software
/// interrupts queued since for a vCPU that was off are of the life that
/// ended. Runs on pCPU `p`.
pub fn drop_queues(world: &World, d: usize, p: usize) {
    let Some(domain) = world.config.domains.get(d) else { return };
    for q in domain.pcpus.iter().map(|&q| usize::from(q)) {
        drain_queue(q, q == p);
    }
}

/// Queues `irq` for the vCPU on pCPU `p`.
fn queue(p: usize, irq: VirtualIrq) {
    if let (Some(q), Some(flag)) = (QUEUES.get(p), QUEUED.get(p)) {
        let mut q = q.lock();
        let _ = q.push(irq);
        flag.store(true, Ordering::Release);
    }
}

/// Moves queued interrupts into free list registers of this pCPU (which
/// runs the vCPU of domain `d`); asks for a maintenance interrupt while
/// some remain queued.
///
/// Returns whether it wrote a list register. Inlined up to the check of
/// the queue's flag: on the doorbell and interrupt paths the queue is
/// nearly always empty.
#[inline(always)]
pub fn refill_lrs(p: usize, d: usize) -> bool {
    if !QUEUED.get(p).is_some_and(|flag| flag.load(Ordering::Acquire)) {
        return false;
    }
    refill_from_queue(p, d, false)
}

/// The maintenance interrupt on pCPU `p` (which runs a vCPU of domain
/// `d`): refills, and clears a spent EOI mark even when nothing is queued
/// (the copy that asked for it may have been withdrawn since:
/// [`withdraw_line`]), which would otherwise keep the interrupt asserted.
pub fn maintenance(p: usize, d: usize) {
    let _ = refill_from_queue(p, d, true);
}

#[inline(never)]
fn refill_from_queue(p: usize, d: usize, always: bool) -> bool {
    let (Some(q), Some(v), Some(flag)) = (QUEUES.get(p), VGICS.get(d), QUEUED.get(p)) else { return false };
    let mut q = q.lock();
    if q.is_empty() && !always {
        flag.store(false, Ordering::Release);
        return false;
    }
    let vcpu = PCPUS[p].vcpu.load(Ordering::Relaxed);
    let lrs = ich::lr_count();
    let mut regs = [0u64; ich::MAX_LRS];
    for (n, r) in regs.iter_mut().enumerate().take(lrs) {
        *r = ich::read_lr(n);
    }
    let before = regs;
    let settled = {
        let v = v.lock();
        settle(&mut regs[..lrs], &mut q, |intid| v.deliverable(vcpu, intid))
    };
    for n in 0..lrs {
        if regs[n] != before[n] {
            ich::write_lr(n, regs[n]);
        }
    }
    let hcr = ich::hcr();
    let wanted = if settled.want_underflow { hcr | ich::HCR_UIE } else { hcr & !ich::HCR_UIE };
    if wanted != hcr {
        ich::set_hcr(wanted);
    }
    if q.is_empty() {
        flag.store(false, Ordering::Release);
    }
    settled.written > 0
}

/// A physical interrupt acknowledged on pCPU `p` (priority already
/// dropped) that is not the kernel's: forwards it to the vCPU here if its
/// domain owns it (the virtual timer always belongs to the vCPU of its
/// pCPU). False if nobody here owns it: the caller deactivates it.
pub fn forward(p: usize, intid: u32) -> bool {
    let d = PCPUS[p].domain.load(Ordering::Relaxed);
    let Some(v) = VGICS.get(d) else { return false };
    let vcpu = PCPUS[p].vcpu.load(Ordering::Relaxed);
    let (irq, deliverable) = {
        let v = v.lock();
        if intid != u32::from(gic::VTIMER) && !v.owns(intid) {
            return false;
        }
        (VirtualIrq { intid, priority: v.priority(vcpu, intid), hw: true }, v.deliverable(vcpu, intid))
    };
    // The common case: nothing queued ahead of it and a list register free
    // (ICH_ELRSR_EL2), so no queue and no lock.
    if deliverable && !QUEUED[p].load(Ordering::Acquire) {
        let lrs = LRS.load(Ordering::Relaxed);
        let free = ich::empty_lrs() & ((1u64 << lrs) - 1);
        if free != 0 {
            ich::write_lr(free.trailing_zeros() as usize, irq.to_lr());
            return true;
        }
    }
    queue(p, irq);
    let _ = refill_lrs(p, d);
    true
}

/// The pCPU of vCPU `vcpu` of domain `d`.
fn pcpu_of(d: usize, vcpu: usize) -> Option<usize> {
    let world = crate::world::world();
    world.pins.pcpu_of(VcpuId { domain: bulkhead_abi::DomainId::new(d as u16), index: vcpu })
}

/// Makes `intid` pending for vCPU `vcpu` of domain `d` (a software
/// interrupt: SGI or ISPENDR), and makes that vCPU look.
fn pend_soft(d: usize, vcpu: usize, intid: u32, from: usize) {
    let Some(q) = pcpu_of(d, vcpu) else { return };
    let priority = VGICS.get(d).map_or(0xa0, |v| v.lock().priority(vcpu, intid));
    queue(q, VirtualIrq { intid, priority, hw: false });
    if q == from {
        let _ = refill_lrs(q, d);
    } else {
        PCPUS[q].kick();
    }
}

/// Makes virtual SPI `intid` of domain `d` pending (a software line: an
/// emulated device's interrupt) for the vCPU the domain routed it to,
/// from whichever pCPU this runs on. Nothing for a direct-delivery domain
/// (list registers do not reach it).
pub fn pend_line(d: usize, intid: u32) {
    let vcpu = VGICS.get(d).and_then(|v| v.lock().target(intid)).unwrap_or(0);
    if pcpu_of(d, vcpu).is_some_and(|q| !PCPUS[q].direct.load(Ordering::Relaxed)) {
        pend_soft(d, vcpu, intid, crate::world::this_pcpu());
    }
}

/// The line of virtual SPI `intid` of domain `d` is low: a copy still
/// waiting in its vCPU's queue is dropped (one already in a list register
/// stays).
pub fn withdraw_line(d: usize, intid: u32) {
    let vcpu = VGICS.get(d).and_then(|v| v.lock().target(intid)).unwrap_or(0);
    let Some(q) = pcpu_of(d, vcpu) else { return };
    if let (Some(queue), Some(flag)) = (QUEUES.get(q), QUEUED.get(q))
        && flag.load(Ordering::Acquire)
    {
        queue.lock().remove(intid);
    }
}

/// A trapped ICC_SGI1R_EL1 write of `value` by the vCPU on pCPU `p`.
pub fn sgi(p: usize, value: u64) {
    let d = PCPUS[p].domain.load(Ordering::Relaxed);
    let Some(v) = VGICS.get(d) else { return };
    let vcpu = PCPUS[p].vcpu.load(Ordering::Relaxed);
    let (intid, targets) = v.lock().sgi1r(vcpu, value);
    let direct = PCPUS[p].direct.load(Ordering::Relaxed);
    for target in (0..32).filter(|t| targets & (1 << t) != 0) {
        if direct {
            // A physical Group 1 SGI straight to the target's EL1; the
            // kernel's own SGIs (0: kick, 2) are not the domain's to send.
            if intid != 0
                && intid != 2
                && let Some(q) = pcpu_of(d, target)
            {
                gic::send_sgi1r(gic::sgi1r_for(PCPUS[q].mpidr.load(Ordering::Acquire), intid));
            }
        } else {
            pend_soft(d, target, intid, p);
        }
    }
}

/// What became of a trapped access to the GIC frames.
pub enum MmioOutcome {
    /// Done; for a read, the value to put in the register.
    Done(u64),
    /// Not a GIC access: the domain faults as for any unmapped address.
    NotGic,
}

/// A stage-2 data abort of the vCPU on pCPU `p` that may be an access to
/// its GIC frames.
pub fn mmio(p: usize, access: MmioAccess, value: u64) -> MmioOutcome {
    let d = PCPUS[p].domain.load(Ordering::Relaxed);
    if d == NO_DOMAIN {
        return MmioOutcome::NotGic;
    }
    let world = crate::world::world();
    let layout = layout(world, d);
    if !layout.contains(access.ipa) {
        return MmioOutcome::NotGic;
    }
    let vcpu = PCPUS[p].vcpu.load(Ordering::Relaxed);
    let Some(v) = VGICS.get(d) else { return MmioOutcome::NotGic };
    let result = v.lock().mmio(&layout, vcpu, access, value);
    let physical = |effect: &&PhysEffect| match **effect {
        PhysEffect::EnableSpi { intid, .. }
        | PhysEffect::RouteSpi { intid, .. }
        | PhysEffect::ConfigureSpi { intid, .. } => !virtual_only(world, d, intid),
    };
    for effect in result.effects.iter().filter(physical) {
        match *effect {
            PhysEffect::EnableSpi { intid, enable } => gic::enable_spi(intid, enable),
            PhysEffect::RouteSpi { intid, vcpu } => {
                if let Some(mpidr) = mpidr_of(world, d, vcpu) {
                    gic::route_spi(intid, mpidr);
                }
            }
            PhysEffect::ConfigureSpi { intid, edge } => gic::set_spi_edge(intid, edge),
        }
    }
    if PCPUS[p].direct.load(Ordering::Relaxed) {
        mirror_private(world, d, &layout, access.ipa, v);
    } else {
        if access.write
            && let Some(flag) = DOORBELL_SGI_ON.get(d)
        {
            let on = v.lock().deliverable(0, gic::DOORBELL_SGI);
            let was = flag.swap(on, Ordering::AcqRel);
            // vCPU 0 just switched doorbells to its GIC: what VI signalled
            // so far becomes the SGI (VI would look spurious to its driver).
            if on && !was && vcpu == 0 {
                crate::arch::guest::set_virtual_irq(false);
                if DOMAINS[d].pending.load(Ordering::Acquire) != 0 {
                    pend_doorbell(p, d);
                }
            }
        }
        for &(target, intid) in &result.pended {
            pend_soft(d, target, intid, p);
        }
        // An enable may have made a queued interrupt deliverable.
        if access.write {
            let _ = refill_lrs(p, d);
        }
    }
    if let Some(refusal) = result.refused
        && crate::world::note_denial(d)
    {
        let name = world.config.domains.get(d).map_or("?", |dom| dom.name.as_str());
        match refusal {
            Refusal::NotOwned { intid } => kprintln!(
                "ignored: domain {} vCPU {}: GIC write at {:#x} to interrupt {} it does not own",
                name,
                vcpu,
                access.ipa,
                intid
            ),
            Refusal::BadAccess => kprintln!(
                "ignored: domain {} vCPU {}: {}-byte GIC access at {:#x} of the wrong size or alignment",
                name,
                vcpu,
                access.size,
                access.ipa
            ),
        }
    }
    MmioOutcome::Done(result.value)
}

/// Direct delivery: after a write to vCPU `i`'s redistributor frame, the
/// physical redistributor of its pCPU follows the model's enables for the
/// domain's private interrupts (SGIs 1 and 3..15, the virtual timer). The
/// kernel's own (SGIs 0 and 2, PPIs 25 and 26) are never touched.
fn mirror_private(world: &World, d: usize, layout: &VgicLayout, ipa: u64, v: &Mutex<VirtualGic>) {
    let Some(offset) = ipa.checked_sub(layout.redist_base) else { return };
    let vcpu = (offset / kernel_core::vgic::REDIST_STRIDE) as usize;
    let Some(p) = world.config.domains.get(d).and_then(|dom| dom.pcpus.get(vcpu)).map(|&p| usize::from(p)) else {
        return;
    };
    let v = v.lock();
    for intid in (1..16).filter(|&n| n != 2).chain([u32::from(gic::VTIMER)]) {
        gic::enable_private(p, intid, intid == gic::DOORBELL_SGI || v.deliverable(vcpu, intid));
    }
}

/// Whether domain `d` takes its doorbells as the doorbell SGI (it enabled
/// it in its virtual GIC).
pub fn doorbell_via_gic(d: usize) -> bool {
    DOORBELL_SGI_ON.get(d).is_some_and(|f| f.load(Ordering::Acquire))
}

/// Makes the doorbell SGI pending for the vCPU on pCPU `p` (vCPU 0 of
/// domain `d`).
pub fn pend_doorbell(p: usize, d: usize) {
    let priority = VGICS.get(d).map_or(0xa0, |v| v.lock().priority(0, gic::DOORBELL_SGI));
    queue(p, VirtualIrq { intid: gic::DOORBELL_SGI, priority, hw: false });
    let _ = refill_lrs(p, d);
}
