// SPDX-License-Identifier: MIT
//! Doorbells and channel epochs.
//!
//! Owns: the doorbell route table, built once at boot from the board
//! file's capability tables (for each domain's channel slot: the peer
//! domain, the peer's slot bit, and the ICC_SGI1R_EL1 value that wakes the
//! pCPU of the peer's vCPU 0); the fast `Notify` and `Pending` paths that
//! use it; each channel's connection epoch and the link-down event sent to
//! the surviving end when a domain stops.
//!
//! Must not: decide who may notify whom (the build tool wrote the
//! capability tables; a slot with no route falls back to `kernel-core`'s
//! dispatcher, which refuses and audits it), or touch a channel's window
//! while a peer may be using it (the reconnect handshake in
//! `bulkhead_ring::link` needs no help from the kernel beyond the epoch).
//! It has no `unsafe`.

use crate::arch::gic;
use crate::domains::{DOMAINS, World};
use crate::percpu::PCPUS;
use bulkhead_bootcfg::{Capability, Delivery, MAX_CAPS, MAX_CHANNELS, MAX_DOMAINS};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel_core::irq::PhysIrq;
use kernel_core::pinning::VcpuId;

/// Where a doorbell rung through one slot goes.
struct Route {
    /// ICC_SGI1R_EL1 value that sends the kick SGI to the peer's vCPU 0;
    /// 0 for no route (a real value always has a target bit set).
    sgi: AtomicU64,
    /// Peer domain index (bits 0..16) and the peer's slot (bits 16..24).
    peer: AtomicU32,
}

impl Route {
    const fn none() -> Self {
        Self { sgi: AtomicU64::new(0), peer: AtomicU32::new(0) }
    }
}

static ROUTES: [[Route; MAX_CAPS]; MAX_DOMAINS] = [const { [const { Route::none() }; MAX_CAPS] }; MAX_DOMAINS];

/// Each channel's connection epoch: 1 at boot, bumped whenever a domain
/// at either end stops (fault, restart, halt). 0 is never a live epoch.
static EPOCHS: [AtomicU32; MAX_CHANNELS] = [const { AtomicU32::new(1) }; MAX_CHANNELS];

/// Fills the route table (boot CPU, once, after every pCPU's MPIDR is
/// known and before any domain runs).
pub fn build_routes(world: &World) {
    for (d, domain) in world.config.domains.iter().enumerate() {
        for (slot, cap) in domain.caps.iter().enumerate() {
            let Capability::Channel { channel, end } = *cap else { continue };
            let Some(route) = ROUTES.get(d).and_then(|r| r.get(slot)) else { continue };
            let Some((peer, peer_slot)) = peer_of(world, channel, end) else { continue };
            let Some(q) = world.pins.pcpu_of(VcpuId { domain: peer, index: 0 }) else { continue };
            // A peer in direct delivery gets the doorbell as a physical
            // Group 1 SGI at its EL1; any other peer gets the kernel's kick.
            let direct = world.config.domains.get(peer.index()).is_some_and(|d| d.delivery == Delivery::Direct);
            let mpidr = PCPUS[q].mpidr.load(Ordering::Acquire);
            let sgi = if direct { gic::sgi1r_for(mpidr, gic::DOORBELL_SGI) } else { gic::kick_sgi1r(mpidr) };
            let packed = (peer.index() as u32) | ((peer_slot as u32) << 16);
            route.peer.store(packed, Ordering::Relaxed);
            route.sgi.store(sgi, Ordering::Release);
        }
    }
}

/// The domain and slot holding the other end of `channel`.
fn peer_of(world: &World, channel: u16, end: u8) -> Option<(bulkhead_abi::DomainId, usize)> {
    let ch = world.config.channels.get(usize::from(channel))?;
    let peer_end = 1 - (end & 1);
    let peer = ch.ends.get(usize::from(peer_end))?.domain;
    let wanted = Capability::Channel { channel, end: peer_end };
    let slot = world.config.domains.get(peer.index())?.caps.iter().position(|&c| c == wanted)?;
    Some((peer, slot))
}

/// Rings the doorbell behind `slot` of domain `d`: the peer's pending set
/// gains the peer's slot, and its vCPU 0 is kicked. False if the slot has
/// no route (not a channel, or no such slot): the caller then takes the
/// dispatcher's path, which refuses and audits the call.
#[inline(always)]
pub fn notify(d: usize, slot: u64) -> bool {
    let Some(route) = ROUTES.get(d).and_then(|r| r.get(slot as usize)) else { return false };
    let sgi = route.sgi.load(Ordering::Acquire);
    if sgi == 0 {
        return false;
    }
    let peer = route.peer.load(Ordering::Relaxed);
    if let Some(state) = DOMAINS.get((peer & 0xffff) as usize) {
        // Ordered before the SGI by the barrier in `send_sgi1r`.
        state.pending.fetch_or(1 << ((peer >> 16) & 0x3f), Ordering::Relaxed);
        gic::send_sgi1r(sgi);
    }
    true
}

