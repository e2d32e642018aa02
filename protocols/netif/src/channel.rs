// SPDX-License-Identifier: MIT
//! Where the L2 port protocol lives in a channel's window, for both ends.
//!
//! ```text
//! 0                      link blocks
//! LINK_HEADER            TO_CLIENT ring: frames for the port (32 KiB)
//! TO_BACKEND.base        TO_BACKEND ring: frames from the port (32 KiB)
//! ```
//!
//! 32 KiB holds about twenty full-size frames each way: a TCP window's
//! burst waits there while the other side is scheduled.

use bulkhead_ring::{Hello, LINK_HEADER, RING_HEADER, RingLayout, Version};

/// Bytes of data in each ring.
pub const RING_CAPACITY: u32 = 32 * 1024;
/// Backend to client: frames for the port.
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: RING_CAPACITY };
/// Client to backend: frames from the port.
pub const TO_BACKEND: RingLayout =
    RingLayout { base: LINK_HEADER + RING_HEADER + RING_CAPACITY as usize, capacity: RING_CAPACITY };
/// The smallest window the protocol works in.
pub const MIN_WINDOW: usize = TO_BACKEND.base + RING_HEADER + RING_CAPACITY as usize;
/// The link handshake.
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rings_do_not_overlap_and_hold_a_largest_message() {
        assert!(TO_BACKEND.base >= TO_CLIENT.base + TO_CLIENT.footprint());
        assert_eq!(MIN_WINDOW, TO_BACKEND.base + TO_BACKEND.footprint());
        assert!(TO_CLIENT.check(MIN_WINDOW).is_ok() && TO_BACKEND.check(MIN_WINDOW).is_ok());
        assert!(RING_CAPACITY as usize >= crate::MAX_MESSAGE + bulkhead_ring::FRAME_HEADER);
    }
}
