// SPDX-License-Identifier: MIT
//! Where PV Calls lives in its channel's window, for both ends: three
//! rings at the start (replies, requests, and completions of requests
//! that were answered `EINPROGRESS`), then the client's data area, where
//! the client places each socket's data ring ([`crate::DataRing`]).
//!
//! ```text
//! 0          link blocks, TO_CLIENT ring, TO_BACKEND ring, EVENTS ring
//! DATA_AREA  the sockets' byte streams, to the end of the window
//! ```

use bulkhead_ring::{DataArea, Hello, LINK_HEADER, RingLayout, Version};

/// Backend to client: the greeting and responses ([`crate::ToClient`]).
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: 4096 };
/// Client to backend: requests.
pub const TO_BACKEND: RingLayout = RingLayout { base: LINK_HEADER + 128 + 4096, capacity: 4096 };
/// Backend to client: completions ([`crate::Event`]).
pub const EVENTS: RingLayout = RingLayout { base: LINK_HEADER + 2 * (128 + 4096), capacity: 4096 };
/// Where the client's data area starts (after the rings).
pub const DATA_AREA: usize = 64 * 1024;
/// The smallest window the protocol works in (one socket of two 4 KiB
/// streams fits).
pub const MIN_WINDOW: usize = DATA_AREA + 2 * (128 + 4096);
/// The link handshake.
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };

/// The data area of a `len`-byte window.
#[must_use]
pub const fn data_area(len: usize) -> DataArea {
    DataArea { base: DATA_AREA, size: len.saturating_sub(DATA_AREA) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rings_and_the_data_area_do_not_overlap() {
        assert!(TO_BACKEND.base >= TO_CLIENT.base + TO_CLIENT.footprint());
        assert!(EVENTS.base >= TO_BACKEND.base + TO_BACKEND.footprint());
        assert!(EVENTS.base + EVENTS.footprint() <= DATA_AREA);
        let area = data_area(1 << 20);
        assert_eq!((area.base, area.base + area.size), (DATA_AREA, 1 << 20));
        assert_eq!(data_area(100).size, 0);
    }
}
