// SPDX-License-Identifier: MIT
//! The receive queue: whether a buffer is posted ([`posted`]), and one
//! frame written into one chain ([`write`]), and why a frame is not
//! delivered ([`RxError`]).
//!
//! Owns the rules for a receive chain; must not count (the device does,
//! see `stats`) nor pop or complete chains (the device does).

use bulkhead_virtio_device::{Chain, GuestMemory, Queues};

use crate::copy::write_at;
use crate::header::{self, HDR_LEN};

/// Why [`crate::VirtioNet::deliver`] did not deliver a frame. The frame is
/// dropped and counted; the guest sees nothing of it (a chain taken for it
/// is used with length 0, which Linux drops and reposts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxError {
    /// The frame is outside 14..=[`crate::MAX_FRAME`] bytes (no chain is
    /// taken).
    Length,
    /// The guest has posted no receive buffer (or the queue is not ready).
    /// [`crate::VirtioNet::can_deliver`] tells beforehand.
    NoBuffer,
    /// The chain has a device-readable buffer (a receive chain has none).
    Readable,
    /// The chain's device-writable part is shorter than 12 + the frame.
    TooSmall,
    /// The receive queue is broken (the core reports DEVICE_NEEDS_RESET) or
    /// its used ring or buffers could not be written.
    Queue,
}

/// Whether the driver has made available a receive chain the device has
/// not taken: the available index (guest memory) differs from the used
/// index (guest memory, written by the core). Exact because this device
/// uses every receive chain as soon as it takes it, so the core's next
/// available entry is always the used index (the core's `resume` relies on
/// the same). A driver that scribbles on its used ring only misleads this
/// answer: [`crate::VirtioNet::deliver`] then says NoBuffer, or the guest
/// receives nothing.
pub(crate) fn posted(queue: u16, queues: &Queues, mem: &dyn GuestMemory) -> bool {
    let Some(info) = queues.info(queue) else {
        return false;
    };
    if queues.is_broken(queue) {
        return false;
    }
    let idx = |base: u64| {
        let mut b = [0u8; 2];
        base.checked_add(2).and_then(|at| mem.read(at, &mut b).ok()).map(|()| u16::from_le_bytes(b))
    };
    matches!((idx(info.driver), idx(info.device)), (Some(avail), Some(used)) if avail != used)
}

/// Writes the header and `frame` (length checked by the caller) into
/// receive `chain`: the used length, or why not. Checks everything before
/// writing a byte.
pub(crate) fn write(chain: &Chain, mem: &mut dyn GuestMemory, frame: &[u8]) -> Result<u32, RxError> {
    if chain.readable_len() != 0 {
        return Err(RxError::Readable);
    }
    let total = HDR_LEN.checked_add(frame.len()).ok_or(RxError::Length)?;
    let used = u32::try_from(total).map_err(|_| RxError::Length)?;
    if chain.writable_len() < used {
        return Err(RxError::TooSmall);
    }
    write_at(chain, mem, 0, &header::rx_header()).map_err(|_| RxError::Queue)?;
    write_at(chain, mem, HDR_LEN, frame).map_err(|_| RxError::Queue)?;
    Ok(used)
}
