// SPDX-License-Identifier: MIT
//! [`Rect`] (`struct virtio_gpu_rect`) and the overflow-safe geometry the
//! commands need: containment, intersection, union.
//!
//! Owns rectangle arithmetic only; must not know about resources or
//! scanouts (callers pass their sizes).

use crate::wire::u32_at;

/// A rectangle in pixels: `x`, `y`, `width`, `height` (16 bytes on the wire).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

impl Rect {
    /// A rectangle.
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self { x, y, width, height }
    }

    /// The rectangle at byte `at` of `b`, if all 16 bytes are there.
    pub fn parse(b: &[u8], at: usize) -> Option<Self> {
        Some(Self {
            x: u32_at(b, at)?,
            y: u32_at(b, at.checked_add(4)?)?,
            width: u32_at(b, at.checked_add(8)?)?,
            height: u32_at(b, at.checked_add(12)?)?,
        })
    }

    /// No pixels.
    pub fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// One past the right column and the bottom row, in `u64` (no overflow).
    fn ends(&self) -> (u64, u64) {
        (u64::from(self.x) + u64::from(self.width), u64::from(self.y) + u64::from(self.height))
    }

    /// Whether the rectangle lies within a `width` × `height` surface at its
    /// origin (an empty rectangle too, if its corner does).
    pub fn within(&self, width: u32, height: u32) -> bool {
        let (r, b) = self.ends();
        r <= u64::from(width) && b <= u64::from(height)
    }

    /// The common part of two rectangles, None if empty.
    pub fn intersect(&self, other: &Self) -> Option<Self> {
        let (ar, ab) = self.ends();
        let (br, bb) = other.ends();
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let r = ar.min(br);
        let b = ab.min(bb);
        let width = u32::try_from(r.checked_sub(u64::from(x))?).ok()?;
        let height = u32::try_from(b.checked_sub(u64::from(y))?).ok()?;
        let out = Self { x, y, width, height };
        (!out.is_empty()).then_some(out)
    }

    /// The smallest rectangle holding both (the sides saturate at `u32::MAX`).
    pub fn union(&self, other: &Self) -> Self {
        let (ar, ab) = self.ends();
        let (br, bb) = other.ends();
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        let width = u32::try_from(ar.max(br) - u64::from(x)).unwrap_or(u32::MAX);
        let height = u32::try_from(ab.max(bb) - u64::from(y)).unwrap_or(u32::MAX);
        Self { x, y, width, height }
    }

    /// Moved by (-dx, -dy), None if it would leave the first quadrant.
    pub fn relative_to(&self, dx: u32, dy: u32) -> Option<Self> {
        Some(Self { x: self.x.checked_sub(dx)?, y: self.y.checked_sub(dy)?, ..*self })
    }
}
