// SPDX-License-Identifier: MIT
//! The virtio-snd wire format (virtio 1.2, 5.14.6; Linux's
//! `include/uapi/linux/virtio_snd.h`): queue indices, request codes,
//! status codes, the enumerations this device uses, structure sizes, the
//! two info items it reports and little-endian field access.
//!
//! Owns the numbers and byte layouts; must not decide what is answered
//! (see `control`) nor touch chains (see `bytes`).

/// The control queue.
pub const CONTROLQ: u16 = 0;
/// The event queue (its buffers are never used: no jacks, no events).
pub const EVENTQ: u16 = 1;
/// The playback (tx) queue.
pub const TXQ: u16 = 2;
/// The capture (rx) queue (there is no capture stream).
pub const RXQ: u16 = 3;

/// VIRTIO_SND_R_JACK_INFO.
pub const R_JACK_INFO: u32 = 1;
/// VIRTIO_SND_R_JACK_REMAP.
pub const R_JACK_REMAP: u32 = 2;
/// VIRTIO_SND_R_PCM_INFO.
pub const R_PCM_INFO: u32 = 0x0100;
/// VIRTIO_SND_R_PCM_SET_PARAMS.
pub const R_PCM_SET_PARAMS: u32 = 0x0101;
/// VIRTIO_SND_R_PCM_PREPARE.
pub const R_PCM_PREPARE: u32 = 0x0102;
/// VIRTIO_SND_R_PCM_RELEASE.
pub const R_PCM_RELEASE: u32 = 0x0103;
/// VIRTIO_SND_R_PCM_START.
pub const R_PCM_START: u32 = 0x0104;
/// VIRTIO_SND_R_PCM_STOP.
pub const R_PCM_STOP: u32 = 0x0105;
/// VIRTIO_SND_R_CHMAP_INFO.
pub const R_CHMAP_INFO: u32 = 0x0200;

/// VIRTIO_SND_S_OK.
pub const S_OK: u32 = 0x8000;
/// VIRTIO_SND_S_BAD_MSG.
pub const S_BAD_MSG: u32 = 0x8001;
/// VIRTIO_SND_S_NOT_SUPP.
pub const S_NOT_SUPP: u32 = 0x8002;
/// VIRTIO_SND_S_IO_ERR.
pub const S_IO_ERR: u32 = 0x8003;

/// VIRTIO_SND_D_OUTPUT.
pub const D_OUTPUT: u8 = 0;
/// VIRTIO_SND_PCM_FMT_S16 (16 bits in 16, little endian).
pub const PCM_FMT_S16: u8 = 5;
/// VIRTIO_SND_PCM_RATE_48000.
pub const PCM_RATE_48000: u8 = 7;
/// VIRTIO_SND_CHMAP_FL (front left).
pub const CHMAP_FL: u8 = 3;
/// VIRTIO_SND_CHMAP_FR (front right).
pub const CHMAP_FR: u8 = 4;
/// VIRTIO_SND_CHMAP_MAX_SIZE: positions in a `virtio_snd_chmap_info`.
pub const CHMAP_MAX_SIZE: usize = 18;

/// The stream's channels (minimum and maximum alike).
pub const CHANNELS: u8 = 2;
/// Bytes per frame: two 16-bit samples.
pub const FRAME_BYTES: u32 = 4;

/// `struct virtio_snd_hdr`: `le32 code`.
pub const HDR_LEN: usize = 4;
/// `struct virtio_snd_query_info`: hdr, start_id, count, size.
pub const QUERY_INFO_LEN: usize = 16;
/// `struct virtio_snd_pcm_hdr` (and `virtio_snd_jack_hdr`): hdr and an id.
pub const PCM_HDR_LEN: usize = 8;
/// `struct virtio_snd_jack_remap`: jack_hdr, association, sequence.
pub const JACK_REMAP_LEN: usize = 16;
/// `struct virtio_snd_pcm_set_params`: pcm_hdr, buffer_bytes,
/// period_bytes, features, channels, format, rate, padding.
pub const SET_PARAMS_LEN: usize = 24;
/// `struct virtio_snd_pcm_info`: hda_fn_nid, features, le64 formats,
/// le64 rates, direction, channels_min, channels_max, 5 bytes padding.
pub const PCM_INFO_LEN: usize = 32;
/// `struct virtio_snd_chmap_info`: hda_fn_nid, direction, channels,
/// 18 positions.
pub const CHMAP_INFO_LEN: usize = 24;
/// `struct virtio_snd_pcm_xfer`: `le32 stream_id`.
pub const XFER_LEN: usize = 4;
/// `struct virtio_snd_pcm_status`: `le32 status; le32 latency_bytes`.
pub const PCM_STATUS_LEN: usize = 8;

/// Stream 0's `virtio_snd_pcm_info`: function node 0, no features, S16
/// only, 48 kHz only, output, 2..=2 channels.
pub fn pcm_info() -> [u8; PCM_INFO_LEN] {
    let mut b = [0u8; PCM_INFO_LEN];
    put_u32(&mut b, 0, 0);
    put_u32(&mut b, 4, 0);
    put_u64(&mut b, 8, 1 << PCM_FMT_S16);
    put_u64(&mut b, 16, 1 << PCM_RATE_48000);
    if let Some(tail) = b.get_mut(24..27) {
        tail.copy_from_slice(&[D_OUTPUT, CHANNELS, CHANNELS]);
    }
    b
}

/// Channel map 0's `virtio_snd_chmap_info`: function node 0, output, two
/// channels, front left and front right.
pub fn chmap_info() -> [u8; CHMAP_INFO_LEN] {
    let mut b = [0u8; CHMAP_INFO_LEN];
    put_u32(&mut b, 0, 0);
    if let Some(tail) = b.get_mut(4..8) {
        tail.copy_from_slice(&[D_OUTPUT, CHANNELS, CHMAP_FL, CHMAP_FR]);
    }
    b
}

/// `virtio_snd_pcm_status` with `status` and latency 0.
pub fn pcm_status(status: u32) -> [u8; PCM_STATUS_LEN] {
    let mut b = [0u8; PCM_STATUS_LEN];
    put_u32(&mut b, 0, status);
    b
}

/// The little-endian `u32` at `at` of `b`, if all four bytes are there.
pub fn le32(b: &[u8], at: usize) -> Option<u32> {
    let bytes = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

/// Writes `v` little endian at `at` of `b` (nothing if it does not fit).
pub fn put_u32(b: &mut [u8], at: usize, v: u32) {
    if let Some(dst) = at.checked_add(4).and_then(|end| b.get_mut(at..end)) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes `v` little endian at `at` of `b` (nothing if it does not fit).
pub fn put_u64(b: &mut [u8], at: usize, v: u64) {
    if let Some(dst) = at.checked_add(8).and_then(|end| b.get_mut(at..end)) {
        dst.copy_from_slice(&v.to_le_bytes());
    }
}