/// Returns and clears domain `d`'s pending doorbells, and lowers the
/// calling vCPU's virtual IRQ line.
#[inline(always)]
pub fn take_pending(d: usize) -> u64 {
    crate::arch::guest::set_virtual_irq(false);
    DOMAINS.get(d).map_or(0, |s| s.pending.swap(0, Ordering::AcqRel))
}

/// `Wait`: returns domain `d`'s pending doorbells, sleeping in `wfi` on
/// pCPU `p` until there are some. A wake-up is any interrupt at this
/// pCPU's interface (EL2 keeps interrupts masked; `wfi` still wakes), taken
/// one per wake-up: the kick (a doorbell, the domain being stopped:
/// `check_kicked` parks this pCPU then, or a virtual SGI), the watchdog, or
/// an interrupt of the domain's (forwarded), after which the call returns
/// what is pending, possibly 0, rather than sleep through what the domain
/// may need to see.
pub fn wait(p: usize, d: usize) -> u64 {
    let Some(state) = DOMAINS.get(d) else { return 0 };
    let me = &PCPUS[p];
    if me.direct.load(Ordering::Relaxed) {
        // Its interrupts (the doorbell SGI among them) go to EL1, not here:
        // the domain sleeps in its own `wfi`; `Wait` only takes the set.
        return take_pending(d);
    }
    loop {
        let bits = take_pending(d);
        if bits != 0 {
            return bits;
        }
        sleep();
        let Some(intid) = gic::acknowledge() else { continue };
        match crate::traps::classify_irq(u32::from(intid)) {
            PhysIrq::Kick => {
                gic::end(intid);
                if crate::arch::system::stopping()
                    || state.generation.load(Ordering::Acquire) != me.generation.load(Ordering::Relaxed)
                {
                    crate::domains::check_kicked(p);
                }
                // A kick may also bring a virtual interrupt (an SGI from
                // another vCPU): the domain must see it, as after a `wfi`.
                if crate::vgic::refill_lrs(p, d) {
                    return take_pending(d);
                }
            }
            PhysIrq::HypTimer => {
                gic::end(intid);
                crate::domains::watchdog_tick(p);
            }
            PhysIrq::Maintenance => {
                gic::end(intid);
                let _ = crate::vgic::refill_lrs(p, d);
            }
            // The kernel's console input: never the domain's, whatever its
            // virtual GIC calls that number.
            PhysIrq::ConsoleInput => {
                crate::console::physical_input();
                gic::end(intid);
            }
            PhysIrq::GuestTimer | PhysIrq::Guest => {
                gic::priority_drop(intid);
                if !crate::vgic::forward(p, u32::from(intid)) {
                    crate::arch::vgic::deactivate(u32::from(intid));
                }
                return take_pending(d);
            }
        }
    }
}

/// `wfi`; benchmark builds also account what the guest's PMU counter 0
/// counted meanwhile (other vCPUs' instructions, under `-icount`).
fn sleep() {
    if cfg!(feature = "bench") {
        let before = crate::arch::pmu::counter0();
        aarch64_cpu::asm::wfi();
        let slept = crate::arch::pmu::counter0().wrapping_sub(before);
        let me = crate::percpu::me();
        me.wait_slept.store(me.wait_slept.load(Ordering::Relaxed).wrapping_add(slept), Ordering::Release);
    } else {
        aarch64_cpu::asm::wfi();
    }
}

/// Channel `channel`'s current epoch.
pub fn epoch(channel: u16) -> u32 {
    EPOCHS.get(usize::from(channel)).map_or(0, |e| e.load(Ordering::Acquire))
}

/// Domain `d` stopped (all its vCPUs parked): every channel it is an end
/// of enters a new epoch, and each peer's doorbell for that channel rings,
/// so that the survivor learns of the link going down without polling.
pub fn link_down(world: &World, d: usize) {
    let Some(domain) = world.config.domains.get(d) else { return };
    for (slot, cap) in domain.caps.iter().enumerate() {
        let Capability::Channel { channel, .. } = *cap else { continue };
        if let Some(e) = EPOCHS.get(usize::from(channel)) {
            // Skip 0 on wrap-around: it means "never connected".
            let _ = e.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| Some(v.wrapping_add(1).max(1)));
        }
        notify(d, slot as u64);
    }
}
