// SPDX-License-Identifier: MIT
//! Where the 9pfs transport lives in a channel's window, for both ends:
//! Xen 9pfs's shape (`io/9pfs.h`) over a Bulkhead channel. Each ring frame
//! carries exactly one 9P message, beginning with its 9P header
//! {size\[4\], id\[1\], tag\[2\]}; the frame's own length must equal `size`.
//!
//! ```text
//! 0                      link blocks
//! LINK_HEADER            TO_CLIENT ring: R-messages (128 KiB of data)
//! TO_BACKEND.base        TO_BACKEND ring: T-messages (128 KiB of data)
//! ```
//!
//! One ring pair per connection (Xen allows several; see the crate's
//! README). Each ring holds at least one message of [`MAX_MSIZE`], so a
//! negotiated msize can never exceed what the ring carries.

use crate::consts::MAX_MSIZE;
use bulkhead_ring::{FRAME_HEADER, Hello, LINK_HEADER, RING_HEADER, RingLayout, Version};

/// Bytes of data in each ring: room for one largest message and its
/// frame header, rounded up to a power of two.
pub const RING_CAPACITY: u32 = (MAX_MSIZE + FRAME_HEADER_U32).next_power_of_two();
/// The ring frame header's bytes, as a `u32` (4: no truncation).
#[allow(clippy::cast_possible_truncation, reason = "FRAME_HEADER is 4")]
const FRAME_HEADER_U32: u32 = FRAME_HEADER as u32;
/// Backend to client: R-messages.
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: RING_CAPACITY };
/// Client to backend: T-messages.
pub const TO_BACKEND: RingLayout =
    RingLayout { base: LINK_HEADER + RING_HEADER + RING_CAPACITY as usize, capacity: RING_CAPACITY };
/// The smallest window the transport works in.
pub const MIN_WINDOW: usize = TO_BACKEND.base + RING_HEADER + RING_CAPACITY as usize;
/// The link handshake.
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rings_do_not_overlap_and_fit_the_largest_message() {
        assert!(TO_BACKEND.base >= TO_CLIENT.base + TO_CLIENT.footprint());
        assert_eq!(MIN_WINDOW, TO_BACKEND.base + TO_BACKEND.footprint());
        assert!(TO_CLIENT.check(MIN_WINDOW).is_ok() && TO_BACKEND.check(MIN_WINDOW).is_ok());
        assert!(TO_BACKEND.check(MIN_WINDOW - 1).is_err());
        assert!(RING_CAPACITY as usize >= MAX_MSIZE as usize + FRAME_HEADER);
    }
}
