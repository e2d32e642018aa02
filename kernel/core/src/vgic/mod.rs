// SPDX-License-Identifier: MIT
//! The virtual GICv3 each domain sees: a distributor (GICD) and one
//! redistributor (GICR) per vCPU, emulated from trapped stage-2 data aborts,
//! and the list-register bookkeeping that injects virtual interrupts.
//!
//! This module owns the guest-visible GIC state and the decisions about it:
//! which register an access hits ([`mmio`]), what it reads and what a write
//! changes ([`model`]), which SPIs a domain owns, what the kernel must do to
//! the physical GIC as a consequence ([`PhysEffect`]), and how queued virtual
//! interrupts are packed into list registers ([`lr`]). It must not touch the
//! hardware: the arch layer reads ESR/HPFAR/FAR and the ICH_* registers,
//! passes plain values in and carries out what comes back.

mod dist;
pub mod lr;
pub mod mmio;
pub mod model;
mod redist;
mod regs;
mod state;
#[cfg(test)]
mod test_support;

pub use lr::{LR_EOI, PendingQueue, Settled, VirtualIrq, lr_intid, lr_is_free, refill, settle};
pub use mmio::{MmioAccess, decode_mmio};
pub use model::{MmioResult, PhysEffect, Refusal, VirtualGic};

/// Size of the distributor frame (GICD).
pub const DIST_SIZE: u64 = 0x1_0000;
/// Distance between two vCPUs' redistributors: the RD_base frame and the
/// SGI_base frame (at +0x1_0000).
pub const REDIST_STRIDE: u64 = 0x2_0000;
/// Offset of the SGI_base frame inside a redistributor.
pub const SGI_BASE_OFFSET: u64 = 0x1_0000;
/// Most vCPUs a virtual GIC serves.
pub const MAX_VGIC_VCPUS: usize = 8;
/// Most SPIs one domain owns.
pub const MAX_OWNED_SPIS: usize = 48;

/// Where a domain's virtual GIC sits in its IPA space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VgicLayout {
    /// IPA of the GICD frame (`DIST_SIZE` bytes).
    pub dist_base: u64,
    /// IPA of vCPU 0's redistributor; vCPU `i`'s is `i * REDIST_STRIDE` above.
    pub redist_base: u64,
    /// Number of vCPUs (redistributors).
    pub vcpus: usize,
}

impl VgicLayout {
    /// Whether `ipa` lies in the GICD frame or in one of the vCPUs' GICR frames.
    pub fn contains(&self, ipa: u64) -> bool {
        self.dist_offset(ipa).is_some() || self.redist_offset(ipa).is_some()
    }

    /// The offset of `ipa` inside the GICD frame.
    pub fn dist_offset(&self, ipa: u64) -> Option<u64> {
        ipa.checked_sub(self.dist_base).filter(|&off| off < DIST_SIZE)
    }

    /// The redistributor `ipa` falls in and the offset inside it (from
    /// RD_base; SGI_base registers are at `SGI_BASE_OFFSET` and above).
    pub fn redist_offset(&self, ipa: u64) -> Option<(usize, u64)> {
        let off = ipa.checked_sub(self.redist_base)?;
        let frame = usize::try_from(off / REDIST_STRIDE).ok()?;
        (frame < self.vcpus).then_some((frame, off % REDIST_STRIDE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: VgicLayout = VgicLayout { dist_base: 0x0800_0000, redist_base: 0x080A_0000, vcpus: 2 };

    #[test]
    fn contains_dist_and_only_the_vcpus_frames() {
        assert!(LAYOUT.contains(0x0800_0000));
        assert!(LAYOUT.contains(0x0800_FFFC));
        assert!(!LAYOUT.contains(0x0801_0000));
        assert!(!LAYOUT.contains(0x07FF_FFFC));
        assert!(LAYOUT.contains(0x080A_0000));
        assert!(LAYOUT.contains(0x080B_0100));
        assert!(LAYOUT.contains(0x080D_FFFC));
        assert!(!LAYOUT.contains(0x080E_0000), "vCPU 2's frame is outside a 2-vCPU layout");
        assert!(!LAYOUT.contains(0x0809_FFFC));
    }

    #[test]
    fn redist_offset_names_frame_and_offset() {
        assert_eq!(LAYOUT.redist_offset(0x080A_0014), Some((0, 0x14)));
        assert_eq!(LAYOUT.redist_offset(0x080D_0100), Some((1, 0x1_0100)));
        assert_eq!(LAYOUT.redist_offset(0x080E_0000), None);
        assert_eq!(LAYOUT.dist_offset(0x0800_FFE8), Some(0xFFE8));
        assert_eq!(LAYOUT.dist_offset(0x080A_0000), None);
    }

    #[test]
    fn no_overflow_at_the_top_of_the_address_space() {
        let top = VgicLayout { dist_base: u64::MAX - 0xFFFF, redist_base: u64::MAX - 0x1_FFFF, vcpus: 1 };
        assert!(top.contains(u64::MAX));
        assert!(!top.contains(0));
    }
}
