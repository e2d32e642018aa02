// SPDX-License-Identifier: MIT
//! Framebuffers in guest RAM as the driver's shmem pages are: a resource's
//! bytes laid over scattered backing entries (reverse order, any entry
//! length), painted with a known pattern.
//!
//! Owns the pixel scaffolding; must not assert requirements.

use crate::rig::{PAGE, PAGES, Rig};

/// A resource's backing: (guest address, length) per entry, in resource
/// order.
#[derive(Clone, Debug)]
pub struct Fb {
    pub entries: Vec<(u64, u32)>,
}

impl Fb {
    /// `size` bytes in pieces of `piece` bytes (the last shorter), each at
    /// its own page-aligned place, placed from the highest address down so
    /// that no two neighbours are contiguous.
    pub fn scattered(size: u64, piece: u32) -> Self {
        let slot = u64::from(piece).div_ceil(PAGE) * PAGE + PAGE;
        let n = size.div_ceil(u64::from(piece));
        let entries = (0..n)
            .map(|i| {
                let len = (size - i * u64::from(piece)).min(u64::from(piece)) as u32;
                (PAGES + (n - 1 - i) * slot, len)
            })
            .collect();
        Self { entries }
    }

    /// The guest address of resource byte `off`.
    pub fn addr(&self, mut off: u64) -> u64 {
        for &(a, l) in &self.entries {
            if off < u64::from(l) {
                return a + off;
            }
            off -= u64::from(l);
        }
        panic!("beyond the backing")
    }

    /// Writes `bytes` at resource byte `off`, across entries.
    pub fn write(&self, rig: &mut Rig, off: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            rig.mem_write(self.addr(off + i as u64), &[*b]);
        }
    }

    /// Paints pixel (x, y) of a `width`-wide resource with `f(x, y)`, for
    /// every pixel of `rect` (x, y, w, h).
    pub fn paint(
        &self,
        rig: &mut Rig,
        width: u32,
        (x0, y0, w, h): (u32, u32, u32, u32),
        f: impl Fn(u32, u32) -> [u8; 4],
    ) {
        for y in y0..y0 + h {
            let mut row = Vec::new();
            for x in x0..x0 + w {
                row.extend(f(x, y));
            }
            self.write(rig, (u64::from(y) * u64::from(width) + u64::from(x0)) * 4, &row);
        }
    }
}

/// The test pattern in B8G8R8X8 memory order (b, g, r, x).
pub fn pattern(x: u32, y: u32) -> [u8; 4] {
    [x as u8, y as u8, (x ^ y) as u8 ^ 0x5a, 0x77]
}

/// What [`pattern`] reads as in XRGB8888.
pub fn pattern_xrgb(x: u32, y: u32) -> u32 {
    let [b, g, r, _] = pattern(x, y);
    (u32::from(r) << 16) | (u32::from(g) << 8) | u32::from(b)
}
