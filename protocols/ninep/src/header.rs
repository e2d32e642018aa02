// SPDX-License-Identifier: MIT
//! [`Header`]: the 9P header that starts every message, which is also all
//! the Xen 9pfs transport (`io/9pfs.h`) defines about a message on its
//! rings: `struct xen_9pfs_header { uint32_t size; uint8_t id; uint16_t tag; }`,
//! packed, little-endian, where `size` counts the whole message, header
//! included. A ring consumer reads these 7 bytes to learn how many to take.

use crate::consts::HEADER_LEN;
use crate::error::WireError;

/// size\[4\] type\[1\] tag\[2\].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Bytes in the whole message, header included.
    pub size: u32,
    /// Message type number ([`msgtype`](crate::msgtype)).
    pub id: u8,
    /// Tag chosen by the client, echoed in the response.
    pub tag: u16,
}

impl Header {
    /// Bytes in the header.
    pub const LEN: usize = HEADER_LEN;

    /// Reads the header at the start of `buf`. `Truncated` if `buf` is
    /// shorter than the header; `SizeMismatch` if `size` is smaller than
    /// the header itself. The body need not be present: a server can
    /// still learn the tag of a message it will not decode, and answer it
    /// with an Rlerror.
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        let (head, _) = buf.split_first_chunk::<HEADER_LEN>().ok_or(WireError::Truncated)?;
        let [s0, s1, s2, s3, id, t0, t1] = *head;
        let header = Self { size: u32::from_le_bytes([s0, s1, s2, s3]), id, tag: u16::from_le_bytes([t0, t1]) };
        if header.frame_len() < HEADER_LEN { Err(WireError::SizeMismatch) } else { Ok(header) }
    }

    /// The message's length in bytes (`size`, as a `usize`; saturating on
    /// targets where it does not fit, which no msize check lets through).
    #[must_use]
    pub fn frame_len(&self) -> usize {
        usize::try_from(self.size).unwrap_or(usize::MAX)
    }

    /// The header's 7 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let [s0, s1, s2, s3] = self.size.to_le_bytes();
        let [t0, t1] = self.tag.to_le_bytes();
        [s0, s1, s2, s3, self.id, t0, t1]
    }
}
