// SPDX-License-Identifier: MIT
//! The device's counters ([`Stats`]): frames and bytes carried each way,
//! and frames dropped by reason. They survive a device reset.
//!
//! Owns the counting only; must not decide what is dropped (see `tx` and
//! `rx`).

use crate::rx::RxError;
use crate::tx::TxDrop;

/// Transmit chains dropped (each completed with used length 0, its frame
/// never handed over), by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxDrops {
    /// [`TxDrop::Layout`]: fewer than 12 readable bytes or a device-writable
    /// buffer.
    pub layout: u64,
    /// [`TxDrop::Offload`]: NEEDS_CSUM (or any flag) or a GSO type.
    pub offload: u64,
    /// [`TxDrop::Length`]: a frame outside 14..=[`crate::MAX_FRAME`].
    pub length: u64,
    /// [`TxDrop::Memory`]: a buffer could not be read.
    pub memory: u64,
}

/// Frames given to [`crate::VirtioNet::deliver`] and not delivered, by
/// reason (one per [`RxError`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxDrops {
    /// [`RxError::Length`].
    pub length: u64,
    /// [`RxError::NoBuffer`].
    pub no_buffer: u64,
    /// [`RxError::Readable`].
    pub readable: u64,
    /// [`RxError::TooSmall`].
    pub too_small: u64,
    /// [`RxError::Queue`].
    pub queue: u64,
}

/// What the device carried and dropped since it was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames handed to the domain by [`crate::VirtioNet::take_tx`].
    pub tx_frames: u64,
    /// Their bytes (frames only, no headers).
    pub tx_bytes: u64,
    /// Transmit chains dropped.
    pub tx_drops: TxDrops,
    /// Frames written into the guest's receive buffers.
    pub rx_frames: u64,
    /// Their bytes (frames only, no headers).
    pub rx_bytes: u64,
    /// Frames not delivered.
    pub rx_drops: RxDrops,
}

impl TxDrops {
    /// All transmit drops.
    pub fn total(&self) -> u64 {
        self.layout.saturating_add(self.offload).saturating_add(self.length).saturating_add(self.memory)
    }
}

impl RxDrops {
    /// All receive drops.
    pub fn total(&self) -> u64 {
        self.length
            .saturating_add(self.no_buffer)
            .saturating_add(self.readable)
            .saturating_add(self.too_small)
            .saturating_add(self.queue)
    }
}

/// `len` as a counter increment.
fn bytes(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

impl Stats {
    /// Counts a frame handed over.
    pub(crate) fn tx_frame(&mut self, len: usize) {
        self.tx_frames = self.tx_frames.saturating_add(1);
        self.tx_bytes = self.tx_bytes.saturating_add(bytes(len));
    }

    /// Counts a transmit chain dropped.
    pub(crate) fn tx_drop(&mut self, why: TxDrop) {
        let c = match why {
            TxDrop::Layout => &mut self.tx_drops.layout,
            TxDrop::Offload => &mut self.tx_drops.offload,
            TxDrop::Length => &mut self.tx_drops.length,
            TxDrop::Memory => &mut self.tx_drops.memory,
        };
        *c = c.saturating_add(1);
    }

    /// Counts a frame delivered.
    pub(crate) fn rx_frame(&mut self, len: usize) {
        self.rx_frames = self.rx_frames.saturating_add(1);
        self.rx_bytes = self.rx_bytes.saturating_add(bytes(len));
    }

    /// Counts a frame not delivered.
    pub(crate) fn rx_drop(&mut self, why: RxError) {
        let c = match why {
            RxError::Length => &mut self.rx_drops.length,
            RxError::NoBuffer => &mut self.rx_drops.no_buffer,
            RxError::Readable => &mut self.rx_drops.readable,
            RxError::TooSmall => &mut self.rx_drops.too_small,
            RxError::Queue => &mut self.rx_drops.queue,
        };
        *c = c.saturating_add(1);
    }
}
