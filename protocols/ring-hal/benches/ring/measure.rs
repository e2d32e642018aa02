// SPDX-License-Identifier: MIT
//! Paired rounds, interleaved in alternating order: each contender's
//! median time, and the per-round ratio's median and spread.

use std::time::{Duration, Instant};

/// Rounds per contender: each round runs both, in alternating order, so
/// that a burst of noise from other processes hits both alike.
pub const ROUNDS: usize = 15;

/// Times `f` once.
pub fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Each contender's time in every round; round `i` of one was measured
/// right before or after round `i` of the other.
pub struct Paired {
    ours: Vec<Duration>,
    theirs: Vec<Duration>,
}

impl Paired {
    /// The median time of each: (ours, theirs).
    pub fn medians(&self) -> (Duration, Duration) {
        (median(self.ours.clone()), median(self.theirs.clone()))
    }

    /// Their time over ours in each round: (median, min, max).
    pub fn ratio(&self) -> (f64, f64, f64) {
        let mut r: Vec<f64> =
            self.ours.iter().zip(&self.theirs).map(|(a, b)| b.as_secs_f64() / a.as_secs_f64()).collect();
        r.sort_by(f64::total_cmp);
        (r[r.len() / 2], r[0], r[r.len() - 1])
    }
}

/// Runs `ours` and `theirs` `ROUNDS` times each, interleaved (after one
/// unmeasured warm-up of each), and returns every round's times.
pub fn interleaved(mut ours: impl FnMut(), mut theirs: impl FnMut()) -> Paired {
    ours();
    theirs();
    let (mut a, mut b) = (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            a.push(time(&mut ours));
            b.push(time(&mut theirs));
        } else {
            b.push(time(&mut theirs));
            a.push(time(&mut ours));
        }
    }
    Paired { ours: a, theirs: b }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Rounds `x` to `places` decimals (for the report).
pub fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}
