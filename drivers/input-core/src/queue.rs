// SPDX-License-Identifier: MIT
//! One client's bounded queue of events not yet on its ring.
//!
//! Events wait here only while the client's ring is full (a slow client).
//! When the queue is full too, the oldest event is dropped and counted;
//! the count is reported to the client (`Message::Dropped`) before the
//! next event it gets, which is exactly where the gap is, since drops are
//! always at the head. Before dropping anything, an event merges into one
//! already queued where that loses nothing a client needs:
//!
//! - relative motion into the newest event if that is relative motion
//!   (the deltas add up);
//! - an absolute position into the newest event if that is a position
//!   (the newer position wins, wheel deltas add up);
//! - a touch contact's motion, shape or orientation into the same kind of
//!   event of the same contact, if only touch motion, shape, orientation
//!   and `Syn` are queued after it (so no touch down or up, no key, no
//!   pointer event is crossed, and each contact ends where it really is);
//! - a `Syn` is not queued right after another `Syn` (an empty frame).
//!
//! Key events and touch down and up are never merged.
//!
//! Owns: the queued events, the pending drop count and the counters.
//! Must not touch: rings (`backend` pops from here onto them).

use bulkhead_input::{Event, Touch};
use heapless::Deque;

/// A client's queue of `N` events.
#[derive(Debug, Clone)]
pub struct EventQueue<const N: usize> {
    events: Deque<Event, N>,
    /// Dropped since the last report.
    unreported: u32,
    /// Dropped ever (this connection).
    dropped: u64,
    /// Merged ever (this connection).
    coalesced: u64,
}

impl<const N: usize> Default for EventQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether an event may have a later one merged across it.
fn touch_motion_only(e: &Event) -> bool {
    matches!(
        e,
        Event::Touch { what: Touch::Motion { .. } | Touch::Shape { .. } | Touch::Orient { .. } | Touch::Syn, .. }
    )
}

/// Merges `new` into `old` if they are the same kind of touch update of
/// the same contact.
fn merge_touch(old: &mut Event, new: &Event) -> bool {
    match (old, new) {
        (Event::Touch { contact: a, what: old }, Event::Touch { contact: b, what: new }) if a == b => {
            match (old, new) {
                (o @ Touch::Motion { .. }, n @ Touch::Motion { .. })
                | (o @ Touch::Shape { .. }, n @ Touch::Shape { .. })
                | (o @ Touch::Orient { .. }, n @ Touch::Orient { .. }) => {
                    *o = *n;
                    true
                }
                _ => false,
            }
        }
        _ => false,
    }
}

