// SPDX-License-Identifier: MIT
//! Rectangles on a connector or in a framebuffer, in pixels. Edges are
//! computed in `u64`, so no client-chosen position or size can overflow.

use serde::{Deserialize, Serialize};

/// `width` x `height` pixels with the top-left corner at (`x`, `y`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Rect {
    /// The rectangle at (`x`, `y`) of `width` x `height`.
    pub const fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Rect { x, y, width, height }
    }

    /// Whether it holds no pixel.
    pub const fn is_empty(&self) -> bool {
        self.width == 0 || self.height == 0
    }

    /// One past the right edge.
    pub const fn right(&self) -> u64 {
        self.x as u64 + self.width as u64
    }

    /// One past the bottom edge.
    pub const fn bottom(&self) -> u64 {
        self.y as u64 + self.height as u64
    }

    /// Whether it lies wholly inside a `width` x `height` area at the origin.
    pub const fn fits_in(&self, width: u32, height: u32) -> bool {
        self.right() <= width as u64 && self.bottom() <= height as u64
    }

    /// The pixels both hold, if any.
    pub fn intersect(&self, other: &Rect) -> Option<Rect> {
        let left = self.x.max(other.x);
        let top = self.y.max(other.y);
        let right = self.right().min(other.right());
        let bottom = self.bottom().min(other.bottom());
        // Both ends are at most u32::MAX + u32::MAX, and right > left here,
        // so the difference is at most u32::MAX.
        let width = u32::try_from(right.checked_sub(u64::from(left))?).ok()?;
        let height = u32::try_from(bottom.checked_sub(u64::from(top))?).ok()?;
        let r = Rect { x: left, y: top, width, height };
        (!r.is_empty()).then_some(r)
    }

    /// Whether they share a pixel.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.intersect(other).is_some()
    }

    /// Whether every pixel of `other` is in this one (an empty `other` is).
    pub const fn contains(&self, other: &Rect) -> bool {
        other.is_empty()
            || (other.x >= self.x
                && other.y >= self.y
                && other.right() <= self.right()
                && other.bottom() <= self.bottom())
    }

    /// The smallest rectangle holding both (an empty one adds nothing);
    /// `None` if its edges would not fit in `u32`.
    pub fn union(&self, other: &Rect) -> Option<Rect> {
        if other.is_empty() {
            return Some(*self);
        }
        if self.is_empty() {
            return Some(*other);
        }
        let left = self.x.min(other.x);
        let top = self.y.min(other.y);
        let width = u32::try_from(self.right().max(other.right()) - u64::from(left)).ok()?;
        let height = u32::try_from(self.bottom().max(other.bottom()) - u64::from(top)).ok()?;
        Some(Rect { x: left, y: top, width, height })
    }

    /// Moved by (`dx`, `dy`); `None` if it would leave `u32`.
    pub fn offset(&self, dx: u32, dy: u32) -> Option<Rect> {
        Some(Rect { x: self.x.checked_add(dx)?, y: self.y.checked_add(dy)?, ..*self })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections() {
        let a = Rect::new(0, 0, 10, 10);
        assert_eq!(a.intersect(&Rect::new(5, 5, 10, 10)), Some(Rect::new(5, 5, 5, 5)));
        assert_eq!(a.intersect(&Rect::new(10, 0, 5, 5)), None, "edges touch, no pixel shared");
        assert_eq!(a.intersect(&Rect::new(2, 2, 0, 4)), None);
        assert!(a.contains(&Rect::new(9, 9, 1, 1)));
        assert!(!a.contains(&Rect::new(9, 9, 2, 1)));
    }

    #[test]
    fn hostile_edges_do_not_overflow() {
        let far = Rect::new(u32::MAX, u32::MAX, u32::MAX, u32::MAX);
        assert!(!far.fits_in(1280, 720));
        assert_eq!(far.right(), 2 * u64::from(u32::MAX));
        assert_eq!(Rect::new(0, 0, 10, 10).intersect(&far), None);
        assert_eq!(far.intersect(&far), Some(far));
        assert_eq!(Rect::new(0, 0, 1, 1).union(&far), None);
        assert_eq!(far.offset(1, 0), None);
    }

    #[test]
    fn unions() {
        let a = Rect::new(4, 4, 2, 2);
        assert_eq!(a.union(&Rect::new(0, 8, 1, 1)), Some(Rect::new(0, 4, 6, 5)));
        assert_eq!(a.union(&Rect::new(100, 100, 0, 0)), Some(a));
        assert_eq!(Rect::new(0, 0, 0, 0).union(&a), Some(a));
    }
}
