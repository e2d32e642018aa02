// SPDX-License-Identifier: MIT
//! Helpers shared by the fuzz targets in `fuzz_targets/`: the round-trip
//! check every message decoder gets ([`codec`]) and the checking host window
//! the ring consumer runs over ([`window`]). The targets themselves only
//! say what to decode and which invariants hold.
#![forbid(unsafe_code)]

pub mod codec;
pub mod window;
