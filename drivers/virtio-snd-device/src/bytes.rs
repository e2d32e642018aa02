// SPDX-License-Identifier: MIT
//! Byte access to a chain beyond what `Chain::read_all` and
//! `Chain::write_all` do: reading the readable part from an offset (the
//! PCM after the 4-byte xfer header) and writing the last bytes of the
//! writable part (an rx chain's status follows its PCM room).
//!
//! Owns these two walks over a chain's segments; must not judge what the
//! bytes mean nor touch the rings.

use bulkhead_virtio_device::{Chain, GuestMemory, MemoryError};

/// A segment length as `usize` (saturating on 16-bit targets).
fn len_usize(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}

/// Copies the readable part from byte `skip` on into `out` (as much as
/// fits); the number of bytes copied.
pub fn read_from(chain: &Chain, mem: &dyn GuestMemory, skip: usize, out: &mut [u8]) -> Result<usize, MemoryError> {
    let mut skip = skip;
    let mut done = 0usize;
    for seg in chain.segments().iter().filter(|s| !s.writable) {
        let len = len_usize(seg.len);
        if skip >= len {
            skip -= len;
            continue;
        }
        let rest = out.get_mut(done..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(len - skip);
        let addr = seg.addr.checked_add(u64::try_from(skip).map_err(|_| MemoryError)?).ok_or(MemoryError)?;
        mem.read(addr, rest.get_mut(..n).ok_or(MemoryError)?)?;
        done += n;
        skip = 0;
    }
    Ok(done)
}

/// Writes `data` into the last `data.len()` bytes of the writable part;
/// false (nothing written) if the writable part is shorter.
pub fn write_tail(chain: &Chain, mem: &mut dyn GuestMemory, data: &[u8]) -> Result<bool, MemoryError> {
    let total = len_usize(chain.writable_len());
    let Some(mut skip) = total.checked_sub(data.len()) else {
        return Ok(false);
    };
    let mut done = 0usize;
    for seg in chain.segments().iter().filter(|s| s.writable) {
        let len = len_usize(seg.len);
        if skip >= len {
            skip -= len;
            continue;
        }
        let rest = data.get(done..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(len - skip);
        let addr = seg.addr.checked_add(u64::try_from(skip).map_err(|_| MemoryError)?).ok_or(MemoryError)?;
        mem.write(addr, rest.get(..n).ok_or(MemoryError)?)?;
        done += n;
        skip = 0;
    }
    Ok(done == data.len())
}