impl<const N: usize> EventQueue<N> {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { events: Deque::new(), unreported: 0, dropped: 0, coalesced: 0 }
    }

    /// Queues `event`: merged, or appended (dropping the oldest if full).
    pub fn push(&mut self, event: Event) {
        if self.coalesce(&event) {
            self.coalesced += 1;
            return;
        }
        if self.events.is_full() {
            self.events.pop_front();
            self.unreported = self.unreported.saturating_add(1);
            self.dropped += 1;
        }
        let _ = self.events.push_back(event);
    }

    fn coalesce(&mut self, new: &Event) -> bool {
        let Some(last) = self.events.back_mut() else { return false };
        match (last, new) {
            (Event::Motion { dx, dy, dz }, Event::Motion { dx: x, dy: y, dz: z }) => {
                *dx = dx.saturating_add(*x);
                *dy = dy.saturating_add(*y);
                *dz = dz.saturating_add(*z);
                true
            }
            (Event::Position { x, y, dz }, Event::Position { x: nx, y: ny, dz: nz }) => {
                (*x, *y) = (*nx, *ny);
                *dz = dz.saturating_add(*nz);
                true
            }
            (Event::Touch { what: Touch::Syn, .. }, Event::Touch { what: Touch::Syn, .. }) => true,
            (_, Event::Touch { what: Touch::Motion { .. } | Touch::Shape { .. } | Touch::Orient { .. }, .. }) => {
                for old in self.events.iter_mut().rev() {
                    if merge_touch(old, new) {
                        return true;
                    }
                    if !touch_motion_only(old) {
                        return false;
                    }
                }
                false
            }
            _ => false,
        }
    }

    /// The oldest event.
    pub fn front(&self) -> Option<&Event> {
        self.events.front()
    }

    /// Removes the oldest event (it reached the ring).
    pub fn pop(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Events queued.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Nothing queued.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Drops not yet reported to the client.
    pub fn unreported(&self) -> u32 {
        self.unreported
    }

    /// The drops were reported.
    pub fn reported(&mut self) {
        self.unreported = 0;
    }

    /// Events dropped since the queue was last reset.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Events merged since the queue was last reset.
    pub fn coalesced(&self) -> u64 {
        self.coalesced
    }

    /// Empties the queue and its counters (a new connection).
    pub fn reset(&mut self) {
        *self = Self::new();
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn all<const N: usize>(q: &mut EventQueue<N>) -> Vec<Event> {
        core::iter::from_fn(|| q.pop()).collect()
    }

    fn key(code: u16) -> Event {
        Event::Key { code, pressed: true }
    }

    fn touch(contact: u8, what: Touch) -> Event {
        Event::Touch { contact, what }
    }

    #[test]
    fn full_queue_drops_the_oldest_and_counts() {
        let mut q = EventQueue::<3>::new();
        for code in 1..=5 {
            q.push(key(code));
        }
        assert_eq!((q.unreported(), q.dropped(), q.len()), (2, 2, 3));
        q.reported();
        assert_eq!(q.unreported(), 0);
        assert_eq!(q.dropped(), 2, "the total stays");
        assert_eq!(all(&mut q), [key(3), key(4), key(5)]);
    }

    #[test]
    fn motion_and_positions_merge_only_with_the_newest_event() {
        let mut q = EventQueue::<8>::new();
        q.push(Event::Motion { dx: 1, dy: 2, dz: 0 });
        q.push(Event::Motion { dx: 3, dy: -1, dz: 1 });
        q.push(key(1));
        q.push(Event::Motion { dx: 1, dy: 1, dz: 1 });
        q.push(Event::Position { x: 1, y: 1, dz: 1 });
        q.push(Event::Position { x: 5, y: 6, dz: 1 });
        q.push(Event::Motion { dx: i32::MAX, dy: 0, dz: 0 });
        q.push(Event::Motion { dx: 1, dy: 0, dz: 0 });
        assert_eq!(
            all(&mut q),
            [
                Event::Motion { dx: 4, dy: 1, dz: 1 },
                key(1),
                Event::Motion { dx: 1, dy: 1, dz: 1 },
                Event::Position { x: 5, y: 6, dz: 2 },
                Event::Motion { dx: i32::MAX, dy: 0, dz: 0 },
            ]
        );
    }

    #[test]
    fn keys_never_merge() {
        let mut q = EventQueue::<4>::new();
        q.push(key(1));
        q.push(key(1));
        assert_eq!(q.len(), 2);
        assert_eq!(q.coalesced(), 0);
    }

    #[test]
    fn touch_updates_merge_across_motion_only_frames_but_not_across_down_or_up() {
        let mut q = EventQueue::<16>::new();
        q.push(touch(0, Touch::Down { x: 0, y: 0 }));
        q.push(touch(0, Touch::Syn));
        // Merges nowhere: the only motion of contact 0 would be behind the down.
        q.push(touch(0, Touch::Motion { x: 1, y: 1 }));
        q.push(touch(1, Touch::Orient { degrees: 5 }));
        q.push(touch(0, Touch::Syn));
        // A motion-only frame: merges into the previous frame.
        q.push(touch(0, Touch::Motion { x: 2, y: 2 }));
        q.push(touch(1, Touch::Orient { degrees: 7 }));
        q.push(touch(1, Touch::Shape { major: 3, minor: 2 }));
        q.push(touch(0, Touch::Syn));
        q.push(touch(0, Touch::Syn));
        q.push(touch(1, Touch::Up));
        q.push(touch(0, Touch::Motion { x: 3, y: 3 }));
        assert_eq!(
            all(&mut q),
            [
                touch(0, Touch::Down { x: 0, y: 0 }),
                touch(0, Touch::Syn),
                touch(0, Touch::Motion { x: 2, y: 2 }),
                touch(1, Touch::Orient { degrees: 7 }),
                touch(0, Touch::Syn),
                touch(1, Touch::Shape { major: 3, minor: 2 }),
                touch(0, Touch::Syn),
                touch(1, Touch::Up),
                touch(0, Touch::Motion { x: 3, y: 3 }),
            ]
        );
    }

    #[test]
    fn downs_and_ups_never_merge() {
        let mut q = EventQueue::<8>::new();
        for what in [Touch::Down { x: 1, y: 1 }, Touch::Down { x: 2, y: 2 }, Touch::Up, Touch::Up] {
            q.push(touch(0, what));
        }
        assert_eq!(q.len(), 4);
    }

    #[test]
    fn reset_forgets_everything() {
        let mut q = EventQueue::<1>::new();
        q.push(key(1));
        q.push(key(2));
        q.reset();
        assert_eq!((q.len(), q.unreported(), q.dropped(), q.coalesced()), (0, 0, 0, 0));
    }
}
