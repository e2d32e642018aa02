// SPDX-License-Identifier: MIT
//! The configuration space, `struct virtio_snd_config { le32 jacks;
//! le32 streams; le32 chmaps; }`: no jacks, one stream, one channel map.
//! Read-only.
//!
//! Owns those 12 bytes; must not know about queues or requests.

/// The configuration space's length.
pub const CONFIG_LEN: u32 = 12;

/// Jacks reported (none).
pub const JACKS: u32 = 0;
/// PCM streams reported (stream 0, playback).
pub const STREAMS: u32 = 1;
/// Channel maps reported (chmap 0, stereo).
pub const CHMAPS: u32 = 1;

/// Fills `out` with the configuration bytes at `offset`; bytes beyond the
/// 12 read 0.
pub fn read(offset: u32, out: &mut [u8]) {
    let mut space = [0u8; 12];
    crate::wire::put_u32(&mut space, 0, JACKS);
    crate::wire::put_u32(&mut space, 4, STREAMS);
    crate::wire::put_u32(&mut space, 8, CHMAPS);
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    for (i, b) in out.iter_mut().enumerate() {
        *b = start.checked_add(i).and_then(|n| space.get(n)).copied().unwrap_or(0);
    }
}
