// SPDX-License-Identifier: MIT
//! [`GpuState`]: everything the driver set up — the resources with their
//! backing, the scanouts and the pending flushes — and the lookups over it.
//!
//! Owns that state and its invariants (ids unique and non-zero, a scanout
//! shows only an existing resource, at most one pending flush per
//! scanout); must not parse requests (see `execute`) nor touch queues.

use heapless::Vec;

use crate::flush::FlushQueue;
use crate::resource::{MAX_RESOURCES, Resource};
use crate::scanout::{Display, MAX_SCANOUTS, Scanout};

/// The device's state as the driver left it.
#[derive(Clone, Debug)]
pub(crate) struct GpuState {
    pub scanouts: Vec<Scanout, MAX_SCANOUTS>,
    pub resources: Vec<Resource, MAX_RESOURCES>,
    pub flushes: FlushQueue,
}

impl GpuState {
    /// Scanouts for the first [`MAX_SCANOUTS`] of `displays`, nothing set up.
    pub fn new(displays: &[Display]) -> Self {
        let scanouts = displays.iter().take(MAX_SCANOUTS).map(|d| Scanout::new(*d)).collect();
        Self { scanouts, resources: Vec::new(), flushes: FlushQueue::default() }
    }

    /// Forgets every resource, scanout setting and pending flush.
    pub fn reset(&mut self) {
        self.resources.clear();
        for s in &mut self.scanouts {
            s.disable();
        }
        self.flushes.clear();
    }

    /// The resource `id` (never 0).
    pub fn resource(&self, id: u32) -> Option<&Resource> {
        self.resources.iter().find(|r| id != 0 && r.info.id == id)
    }

    /// The resource `id`, writable.
    pub fn resource_mut(&mut self, id: u32) -> Option<&mut Resource> {
        self.resources.iter_mut().find(|r| id != 0 && r.info.id == id)
    }

    /// Scanout `id`.
    pub fn scanout(&self, id: u32) -> Option<&Scanout> {
        self.scanouts.get(usize::try_from(id).ok()?)
    }

    /// Scanout `id`, writable.
    pub fn scanout_mut(&mut self, id: u32) -> Option<&mut Scanout> {
        self.scanouts.get_mut(usize::try_from(id).ok()?)
    }

    /// Disables scanout `id` and forgets its pending flush.
    pub fn disable_scanout(&mut self, id: u32) {
        if let Some(s) = self.scanout_mut(id) {
            s.disable();
        }
        self.flushes.forget(id);
    }
}
