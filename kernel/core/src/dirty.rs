// SPDX-License-Identifier: MIT
//! Dirty-page tracking for device models (Xen's `track_dirty_vram` and
//! `modified_memory`): a board file's `vram = { ipa, size }` in a
//! `device_model` entry names a part of the target's RAM (a framebuffer)
//! whose writes its device model may ask about. The target's stage 2 maps
//! that range page by page and read-only; the target's first write to a
//! page faults, the kernel records the page in the range's [`DirtyLog`]
//! and makes the page writable; the device model's `DmTrackDirty` takes
//! the pages recorded since its last call and the kernel write-protects
//! exactly those again.
//!
//! Owns which range of a target is tracked, the page arithmetic and the
//! log's bitmap (lock-free bits; the arch layer orders them against the
//! descriptors it flips). Must not touch translation tables or TLBs (the
//! arch layer's `dirty.rs`).

use bulkhead_bootcfg::{BootConfig, Capability, MAX_TRACKED_PAGES};
use core::sync::atomic::{AtomicU64, Ordering};

/// Words of a log's bitmap.
const WORDS: usize = (MAX_TRACKED_PAGES / 64) as usize;

/// Bytes of the largest bitmap `DmTrackDirty` writes.
pub const MAX_BITMAP_BYTES: usize = WORDS * 8;

/// A tracked range of a target's RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracked {
    /// First byte, in the target's address space (page aligned).
    pub ipa: u64,
    /// Pages (at most [`MAX_TRACKED_PAGES`]).
    pub pages: u64,
}

impl Tracked {
    /// The page index of guest address `ipa`, if it lies in the range.
    pub fn page_of(&self, ipa: u64) -> Option<u64> {
        let page = ipa.checked_sub(self.ipa)? / bulkhead_abi::PAGE_SIZE;
        (page < self.pages).then_some(page)
    }

    /// Bytes of this range's bitmap (one bit per page).
    pub fn bitmap_bytes(&self) -> u64 {
        self.pages.div_ceil(8)
    }

    /// Whether pages `first..first + count` are all in the range (and
    /// `count` is not 0).
    pub fn holds(&self, first: u64, count: u64) -> bool {
        count > 0 && first.checked_add(count).is_some_and(|end| end <= self.pages)
    }
}

/// The range of target `target`'s RAM that a device model tracks, if a
/// board entry gives one (the build tool allows one per target).
pub fn tracked(config: &BootConfig, target: usize) -> Option<Tracked> {
    config.domains.iter().flat_map(|d| &d.caps).find_map(|c| match *c {
        Capability::DmVram { target: t, ipa, size } if usize::from(t) == target => {
            Some(Tracked { ipa: ipa.raw(), pages: (size / bulkhead_abi::PAGE_SIZE).min(MAX_TRACKED_PAGES) })
        }
        _ => None,
    })
}

/// One target's log: bit n set = page n written since the last harvest.
pub struct DirtyLog {
    words: [AtomicU64; WORDS],
}

impl Default for DirtyLog {
    fn default() -> Self {
        Self::new()
    }
}

impl DirtyLog {
    /// Nothing recorded.
    pub const fn new() -> Self {
        Self { words: [const { AtomicU64::new(0) }; WORDS] }
    }

    /// Records page `page`; whether it was new.
    pub fn mark(&self, page: u64) -> bool {
        let Some(word) = self.words.get(usize::try_from(page / 64).unwrap_or(usize::MAX)) else { return false };
        let bit = 1u64 << (page % 64);
        word.fetch_or(bit, Ordering::AcqRel) & bit == 0
    }

    /// Takes the first `pages` bits: each page recorded is written to
    /// `out` (bit n of byte n / 8, little-endian order), cleared, and
    /// handed to `taken` (to write-protect it again); the rest of `out`'s
    /// first `pages.div_ceil(8)` bytes is zeroed. Returns how many.
    pub fn harvest(&self, pages: u64, out: &mut [u8], mut taken: impl FnMut(u64)) -> u64 {
        let mut count = 0;
        let bytes = usize::try_from(pages.div_ceil(8)).unwrap_or(0);
        for (w, word) in self.words.iter().enumerate() {
            let first = w as u64 * 64;
            if first >= pages {
                break;
            }
            let in_range = if pages - first >= 64 { u64::MAX } else { (1u64 << (pages - first)) - 1 };
            let bits = word.fetch_and(!in_range, Ordering::AcqRel) & in_range;
            for (i, byte) in bits.to_le_bytes().iter().enumerate() {
                if let Some(slot) = out.get_mut(w * 8 + i).filter(|_| w * 8 + i < bytes) {
                    *slot = *byte;
                }
            }
            let mut rest = bits;
            while rest != 0 {
                let bit = u64::from(rest.trailing_zeros());
                taken(first + bit);
                count += 1;
                rest &= rest - 1;
            }
        }
        count
    }

    /// Forgets everything (the target restarted: its RAM was reloaded).
    pub fn clear(&self) {
        for w in &self.words {
            w.store(0, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;
    extern crate std;

    #[test]
    fn pages_are_found_in_the_range_only() {
        let t = Tracked { ipa: 0x4010_0000, pages: 16 };
        assert_eq!(t.page_of(0x4010_0000), Some(0));
        assert_eq!(t.page_of(0x4010_3fff), Some(3));
        assert_eq!(t.page_of(0x4010_ffff), Some(15));
        assert_eq!(t.page_of(0x4011_0000), None);
        assert_eq!(t.page_of(0x400f_ffff), None);
        assert_eq!(t.bitmap_bytes(), 2);
        assert!(t.holds(15, 1) && t.holds(0, 16));
        assert!(!t.holds(16, 1) && !t.holds(0, 17) && !t.holds(3, 0) && !t.holds(u64::MAX, 2));
    }

    #[test]
    fn a_harvest_reports_each_recorded_page_once() {
        let log = DirtyLog::new();
        assert!(log.mark(0) && log.mark(3) && log.mark(15) && log.mark(100));
        assert!(!log.mark(3), "a page is recorded once");
        let mut out = [0xffu8; 4];
        let mut taken = Vec::new();
        assert_eq!(log.harvest(16, &mut out, |p| taken.push(p)), 3);
        assert_eq!(out, [0b0000_1001, 0b1000_0000, 0xff, 0xff], "two bytes written, the rest untouched");
        assert_eq!(taken, [0, 3, 15]);
        // Nothing new: nothing reported; page 100 is beyond these 16 pages
        // and stays.
        assert_eq!(log.harvest(16, &mut out, |_| panic!("nothing to take")), 0);
        assert_eq!(out[..2], [0, 0]);
        let mut big = [0u8; 16];
        assert_eq!(log.harvest(128, &mut big, |p| assert_eq!(p, 100)), 1);
        assert_eq!(big[12], 1 << 4);
    }

    #[test]
    fn the_largest_range_and_pages_beyond_it() {
        let log = DirtyLog::new();
        assert!(log.mark(MAX_TRACKED_PAGES - 1));
        assert!(!log.mark(MAX_TRACKED_PAGES), "beyond the log: ignored");
        let mut out = [0u8; MAX_BITMAP_BYTES];
        assert_eq!(log.harvest(MAX_TRACKED_PAGES, &mut out, |_| {}), 1);
        assert_eq!(out[MAX_BITMAP_BYTES - 1], 0x80);
        log.mark(7);
        log.clear();
        assert_eq!(log.harvest(MAX_TRACKED_PAGES, &mut out, |_| {}), 0);
    }
}
