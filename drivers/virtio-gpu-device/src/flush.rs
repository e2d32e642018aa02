// SPDX-License-Identifier: MIT
//! [`Flush`]: a rectangle of a scanout that the driver flushed, waiting for
//! the domain to show it, and the bounded queue of them (one per scanout at
//! most: a second flush of a scanout already waiting is merged into it).
//!
//! Owns the pending flushes; must not decide when a flush happens (see
//! `execute`) nor read pixels (see `pixels`).

use heapless::Deque;

use crate::rect::Rect;
use crate::scanout::MAX_SCANOUTS;

/// A flushed rectangle, in the scanout's coordinates (0,0 is the scanout's
/// top-left pixel), for the domain to read with `read_rect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flush {
    /// The scanout.
    pub scanout: u32,
    /// The part of it that changed.
    pub rect: Rect,
}

/// Pending flushes, oldest first, at most one per scanout.
#[derive(Clone, Debug, Default)]
pub(crate) struct FlushQueue {
    pending: Deque<Flush, MAX_SCANOUTS>,
    merged: u64,
}

impl FlushQueue {
    /// Queues `f`, or grows the pending flush of the same scanout to the
    /// smallest rectangle holding both (which keeps its place).
    pub fn push(&mut self, f: Flush) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.scanout == f.scanout) {
            p.rect = p.rect.union(&f.rect);
            self.merged = self.merged.saturating_add(1);
        } else if self.pending.push_back(f).is_err() {
            // Unreachable while scanout ids are below MAX_SCANOUTS; counted
            // rather than trusted.
            self.merged = self.merged.saturating_add(1);
        }
    }

    /// The oldest pending flush.
    pub fn take(&mut self) -> Option<Flush> {
        self.pending.pop_front()
    }

    /// Forgets the pending flush of `scanout` (it was disabled).
    pub fn forget(&mut self, scanout: u32) {
        let n = self.pending.len();
        for _ in 0..n {
            if let Some(f) = self.pending.pop_front()
                && f.scanout != scanout
            {
                let _ = self.pending.push_back(f);
            }
        }
    }

    /// Forgets every pending flush.
    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// Pending flushes.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Flushes merged into one already pending.
    pub fn merged(&self) -> u64 {
        self.merged
    }
}
