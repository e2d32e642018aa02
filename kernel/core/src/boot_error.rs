// SPDX-License-Identifier: MIT
//! Every reason the kernel refuses to boot. No `String`s: each variant
//! carries the numbers that explain it, and `Display` says what to change.

use crate::platform::DtbError;
use bulkhead_abi::PhysAddr;
use bulkhead_bootcfg::PhysRange;
use bulkhead_bootcfg::blob::BlobError;
use bulkhead_bootcfg::payload::ImageError;
use core::fmt;

/// Why the kernel refused to boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootError {
    /// The configuration blob in the image is unusable.
    Config(BlobError),
    /// The firmware's device tree is unusable.
    Dtb(DtbError),
    /// The board file's RAM is not RAM according to the device tree.
    RamMismatch {
        /// What the board file says.
        board: PhysRange,
        /// The device tree's first RAM range, if any.
        dtb: Option<PhysRange>,
    },
    /// The device tree has a different number of CPUs.
    CpuCountMismatch {
        /// What the board file says.
        board: u8,
        /// What the device tree has.
        dtb: usize,
    },
    /// The device tree's GICv3 is elsewhere (or absent).
    GicMismatch {
        /// Board file's (distributor, redistributors).
        board: (PhysAddr, PhysAddr),
        /// The device tree's, if it describes a GICv3.
        dtb: Option<(PhysAddr, PhysAddr)>,
    },
    /// The device tree has no UART of the console's model at its address.
    ConsoleMissing {
        /// The board file's console base.
        base: PhysAddr,
    },
    /// The kernel's own memory is not where it was linked.
    KernelRegionMismatch,
    /// A domain's image is damaged or outside the payload.
    DomainImage {
        /// The domain's index.
        domain: usize,
        /// What is wrong.
        error: ImageError,
    },
    /// The configuration cannot be pinned (a pCPU twice, ...).
    Pinning(crate::pinning::PinError),
    /// A domain's stage-2 plan is inconsistent.
    Stage2 {
        /// The domain's index.
        domain: usize,
        /// What is wrong.
        error: crate::stage2::PlanError,
    },
    /// A domain's stage-2 tables do not fit the kernel's page pool or the
    /// IPA space.
    Stage2Tables {
        /// The domain's index.
        domain: usize,
    },
    /// A domain's stage-2 grant covers the kernel, the GIC, the kernel's
    /// console or another domain's RAM (`grants`): the configuration was
    /// not the one the build tool validated.
    Grant(crate::grants::GrantConflict),
    /// A domain asks for direct interrupt delivery, but the GIC keeps
    /// Group 0 for the Secure world (GICD_CTLR.DS=0), so the kernel could
    /// not keep its own interrupts on that pCPU.
    DirectDeliveryNeedsGroup0 {
        /// The domain's index.
        domain: usize,
    },
    /// A secondary CPU did not report in.
    CpuDidNotStart {
        /// Its index in the device tree.
        cpu: usize,
        /// The PSCI status CPU_ON returned (0 = success).
        psci_status: i64,
    },
}

struct Range(PhysRange);

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}+{:#x}", self.0.base.raw(), self.0.size)
    }
}

struct Protected(crate::grants::Protected);

impl fmt::Display for Protected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::grants::Protected as P;
        match self.0 {
            P::Kernel => write!(f, "the kernel's region"),
            P::GicDistributor => write!(f, "the GIC distributor"),
            P::GicRedistributors => write!(f, "the GIC redistributors"),
            P::GicIts => write!(f, "the GIC ITS"),
            P::ConsoleUart => write!(f, "the kernel's console UART"),
            P::DomainRam { domain } => write!(f, "domain {domain}'s RAM"),
        }
    }
}

impl fmt::Display for BootError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Config(e) => write!(f, "{e}"),
            Self::Dtb(e) => write!(f, "{e}"),
            Self::RamMismatch { board, dtb: Some(dtb) } => write!(
                f,
                "the board file's RAM {} is not inside the device tree's RAM {}: fix [board].ram or the machine's memory size",
                Range(board),
                Range(dtb)
            ),
            Self::RamMismatch { board, dtb: None } => {
                write!(f, "the device tree describes no RAM, the board file says {}", Range(board))
            }
            Self::CpuCountMismatch { board, dtb } => write!(
                f,
                "the board file says {board} CPUs but the device tree has {dtb}: run on the machine the board file describes"
            ),
            Self::GicMismatch { board, dtb: Some(dtb) } => write!(
                f,
                "GICv3 mismatch: the board file says GICD {:#x} GICR {:#x}, the device tree says GICD {:#x} GICR {:#x}",
                board.0.raw(),
                board.1.raw(),
                dtb.0.raw(),
                dtb.1.raw()
            ),
            Self::GicMismatch { dtb: None, .. } => {
                write!(f, "the device tree describes no GICv3 (arm,gic-v3): the board file needs one")
            }
            Self::ConsoleMissing { base } => write!(
                f,
                "the device tree has no UART of the console's model at {:#x}: fix [board.console]",
                base.raw()
            ),
            Self::KernelRegionMismatch => write!(f, "the kernel was not loaded at its link address"),
            Self::DomainImage { domain, error } => {
                write!(f, "the image of domain {domain} is damaged ({error:?}): rebuild the image")
            }
            Self::Pinning(e) => write!(f, "the configuration cannot be pinned: {e:?}"),
            Self::Stage2 { domain, error } => write!(f, "domain {domain}: its stage-2 plan is inconsistent: {error:?}"),
            Self::Stage2Tables { domain } => {
                write!(f, "domain {domain}: its stage-2 tables do not fit the kernel's page pool or IPA space")
            }
            Self::Grant(c) => {
                write!(
                    f,
                    "domain {}: its {} grant {} covers {} {}: this configuration was not checked by the build tool; \
                     rebuild the image",
                    c.domain,
                    crate::grants::backing_name(c.backing),
                    Range(c.grant),
                    Protected(c.protected),
                    Range(c.range)
                )
            }
            Self::DirectDeliveryNeedsGroup0 { domain } => write!(
                f,
                "domain {domain} asks for direct interrupt delivery, but this GIC reserves Group 0 for the Secure \
                 world (GICD_CTLR.DS=0), where the kernel would keep its own interrupts: give it interrupts = \"trap\""
            ),
            Self::CpuDidNotStart { cpu, psci_status } => {
                write!(f, "CPU {cpu} did not start (PSCI CPU_ON status {psci_status})")
            }
        }
    }
}
