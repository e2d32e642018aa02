// SPDX-License-Identifier: MIT
//! Doorbells and channel epochs.
//!
//! Owns: the doorbell route table, built once at boot from the board
//! file's capability tables (for each domain's channel slot: the peer
//! domain, the peer's slot bit, the ICC_SGI1R_EL1 value that wakes the
//! pCPU of the peer's vCPU 0, and the end's notify budget state); the fast
//! `Notify` and `Pending` paths that use it; each channel's connection
//! epoch and the link-down event sent to the surviving end when a domain
//! stops.
//!
//! `Notify` kicks the peer's pCPU (an EL2 entry there) only when it sets
//! the peer's pending bit: a doorbell rung while the peer has not taken
//! the previous one is merged with it and costs the peer nothing. A kick
//! is charged to the notifying end's budget (`kernel_core::ratelimit::
//! NotifyLimit`, the channel's `notify_budget`); over it the call is
//! refused with `RateLimited` and counted, and the kernel says so once
//! and gives the count every 10 s and when the domain stops, never a line
//! per call.
//!
//! Must not: decide who may notify whom (the build tool wrote the
//! capability tables; a slot with no route falls back to `kernel-core`'s
//! dispatcher, which refuses and audits it), or touch a channel's window
//! while a peer may be using it (the reconnect handshake in
//! `bulkhead_ring::link` needs no help from the kernel beyond the epoch).
//! It has no `unsafe`.
#![deny(unsafe_code)]

use crate::arch::percpu::PCPUS;
use crate::arch::{gic, timer};
use crate::world::{DOMAINS, World};
use bulkhead_abi::Error;
use bulkhead_bootcfg::{Capability, Delivery, MAX_CAPS, MAX_CHANNELS, MAX_DOMAINS};
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use kernel_core::pinning::VcpuId;
use kernel_core::ratelimit::{NotifyLimit, REPORT_EVERY_MS};

/// Where a doorbell rung through one slot goes, and that end's notify
/// budget: what the `Notify` path reads, one 64-byte line per route.
#[repr(align(64))]
struct Route {
    /// ICC_SGI1R_EL1 value that sends the kick SGI to the peer's vCPU 0;
    /// 0 for no route (a real value always has a target bit set).
    sgi: AtomicU64,
    /// The peer's bit in its pending set (1 << the peer's slot).
    bit: AtomicU64,
    /// The peer domain's index.
    peer: AtomicUsize,
    /// The notify budget's theoretical arrival time (`NotifyLimit`): the
    /// whole state of this end's budget. Read and written without a
    /// read-modify-write (it is on the `Notify` path): vCPUs of one domain
    /// notifying through the same slot at the same instant may each pass
    /// once, so an end used from k vCPUs at once gets at most k times its
    /// budget.
    tat: AtomicU64,
    /// The budget: counter ticks per kick, sustained.
    interval: AtomicU64,
    /// The budget: how far `tat` may run ahead of the counter (the burst).
    tolerance: AtomicU64,
}

/// What one end had refused over its budget (off the `Notify` path).
struct Refusals {
    /// Notifications refused, ever.
    refused: AtomicU64,
    /// How many of them the kernel's lines have counted.
    reported: AtomicU64,
    /// The counter when refusals were last reported (0: never).
    reported_at: AtomicU64,
}

impl Route {
    const fn none() -> Self {
        Self {
            sgi: AtomicU64::new(0),
            bit: AtomicU64::new(0),
            peer: AtomicUsize::new(0),
            tat: AtomicU64::new(0),
            interval: AtomicU64::new(1),
            tolerance: AtomicU64::new(0),
        }
    }
}

/// Every domain's routes, `MAX_CAPS` per domain ([`index`]).
static ROUTES: [Route; ROUTE_COUNT] = [const { Route::none() }; ROUTE_COUNT];
/// The same ends' refusals.
static REFUSALS: [Refusals; ROUTE_COUNT] =
    [const { Refusals { refused: AtomicU64::new(0), reported: AtomicU64::new(0), reported_at: AtomicU64::new(0) } };
        ROUTE_COUNT];
const ROUTE_COUNT: usize = MAX_DOMAINS * MAX_CAPS;

