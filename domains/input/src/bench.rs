// SPDX-License-Identifier: MIT
//! Benchmark mode (`bench=1` in params, benchmark boards only): the counter
//! value at the IRQ entry of each keyboard interrupt that carried a press
//! of `A` (the start of the input-latency samples), printed when `C` is
//! pressed, after the measurements, so that printing costs nothing measured.

use core::fmt::Write;
use domain_rt::Console;

/// `KEY_A`: a latency sample.
pub const SAMPLE_KEY: u16 = 30;
/// `KEY_C`: print the samples.
pub const REPORT_KEY: u16 = 46;
const MAX: usize = 64;

/// The recorded IRQ entry stamps.
pub struct Samples {
    at: heapless::Vec<u64, MAX>,
}

impl Samples {
    /// None yet.
    pub const fn new() -> Self {
        Self { at: heapless::Vec::new() }
    }

    /// A press of the sample key arrived with the interrupt entered at `stamp`.
    pub fn record(&mut self, stamp: u64) {
        let _ = self.at.push(stamp);
    }

    /// Prints them.
    pub fn report(&self) {
        for (k, at) in self.at.iter().enumerate() {
            let _ = writeln!(Console, "BENCH input_irq_at_{k}={at}");
        }
        let _ = writeln!(Console, "BENCH done");
    }
}
