// SPDX-License-Identifier: MIT
//! Where the input protocol lives in its channel's window: both ends use
//! these layouts (backend to client, client to backend) and this hello.
//! The window must be at least [`WINDOW_BYTES`]; nothing else of the
//! protocol is mapped at run time.

use bulkhead_ring::{Hello, LINK_HEADER, RingLayout, Version};

/// Backend to client: events (room for ~128 key events).
pub const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: 1024 };
/// Client to backend: requests.
pub const TO_BACKEND: RingLayout = RingLayout { base: LINK_HEADER + 128 + 1024, capacity: 256 };
/// Bytes of window the two rings need.
pub const WINDOW_BYTES: usize = LINK_HEADER + 128 + 1024 + 128 + 256;
/// The link handshake (the protocol version is checked again by `Connect`).
pub const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };
