// SPDX-License-Identifier: MIT
//! Where the sound protocol lives in its channel's window, for both ends:
//! three rings at the start (replies, requests, and sndif's separate event
//! channel for positions and underruns), then the client's data area,
//! where its streams' PCM buffers are (the `buffer` of OPEN, the ranges of
//! READ and WRITE).
//!
//! ```text
//! 0          link blocks, TO_CLIENT ring, TO_BACKEND ring, EVENTS ring
//! DATA_AREA  the client's PCM buffers, to the end of the window
//! ```

use bulkhead_ring::{DataRef, Hello, LINK_HEADER, RingLayout, Version};

/// Backend to client: the greeting and responses ([`crate::ToClient`]).
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: 4096 };
/// Client to backend: requests.
pub const TO_BACKEND: RingLayout = RingLayout { base: LINK_HEADER + 128 + 4096, capacity: 4096 };
/// Backend to client: events ([`crate::Event`]), on their own ring as
/// sndif's event channel, so that positions never wait behind responses.
pub const EVENTS: RingLayout = RingLayout { base: LINK_HEADER + 2 * (128 + 4096), capacity: 4096 };
/// Where the client's data area starts (after the rings).
pub const DATA_AREA: u32 = 64 * 1024;
/// The smallest window the protocol works in.
pub const MIN_WINDOW: u32 = 2 * DATA_AREA;
/// The link handshake.
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };

/// The data area of a `len`-byte window.
pub const fn data_area(len: u32) -> DataRef {
    DataRef { offset: DATA_AREA, len: len.saturating_sub(DATA_AREA) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rings_and_the_data_area_do_not_overlap() {
        assert!(TO_BACKEND.base >= TO_CLIENT.base + TO_CLIENT.footprint());
        assert!(EVENTS.base >= TO_BACKEND.base + TO_BACKEND.footprint());
        assert!(EVENTS.base + EVENTS.footprint() <= DATA_AREA as usize);
        let area = data_area(1 << 20);
        assert_eq!((area.offset, area.offset + area.len), (DATA_AREA, 1 << 20));
        assert_eq!(data_area(100).len, 0);
    }
}
