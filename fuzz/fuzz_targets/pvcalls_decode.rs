// SPDX-License-Identifier: MIT
//! The PV Calls protocol's messages (`bulkhead-pvcalls`) from untrusted frames.
//!
//! Decodes the input as each message type; whatever decodes must
//! round-trip (see `bulkhead_fuzz::codec`).
#![no_main]

use bulkhead_fuzz::codec::round_trip;
use bulkhead_pvcalls::{Event, Request, Response, ToClient, decode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    round_trip(data, |b| decode::<Request>(b));
    round_trip(data, |b| decode::<Response>(b));
    round_trip(data, |b| decode::<ToClient>(b));
    round_trip(data, |b| decode::<Event>(b));
});
