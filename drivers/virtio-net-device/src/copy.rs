// SPDX-License-Identifier: MIT
//! Copying between a chain's buffers and the device at a byte offset into
//! the chain's device-readable or device-writable part, so that the header
//! and the frame are moved without an intermediate copy.
//!
//! Owns the walk over a chain's segments; must not decide what is copied
//! (see `tx` and `rx`) nor touch the rings.

use bulkhead_virtio_device::{Chain, GuestMemory, MemoryError, Segment};

/// Bytes of `seg` as a `usize` (saturating on 16-bit targets).
fn seg_len(seg: &Segment) -> usize {
    usize::try_from(seg.len).unwrap_or(usize::MAX)
}

/// Calls `f(addr, range)` for each piece of the `writable` part of `chain`
/// covering bytes `[at, at + len)` of that part, `range` being where the
/// piece falls in `[0, len)`. The caller has checked that the part is long
/// enough; a shorter one ends the walk early (and is reported as Err).
fn pieces(
    chain: &Chain,
    writable: bool,
    at: usize,
    len: usize,
    mut f: impl FnMut(u64, core::ops::Range<usize>) -> Result<(), MemoryError>,
) -> Result<(), MemoryError> {
    let mut skip = at;
    let mut done = 0usize;
    for seg in chain.segments().iter().filter(|s| s.writable == writable) {
        if done == len {
            break;
        }
        let l = seg_len(seg);
        if skip >= l {
            skip -= l;
            continue;
        }
        let n = (l - skip).min(len - done);
        let addr = seg.addr.checked_add(u64::try_from(skip).map_err(|_| MemoryError)?).ok_or(MemoryError)?;
        f(addr, done..done + n)?;
        done += n;
        skip = 0;
    }
    if done == len { Ok(()) } else { Err(MemoryError) }
}

/// Fills `out` from the device-readable part of `chain` starting at byte
/// `at` of that part; Err if the part is shorter or memory fails.
pub(crate) fn read_at(chain: &Chain, mem: &dyn GuestMemory, at: usize, out: &mut [u8]) -> Result<(), MemoryError> {
    let len = out.len();
    pieces(chain, false, at, len, |addr, r| mem.read(addr, out.get_mut(r).ok_or(MemoryError)?))
}

/// Writes `data` into the device-writable part of `chain` starting at byte
/// `at` of that part; Err if the part is shorter or memory fails.
pub(crate) fn write_at(chain: &Chain, mem: &mut dyn GuestMemory, at: usize, data: &[u8]) -> Result<(), MemoryError> {
    pieces(chain, true, at, data.len(), |addr, r| mem.write(addr, data.get(r).ok_or(MemoryError)?))
}
