// SPDX-License-Identifier: MIT
//! The ioreq path: a target domain's access to a range its board entry
//! gives a device model (`device_model`) faults at stage 2 and is handed
//! to that device model; the target's vCPU waits at EL2 until the device
//! model answers (`DmIoreqComplete`) or the board's timeout passes, then
//! resumes with the value read, or with the access failed as a
//! synchronous external abort (a bus error).
//!
//! Owns: each device model's registered ioreq page per target (with the
//! device model's generation: a page of an ended life is never written),
//! each pCPU's waiting ioreq (one vCPU per pCPU), and each domain's DMOP
//! audit trail (`kernel_core::dmop_audit`), printed when it stops. Which device model
//! serves an address is `kernel_core::ioreq`'s policy; the slot's layout
//! is `bulkhead_abi::ioreq`'s. Must not: read the device model's page
//! (the answer comes in the completion's registers), wait for ever (the
//! deadline, and the target's own stop, end every wait), or let a device
//! model complete an access it was not asked (the caller, the vCPU and
//! the id must match the waiting one, in one compare-and-swap).
//! No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::memory::phys;
use crate::arch::percpu::PCPUS;
use crate::arch::{gic, system, timer};
use crate::world::{DOMAINS, world};
use bulkhead_abi::ioreq::{IoreqSlot, READY};
use bulkhead_abi::{DomainId, PhysAddr};
use bulkhead_bootcfg::{Delivery, MAX_DOMAINS, MAX_PCPUS};
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use kernel_core::pinning::VcpuId;
use kernel_core::vgic::MmioAccess;
use spin::Mutex;

/// A registered page: where, for which life of the device model, and the
/// doorbell bit (its device-model slot) its ioreqs ring.
#[derive(Clone, Copy)]
struct Page {
    pa: u64,
    generation: u32,
    bit: u64,
}

/// `[device model][target]`: the page the device model registered.
static PAGES: [[Mutex<Option<Page>>; MAX_DOMAINS]; MAX_DOMAINS] =
    [const { [const { Mutex::new(None) }; MAX_DOMAINS] }; MAX_DOMAINS];

/// A waiting ioreq's state, packed with its id so that one
/// compare-and-swap checks both: `id << 2 | state`.
const IDLE: u64 = 0;
const POSTED: u64 = 1;
const CLAIMED: u64 = 2;
const DONE: u64 = 3;

/// The ioreq the vCPU on one pCPU waits for.
struct Wait {
    /// `id << 2 | state`.
    word: AtomicU64,
    /// The device model asked (the only one that may answer).
    dm: AtomicUsize,
    /// The answer (valid once `word` says DONE).
    data: AtomicU64,
}

static WAITS: [Wait; MAX_PCPUS] =
    [const { Wait { word: AtomicU64::new(IDLE), dm: AtomicUsize::new(usize::MAX), data: AtomicU64::new(0) } };
        MAX_PCPUS];
/// Ioreq ids; 0 is never used.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);
/// Accesses that timed out, per target (for the stop summary).
static TIMED_OUT: [AtomicU64; MAX_DOMAINS] = [const { AtomicU64::new(0) }; MAX_DOMAINS];

/// What became of an access.
pub enum Outcome {
    /// No device model emulates this address.
    NotEmulated,
    /// Answered; for a read, the value.
    Done(u64),
    /// No answer in time: the access fails as a bus error.
    BusError,
}

/// Device model `dm` registers the page at `pa` (checked) for `target`,
/// announced through its slot `slot`.
pub fn register(dm: usize, target: usize, slot: u64, pa: PhysAddr) {
    let generation = DOMAINS.get(dm).map_or(0, |s| s.generation.load(Ordering::Acquire));
    let Some(cell) = PAGES.get(dm).and_then(|row| row.get(target)) else { return };
    *cell.lock() = Some(Page { pa: pa.raw(), generation, bit: 1u64 << (slot % 64) });
}