/// The index of domain `d`'s slot `slot` in [`ROUTES`], if both exist.
#[inline(always)]
fn index(d: usize, slot: u64) -> Option<usize> {
    if d >= MAX_DOMAINS || slot >= MAX_CAPS as u64 {
        return None;
    }
    Some(d * MAX_CAPS + slot as usize)
}

/// The route of domain `d`'s slot `slot`, if both exist.
#[inline(always)]
fn route(d: usize, slot: u64) -> Option<&'static Route> {
    ROUTES.get(index(d, slot)?)
}

/// Each channel's connection epoch: 1 at boot, bumped whenever a domain
/// at either end stops (fault, restart, halt). 0 is never a live epoch.
static EPOCHS: [AtomicU32; MAX_CHANNELS] = [const { AtomicU32::new(1) }; MAX_CHANNELS];

/// Fills the route table (boot CPU, once, after every pCPU's MPIDR is
/// known and before any domain runs).
pub fn build_routes(world: &World) {
    for (d, domain) in world.config.domains.iter().enumerate() {
        for (slot, cap) in domain.caps.iter().enumerate() {
            let Capability::Channel { channel, end } = *cap else { continue };
            let Some(route) = route(d, slot as u64) else { continue };
            let Some((peer, peer_slot)) = peer_of(world, channel, end) else { continue };
            let Some(q) = world.pins.pcpu_of(VcpuId { domain: peer, index: 0 }) else { continue };
            // A peer in direct delivery gets the doorbell as a physical
            // Group 1 SGI at its EL1; any other peer gets the kernel's kick.
            let direct = world.config.domains.get(peer.index()).is_some_and(|d| d.delivery == Delivery::Direct);
            let mpidr = PCPUS[q].mpidr.load(Ordering::Acquire);
            let sgi = if direct { gic::sgi1r_for(mpidr, gic::DOORBELL_SGI) } else { gic::kick_sgi1r(mpidr) };
            let budget = world
                .config
                .channels
                .get(usize::from(channel))
                .map(|ch| ch.notify_budget)
                .unwrap_or(bulkhead_bootcfg::NotifyBudget::DEFAULT);
            let limit = NotifyLimit::new(timer::frequency(), budget.per_ms, budget.burst);
            route.interval.store(limit.interval, Ordering::Relaxed);
            route.tolerance.store(limit.tolerance, Ordering::Relaxed);
            route.bit.store(1 << (peer_slot % 64), Ordering::Relaxed);
            route.peer.store(peer.index(), Ordering::Relaxed);
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

/// `Notify` on `slot` of domain `d`: the peer's pending set gains the
/// peer's slot, and its vCPU 0 is kicked if that set the bit (a doorbell
/// the peer has not taken yet absorbs this one) and the end's budget
/// allows it. Returns the call's x0: 0, or `RateLimited` (nothing done,
/// counted). `None` if the slot has no route (not a channel, or no such
/// slot): the caller then takes the dispatcher's path, which refuses and
/// audits the call.
#[inline(always)]
pub fn notify(d: usize, slot: u64) -> Option<u64> {
    let route = route(d, slot)?;
    let sgi = route.sgi.load(Ordering::Acquire);
    if sgi == 0 {
        return None;
    }
    let state = &DOMAINS[route.peer.load(Ordering::Relaxed) % MAX_DOMAINS];
    let bit = route.bit.load(Ordering::Relaxed);
    // Only a doorbell that will kick the peer is charged. (If the peer
    // takes its bit between this look and the `fetch_or` below, that one
    // kick goes uncharged: at most one per doorbell the peer takes.)
    if state.pending.load(Ordering::Relaxed) & bit == 0 && !admit(route) {
        return Some(refuse(d, slot));
    }
    // Release: what the caller wrote to the ring before this call is
    // visible to the peer once it takes the bit (`take_pending`, acquire),
    // merged or not; the SGI is ordered after it by `send_sgi1r`'s barrier.
    if state.pending.fetch_or(bit, Ordering::Release) & bit == 0 {
        gic::send_sgi1r(sgi);
    }
    Some(0)
}

/// Charges one kick to `route`'s budget; false (and nothing charged) over
/// it.
#[inline(always)]
fn admit(route: &Route) -> bool {
    let limit = NotifyLimit {
        interval: route.interval.load(Ordering::Relaxed),
        tolerance: route.tolerance.load(Ordering::Relaxed),
    };
    match limit.admit(route.tat.load(Ordering::Relaxed), timer::now()) {
        Some(tat) => {
            route.tat.store(tat, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// A `Notify` over the budget: counted; the kernel says so when it first
/// happens and gives the count at most every [`REPORT_EVERY_MS`] (and when
/// the domain stops: [`link_down`]). Returns `RateLimited`.
#[cold]
#[inline(never)]
fn refuse(d: usize, slot: u64) -> u64 {
    let Some(route) = index(d, slot).and_then(|i| REFUSALS.get(i)) else { return Error::RateLimited.to_x0() };
    let first = route.refused.fetch_add(1, Ordering::Relaxed) == 0;
    let now = timer::now();
    let last = route.reported_at.load(Ordering::Relaxed);
    let due = first || now.saturating_sub(last) >= (timer::frequency() / 1000).saturating_mul(REPORT_EVERY_MS);
    if due && route.reported_at.compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        report_refusals(d, slot as usize, route, first);
    }
    Error::RateLimited.to_x0()
}

/// Prints how many of domain `d`'s doorbells on `slot` were refused since
/// the last such line (or, for the `first`, that refusing started).
fn report_refusals(d: usize, slot: usize, route: &Refusals, first: bool) {
    let refused = route.refused.load(Ordering::Relaxed);
    let count = refused.saturating_sub(route.reported.swap(refused, Ordering::Relaxed));
    if count == 0 || !crate::world::log_admits(d) {
        return;
    }
    let config = crate::world::world().config;
    let Some(domain) = config.domains.get(d) else { return };
    let Some(Capability::Channel { channel, .. }) = domain.caps.get(slot).copied() else { return };
    let Some(ch) = config.channels.get(usize::from(channel)) else { return };
    if first {
        kprintln!(
            "channel {}: domain {} is over its notify budget ({} per ms, burst {}): its doorbells are refused and counted (rate limit)",
            ch.name.as_str(),
            domain.name.as_str(),
            ch.notify_budget.per_ms,
            ch.notify_budget.burst
        );
    } else {
        kprintln!(
            "channel {}: domain {}: {} doorbells refused (rate limit)",
            ch.name.as_str(),
            domain.name.as_str(),
            count
        );
    }
}

/// Returns and clears domain `d`'s pending doorbells, and lowers the
/// calling vCPU's virtual IRQ line.
#[inline(always)]
pub fn take_pending(d: usize) -> u64 {
    crate::arch::guest::set_virtual_irq(false);
    DOMAINS.get(d).map_or(0, |s| s.pending.swap(0, Ordering::AcqRel))
}

/// `wfi` (`Wait`'s sleep); benchmark builds also account what the guest's PMU counter 0
/// counted meanwhile (other vCPUs' instructions, under `-icount`).
pub fn sleep() {
    if cfg!(feature = "bench") {
        let before = crate::arch::pmu::counter0();
        aarch64_cpu::asm::wfi();
        let slept = crate::arch::pmu::counter0().wrapping_sub(before);
        let me = crate::arch::percpu::me();
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
        if let Some(route) = route(d, slot as u64) {
            ring(route);
        }
        if let Some(refusals) = index(d, slot as u64).and_then(|i| REFUSALS.get(i))
            && refusals.refused.load(Ordering::Relaxed) != refusals.reported.load(Ordering::Relaxed)
        {
            report_refusals(d, slot, refusals, false);
        }
    }
}

/// Rings the peer's doorbell behind `route` for the kernel (no budget;
/// merged, as `notify`'s, with one the peer has not taken).
fn ring(route: &Route) {
    let sgi = route.sgi.load(Ordering::Acquire);
    let state = &DOMAINS[route.peer.load(Ordering::Relaxed) % MAX_DOMAINS];
    let bit = route.bit.load(Ordering::Relaxed);
    if sgi != 0 && state.pending.fetch_or(bit, Ordering::Release) & bit == 0 {
        gic::send_sgi1r(sgi);
    }
}
