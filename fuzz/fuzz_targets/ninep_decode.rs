// SPDX-License-Identifier: MIT
//! The 9P2000.L codec (`bulkhead-ninep`): frames and directory entries
//! from an untrusted peer.
//!
//! Invariants: nothing panics; a decoded frame took between a header's and
//! the input's length, re-encodes to exactly those bytes (the encoding is
//! canonical) and decodes again to the same frame; a smaller msize only
//! refuses frames larger than it; walking directory entries stops after the
//! first error, and the entries before it re-pack to the bytes they came
//! from.
#![no_main]

use bulkhead_ninep::{DirentWriter, Dirents, Frame, HEADER_LEN, Header, WireError, decode};
use libfuzzer_sys::fuzz_target;

/// The msize of the smaller-limit check.
const SMALL_MSIZE: u32 = 64;

fn frames(data: &[u8]) {
    let _ = Header::parse(data);
    let decoded = decode(data);
    if let Ok((frame, used)) = &decoded {
        let used = *used;
        assert!((HEADER_LEN..=data.len()).contains(&used), "took {used} of {} bytes", data.len());
        assert_eq!(frame.encoded_len(), Ok(used), "encoded_len disagrees with the size field");
        let mut out = vec![0u8; used];
        assert_eq!(frame.encode(&mut out), Ok(used));
        assert_eq!(out, &data[..used], "the encoding is not canonical: {frame:?}");
        assert_eq!(Frame::decode(&out).as_ref(), Ok(&(frame.clone(), used)), "decode(encode(x)) != x");
    }
    match Frame::decode_with_msize(data, SMALL_MSIZE) {
        Ok(small) => assert_eq!(decoded, Ok(small), "a smaller msize decoded differently"),
        Err(WireError::TooLarge) => {}
        Err(e) => {
            let fits = decoded.as_ref().is_ok_and(|(_, used)| *used <= SMALL_MSIZE as usize);
            assert!(!fits, "a frame within msize {SMALL_MSIZE} was refused: {e:?}");
        }
    }
}

fn dirents(data: &[u8]) {
    let mut out = vec![0u8; data.len()];
    let mut writer = DirentWriter::new(&mut out);
    let mut entries = Dirents::new(data);
    let mut failed = false;
    for entry in entries.by_ref() {
        match entry {
            Ok(entry) => writer.push(&entry).expect("an entry re-packs in the bytes it came from"),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(!failed || entries.next().is_none(), "Dirents went on after an error");
    let packed = writer.as_bytes();
    assert_eq!(packed, &data[..packed.len()], "entries re-packed differently");
    assert!(failed || packed.len() == data.len(), "Dirents stopped early without an error");
}

fuzz_target!(|data: &[u8]| {
    frames(data);
    dirents(data);
});
