// SPDX-License-Identifier: MIT
//! The device-model protocol's messages (`bulkhead-dmop`) from untrusted frames.
//!
//! Decodes the input as each message type; whatever decodes must
//! round-trip (see `bulkhead_fuzz::codec`).
#![no_main]

use bulkhead_dmop::{DmOp, Ioreq, Response, decode};
use bulkhead_fuzz::codec::round_trip;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    round_trip(data, |b| decode::<DmOp>(b));
    round_trip(data, |b| decode::<Response>(b));
    round_trip(data, |b| decode::<Ioreq>(b));
});
