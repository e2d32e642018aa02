// SPDX-License-Identifier: MIT
//! Rate conversion to the device rate: linear interpolation between
//! neighbouring input frames, position kept as an exact fraction
//! (`in_rate` / `out_rate` steps), so a stream never drifts: after
//! `out_rate` output frames exactly `in_rate` input frames are used.
//!
//! Linear interpolation, not a band-limited filter: enough for chimes and
//! voice prompts at 44.1 → 48 kHz; a kept crate (`dasp`'s sinc
//! interpolator) would need `alloc` and floating point per sample, which
//! this integer, sample-exact path avoids. Owns one stream's resampler
//! state; must not know about gains.

/// One stream's resampler, per channel up to 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resampler {
    in_rate: u32,
    out_rate: u32,
    /// Fraction of the way from `prev` to `next`, in units of 1/out_rate.
    phase: u32,
    prev: [i32; 2],
    next: [i32; 2],
    /// Whether `next` holds a frame.
    primed: bool,
}

impl Resampler {
    /// From `in_rate` to `out_rate` (both non-zero).
    pub const fn new(in_rate: u32, out_rate: u32) -> Self {
        Resampler { in_rate, out_rate, phase: 0, prev: [0; 2], next: [0; 2], primed: false }
    }

    /// Whether rates are equal (frames pass through).
    pub const fn passthrough(&self) -> bool {
        self.in_rate == self.out_rate
    }

    /// Produces one output frame, pulling input frames from `input` as
    /// needed; `None` when `input` ran dry (the caller fills silence).
    pub fn next_frame(&mut self, input: &mut impl FnMut() -> Option<[i32; 2]>) -> Option<[i32; 2]> {
        if self.passthrough() {
            return input();
        }
        if !self.primed {
            self.next = input()?;
            self.prev = self.next;
            self.primed = true;
        }
        while self.phase >= self.out_rate {
            self.phase -= self.out_rate;
            self.prev = self.next;
            self.next = input()?;
        }
        let t = i64::from(self.phase);
        let n = i64::from(self.out_rate);
        let mut out = [0i32; 2];
        for (o, (p, q)) in out.iter_mut().zip(self.prev.iter().zip(self.next.iter())) {
            let v = i64::from(*p) * (n - t) + i64::from(*q) * t;
            *o = i32::try_from(v / n).unwrap_or(0);
        }
        self.phase += self.in_rate;
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn the_same_rate_passes_frames_through() {
        let mut r = Resampler::new(48_000, 48_000);
        let mut src = [[1, 2], [3, 4]].into_iter();
        let mut input = || src.next();
        assert_eq!(r.next_frame(&mut input), Some([1, 2]));
        assert_eq!(r.next_frame(&mut input), Some([3, 4]));
        assert_eq!(r.next_frame(&mut input), None);
    }

    #[test]
    fn rates_are_exact_over_a_second() {
        let mut r = Resampler::new(44_100, 48_000);
        let mut used = 0u32;
        let mut input = || {
            used += 1;
            Some([1000, -1000])
        };
        for _ in 0..48_000 {
            assert_eq!(r.next_frame(&mut input), Some([1000, -1000]), "a constant stays constant");
        }
        // 44,100 frames consumed plus the look-ahead frame.
        assert!((44_100..=44_101).contains(&used), "{used}");
    }

    #[test]
    fn a_ramp_is_interpolated() {
        let mut r = Resampler::new(1, 2);
        let mut src = [[0, 0], [100, 200], [200, 400]].into_iter();
        let mut input = || src.next();
        let out: std::vec::Vec<[i32; 2]> = core::iter::from_fn(|| r.next_frame(&mut input)).collect();
        // The first input frame is held once (one frame of latency).
        assert_eq!(out, [[0, 0], [0, 0], [0, 0], [50, 100], [100, 200], [150, 300]]);
    }
}
