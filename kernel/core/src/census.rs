// SPDX-License-Identifier: MIT
//! The trap census of instrumented builds (the kernel's `census` feature,
//! used by the Linux boot benchmark): EL2 entries from a domain counted per
//! exception class, and the line the kernel prints when the domain stops.
//! Owns the classes and the line's format; the arch layer keeps the
//! per-pCPU counters and decides when to print.

use crate::esr::{Esr, ExceptionClass};
use core::fmt;

/// Where an EL2 entry came from: the exception class (ESR_EL2.EC) of a
/// synchronous exception, or the asynchronous kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryClass {
    /// `hvc` (EC 0x16): hypercalls and PSCI.
    Hvc,
    /// `smc` trapped (EC 0x17).
    Smc,
    /// A trapped system register access (EC 0x18).
    SysReg,
    /// A data abort from the domain (EC 0x24): emulated MMIO, faults.
    DataAbort,
    /// An instruction abort from the domain (EC 0x20).
    InstructionAbort,
    /// A trapped `wfi`/`wfe` (EC 0x01).
    Wfx,
    /// Any other synchronous exception class.
    OtherSync,
    /// A physical IRQ taken to EL2.
    Irq,
    /// A physical FIQ taken to EL2.
    Fiq,
    /// An SError taken to EL2.
    SError,
}

/// Number of classes.
pub const CLASSES: usize = 10;

impl EntryClass {
    /// Every class, in [`EntryClass::index`] order.
    pub const ALL: [EntryClass; CLASSES] = [
        Self::Hvc,
        Self::Smc,
        Self::SysReg,
        Self::DataAbort,
        Self::InstructionAbort,
        Self::Wfx,
        Self::OtherSync,
        Self::Irq,
        Self::Fiq,
        Self::SError,
    ];

    /// The class of a synchronous exception with syndrome `esr`.
    pub fn of_sync(esr: u64) -> Self {
        match Esr::new(esr).class() {
            ExceptionClass::Hvc64 => Self::Hvc,
            ExceptionClass::Smc64 => Self::Smc,
            ExceptionClass::SysReg64 => Self::SysReg,
            ExceptionClass::DataAbortLower => Self::DataAbort,
            ExceptionClass::InstructionAbortLower => Self::InstructionAbort,
            ExceptionClass::Wfx => Self::Wfx,
            _ => Self::OtherSync,
        }
    }

    /// Its position in [`EntryClass::ALL`] (a counter index).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Its name in the census line (and in benchmark keys).
    pub fn name(self) -> &'static str {
        match self {
            Self::Hvc => "hvc",
            Self::Smc => "smc",
            Self::SysReg => "sysreg",
            Self::DataAbort => "dabt",
            Self::InstructionAbort => "iabt",
            Self::Wfx => "wfx",
            Self::OtherSync => "other",
            Self::Irq => "irq",
            Self::Fiq => "fiq",
            Self::SError => "serror",
        }
    }
}

/// One domain's census: `census: domain <name>: <total> EL2 entries: hvc
/// <n>, smc <n>, ...` (every class, in [`EntryClass::ALL`] order).
pub struct CensusLine<'a> {
    /// The domain's name.
    pub domain: &'a str,
    /// Entries per class, indexed by [`EntryClass::index`].
    pub counts: [u64; CLASSES],
}

impl fmt::Display for CensusLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.counts.iter().fold(0u64, |a, &b| a.saturating_add(b));
        write!(f, "census: domain {}: {} EL2 entries:", self.domain, total)?;
        for (i, (class, count)) in EntryClass::ALL.iter().zip(self.counts).enumerate() {
            write!(f, "{} {} {}", if i == 0 { "" } else { "," }, class.name(), count)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn syndromes_map_to_their_class() {
        assert_eq!(EntryClass::of_sync(0x16 << 26 | 1), EntryClass::Hvc);
        assert_eq!(EntryClass::of_sync(0x5a00_0000), EntryClass::Hvc, "ESR of hvc #0 with IL");
        assert_eq!(EntryClass::of_sync(0x17 << 26), EntryClass::Smc);
        assert_eq!(EntryClass::of_sync(0x18 << 26 | 0x30_0c01), EntryClass::SysReg);
        assert_eq!(EntryClass::of_sync(0x9200_0046), EntryClass::DataAbort, "EC 0x24, ISV, write");
        assert_eq!(EntryClass::of_sync(0x20 << 26), EntryClass::InstructionAbort);
        assert_eq!(EntryClass::of_sync(0x01 << 26), EntryClass::Wfx);
        assert_eq!(EntryClass::of_sync(0x19 << 26), EntryClass::OtherSync, "SVE");
        assert_eq!(EntryClass::of_sync(0), EntryClass::OtherSync);
    }

    #[test]
    fn indices_follow_all_and_names_are_distinct() {
        for (i, class) in EntryClass::ALL.iter().enumerate() {
            assert_eq!(class.index(), i);
            assert!(EntryClass::ALL[..i].iter().all(|c| c.name() != class.name()));
        }
    }

    #[test]
    fn the_line_lists_the_total_and_every_class() {
        let mut counts = [0; CLASSES];
        counts[EntryClass::Hvc.index()] = 12;
        counts[EntryClass::DataAbort.index()] = 3000;
        counts[EntryClass::Irq.index()] = 7;
        let line = CensusLine { domain: "linux", counts }.to_string();
        assert_eq!(
            line,
            "census: domain linux: 3019 EL2 entries: hvc 12, smc 0, sysreg 0, dabt 3000, iabt 0, wfx 0, other 0, \
             irq 7, fiq 0, serror 0"
        );
    }
}
