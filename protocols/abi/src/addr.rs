// SPDX-License-Identifier: MIT
//! Typed addresses: physical (`PhysAddr`) and guest-physical (`Ipa`).
//!
//! The two are different types so that a guest address can never be used as
//! a physical one without going through a stage-2 grant. All arithmetic is
//! checked: an overflow is `None`, never a wrap.

use core::fmt;
use serde::{Deserialize, Serialize};

/// The translation granule used everywhere in Bulkhead (4 KiB).
pub const PAGE_SIZE: u64 = 4096;

macro_rules! address_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw address.
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }

            /// The raw address.
            pub const fn raw(self) -> u64 {
                self.0
            }

            /// `self + bytes`, or `None` on overflow.
            pub const fn checked_add(self, bytes: u64) -> Option<Self> {
                match self.0.checked_add(bytes) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            /// Bytes from `base` up to `self`, or `None` if `self < base`.
            pub const fn offset_from(self, base: Self) -> Option<u64> {
                self.0.checked_sub(base.0)
            }

            /// Whether the address is a multiple of `align` (a power of two).
            pub const fn is_aligned(self, align: u64) -> bool {
                align.is_power_of_two() && self.0 & (align - 1) == 0
            }

            /// The address rounded down to a page boundary.
            pub const fn page_base(self) -> Self {
                Self(self.0 & !(PAGE_SIZE - 1))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{:#x}"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#x}", self.0)
            }
        }
    };
}

address_type!(
    /// A host physical address.
    PhysAddr,
    "PA:"
);
address_type!(
    /// An intermediate physical address: what a domain believes is physical.
    Ipa,
    "IPA:"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(PhysAddr::new(u64::MAX).checked_add(1), None);
        assert_eq!(Ipa::new(0x1000).checked_add(0x10), Some(Ipa::new(0x1010)));
        assert_eq!(Ipa::new(0x1000).offset_from(Ipa::new(0x2000)), None);
        assert_eq!(Ipa::new(0x2100).offset_from(Ipa::new(0x2000)), Some(0x100));
    }

    #[test]
    fn alignment_and_pages() {
        assert!(PhysAddr::new(0x20_0000).is_aligned(0x20_0000));
        assert!(!PhysAddr::new(0x20_1000).is_aligned(0x20_0000));
        assert!(!PhysAddr::new(0x1000).is_aligned(3));
        assert_eq!(PhysAddr::new(0x0a00_3e00).page_base(), PhysAddr::new(0x0a00_3000));
    }
}
