// SPDX-License-Identifier: MIT
//! The display protocol's messages (`bulkhead-display`) from untrusted frames.
//!
//! Decodes the input as each message type; whatever decodes must
//! round-trip (see `bulkhead_fuzz::codec`).
#![no_main]

use bulkhead_display::{ConnectorInfo, Event, Request, Response, decode};
use bulkhead_fuzz::codec::round_trip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    round_trip(data, |b| decode::<ConnectorInfo>(b));
    round_trip(data, |b| decode::<Request>(b));
    round_trip(data, |b| decode::<Response>(b));
    round_trip(data, |b| decode::<Event>(b));
});
