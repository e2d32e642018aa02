// SPDX-License-Identifier: MIT
//! Interleaved rounds and their median.

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

/// Runs `ours` and `theirs` `ROUNDS` times each, interleaved (after one
/// unmeasured warm-up of each), and returns the median time of each.
pub fn interleaved(mut ours: impl FnMut(), mut theirs: impl FnMut()) -> (Duration, Duration) {
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
    (median(a), median(b))
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
