// SPDX-License-Identifier: MIT
//! What every measuring guest (`bench`, `bench-peer`, `irqbench`) reports
//! the same way, so that `cargo xtask bench` can fail closed:
//!
//! - [`report`]: one `BENCH name=value` line;
//! - [`difference`]: a measured figure minus its baseline, or a
//!   `BENCH-ERROR` line when the baseline is the larger (a negative
//!   difference is an error, never a zero);
//! - [`median`] of an odd number of samples;
//! - [`report_icount_proof`]: the known loop of
//!   `domain_rt::probe::known_loop_ticks` at two lengths, from which the
//!   build tool checks that one counter tick is one instruction in this
//!   run.
//!
//! It owns no measurement itself and touches no device.
#![no_std]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::Console;
use domain_rt::probe::known_loop_ticks;

/// The two loop lengths of the icount proof (iterations). The build tool
/// expects the counter to advance by exactly `2 * (LONG - SHORT)` more
/// across the long loop than across the short one.
pub const ICOUNT_LOOP_SHORT: u64 = 1_000;
/// See [`ICOUNT_LOOP_SHORT`].
pub const ICOUNT_LOOP_LONG: u64 = 3_000;
/// Tries per length: the smallest count is kept (another vCPU or an EL2
/// interrupt can only add ticks, never remove them).
const ICOUNT_TRIES: usize = 5;

/// Prints `BENCH name=value`.
pub fn report(name: &str, value: u64) {
    let _ = writeln!(Console, "BENCH {name}={value}");
}

/// Reports `measured - baseline` as `name`, or, if `baseline` is larger,
/// a `BENCH-ERROR` line naming both (the build tool fails the run on it).
/// Returns the difference when there is one.
pub fn difference(name: &str, measured: u64, baseline: u64) -> Option<u64> {
    match measured.checked_sub(baseline) {
        Some(value) => {
            report(name, value);
            Some(value)
        }
        None => {
            let _ = writeln!(Console, "BENCH-ERROR {name}: measured {measured} is below its baseline {baseline}");
            None
        }
    }
}

/// The median of an odd number of samples (sorts them).
pub fn median<const N: usize>(samples: &mut [u64; N]) -> u64 {
    const { assert!(N % 2 == 1, "a true median needs an odd number of samples") };
    samples.sort_unstable();
    samples[N / 2]
}

/// Runs the known loop at both lengths and reports
/// `icount_loop_ticks_short` and `icount_loop_ticks_long` (each the
/// smallest of a few tries).
pub fn report_icount_proof() {
    let least = |iterations| (0..ICOUNT_TRIES).map(|_| known_loop_ticks(iterations)).min().unwrap_or(u64::MAX);
    report("icount_loop_ticks_short", least(ICOUNT_LOOP_SHORT));
    report("icount_loop_ticks_long", least(ICOUNT_LOOP_LONG));
}
