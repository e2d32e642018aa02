// SPDX-License-Identifier: MIT
//! Each emulated device's transport state in the domain's kept memory, so
//! that the next life of the device model serves the target's queues on
//! where this one stopped (a crash of the device model is then invisible
//! to the target's driver).
//!
//! Device `n` has two records at `n * 2 * RECORD_BYTES`, written
//! alternately with a rising sequence number: a crash half-way through one
//! leaves the other. Each record carries the target's life it belongs to
//! (`tag`); a record of another life is never restored. What is read back
//! is checked by `bulkhead_virtio_device::saved` (CRC) and by
//! `MmioDevice::restore` (every field, as if the driver wrote it again).
//!
//! Owns the records' place and their alternation; must not decide what a
//! device does with a refused state (the loop does).

use bulkhead_virtio_device::saved::{self, RECORD_BYTES, RecordError, SavedTransport};
use domain_rt::kept::KeptMemory;

/// One device's records.
pub struct Keeper {
    kept: KeptMemory,
    base: u64,
    sequence: u32,
    last: Option<SavedTransport>,
}

/// What the kept memory held for a device.
#[allow(clippy::large_enum_variant, reason = "returned once per device per life, never stored")]
pub enum Found {
    /// Nothing (the first life, or nothing saved yet).
    Nothing,
    /// A state of an earlier life of the target (it restarted since).
    OtherLife,
    /// A state to restore.
    State(SavedTransport),
    /// Records that fail their check.
    Refused(RecordError),
}

impl Keeper {
    /// Device `n`'s records, if the kept memory has room for them.
    pub fn new(kept: KeptMemory, n: usize) -> Option<Self> {
        let base = u64::try_from(n * 2 * RECORD_BYTES).ok()?;
        (base + 2 * RECORD_BYTES as u64 <= kept.size()).then_some(Self { kept, base, sequence: 0, last: None })
    }

    fn record(&self, k: u64) -> [u8; RECORD_BYTES] {
        let mut r = [0u8; RECORD_BYTES];
        // In range: `new` checked both records fit.
        let _ = self.kept.read(self.base + k * RECORD_BYTES as u64, &mut r);
        r
    }

    /// What the records hold for the target's life `life`; the sequence
    /// continues from the newest record either way.
    pub fn load(&mut self, life: u64) -> Found {
        match saved::newest(&self.record(0), &self.record(1)) {
            Ok((sequence, state)) => {
                self.sequence = sequence;
                if state.tag == life {
                    self.last = Some(state);
                    Found::State(state)
                } else {
                    Found::OtherLife
                }
            }
            Err(RecordError::Empty) => Found::Nothing,
            Err(e) => Found::Refused(e),
        }
    }

    /// Saves `state` if it differs from what was saved last, into the
    /// older record.
    pub fn save(&mut self, state: &SavedTransport) {
        if self.last.as_ref() == Some(state) {
            return;
        }
        self.sequence = self.sequence.wrapping_add(1);
        let slot = u64::from(self.sequence % 2);
        let record = saved::encode(state, self.sequence);
        let _ = self.kept.write(self.base + slot * RECORD_BYTES as u64, &record);
        self.last = Some(*state);
    }
}
