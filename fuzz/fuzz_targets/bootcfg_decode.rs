// SPDX-License-Identifier: MIT
//! The boot configuration blob (`bulkhead_bootcfg::blob::decode`), which
//! the kernel reads from its image before anything else.
//!
//! The input is tried as a whole blob, and as the body of a blob whose
//! header (magic, version, length, CRC) is made correct here, so that the
//! fuzzer reaches the postcard decoder past the checksum. Invariants: the
//! decoder never panics; what it accepts it accepted from exactly the bytes
//! its header states (trailing bytes change nothing), and it re-encodes, no
//! longer, to a blob that decodes to the same configuration.
#![no_main]

use bulkhead_bootcfg::blob::{self, BlobError, HEADER_LEN, MAGIC, VERSION};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    let config = match blob::decode(bytes) {
        Ok(config) => config,
        Err(BlobError::BufferTooSmall) => panic!("decode reported an encoding error"),
        Err(_) => return,
    };
    let stated = blob::stated_len(bytes).expect("an accepted blob states its length");
    assert!(stated <= bytes.len());
    assert_eq!(blob::decode(&bytes[..stated]).as_ref(), Ok(&config), "trailing bytes changed the result");
    let mut out = vec![0u8; stated.max(HEADER_LEN)];
    let len = blob::encode(&config, &mut out).expect("an accepted configuration re-encodes in as many bytes");
    assert_eq!(blob::stated_len(&out), Ok(len));
    assert_eq!(blob::decode(&out[..len]), Ok(config), "decode(encode(x)) != x");
}

fn framed(body: &[u8]) -> Vec<u8> {
    let length = u32::try_from(body.len()).expect("libFuzzer inputs are small");
    let mut blob = Vec::with_capacity(HEADER_LEN + body.len());
    blob.extend_from_slice(&MAGIC);
    blob.extend_from_slice(&VERSION.to_le_bytes());
    blob.extend_from_slice(&length.to_le_bytes());
    blob.extend_from_slice(&blob::crc32(body).to_le_bytes());
    blob.extend_from_slice(body);
    blob
}

fuzz_target!(|data: &[u8]| {
    check(data);
    check(&framed(data));
});
