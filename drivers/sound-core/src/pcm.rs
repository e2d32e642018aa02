// SPDX-License-Identifier: MIT
//! PCM parameters a stream may use, and frames decoded from a client's
//! bytes: S16_LE, S32_LE and FLOAT_LE, mono or stereo, 44.1 or 48 kHz.
//! Every sample becomes a 16-bit-range `i32` (mono is duplicated to both
//! channels); floats are clamped to [-1, 1] and scaled, a NaN is silence.
//!
//! Owns the decoding and the parameter checks; must not know about
//! clients or the device.

use bulkhead_sound::{Format, HwParams, PcmParams, Span};

/// Rates the domain accepts (resampled to the device's).
pub const RATES: [u32; 2] = [44_100, 48_000];
/// Channels a stream may have.
pub const CHANNELS: Span = Span { min: 1, max: 2 };
/// The most bytes a stream's buffer may hold.
pub const MAX_BUFFER: u32 = 64 * 1024;
/// Formats accepted, as `HwParams::formats` bits.
pub const FORMATS: u8 = bit(Format::S16Le) | bit(Format::S32Le) | bit(Format::F32Le);

/// A format's bit in `HwParams::formats`.
pub const fn bit(format: Format) -> u8 {
    1 << (format as u8)
}

/// Bytes of one sample.
pub const fn sample_bytes(format: Format) -> u32 {
    match format {
        Format::S8 | Format::U8 => 1,
        Format::S16Le => 2,
        Format::S24Le | Format::S32Le | Format::F32Le => 4,
    }
}

/// Bytes of one frame.
pub const fn frame_bytes(p: &PcmParams) -> u32 {
    sample_bytes(p.format) * p.channels as u32
}

/// Whether the domain can play or capture `p`.
pub fn acceptable(p: &PcmParams) -> bool {
    let frame = frame_bytes(p);
    FORMATS & bit(p.format) != 0
        && RATES.contains(&p.rate)
        && (CHANNELS.min..=CHANNELS.max).contains(&u32::from(p.channels))
        && p.period_bytes > 0
        && p.period_bytes.is_multiple_of(frame)
        && p.buffer_bytes >= p.period_bytes
        && p.buffer_bytes.is_multiple_of(p.period_bytes)
        && p.buffer_bytes <= MAX_BUFFER
}

fn narrow(a: Span, b: Span) -> Option<Span> {
    let s = Span { min: a.min.max(b.min), max: a.max.min(b.max) };
    (s.min <= s.max).then_some(s)
}

/// HW_PARAM_QUERY: what the client asked for, narrowed to what the domain
/// accepts; `None` if nothing is left.
pub fn query(asked: &HwParams) -> Option<HwParams> {
    let formats = asked.formats & FORMATS;
    let rate = narrow(asked.rate, Span { min: RATES[0], max: RATES[1] })?;
    let channels = narrow(asked.channels, CHANNELS)?;
    let buffer_bytes = narrow(asked.buffer_bytes, Span { min: 4, max: MAX_BUFFER })?;
    let period_bytes = narrow(asked.period_bytes, Span { min: 2, max: buffer_bytes.max })?;
    (formats != 0).then_some(HwParams { formats, rate, channels, buffer_bytes, period_bytes })
}

/// The frame at the start of `bytes` (at least one frame long).
pub fn decode(p: &PcmParams, bytes: &[u8]) -> [i32; 2] {
    let sample = |i: usize| -> i32 {
        let at = i * sample_bytes(p.format) as usize;
        let two = || -> Option<[u8; 2]> { bytes.get(at..at + 2)?.try_into().ok() };
        let four = || -> Option<[u8; 4]> { bytes.get(at..at + 4)?.try_into().ok() };
        match p.format {
            Format::S16Le => two().map_or(0, |b| i32::from(i16::from_le_bytes(b))),
            Format::S32Le => four().map_or(0, |b| i32::from_le_bytes(b) >> 16),
            Format::F32Le => four().map_or(0, |b| {
                let f = f32::from_le_bytes(b);
                #[allow(clippy::cast_possible_truncation, reason = "clamped to [-1, 1] and scaled to the i16 range")]
                let v = if f.is_nan() { 0 } else { (f.clamp(-1.0, 1.0) * 32767.0) as i32 };
                v
            }),
            _ => 0,
        }
    };
    if p.channels == 1 {
        let s = sample(0);
        [s, s]
    } else {
        [sample(0), sample(1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(format: Format, channels: u8) -> PcmParams {
        PcmParams { format, rate: 48_000, channels, buffer_bytes: 8192, period_bytes: 1024 }
    }

    #[test]
    fn formats_decode_to_the_16_bit_range() {
        assert_eq!(decode(&params(Format::S16Le, 2), &[0x34, 0x12, 0x00, 0x80]), [0x1234, -32768]);
        assert_eq!(decode(&params(Format::S16Le, 1), &[0xff, 0x7f]), [32767, 32767]);
        assert_eq!(decode(&params(Format::S32Le, 1), &0x1234_5678i32.to_le_bytes()), [0x1234, 0x1234]);
        assert_eq!(decode(&params(Format::F32Le, 1), &0.5f32.to_le_bytes()), [16383, 16383]);
        assert_eq!(decode(&params(Format::F32Le, 1), &f32::NAN.to_le_bytes()), [0, 0]);
        assert_eq!(decode(&params(Format::F32Le, 1), &7.0f32.to_le_bytes()), [32767, 32767]);
        assert_eq!(decode(&params(Format::S16Le, 2), &[1]), [0, 0], "a short frame is silence, not a panic");
    }

    #[test]
    fn parameters_are_checked_and_queries_narrowed() {
        assert!(acceptable(&params(Format::S16Le, 2)));
        assert!(!acceptable(&PcmParams { rate: 22_050, ..params(Format::S16Le, 2) }));
        assert!(!acceptable(&params(Format::U8, 2)));
        assert!(!acceptable(&PcmParams { period_bytes: 1023, ..params(Format::S16Le, 2) }));
        assert!(!acceptable(&PcmParams { buffer_bytes: MAX_BUFFER * 2, ..params(Format::S16Le, 2) }));
        assert!(!acceptable(&params(Format::S16Le, 6)));
        let wide = Span { min: 1, max: u32::MAX };
        let q = query(&HwParams { formats: 0xff, rate: wide, channels: wide, buffer_bytes: wide, period_bytes: wide })
            .unwrap();
        assert_eq!(q.formats, FORMATS);
        assert_eq!(q.rate, Span { min: 44_100, max: 48_000 });
        assert_eq!(q.channels, CHANNELS);
        assert!(query(&HwParams { formats: bit(Format::U8), ..q }).is_none());
        assert!(query(&HwParams { rate: Span { min: 8000, max: 16000 }, ..q }).is_none());
    }
}
