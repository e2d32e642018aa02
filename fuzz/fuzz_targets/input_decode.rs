// SPDX-License-Identifier: MIT
//! The input protocol's messages (`bulkhead-input`) from untrusted frames.
//!
//! Decodes the input with both of the crate's decoders; whatever decodes
//! must round-trip (see `bulkhead_fuzz::codec`).
#![no_main]

use bulkhead_fuzz::codec::round_trip;
use bulkhead_input::{decode_message, decode_request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    round_trip(data, decode_request);
    round_trip(data, decode_message);
});
