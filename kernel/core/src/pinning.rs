// SPDX-License-Identifier: MIT
//! The static pinning table: which domain's vCPU each pCPU runs, for ever.
//! Built once from the configuration; the build tool already rejects the
//! errors checked here, the kernel checks again because it trusts no blob.

use bulkhead_abi::DomainId;
use bulkhead_bootcfg::{BootConfig, MAX_PCPUS};

/// A vCPU: domain and index within the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VcpuId {
    /// The domain.
    pub domain: DomainId,
    /// The vCPU's index (its compact CPU id, MPIDR Aff0).
    pub index: usize,
}

/// pCPU -> vCPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinTable {
    slots: [Option<VcpuId>; MAX_PCPUS],
}

/// Why a configuration cannot be pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinError {
    /// A pCPU index beyond the board.
    NoSuchPcpu(u8),
    /// A pCPU given to two vCPUs.
    PinnedTwice(u8),
    /// A domain without vCPUs.
    NoVcpu(usize),
}

impl PinTable {
    /// Builds the table from `config`.
    pub fn new(config: &BootConfig) -> Result<Self, PinError> {
        let mut slots = [None; MAX_PCPUS];
        for (d, domain) in config.domains.iter().enumerate() {
            if domain.pcpus.is_empty() {
                return Err(PinError::NoVcpu(d));
            }
            for (index, &pcpu) in domain.pcpus.iter().enumerate() {
                if pcpu >= config.pcpus {
                    return Err(PinError::NoSuchPcpu(pcpu));
                }
                let slot = slots.get_mut(usize::from(pcpu)).ok_or(PinError::NoSuchPcpu(pcpu))?;
                if slot.is_some() {
                    return Err(PinError::PinnedTwice(pcpu));
                }
                let domain = DomainId::new(u16::try_from(d).map_err(|_| PinError::NoVcpu(d))?);
                *slot = Some(VcpuId { domain, index });
            }
        }
        Ok(Self { slots })
    }

    /// The vCPU pinned to `pcpu`, if any.
    pub fn vcpu_on(&self, pcpu: usize) -> Option<VcpuId> {
        self.slots.get(pcpu).copied().flatten()
    }

    /// The pCPU that runs `vcpu`.
    pub fn pcpu_of(&self, vcpu: VcpuId) -> Option<usize> {
        self.slots.iter().position(|s| *s == Some(vcpu))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::config_with;

    #[test]
    fn each_vcpu_on_one_pcpu() {
        let table = PinTable::new(&config_with(&[&[1], &[2, 3]])).unwrap();
        assert_eq!(table.vcpu_on(0), None);
        assert_eq!(table.vcpu_on(1), Some(VcpuId { domain: DomainId::new(0), index: 0 }));
        assert_eq!(table.vcpu_on(3), Some(VcpuId { domain: DomainId::new(1), index: 1 }));
        assert_eq!(table.pcpu_of(VcpuId { domain: DomainId::new(1), index: 0 }), Some(2));
        assert_eq!(table.vcpu_on(99), None);
    }

    #[test]
    fn bad_tables_are_refused() {
        assert_eq!(PinTable::new(&config_with(&[&[1], &[1]])), Err(PinError::PinnedTwice(1)));
        assert_eq!(PinTable::new(&config_with(&[&[8]])), Err(PinError::NoSuchPcpu(8)));
        assert_eq!(PinTable::new(&config_with(&[&[]])), Err(PinError::NoVcpu(0)));
    }
}