/// Each domain's DMOP audit trail for its current life.
static TRAILS: [kernel_core::dmop_audit::DmopTrail; MAX_DOMAINS] =
    [const { kernel_core::dmop_audit::DmopTrail::new() }; MAX_DOMAINS];

/// Counts hypercall `call` of domain `d`, answered `x0`, in its DMOP audit
/// trail if it is a device-model call.
pub fn audit(d: usize, call: u64, x0: u64) {
    if let Some(trail) = TRAILS.get(d) {
        trail.record(call, x0);
    }
}

/// Domain `d` stopped: the pages it registered as a device model are
/// forgotten before its memory is reloaded (the lock orders this after any
/// write in progress).
pub fn domain_stopped(d: usize) {
    let Some(row) = PAGES.get(d) else { return };
    for cell in row {
        *cell.lock() = None;
    }
    let counts = TRAILS.get(d).map(kernel_core::dmop_audit::DmopTrail::take);
    if let Some(counts) = counts.filter(|c| !c.is_empty())
        && crate::world::log_admits(d)
    {
        kprintln!("domain {}: DMOPs in the life that ended: {}", crate::world::name_of(d), crate::log::Show(&counts));
    }
    let timed_out = TIMED_OUT.get(d).map_or(0, |t| t.swap(0, Ordering::Relaxed));
    if timed_out > 0 {
        kprintln!(
            "domain {}: {} device accesses got no answer in time (bus errors)",
            crate::world::name_of(d),
            timed_out
        );
    }
}

/// Domain `target` begins to stop: every device model with a page for it
/// is rung, so that it reads the target's new life (`DmTargetLife`) and
/// resets its devices.
pub fn target_stopping(target: usize) {
    for (dm, row) in PAGES.iter().enumerate() {
        let page = row.get(target).and_then(|cell| *cell.lock());
        if let Some(page) = page {
            ring(dm, page.bit);
        }
    }
}

/// The access `access` (a write's `value`) of the vCPU on pCPU `p`, at an
/// address nothing else emulates: handed to its device model, if one
/// serves it, and waited for.
pub fn emulate(p: usize, access: MmioAccess, value: u64) -> Outcome {
    let Some(vcpu) = crate::world::vcpu_of(p) else { return Outcome::NotEmulated };
    let target = vcpu.domain.index();
    let world = world();
    let Some(route) = kernel_core::ioreq::route(world.config, target, access.ipa) else {
        return Outcome::NotEmulated;
    };
    let Some(wait) = WAITS.get(p) else { return Outcome::NotEmulated };
    let mut id = NEXT_ID.fetch_add(1, Ordering::Relaxed) & 0x3fff_ffff;
    if id == 0 {
        id = NEXT_ID.fetch_add(1, Ordering::Relaxed) & 0x3fff_ffff;
    }
    let posted = (u64::from(id) << 2) | POSTED;
    wait.dm.store(route.dm, Ordering::Relaxed);
    wait.word.store(posted, Ordering::Release);
    let slot = IoreqSlot {
        state: READY,
        id,
        address: access.ipa,
        data: if access.write { value } else { 0 },
        size: access.size,
        write: u8::from(access.write),
        vcpu: u8::try_from(vcpu.index).unwrap_or(u8::MAX),
        reserved: [0; 37],
    };
    // Until the device model has a page (it is still starting, or
    // restarting), the post is retried while the access waits.
    let mut posted_to_page = post(route.dm, target, vcpu.index, &slot);
    let deadline = timer::now().saturating_add(kernel_core::ioreq::timeout_ticks(timer::frequency(), route.timeout_ms));
    let me = &PCPUS[p];
    let state = &DOMAINS[target % MAX_DOMAINS];
    loop {
        let word = wait.word.load(Ordering::Acquire);
        if word & 3 == DONE {
            let data = wait.data.load(Ordering::Acquire);
            wait.word.store(IDLE, Ordering::Release);
            return Outcome::Done(data);
        }
        if system::stopping() {
            system::halt_this_cpu();
        }
        // The target was stopped meanwhile (by a fault of another vCPU, a
        // remote shutdown): the access dies with its life.
        if state.generation.load(Ordering::Acquire) != me.generation.load(Ordering::Relaxed) {
            wait.word.store(IDLE, Ordering::Release);
            crate::domains::park(p);
        }
        crate::domains::take_shutdown_request(p, vcpu);
        if !posted_to_page && word & 3 == POSTED {
            posted_to_page = post(route.dm, target, vcpu.index, &slot);
        }
        if word & 3 == POSTED
            && timer::now() >= deadline
            && wait.word.compare_exchange(posted, IDLE, Ordering::AcqRel, Ordering::Acquire).is_ok()
        {
            // Claimed by nobody: no answer can land now.
            if let Some(t) = TIMED_OUT.get(target) {
                t.fetch_add(1, Ordering::Relaxed);
            }
            return Outcome::BusError;
        }
        system::relax();
    }
}

