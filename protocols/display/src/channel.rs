// SPDX-License-Identifier: MIT
//! Where the display protocol lives in its channel's window, for both
//! ends: the two rings at the start, then the client's buffer area (its
//! DBUF_CREATE ranges), then the backend area (backend-allocated buffers),
//! the second half of the window.
//!
//! ```text
//! 0            link blocks, TO_CLIENT ring, TO_BACKEND ring
//! CLIENT_AREA  the client's buffers (BufferSource::Client ranges)
//! len / 2      the backend area (BufferSource::Backend), to the end
//! ```

use bulkhead_ring::{DataRef, Hello, LINK_HEADER, RingLayout, Version};

/// Backend to client: responses and events ([`crate::ToClient`]).
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: 8192 };
/// Client to backend: requests.
pub const TO_BACKEND: RingLayout = RingLayout { base: LINK_HEADER + 128 + 8192, capacity: 8192 };
/// Where the client's buffer area starts (after the rings).
pub const CLIENT_AREA: u32 = 64 * 1024;
/// The smallest window the protocol works in.
pub const MIN_WINDOW: u32 = 2 * CLIENT_AREA;
/// The link handshake.
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };

/// The backend area of a `len`-byte window: its second half (page-aligned).
pub const fn backend_area(len: u32) -> DataRef {
    let offset = (len / 2) & !0xfff;
    DataRef { offset, len: len - offset }
}

/// The client's buffer area of a `len`-byte window.
pub const fn client_area(len: u32) -> DataRef {
    DataRef { offset: CLIENT_AREA, len: backend_area(len).offset.saturating_sub(CLIENT_AREA) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_areas_follow_the_rings_and_do_not_overlap() {
        assert!(TO_BACKEND.base >= TO_CLIENT.base + TO_CLIENT.footprint());
        assert!(TO_BACKEND.base + TO_BACKEND.footprint() <= CLIENT_AREA as usize);
        let len = 16 << 20;
        let (c, b) = (client_area(len), backend_area(len));
        assert_eq!(c.offset + c.len, b.offset);
        assert_eq!(b.offset + b.len, len);
        assert_eq!(b.offset % 4096, 0);
    }
}
