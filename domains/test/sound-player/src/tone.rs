// SPDX-License-Identifier: MIT
//! A sine tone at a whole number of hertz, S16LE stereo at 48 kHz, half of
//! full scale (-6.02 dBFS). The phase is computed from the frame count in
//! integers, so the tone never drifts however long it plays.
//!
//! Owns the samples; must not know about streams.

/// Frames per second.
pub const RATE: u32 = 48_000;
/// Half of full scale.
const AMPLITUDE: f32 = 16_384.0;

/// A tone generator.
pub struct Tone {
    hz: u32,
    frame: u64,
}

impl Tone {
    /// A tone of `hz` hertz, starting at phase 0.
    pub fn new(hz: u32) -> Self {
        Tone { hz, frame: 0 }
    }

    /// Fills `out` (whole S16LE stereo frames) with the next frames.
    pub fn fill(&mut self, out: &mut [u8]) {
        for frame in out.chunks_exact_mut(4) {
            let step = (self.frame * u64::from(self.hz)) % u64::from(RATE);
            #[allow(clippy::cast_precision_loss, reason = "step < 48000 is exact in f32")]
            let angle = core::f32::consts::TAU * step as f32 / RATE as f32;
            #[allow(clippy::cast_possible_truncation, reason = "|sin| <= 1, so the product fits in i16")]
            let sample = (libm::sinf(angle) * AMPLITUDE) as i16;
            let [a, b] = sample.to_le_bytes();
            frame.copy_from_slice(&[a, b, a, b]);
            self.frame += 1;
        }
    }
}
