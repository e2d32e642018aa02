// SPDX-License-Identifier: MIT
//! The DMOP audit trail: every device-model call a domain makes, counted
//! per kind and split into accepted and refused ([`DmopTrail`]). Refusals
//! are also logged one by one (the dispatcher's `Denial`s, under the
//! domain's log budget); the trail is what an assessor reads at the end of
//! a device model's life: how many ioreqs it answered, how often it moved
//! an interrupt line, restarted its target or harvested dirty pages.
//!
//! Owns the kinds and the counters; must not print (the arch layer prints
//! a domain's trail when it stops) nor decide whether a call is allowed
//! (`hypercall`).

use bulkhead_abi::Hypercall;
use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

/// The device-model calls, in hypercall number order.
pub const KINDS: [(Hypercall, &str); 8] = [
    (Hypercall::DmIoreqPage, "ioreq pages"),
    (Hypercall::DmIoreqComplete, "completions"),
    (Hypercall::DmNrVcpus, "nr_vcpus"),
    (Hypercall::DmRemoteShutdown, "remote shutdowns"),
    (Hypercall::DmSetIrqLevel, "irq levels"),
    (Hypercall::DmTargetLife, "target lives"),
    (Hypercall::DmTrackDirty, "dirty harvests"),
    (Hypercall::DmModifiedMemory, "modified memory"),
];

/// One domain's trail for its current life.
pub struct DmopTrail {
    accepted: [AtomicU64; KINDS.len()],
    refused: AtomicU64,
}

impl Default for DmopTrail {
    fn default() -> Self {
        Self::new()
    }
}

/// A trail's counts at one moment (and what [`fmt::Display`] shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DmopCounts {
    /// Accepted calls per kind, in [`KINDS`] order.
    pub accepted: [u64; KINDS.len()],
    /// Refused calls of every kind.
    pub refused: u64,
}

impl DmopCounts {
    /// Whether the domain made no device-model call.
    pub fn is_empty(&self) -> bool {
        self.refused == 0 && self.accepted.iter().all(|&n| n == 0)
    }
}

impl fmt::Display for DmopCounts {
    /// `12 completions, 1 ioreq pages, 0 refused`: the kinds made, then
    /// the refusals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for ((_, name), n) in KINDS.iter().zip(self.accepted).filter(|(_, n)| *n > 0) {
            write!(f, "{n} {name}, ")?;
        }
        write!(f, "{} refused", self.refused)
    }
}

impl DmopTrail {
    /// Nothing counted.
    pub const fn new() -> Self {
        Self { accepted: [const { AtomicU64::new(0) }; KINDS.len()], refused: AtomicU64::new(0) }
    }

    /// Counts `call` if it is a device-model call, as accepted if it
    /// returned `x0` without an error; whether it was one.
    pub fn record(&self, call: u64, x0: u64) -> bool {
        let Some(index) = KINDS.iter().position(|(h, _)| u64::from(*h as u32) == call) else { return false };
        // Errors are negative (`bulkhead_abi::Error::to_x0`).
        if x0 >> 63 == 1 {
            self.refused.fetch_add(1, Ordering::Relaxed);
        } else if let Some(n) = self.accepted.get(index) {
            n.fetch_add(1, Ordering::Relaxed);
        }
        true
    }

    /// The counts, reset to zero (a life ended).
    pub fn take(&self) -> DmopCounts {
        let mut accepted = [0; KINDS.len()];
        for (out, n) in accepted.iter_mut().zip(&self.accepted) {
            *out = n.swap(0, Ordering::Relaxed);
        }
        DmopCounts { accepted, refused: self.refused.swap(0, Ordering::Relaxed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;

    #[test]
    fn device_model_calls_are_counted_by_kind_and_outcome() {
        let t = DmopTrail::new();
        let complete = Hypercall::DmIoreqComplete as u64;
        assert!(t.record(complete, 0) && t.record(complete, 0));
        assert!(t.record(Hypercall::DmTrackDirty as u64, 3), "a harvest returns its count");
        assert!(t.record(Hypercall::DmSetIrqLevel as u64, bulkhead_abi::Error::Denied.to_x0()));
        assert!(!t.record(Hypercall::ConsoleWrite as u64, 0), "not a device-model call");
        let counts = t.take();
        assert_eq!(counts.accepted, [0, 2, 0, 0, 0, 0, 1, 0]);
        assert_eq!(counts.refused, 1);
        assert_eq!(counts.to_string(), "2 completions, 1 dirty harvests, 1 refused");
        assert!(t.take().is_empty(), "taken: a new life starts from zero");
    }

    #[test]
    fn every_device_model_call_has_a_kind() {
        for h in Hypercall::all().filter(|h| std::format!("{h:?}").starts_with("Dm")) {
            assert!(KINDS.iter().any(|(k, _)| *k == h), "{h:?} is not in the trail");
        }
    }
}
