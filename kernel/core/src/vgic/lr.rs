// SPDX-License-Identifier: MIT
//! List registers: the `ICH_LR<n>_EL2` encoding, each vCPU's queue of virtual
//! interrupts waiting for a free list register, and the refill that moves
//! them in. Owns the LR format and the delivery order; must not decide
//! whether an interrupt is enabled (the caller's `deliverable` does) or read
//! and write the ICH registers (the arch layer does).
//!
//! `ICH_LR<n>_EL2`: vINTID bits 31:0, pINTID 44:32, Priority 55:48,
//! Group 60, HW 61, State 63:62 (0 invalid, 1 pending, 2 active, 3 pending
//! and active).

use heapless::Vec;

const LR_PINTID_SHIFT: u32 = 32;
const LR_PINTID_MASK: u64 = 0x1fff;
const LR_PRIORITY_SHIFT: u32 = 48;
const LR_GROUP1: u64 = 1 << 60;
const LR_HW: u64 = 1 << 61;
const LR_STATE_SHIFT: u32 = 62;
const LR_STATE_PENDING: u64 = 1 << LR_STATE_SHIFT;

/// Capacity of a [`PendingQueue`].
pub const PENDING_QUEUE_LEN: usize = 64;

/// A virtual interrupt to inject into one vCPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VirtualIrq {
    /// The INTID the guest sees.
    pub intid: u32,
    /// Its priority (lower is more urgent).
    pub priority: u8,
    /// Backed by the physical interrupt with the same INTID, which the
    /// guest's EOI deactivates (pINTID = `intid`).
    pub hw: bool,
}

impl VirtualIrq {
    /// The list register value: pending, group 1, with HW and pINTID set
    /// for a hardware interrupt.
    pub fn to_lr(&self) -> u64 {
        let mut lr =
            u64::from(self.intid) | (u64::from(self.priority) << LR_PRIORITY_SHIFT) | LR_GROUP1 | LR_STATE_PENDING;
        if self.hw {
            lr |= LR_HW | ((u64::from(self.intid) & LR_PINTID_MASK) << LR_PINTID_SHIFT);
        }
        lr
    }
}

/// Whether a list register is free (state invalid).
pub fn lr_is_free(lr: u64) -> bool {
    lr >> LR_STATE_SHIFT == 0
}

/// The virtual INTID a list register holds.
pub fn lr_intid(lr: u64) -> u32 {
    u32::try_from(lr & 0xffff_ffff).unwrap_or(u32::MAX)
}

/// Per-vCPU queue of virtual interrupts waiting for a list register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingQueue {
    irqs: Vec<VirtualIrq, PENDING_QUEUE_LEN>,
}

impl PendingQueue {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { irqs: Vec::new() }
    }

    /// Queues `irq`. An INTID already queued is not queued twice (and the
    /// call succeeds); `false` only if the queue is full.
    pub fn push(&mut self, irq: VirtualIrq) -> bool {
        if self.irqs.iter().any(|q| q.intid == irq.intid) {
            return true;
        }
        self.irqs.push(irq).is_ok()
    }

    /// Takes the most urgent interrupt: numerically lowest priority first,
    /// first queued among equals.
    pub fn pop_highest(&mut self) -> Option<VirtualIrq> {
        let index = self.best(|_| true)?;
        Some(self.irqs.remove(index))
    }

    /// Number of queued interrupts.
    pub fn len(&self) -> usize {
        self.irqs.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.irqs.is_empty()
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.irqs.clear();
    }

    /// Drops `intid` if queued; whether it was.
    pub fn remove(&mut self, intid: u32) -> bool {
        match self.irqs.iter().position(|q| q.intid == intid) {
            Some(index) => {
                self.irqs.remove(index);
                true
            }
            None => false,
        }
    }

    /// Index of the most urgent interrupt that `eligible` accepts.
    fn best(&self, eligible: impl Fn(&VirtualIrq) -> bool) -> Option<usize> {
        let mut best: Option<(usize, u8)> = None;
        for (index, irq) in self.irqs.iter().enumerate() {
            if eligible(irq) && best.is_none_or(|(_, priority)| irq.priority < priority) {
                best = Some((index, irq.priority));
            }
        }
        best.map(|(index, _)| index)
    }
}

