// SPDX-License-Identifier: MIT
//! The state behind the virtual GIC's registers: one entry per owned SPI and
//! one per vCPU redistributor, with their reset values, and the IROUTER to
//! vCPU rule. Owns what is stored; must not decode register offsets
//! (`dist`, `redist`) or touch hardware.

/// IROUTER bits that are stored: Aff3 (bits 39:32), IRM (31), Aff2 (23:16),
/// Aff1 (15:8), Aff0 (7:0).
pub(super) const IROUTER_MASK: u64 = 0x0000_00ff_80ff_ffff;
/// IROUTER.IRM: any PE may take the interrupt (the model picks vCPU 0).
pub(super) const IROUTER_IRM: u64 = 1 << 31;
/// IROUTER.Aff0.
const IROUTER_AFF0: u64 = 0xff;

/// First and one past the last SPI INTID.
pub(super) const SPI_FIRST: u32 = 32;
pub(super) const SPI_END: u32 = 1020;

/// One SPI the domain owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct SpiState {
    pub(super) intid: u32,
    pub(super) enabled: bool,
    pub(super) edge: bool,
    pub(super) priority: u8,
    /// GICD_IROUTER, masked with `IROUTER_MASK`.
    pub(super) router: u64,
}

impl SpiState {
    /// `intid` after reset: disabled, level, priority 0, routed to vCPU 0.
    pub(super) const fn reset(intid: u32) -> Self {
        Self { intid, enabled: false, edge: false, priority: 0, router: 0 }
    }
}

/// One vCPU's redistributor: its SGIs and PPIs and its power state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RedistState {
    /// Enable bit per INTID 0..31.
    pub(super) enabled: u32,
    /// Priority per INTID 0..31.
    pub(super) priority: [u8; 32],
    /// GICR_ICFGR1 (PPI 16..31; only the odd, edge bits are stored).
    pub(super) icfgr1: u32,
    /// GICR_WAKER.ProcessorSleep.
    pub(super) asleep: bool,
}

impl RedistState {
    /// After reset: all disabled, priority 0, level, asleep.
    pub(super) const RESET: Self = Self { enabled: 0, priority: [0; 32], icfgr1: 0, asleep: true };
}

/// The vCPU an IROUTER value names: Aff0 when the other affinity fields are
/// 0 and Aff0 is a vCPU of the domain; vCPU 0 otherwise and for IRM=1.
pub(super) fn route_to_vcpu(router: u64, vcpus: usize) -> usize {
    let higher = router & IROUTER_MASK & !(IROUTER_AFF0 | IROUTER_IRM);
    if router & IROUTER_IRM != 0 || higher != 0 {
        return 0;
    }
    usize::try_from(router & IROUTER_AFF0).ok().filter(|&vcpu| vcpu < vcpus).unwrap_or(0)
}

/// Bits of a one-bit-per-INTID row starting at `first` that name INTIDs
/// that exist (below 1020).
pub(super) fn row_mask(first: u32) -> u32 {
    match SPI_END.saturating_sub(first) {
        0 => 0,
        n if n >= 32 => u32::MAX,
        n => (1u32 << n) - 1,
    }
}

/// The set bits of `bits`, lowest first, as bit indices.
pub(super) fn set_bits(bits: u32) -> impl Iterator<Item = u32> {
    (0..32).filter(move |bit| bits & (1 << bit) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route_to_vcpu(0, 4), 0);
        assert_eq!(route_to_vcpu(3, 4), 3);
        assert_eq!(route_to_vcpu(4, 4), 0, "Aff0 beyond the vCPUs");
        assert_eq!(route_to_vcpu(IROUTER_IRM | 2, 4), 0, "IRM");
        assert_eq!(route_to_vcpu(0x100 | 1, 4), 0, "Aff1");
        assert_eq!(route_to_vcpu(0x1_0000 | 1, 4), 0, "Aff2");
        assert_eq!(route_to_vcpu((1 << 32) | 1, 4), 0, "Aff3");
    }

    #[test]
    fn row_masks() {
        assert_eq!(row_mask(32), u32::MAX);
        assert_eq!(row_mask(960), u32::MAX);
        assert_eq!(row_mask(992), 0x0fff_ffff);
        assert_eq!(row_mask(1024), 0);
    }

    #[test]
    fn bit_iteration() {
        assert_eq!(set_bits(0b1010_0001).collect::<heapless::Vec<u32, 8>>(), [0, 5, 7]);
        assert_eq!(set_bits(0).count(), 0);
        assert_eq!(set_bits(u32::MAX).count(), 32);
    }
}
