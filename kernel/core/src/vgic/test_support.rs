// SPDX-License-Identifier: MIT
//! Test helpers: a virtual GIC at QEMU virt's addresses and one-line
//! accessors that go through `VirtualGic::mmio` exactly as a trapped guest
//! load or store would.

use super::{MmioAccess, MmioResult, REDIST_STRIDE, SGI_BASE_OFFSET, VgicLayout, VirtualGic};

/// GICD base (QEMU virt).
pub(super) const GICD: u64 = 0x0800_0000;
/// GICR base (QEMU virt).
pub(super) const GICR: u64 = 0x080a_0000;

/// vCPU `vcpu`'s RD_base.
pub(super) fn rd(vcpu: u64) -> u64 {
    GICR + vcpu * REDIST_STRIDE
}

/// vCPU `vcpu`'s SGI_base.
pub(super) fn sgi(vcpu: u64) -> u64 {
    rd(vcpu) + SGI_BASE_OFFSET
}

/// A domain's GIC as the guest sees it.
pub(super) struct Bus {
    pub(super) gic: VirtualGic,
    pub(super) layout: VgicLayout,
    /// The vCPU making the accesses.
    pub(super) cpu: usize,
}

impl Bus {
    /// `vcpus` vCPUs owning `owned`.
    pub(super) fn new(vcpus: usize, owned: &[u32]) -> Self {
        let mut gic = VirtualGic::new();
        gic.reset(vcpus, owned);
        Self { gic, layout: VgicLayout { dist_base: GICD, redist_base: GICR, vcpus }, cpu: 0 }
    }

    pub(super) fn access(&mut self, ipa: u64, size: u8, write: bool, value: u64) -> MmioResult {
        let access = MmioAccess { ipa, size, write, rt: 1, sign_extend: false, wide: size == 8 };
        assert!(self.layout.contains(ipa), "{ipa:#x} outside the layout");
        self.gic.mmio(&self.layout, self.cpu, access, value)
    }

    /// A read that must not be refused.
    pub(super) fn read(&mut self, ipa: u64, size: u8) -> u64 {
        let res = self.access(ipa, size, false, 0);
        assert_eq!(res.refused, None, "read of {ipa:#x}");
        assert!(res.effects.is_empty() && res.pended.is_empty());
        res.value
    }

    pub(super) fn r32(&mut self, ipa: u64) -> u32 {
        u32::try_from(self.read(ipa, 4)).unwrap_or(u32::MAX)
    }

    pub(super) fn r64(&mut self, ipa: u64) -> u64 {
        self.read(ipa, 8)
    }

    pub(super) fn r8(&mut self, ipa: u64) -> u8 {
        u8::try_from(self.read(ipa, 1)).unwrap_or(u8::MAX)
    }

    /// A write (refused or not: the caller looks at the result).
    pub(super) fn write(&mut self, ipa: u64, size: u8, value: u64) -> MmioResult {
        let res = self.access(ipa, size, true, value);
        assert_eq!(res.value, 0, "a write reads nothing");
        res
    }

    /// A 32-bit write that must be accepted.
    pub(super) fn w32(&mut self, ipa: u64, value: u32) -> MmioResult {
        let res = self.write(ipa, 4, u64::from(value));
        assert_eq!(res.refused, None, "write {value:#x} to {ipa:#x}");
        res
    }

    pub(super) fn w64(&mut self, ipa: u64, value: u64) -> MmioResult {
        let res = self.write(ipa, 8, value);
        assert_eq!(res.refused, None, "write {value:#x} to {ipa:#x}");
        res
    }

    pub(super) fn w8(&mut self, ipa: u64, value: u8) -> MmioResult {
        let res = self.write(ipa, 1, u64::from(value));
        assert_eq!(res.refused, None, "write {value:#x} to {ipa:#x}");
        res
    }
}
