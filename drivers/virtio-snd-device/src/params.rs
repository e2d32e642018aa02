// SPDX-License-Identifier: MIT
//! The stream parameters ([`PcmParams`]) and the check of a
//! `virtio_snd_pcm_set_params` request against what the device supports.
//!
//! Owns the acceptance rules; must not change the stream's state (see
//! `stream`) nor decode the request header (see `control`).

use crate::wire::{CHANNELS, FRAME_BYTES, PCM_FMT_S16, PCM_RATE_48000, S_BAD_MSG, S_NOT_SUPP, le32};

/// The largest period (and the largest PCM payload of one tx buffer): 32
/// KiB, about 170 ms of S16 stereo at 48 kHz. Linux's default buffer is
/// 160 ms (30720 bytes, page-aligned to 32 KiB) with periods of at most
/// half of it.
pub const MAX_PERIOD: u32 = 32 * 1024;

/// Parameters accepted by PCM_SET_PARAMS (channels, format and rate are
/// always 2, S16 and 48000 Hz).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcmParams {
    /// The driver's ring buffer, a multiple of `period_bytes`.
    pub buffer_bytes: u32,
    /// One period: a positive multiple of 4 bytes, at most [`MAX_PERIOD`].
    pub period_bytes: u32,
}

/// Checks the body of a SET_PARAMS request (`req` from its start, the
/// caller checked its length and stream id): Ok with the parameters, or
/// the status to answer. Values the device does not support (features,
/// channels, format, rate, a period above [`MAX_PERIOD`]) are NOT_SUPP;
/// inconsistent sizes (period 0, not whole frames, larger than the
/// buffer, a buffer that is not whole periods) are BAD_MSG.
pub fn check(req: &[u8]) -> Result<PcmParams, u32> {
    let buffer_bytes = le32(req, 8).ok_or(S_BAD_MSG)?;
    let period_bytes = le32(req, 12).ok_or(S_BAD_MSG)?;
    let features = le32(req, 16).ok_or(S_BAD_MSG)?;
    let [channels, format, rate] = match req.get(20..23) {
        Some(&[c, f, r]) => [c, f, r],
        _ => return Err(S_BAD_MSG),
    };
    if period_bytes == 0
        || !period_bytes.is_multiple_of(FRAME_BYTES)
        || period_bytes > buffer_bytes
        || !buffer_bytes.is_multiple_of(period_bytes)
    {
        return Err(S_BAD_MSG);
    }
    if features != 0
        || channels != CHANNELS
        || format != PCM_FMT_S16
        || rate != PCM_RATE_48000
        || period_bytes > MAX_PERIOD
    {
        return Err(S_NOT_SUPP);
    }
    Ok(PcmParams { buffer_bytes, period_bytes })
}
