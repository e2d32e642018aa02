// SPDX-License-Identifier: MIT
//! The in-flight table ([`Table`]): at most [`IN_FLIGHT`] chains taken
//! from the request queue and not yet completed, keyed by their 9P tag,
//! each with the copy of its T-message until the domain takes it, and the
//! order in which they are handed to the domain.
//!
//! Owns the entries and the copies; must not touch guest memory or the
//! queues (see `device`) nor judge messages (see `wire`).

use bulkhead_virtio_device::Chain;
use heapless::Deque;

use crate::wire::{MSIZE_BYTES, Request};

/// The most chains in flight (taken from the queue and not completed).
/// The 9pfs domain serves one request at a time, so eight keep it busy;
/// further requests wait in the available ring.
pub const IN_FLIGHT: usize = 8;

/// One chain in flight.
#[derive(Debug)]
pub struct Entry {
    /// The chain to complete.
    pub chain: Chain,
    /// Its request's header facts.
    pub request: Request,
    /// Handed to the domain (so a reply may come).
    pub forwarded: bool,
}

/// The chains in flight and the copies of the requests not yet forwarded.
#[derive(Debug)]
pub struct Table {
    entries: [Option<Entry>; IN_FLIGHT],
    copies: [[u8; MSIZE_BYTES]; IN_FLIGHT],
    /// Slots whose request is not yet forwarded, oldest first.
    order: Deque<u8, IN_FLIGHT>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self { entries: [const { None }; IN_FLIGHT], copies: [[0; MSIZE_BYTES]; IN_FLIGHT], order: Deque::new() }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries = [const { None }; IN_FLIGHT];
        self.order.clear();
    }

    /// Entries in flight.
    pub fn len(&self) -> usize {
        self.entries.iter().flatten().count()
    }

    /// Entries not yet forwarded.
    pub fn waiting(&self) -> usize {
        self.order.len()
    }

    /// A free slot and its copy buffer, if any.
    pub fn free_slot(&mut self) -> Option<(usize, &mut [u8; MSIZE_BYTES])> {
        let slot = self.entries.iter().position(Option::is_none)?;
        Some((slot, self.copies.get_mut(slot)?))
    }

    /// The slot holding `tag`, if in flight.
    pub fn find(&self, tag: u16) -> Option<usize> {
        self.entries.iter().position(|e| e.as_ref().is_some_and(|e| e.request.tag == tag))
    }

    /// The entry in `slot`.
    pub fn get(&self, slot: usize) -> Option<&Entry> {
        self.entries.get(slot)?.as_ref()
    }

    /// Puts `chain` with `request` (copied into `slot`'s buffer already)
    /// in `slot`, last in the forwarding order.
    pub fn insert(&mut self, slot: usize, chain: Chain, request: Request) {
        let (Some(entry), Ok(s)) = (self.entries.get_mut(slot), u8::try_from(slot)) else {
            return;
        };
        if self.order.push_back(s).is_ok() {
            *entry = Some(Entry { chain, request, forwarded: false });
        }
    }

    /// The next request to forward: its tag and bytes (not yet marked).
    pub fn next(&self) -> Option<(usize, u16, &[u8])> {
        let slot = usize::from(*self.order.front()?);
        let entry = self.get(slot)?;
        let bytes = self.copies.get(slot)?.get(..entry.request.len)?;
        Some((slot, entry.request.tag, bytes))
    }

    /// Marks the front of the order forwarded.
    pub fn forward_next(&mut self) {
        if let Some(slot) = self.order.pop_front()
            && let Some(Some(entry)) = self.entries.get_mut(usize::from(slot))
        {
            entry.forwarded = true;
        }
    }

    /// Takes the entry out of `slot`.
    pub fn remove(&mut self, slot: usize) -> Option<Entry> {
        let entry = self.entries.get_mut(slot)?.take()?;
        if !entry.forwarded {
            let kept = self.order.clone();
            self.order.clear();
            for s in kept.iter().copied().filter(|&s| usize::from(s) != slot) {
                let _ = self.order.push_back(s);
            }
        }
        Some(entry)
    }

    /// Takes every entry out, in slot order.
    pub fn drain(&mut self) -> impl Iterator<Item = Entry> + '_ {
        self.order.clear();
        self.entries.iter_mut().filter_map(Option::take)
    }
}
