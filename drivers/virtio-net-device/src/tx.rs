// SPDX-License-Identifier: MIT
//! The transmit queue: one chain checked and its frame copied out
//! ([`take`]), and why a chain is dropped ([`TxDrop`]).
//!
//! Owns the rules for a transmit chain; must not count (the device does,
//! see `stats`) nor lay out the header (see `header`).

use bulkhead_virtio_device::{Chain, GuestMemory};

use crate::copy::read_at;
use crate::header::{self, HDR_LEN};

/// Why a transmit chain was dropped (completed with used length 0, its
/// frame not handed over).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxDrop {
    /// Fewer than 12 device-readable bytes (no whole header: a zero-length
    /// chain too), or a device-writable buffer (a transmit chain has none).
    Layout,
    /// A header with any flag (NEEDS_CSUM without VIRTIO_NET_F_CSUM) or a
    /// GSO type other than NONE.
    Offload,
    /// A frame outside 14..=[`crate::MAX_FRAME`] bytes.
    Length,
    /// A buffer could not be read (the core checked them all: not expected).
    Memory,
}

/// The frame of transmit `chain`, copied into `out` (at least
/// [`crate::MAX_FRAME`] bytes): its length, or why the chain is dropped.
/// Header and frame are read straight from the chain's buffers, however
/// the driver split them.
pub(crate) fn take(chain: &Chain, mem: &dyn GuestMemory, out: &mut [u8]) -> Result<usize, TxDrop> {
    let readable = usize::try_from(chain.readable_len()).map_err(|_| TxDrop::Length)?;
    if chain.writable_len() != 0 || readable < HDR_LEN {
        return Err(TxDrop::Layout);
    }
    let mut hdr = [0u8; HDR_LEN];
    read_at(chain, mem, 0, &mut hdr).map_err(|_| TxDrop::Memory)?;
    if !header::tx_header_ok(&hdr) {
        return Err(TxDrop::Offload);
    }
    let len = readable - HDR_LEN;
    if !header::frame_len_ok(len) {
        return Err(TxDrop::Length);
    }
    let frame = out.get_mut(..len).ok_or(TxDrop::Length)?;
    read_at(chain, mem, HDR_LEN, frame).map_err(|_| TxDrop::Memory)?;
    Ok(len)
}