/// Writes `slot` into the page `dm` registered for `target` (if its life
/// is the current one) and rings the device model's doorbell; false if
/// there is no such page yet.
fn post(dm: usize, target: usize, vcpu: usize, slot: &IoreqSlot) -> bool {
    let Some(cell) = PAGES.get(dm).and_then(|row| row.get(target)) else { return false };
    let Some(offset) = IoreqSlot::offset(vcpu) else { return false };
    let current = DOMAINS.get(dm).map_or(u32::MAX, |s| s.generation.load(Ordering::Acquire));
    let guard = cell.lock();
    let Some(page) = *guard else { return false };
    if page.generation != current {
        return false;
    }
    let bytes = slot.to_bytes();
    let at = page.pa + offset as u64;
    // The state word last: the device model sees a whole slot once it
    // sees READY (a cache line: the kernel writes without caches).
    if let (Some(body), Some(head)) = (bytes.get(4..), bytes.get(..4)) {
        phys::copy_in(at + 4, body);
        phys::sync_caches(at + 4, body.len() as u64);
        phys::copy_in(at, head);
        phys::sync_caches(at, 4);
    }
    drop(guard);
    ring(dm, page.bit);
    true
}

/// Sets `bit` in device model `dm`'s pending doorbells and wakes its
/// vCPU 0 if that set it.
fn ring(dm: usize, bit: u64) {
    let Some(state) = DOMAINS.get(dm) else { return };
    if state.pending.fetch_or(bit, Ordering::Release) & bit != 0 {
        return;
    }
    let world = world();
    let Ok(domain) = u16::try_from(dm) else { return };
    let Some(q) = world.pins.pcpu_of(VcpuId { domain: DomainId::new(domain), index: 0 }) else { return };
    let Some(cpu) = PCPUS.get(q) else { return };
    let mpidr = cpu.mpidr.load(Ordering::Acquire);
    let direct = world.config.domains.get(dm).is_some_and(|d| d.delivery == Delivery::Direct);
    gic::send_sgi1r(if direct { gic::sgi1r_for(mpidr, gic::DOORBELL_SGI) } else { gic::kick_sgi1r(mpidr) });
}

/// Device model `dm` answers target vCPU `vcpu`'s ioreq `id` with `data`:
/// true if that vCPU was waiting for exactly that, from `dm`.
pub fn complete(dm: usize, target: usize, vcpu: u64, id: u64, data: u64) -> bool {
    let Ok(index) = usize::try_from(vcpu) else { return false };
    let Ok(domain) = u16::try_from(target) else { return false };
    let world = world();
    let Some(q) = world.pins.pcpu_of(VcpuId { domain: DomainId::new(domain), index }) else { return false };
    let Some(wait) = WAITS.get(q) else { return false };
    if id == 0 || id > 0x3fff_ffff || wait.dm.load(Ordering::Acquire) != dm {
        return false;
    }
    let claimed = (id << 2) | CLAIMED;
    if wait.word.compare_exchange((id << 2) | POSTED, claimed, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return false;
    }
    wait.data.store(data, Ordering::Release);
    wait.word.store((id << 2) | DONE, Ordering::Release);
    true
}
