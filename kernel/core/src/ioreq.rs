// SPDX-License-Identifier: MIT
//! Which device model emulates an access of a target domain: policy of
//! the ioreq path, read from the capability tables the build tool wrote
//! from the board file's `device_model` entries. The arch layer's
//! `ioreq` owns the mechanism (posting the slot, holding the vCPU, the
//! completion and the timeout's bus error).
//!
//! Owns only the lookup; must not touch memory or any vCPU.

use bulkhead_bootcfg::{BootConfig, Capability};

/// Where a target's trapped access goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoreqRoute {
    /// The device model's domain index.
    pub dm: usize,
    /// Its capability slot for this range (its doorbell bit).
    pub slot: usize,
    /// How long the target may wait for the answer.
    pub timeout_ms: u32,
}

/// The device model that emulates guest address `ipa` of domain `target`,
/// if one does (the board validation guarantees at most one).
pub fn route(config: &BootConfig, target: usize, ipa: u64) -> Option<IoreqRoute> {
    config.domains.iter().enumerate().find_map(|(dm, domain)| {
        domain.caps.iter().enumerate().find_map(|(slot, cap)| match *cap {
            Capability::DmTarget { target: t, ipa: base, size, timeout_ms }
                if usize::from(t) == target
                    && ipa >= base.raw()
                    && ipa.checked_sub(base.raw()).is_some_and(|off| off < size) =>
            {
                Some(IoreqRoute { dm, slot, timeout_ms })
            }
            _ => None,
        })
    })
}

/// Whether `dm` holds a device-model capability for `target` (any range).
pub fn models(config: &BootConfig, dm: usize, target: usize) -> bool {
    config.domains.get(dm).is_some_and(|d| {
        d.caps.iter().any(|c| matches!(*c, Capability::DmTarget { target: t, .. } if usize::from(t) == target))
    })
}

/// `ms` milliseconds in counter ticks at `frequency` Hz (at least 1).
pub fn timeout_ticks(frequency: u64, ms: u32) -> u64 {
    (frequency / 1000).saturating_mul(u64::from(ms)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::config_with;
    use bulkhead_abi::Ipa;

    fn config() -> BootConfig {
        let mut c = config_with(&[&[1], &[2], &[3]]);
        let dm = Capability::DmTarget { target: 0, ipa: Ipa::new(0x0a00_0000), size: 0x2000, timeout_ms: 20 };
        c.domains[1].caps.push(Capability::Console).unwrap();
        c.domains[1].caps.push(dm).unwrap();
        let other = Capability::DmTarget { target: 0, ipa: Ipa::new(0x0b00_0000), size: 0x1000, timeout_ms: 5 };
        c.domains[2].caps.push(other).unwrap();
        c
    }

    #[test]
    fn an_access_goes_to_the_device_model_of_its_range() {
        let c = config();
        assert_eq!(route(&c, 0, 0x0a00_0000), Some(IoreqRoute { dm: 1, slot: 1, timeout_ms: 20 }));
        assert_eq!(route(&c, 0, 0x0a00_1ffc), Some(IoreqRoute { dm: 1, slot: 1, timeout_ms: 20 }));
        assert_eq!(route(&c, 0, 0x0b00_0004), Some(IoreqRoute { dm: 2, slot: 0, timeout_ms: 5 }));
        assert_eq!(route(&c, 0, 0x0a00_2000), None, "past the range");
        assert_eq!(route(&c, 0, 0x09ff_fffc), None, "before it");
        assert_eq!(route(&c, 1, 0x0a00_0000), None, "another target");
        assert_eq!(route(&c, 7, 0x0a00_0000), None, "no such domain");
    }

    #[test]
    fn only_a_holder_models_a_target() {
        let c = config();
        assert!(models(&c, 1, 0) && models(&c, 2, 0));
        assert!(!models(&c, 0, 0) && !models(&c, 1, 2) && !models(&c, 9, 0));
    }

    #[test]
    fn timeouts_in_ticks() {
        assert_eq!(timeout_ticks(62_500_000, 50), 3_125_000);
        assert_eq!(timeout_ticks(0, 50), 1);
    }
}
