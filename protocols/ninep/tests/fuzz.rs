// SPDX-License-Identifier: MIT
//! Random and mutated input never panics the decoder, and whatever does
//! decode re-encodes to exactly the bytes it came from (the encoding is
//! canonical, so nothing a peer sends is silently reinterpreted).

mod common;

use bulkhead_ninep::{Dirents, Frame, HEADER_LEN, Header};
use common::{encode, samples};
use proptest::prelude::*;

/// Decodes without panicking; if it succeeds, checks the canonical form.
fn check(bytes: &[u8]) {
    let _ = Header::parse(bytes);
    let _ = Frame::decode_with_msize(bytes, 64);
    for entry in Dirents::new(bytes) {
        let _ = entry;
    }
    if let Ok((frame, used)) = Frame::decode(bytes) {
        assert!(used >= HEADER_LEN && used <= bytes.len());
        assert_eq!(encode(&frame), &bytes[..used]);
    }
}

/// Bytes whose header is valid for their length and whose type is one we
/// carry, so the body decoders get exercised.
fn framed() -> impl Strategy<Value = Vec<u8>> {
    let kinds: Vec<u8> = samples().iter().map(|f| f.message.kind()).collect();
    (prop::sample::select(kinds), any::<u16>(), prop::collection::vec(any::<u8>(), 0..200)).prop_map(
        |(kind, tag, body)| {
            let size = u32::try_from(HEADER_LEN + body.len()).unwrap();
            let mut v = Header { size, id: kind, tag }.to_bytes().to_vec();
            v.extend(body);
            v
        },
    )
}

/// A valid frame with some bytes overwritten and maybe cut or extended.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let frames: Vec<Vec<u8>> = samples().iter().map(encode).collect();
    (
        prop::sample::select(frames),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        prop::option::of(any::<prop::sample::Index>()),
        prop::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(mut bytes, edits, cut, tail)| {
            for (at, value) in edits {
                let i = at.index(bytes.len());
                bytes[i] = value;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            bytes.extend(tail);
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes);
    }

    #[test]
    fn random_bodies_of_known_types(bytes in framed()) {
        check(&bytes);
    }

    #[test]
    fn mutated_valid_frames(bytes in mutated()) {
        check(&bytes);
    }
}
