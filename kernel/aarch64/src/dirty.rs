// SPDX-License-Identifier: MIT
//! Dirty-page tracking of a device model's `vram` range (the mechanism;
//! the policy is `kernel_core::dirty`): a target's write to a page of its
//! tracked range, read-only in its stage 2, faults here; the page is
//! recorded and made writable, and the write is retried. A device model's
//! `DmTrackDirty` takes the recorded pages and write-protects them again.
//!
//! Owns each target's log and the lock that orders a page's bit with its
//! descriptor: under it, a page is writable exactly when its bit is set
//! (or a harvest has just cleared it and reported the page: a write that
//! still goes through a stale TLB entry then lands in a page the device
//! model reads after the call). Must not: track anything the board did
//! not declare, nor touch another domain's tables. No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::stage2;
use crate::world::world;
use bulkhead_abi::PAGE_SIZE;
use bulkhead_bootcfg::MAX_DOMAINS;
use kernel_core::dirty::{DirtyLog, Tracked};
use spin::Mutex;

static LOGS: [DirtyLog; MAX_DOMAINS] = [const { DirtyLog::new() }; MAX_DOMAINS];
static LOCKS: [Mutex<()>; MAX_DOMAINS] = [const { Mutex::new(()) }; MAX_DOMAINS];

/// A write fault of the vCPU on pCPU `p` (running its domain) at guest
/// address `ipa` that a stage-2 permission fault reported: true if it was
/// a tracked page, now recorded and writable (retry the instruction).
pub fn write_fault(p: usize, ipa: u64) -> bool {
    let Some(vcpu) = crate::world::vcpu_of(p) else { return false };
    let target = vcpu.domain.index();
    let world = world();
    let Some(page) = kernel_core::dirty::tracked(world.config, target).and_then(|t| t.page_of(ipa)) else {
        return false;
    };
    let (Some(vttbr), Some(log), Some(lock)) = (world.vttbr(target), LOGS.get(target), LOCKS.get(target)) else {
        return false;
    };
    let guard = lock.lock();
    log.mark(page);
    let done = stage2::set_writable(vttbr, ipa & !(PAGE_SIZE - 1), true);
    drop(guard);
    // This pCPU runs the target: its VTTBR_EL2 is the target's.
    stage2::flush_current_vmid();
    done
}

/// Device model's `DmTrackDirty` for target `target`: its pages recorded
/// since the last call into `out`, each write-protected again; how many.
pub fn harvest(target: usize, range: Tracked, out: &mut [u8]) -> u64 {
    let world = world();
    let (Some(vttbr), Some(log), Some(lock)) = (world.vttbr(target), LOGS.get(target), LOCKS.get(target)) else {
        return 0;
    };
    let guard = lock.lock();
    let count = log.harvest(range.pages, out, |page| {
        stage2::set_writable(vttbr, range.ipa + page * PAGE_SIZE, false);
    });
    drop(guard);
    if count > 0 {
        stage2::invalidate_other_vmid(vttbr);
    }
    count
}

/// Device model's `DmModifiedMemory`: pages `first..first + count` of
/// target `target`'s range (checked) recorded as written.
pub fn mark(target: usize, first: u64, count: u64) {
    let Some(log) = LOGS.get(target) else { return };
    for page in first..first.saturating_add(count) {
        log.mark(page);
    }
}

/// Target `target` restarted: the kernel rewrote its RAM, so every page
/// of its tracked range counts as written.
pub fn target_reloaded(target: usize) {
    if let Some(t) = kernel_core::dirty::tracked(world().config, target) {
        mark(target, 0, t.pages);
    }
}
