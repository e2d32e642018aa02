// SPDX-License-Identifier: MIT
//! The playback buffers in flight ([`InFlight`]): tx chains taken from
//! the queue, checked, and not yet completed, oldest first, each with its
//! PCM length; and the check of a tx chain.
//!
//! Owns the in-flight order and the tx checks; must not complete chains
//! (see `device`) nor copy PCM (the domain reads it on demand).

use bulkhead_virtio_device::{Chain, GuestMemory};
use heapless::Deque;

use crate::params::MAX_PERIOD;
use crate::stream::StreamState;
use crate::wire::{FRAME_BYTES, S_BAD_MSG, S_IO_ERR, XFER_LEN, le32};

/// `virtio_snd_pcm_status`'s bytes, as a chain length.
const STATUS_ROOM: u32 = 8;

/// The most tx chains in flight: the tx queue's largest size, so a queue
/// full of buffers is all taken. Each entry keeps its `Chain` (about 1
/// KiB: up to 64 segments), so the table is about 66 KiB.
pub const IN_FLIGHT: usize = 64;

/// Why a tx chain was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Fewer than 8 writable bytes: no room for a status; used with
    /// length 0, its memory untouched.
    NoRoom,
    /// Completed at once with this status (BAD_MSG, IO_ERR).
    Status(u32),
}

/// Checks a tx chain: room for a `virtio_snd_pcm_status`, a 4-byte xfer
/// header naming stream 0, then 1..=[`MAX_PERIOD`] bytes of whole frames
/// (else BAD_MSG); the stream prepared or started (else IO_ERR). The PCM
/// length on success.
pub fn check(chain: &Chain, mem: &dyn GuestMemory, state: StreamState) -> Result<u32, Refusal> {
    if chain.writable_len() < STATUS_ROOM {
        return Err(Refusal::NoRoom);
    }
    let mut xfer = [0u8; XFER_LEN];
    let n = chain.read_all(mem, &mut xfer).map_err(|_| Refusal::Status(S_BAD_MSG))?;
    if n < XFER_LEN || le32(&xfer, 0) != Some(0) {
        return Err(Refusal::Status(S_BAD_MSG));
    }
    let pcm = chain.readable_len().saturating_sub(4);
    if pcm == 0 || pcm > MAX_PERIOD || !pcm.is_multiple_of(FRAME_BYTES) {
        return Err(Refusal::Status(S_BAD_MSG));
    }
    if !state.takes_buffers() {
        return Err(Refusal::Status(S_IO_ERR));
    }
    Ok(pcm)
}

/// The tx chains in flight, oldest first, with their PCM lengths.
#[derive(Debug, Default)]
pub struct InFlight {
    chains: Deque<(Chain, u32), IN_FLIGHT>,
}

impl InFlight {
    /// Nothing in flight.
    pub const fn new() -> Self {
        Self { chains: Deque::new() }
    }

    /// Chains in flight.
    pub fn len(&self) -> usize {
        self.chains.len()
    }

    /// Whether another chain fits.
    pub fn has_room(&self) -> bool {
        !self.chains.is_full()
    }

    /// Adds `chain` with `pcm` bytes last; gives it back if full.
    pub fn push(&mut self, chain: Chain, pcm: u32) -> Option<Chain> {
        self.chains.push_back((chain, pcm)).err().map(|(c, _)| c)
    }

    /// The oldest chain and its PCM length.
    pub fn front(&self) -> Option<&(Chain, u32)> {
        self.chains.front()
    }

    /// Forgets every chain (a device reset: the core reset the queue).
    pub fn clear(&mut self) {
        self.chains.clear();
    }

    /// Takes the oldest chain out.
    pub fn pop(&mut self) -> Option<(Chain, u32)> {
        self.chains.pop_front()
    }
}
