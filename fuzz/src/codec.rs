// SPDX-License-Identifier: MIT
//! The invariant of every postcard decoder: whatever it accepts encodes
//! again, no longer than the bytes it came from, and decodes back to the
//! same value with the same (canonical) encoding.

use core::fmt::Debug;
use serde::Serialize;

/// Decodes `data` with `decode`; if that succeeds, checks the round trip.
/// Returns whether `data` decoded.
pub fn round_trip<T, E>(data: &[u8], decode: impl Fn(&[u8]) -> Result<T, E>) -> bool
where
    T: Serialize + PartialEq + Debug,
{
    let Ok(value) = decode(data) else {
        return false;
    };
    let bytes = postcard::to_allocvec(&value).expect("a decoded message encodes");
    assert!(
        bytes.len() <= data.len(),
        "{value:?} re-encodes to {} bytes, longer than the {} it was decoded from",
        bytes.len(),
        data.len()
    );
    let Ok(again) = decode(&bytes) else {
        panic!("{value:?} does not decode from its own encoding {bytes:02x?}");
    };
    assert_eq!(again, value, "decode(encode(x)) != x");
    assert_eq!(postcard::to_allocvec(&again).expect("encodes"), bytes, "the encoding is not canonical");
    true
}