/// Fills free list registers from the queue, highest priority first. An
/// interrupt whose INTID is already in a non-free LR stays queued (for a
/// software one it will be re-pended once that LR empties). Returns how
/// many LRs were written. `deliverable(intid)` says whether the guest has
/// it enabled now; those that are not stay queued (in order).
pub fn refill(lrs: &mut [u64], queue: &mut PendingQueue, deliverable: impl Fn(u32) -> bool) -> usize {
    let mut written = 0;
    for slot in 0..lrs.len() {
        if !lrs.get(slot).copied().is_some_and(lr_is_free) {
            continue;
        }
        let in_flight = |intid: u32| lrs.iter().any(|&lr| !lr_is_free(lr) && lr_intid(lr) == intid);
        let Some(index) = queue.best(|irq| !in_flight(irq.intid) && deliverable(irq.intid)) else {
            break;
        };
        let irq = queue.irqs.remove(index);
        if let Some(lr) = lrs.get_mut(slot) {
            *lr = irq.to_lr();
            written += 1;
        }
    }
    written
}

/// ICH_LR<n>_EL2.EOI (software interrupts only; in a hardware-linked
/// list register this bit is part of the pINTID): a maintenance interrupt
/// when the guest deactivates it.
pub const LR_EOI: u64 = 1 << 41;
const LR_PENDING: u64 = LR_STATE_PENDING;

/// What [`settle`] did, and whether the hardware must call back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// List registers written with a queued interrupt.
    pub written: usize,
    /// An interrupt the guest could take now waits only for a free list
    /// register: ask for the underflow maintenance interrupt (UIE). Never
    /// set for interrupts that wait for something else (the guest enabling
    /// them, or deactivating an earlier instance: see [`LR_EOI`]), so that
    /// the maintenance interrupt cannot fire with nothing to do.
    pub want_underflow: bool,
}

