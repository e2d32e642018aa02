// SPDX-License-Identifier: MIT
//! The one message both ring benchmarks send (feature `bench-message`):
//! the host benchmark (`protocols/ring-hal/benches/ring`) and the domain
//! benchmark (`domains/test/ringbench`) measure the same 64-byte postcard
//! frame. Owns only this message; no product crate enables it.

use crate::DataRef;
use serde::{Deserialize, Serialize};

/// Every message's encoded size.
pub const FRAME: usize = 64;

/// The name every message carries.
pub const NAME: &str = "cluster/speedometer/needle-layer-0";

/// A typical protocol request; its field values are chosen so that it
/// always encodes to exactly [`FRAME`] bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request<'a> {
    /// The request's number (top bit set).
    pub id: u32,
    /// A stream it belongs to.
    pub stream: u16,
    /// An operation code.
    pub op: u8,
    /// Bytes in a data area it refers to.
    pub data: DataRef,
    /// When it was made.
    pub timestamp: u64,
    /// A layer name ([`NAME`]).
    pub name: &'a str,
}

impl Request<'static> {
    /// Message number `i`.
    #[allow(clippy::cast_possible_truncation, reason = "benchmarks number far fewer than 2^31 messages")]
    pub fn new(i: usize) -> Self {
        // The top bits keep every varint at its longest, so the size is fixed.
        let i = i as u32;
        Request {
            id: 0x8000_0000 | i,
            stream: 0x8000 | (i as u16 & 0x7fff),
            op: 3,
            data: DataRef { offset: 0x8000_0000 | (i << 12), len: 0x8000_1000 },
            timestamp: 0x8000_0000_0000_0000 | u64::from(i),
            name: NAME,
        }
    }
}

impl Request<'_> {
    /// Panics unless this is message number `i`, whole.
    #[allow(clippy::cast_possible_truncation, reason = "benchmarks number far fewer than 2^31 messages")]
    pub fn check(&self, i: usize) {
        assert!(self.id == 0x8000_0000 | i as u32 && self.name.len() == NAME.len(), "message {i} arrived damaged");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_frame_and_survives_a_round_trip() {
        for i in [0, 1, 250, 100_000, 0x7fff_ffff] {
            let mut slot = [0u8; FRAME + 8];
            let bytes = postcard::to_slice(&Request::new(i), &mut slot).unwrap();
            assert_eq!(bytes.len(), FRAME, "message {i}");
            let back: Request<'_> = postcard::from_bytes(bytes).unwrap();
            back.check(i);
        }
    }

    #[test]
    #[should_panic(expected = "message 2 arrived damaged")]
    fn a_wrong_message_is_caught() {
        Request::new(1).check(2);
    }
}