/// Brings the list registers and the queue into line: a queued software
/// interrupt already pending in a list register is merged into it (an
/// interrupt is pending at most once, as in a GIC); one whose earlier
/// instance is still active stays queued and marks that list register
/// [`LR_EOI`], so its deactivation calls back; free list registers are
/// cleared of a spent EOI mark, then filled as [`refill`] does.
pub fn settle(lrs: &mut [u64], queue: &mut PendingQueue, deliverable: impl Fn(u32) -> bool) -> Settled {
    for lr in lrs.iter_mut() {
        if lr_is_free(*lr) && *lr & LR_EOI != 0 && *lr & LR_HW == 0 {
            *lr = 0;
        }
    }
    queue.irqs.retain(|irq| {
        irq.hw || !lrs.iter().any(|&lr| !lr_is_free(lr) && lr_intid(lr) == irq.intid && lr & LR_PENDING != 0)
    });
    for irq in queue.irqs.iter().filter(|irq| !irq.hw) {
        for lr in lrs.iter_mut() {
            if !lr_is_free(*lr) && lr_intid(*lr) == irq.intid && *lr & LR_HW == 0 {
                *lr |= LR_EOI;
            }
        }
    }
    let written = refill(lrs, queue, &deliverable);
    let in_flight = |intid: u32| lrs.iter().any(|&lr| !lr_is_free(lr) && lr_intid(lr) == intid);
    let want_underflow = queue.irqs.iter().any(|irq| deliverable(irq.intid) && !in_flight(irq.intid));
    Settled { written, want_underflow }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sw(intid: u32, priority: u8) -> VirtualIrq {
        VirtualIrq { intid, priority, hw: false }
    }

    fn lr_state(lr: u64) -> u64 {
        lr >> 62
    }

    #[test]
    fn software_lr_encoding() {
        let lr = sw(27, 0xa0).to_lr();
        assert_eq!(lr, 27 | (0xa0 << 48) | (1 << 60) | (1 << 62));
        assert_eq!(lr_intid(lr), 27);
        assert_eq!(lr_state(lr), 1, "pending");
        assert_eq!(lr & (1 << 61), 0, "not HW");
        assert_eq!((lr >> 32) & 0x1fff, 0, "no pINTID");
        assert!(!lr_is_free(lr));
    }

    #[test]
    fn hardware_lr_encoding() {
        let lr = VirtualIrq { intid: 1019, priority: 0x80, hw: true }.to_lr();
        assert_eq!(lr_intid(lr), 1019);
        assert_eq!((lr >> 32) & 0x1fff, 1019, "pINTID = vINTID");
        assert_ne!(lr & (1 << 61), 0, "HW");
        assert_ne!(lr & (1 << 60), 0, "group 1");
        assert_eq!((lr >> 48) & 0xff, 0x80);
        assert_eq!(lr_state(lr), 1);
    }

    #[test]
    fn lr_round_trips() {
        for intid in [0, 1, 15, 16, 31, 32, 33, 500, 1019] {
            for priority in [0, 0x10, 0xa0, 0xf8, 0xff] {
                for hw in [false, true] {
                    let lr = VirtualIrq { intid, priority, hw }.to_lr();
                    assert_eq!(lr_intid(lr), intid);
                    assert_eq!(((lr >> 48) & 0xff) as u8, priority);
                    assert_eq!(lr & (1 << 61) != 0, hw);
                }
            }
        }
    }

    #[test]
    fn free_means_state_invalid() {
        assert!(lr_is_free(0));
        assert!(lr_is_free(27 | (0xa0 << 48) | (1 << 60)), "contents without state are free");
        assert!(!lr_is_free(1 << 62), "pending");
        assert!(!lr_is_free(2 << 62), "active");
        assert!(!lr_is_free(3 << 62), "pending and active");
    }

    #[test]
    fn queue_order_priority_then_fifo() {
        let mut q = PendingQueue::new();
        assert!(q.is_empty());
        for irq in [sw(40, 0xa0), sw(41, 0x80), sw(42, 0xa0), sw(43, 0x80), sw(1, 0xf0)] {
            assert!(q.push(irq));
        }
        assert_eq!(q.len(), 5);
        let order: [u32; 5] = core::array::from_fn(|_| q.pop_highest().unwrap().intid);
        assert_eq!(order, [41, 43, 40, 42, 1]);
        assert!(q.is_empty());
        assert_eq!(q.pop_highest(), None);
    }

    #[test]
    fn queue_dedupes_by_intid() {
        let mut q = PendingQueue::new();
        assert!(q.push(sw(33, 0xa0)));
        assert!(q.push(sw(33, 0x10)), "already queued counts as success");
        assert!(q.push(VirtualIrq { intid: 33, priority: 0xa0, hw: true }));
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop_highest(), Some(sw(33, 0xa0)), "the first entry is kept");
    }

    #[test]
    fn queue_full_remove_clear() {
        let mut q = PendingQueue::new();
        for intid in 0..64 {
            assert!(q.push(sw(intid, 0)));
        }
        assert!(!q.push(sw(100, 0)), "full");
        assert!(q.push(sw(5, 0)), "a duplicate is fine even when full");
        assert_eq!(q.len(), 64);
        assert!(q.remove(5));
        assert!(!q.remove(5));
        assert!(!q.remove(100));
        assert!(q.push(sw(100, 0)));
        assert_eq!(q.pop_highest().unwrap().intid, 0);
        q.clear();
        assert!(q.is_empty());
    }

    #[test]
    fn refill_four_lrs_six_queued() {
        let mut q = PendingQueue::new();
        for irq in [sw(40, 0xa0), sw(41, 0x80), sw(42, 0xa0), sw(43, 0x90), sw(44, 0x80), sw(45, 0xa0)] {
            q.push(irq);
        }
        let mut lrs = [0u64; 4];
        assert_eq!(refill(&mut lrs, &mut q, |_| true), 4);
        assert_eq!(lrs.map(lr_intid), [41, 44, 43, 40]);
        assert_eq!(q.len(), 2);
        assert_eq!(refill(&mut lrs, &mut q, |_| true), 0, "no free LR");
        lrs[2] = 0;
        assert_eq!(refill(&mut lrs, &mut q, |_| true), 1);
        assert_eq!(lr_intid(lrs[2]), 42);
        assert_eq!(q.pop_highest().unwrap().intid, 45);
    }

    #[test]
    fn refill_with_busy_lrs_keeps_in_flight_intids_queued() {
        let mut q = PendingQueue::new();
        for irq in [sw(30, 0x10), sw(31, 0x20), sw(32, 0x30)] {
            q.push(irq);
        }
        // LR0 holds INTID 30 active, LR2 an unrelated pending one; LR1, LR3 free.
        let active_30 = (2 << 62) | (1 << 60) | 30;
        let pending_99 = sw(99, 0).to_lr();
        let mut lrs = [active_30, 0, pending_99, 0];
        assert_eq!(refill(&mut lrs, &mut q, |_| true), 2);
        assert_eq!(lrs[0], active_30);
        assert_eq!(lr_intid(lrs[1]), 31);
        assert_eq!(lrs[2], pending_99);
        assert_eq!(lr_intid(lrs[3]), 32);
        assert_eq!(q.len(), 1, "30 waits for its LR to empty");
        lrs[0] = 0;
        assert_eq!(refill(&mut lrs, &mut q, |_| true), 1);
        assert_eq!(lr_intid(lrs[0]), 30);
        assert!(q.is_empty());
    }

    #[test]
    fn refill_skips_undeliverable_and_keeps_their_order() {
        let mut q = PendingQueue::new();
        for irq in [sw(50, 0x10), sw(51, 0x20), sw(52, 0x10), sw(53, 0x30), sw(54, 0x40)] {
            q.push(irq);
        }
        let mut lrs = [0u64; 4];
        let masked = |intid: u32| intid == 50 || intid == 53;
        assert_eq!(refill(&mut lrs, &mut q, |intid| !masked(intid)), 3);
        assert_eq!(lrs.map(lr_intid)[..3], [52, 51, 54]);
        assert!(lr_is_free(lrs[3]));
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop_highest().unwrap().intid, 50);
        assert_eq!(q.pop_highest().unwrap().intid, 53);
    }

    #[test]
    fn refill_with_nothing_deliverable_or_no_lrs() {
        let mut q = PendingQueue::new();
        q.push(sw(60, 0));
        let mut lrs = [0u64; 2];
        assert_eq!(refill(&mut lrs, &mut q, |_| false), 0);
        assert_eq!(lrs, [0, 0]);
        assert_eq!(refill(&mut [], &mut q, |_| true), 0);
        assert_eq!(q.len(), 1);
        let mut empty = PendingQueue::new();
        assert_eq!(refill(&mut lrs, &mut empty, |_| true), 0);
    }

    #[test]
    fn settle_merges_a_software_interrupt_already_pending() {
        let mut lrs = [sw(1, 0xa0).to_lr(), 0, 0, 0];
        let mut q = PendingQueue::new();
        q.push(sw(1, 0xa0));
        let s = settle(&mut lrs, &mut q, |_| true);
        assert_eq!(s, Settled { written: 0, want_underflow: false });
        assert!(q.is_empty(), "pending once, as in a GIC");
        assert_eq!(lr_intid(lrs[0]), 1);
        assert_eq!(lrs[1..], [0, 0, 0]);
    }

    #[test]
    fn settle_asks_for_the_eoi_of_an_active_instance_not_an_underflow() {
        // SGI 1 active in LR 0 (state 2), re-sent meanwhile.
        let active = (sw(1, 0xa0).to_lr() & !(3 << 62)) | (2 << 62);
        let mut lrs = [active, 0, 0, 0];
        let mut q = PendingQueue::new();
        q.push(sw(1, 0xa0));
        let s = settle(&mut lrs, &mut q, |_| true);
        assert_eq!(s, Settled { written: 0, want_underflow: false }, "no maintenance storm");
        assert_eq!(q.len(), 1, "delivered again after the guest's EOI");
        assert_ne!(lrs[0] & LR_EOI, 0, "the EOI calls back");
        // The guest deactivates it: the LR is free but still marked.
        lrs[0] &= !(3 << 62);
        let s = settle(&mut lrs, &mut q, |_| true);
        assert_eq!(s.written, 1);
        assert_eq!(lr_intid(lrs[0]), 1);
        assert_eq!(lrs[0] & LR_EOI, 0, "a fresh list register");
        assert!(q.is_empty());
    }

    #[test]
    fn settle_wants_an_underflow_only_for_interrupts_that_could_be_taken() {
        let full = [sw(8, 0).to_lr(), sw(9, 0).to_lr(), sw(10, 0).to_lr(), sw(11, 0).to_lr()];
        let mut lrs = full;
        let mut q = PendingQueue::new();
        q.push(sw(12, 0));
        assert!(settle(&mut lrs, &mut q, |_| true).want_underflow, "only a list register is missing");
        let mut lrs = full;
        assert!(!settle(&mut lrs, &mut q, |i| i != 12).want_underflow, "disabled: it waits for the guest");
        let mut lrs = [0u64; 4];
        let mut q = PendingQueue::new();
        q.push(VirtualIrq { intid: 27, priority: 0, hw: true });
        let s = settle(&mut lrs, &mut q, |_| false);
        assert_eq!(s, Settled { written: 0, want_underflow: false });
        assert_eq!(q.len(), 1, "kept until the guest enables it");
    }

    #[test]
    fn settle_clears_a_spent_eoi_mark_from_a_free_list_register() {
        let mut lrs = [LR_EOI | 5, 0, 0, 0];
        let mut q = PendingQueue::new();
        settle(&mut lrs, &mut q, |_| true);
        assert_eq!(lrs, [0, 0, 0, 0]);
    }
}
