// SPDX-License-Identifier: MIT
//! Per-domain console output budget: a token bucket over the generic
//! counter, so that a domain that prints as fast as it can cannot hold the
//! kernel's console (one UART, one line lock) against the others.
//!
//! This module owns the budget arithmetic and when to report: a line is
//! let through whole or dropped whole (so output never interleaves
//! fragments), dropped bytes are counted, dropping starting is reported
//! once, and a summary is due when it ends (the bucket has refilled
//! completely: the domain printed less than its rate for `burst / rate`)
//! or, for a domain that never stops, every [`REPORT_EVERY_MS`]. It must
//! not read the counter or print: the arch layer passes the time in and
//! prints what comes back.

/// Bytes a domain may print per 10 ms, sustained (25.6 KB/s: more than a
/// 115200-baud line carries).
pub const CONSOLE_BYTES_PER_10MS: u64 = 256;
/// Bytes a domain may print at once after a quiet spell (a Linux boot log
/// comes in bursts).
pub const CONSOLE_BURST: u64 = 16 * 1024;
/// While dropping goes on, a summary at least this often.
pub const REPORT_EVERY_MS: u64 = 10_000;

/// A budget, in counter ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Bytes earned per `period` ticks.
    pub bytes: u64,
    /// The period, in counter ticks (at least 1).
    pub period: u64,
    /// The bucket's size in bytes: the most that can pass at once.
    pub burst: u64,
    /// Ticks between two summaries while dropping goes on.
    pub report_every: u64,
}

impl Budget {
    /// The console budget ([`CONSOLE_BYTES_PER_10MS`], [`CONSOLE_BURST`],
    /// [`REPORT_EVERY_MS`]) for a counter of `frequency` Hz.
    pub fn console(frequency: u64) -> Self {
        Self {
            bytes: CONSOLE_BYTES_PER_10MS,
            period: (frequency / 100).max(1),
            burst: CONSOLE_BURST,
            report_every: (frequency / 1000).max(1).saturating_mul(REPORT_EVERY_MS),
        }
    }

    fn full(&self) -> u64 {
        self.burst.saturating_mul(self.period)
    }
}

/// What to do with one line, and what to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Print the line (else it is dropped and counted).
    pub pass: bool,
    /// Dropping started with this line: say so, once.
    pub started: bool,
    /// Bytes dropped since the last summary, when a summary is due (before
    /// this line is printed): dropping ended, or went on for
    /// [`Budget::report_every`].
    pub summary: Option<u64>,
}

/// One domain's bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateLimiter {
    /// Credit in byte-ticks (a byte costs `period`); starts full.
    credit: u64,
    /// Counter value of the last refill.
    last: u64,
    /// Set once the first line has filled the bucket.
    primed: bool,
    /// Lines are being dropped (since the last time the bucket was full).
    dropping: bool,
    /// Bytes dropped since the last summary.
    dropped: u64,
    /// Counter value of the last summary (or of dropping starting).
    reported: u64,
}

impl RateLimiter {
    /// A bucket that fills completely at the first line.
    pub const fn new() -> Self {
        Self { credit: 0, last: 0, primed: false, dropping: false, dropped: 0, reported: 0 }
    }

    /// A line of `len` bytes at counter value `now` (counters never go
    /// back; an earlier `now` earns nothing).
    pub fn admit(&mut self, budget: &Budget, now: u64, len: usize) -> Verdict {
        let full = budget.full();
        if self.primed {
            let earned = now.saturating_sub(self.last).saturating_mul(budget.bytes);
            self.credit = self.credit.saturating_add(earned).min(full);
        } else {
            self.credit = full;
            self.primed = true;
        }
        self.last = self.last.max(now);
        let mut verdict = Verdict::default();
        if self.dropping && self.credit == full {
            verdict.summary = Some(self.dropped);
            self.dropping = false;
            self.dropped = 0;
        }
        let cost = u64::try_from(len).unwrap_or(u64::MAX).saturating_mul(budget.period);
        if cost <= self.credit {
            self.credit -= cost;
            verdict.pass = true;
            return verdict;
        }
        self.dropped = self.dropped.saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
        if !self.dropping {
            self.dropping = true;
            self.reported = now;
            verdict.started = true;
        } else if now.saturating_sub(self.reported) >= budget.report_every {
            verdict.summary = Some(self.dropped);
            self.dropped = 0;
            self.reported = now;
        }
        verdict
    }

    /// Whether lines are being dropped.
    pub fn dropping(&self) -> bool {
        self.dropping
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// 10 bytes per 100 ticks, 50 bytes at once, a summary every 10,000.
    const B: Budget = Budget { bytes: 10, period: 100, burst: 50, report_every: 10_000 };

    #[test]
    fn a_quiet_domain_passes_everything() {
        let mut r = RateLimiter::new();
        for i in 0..100 {
            let v = r.admit(&B, i * 100, 10);
            assert_eq!(v, Verdict { pass: true, started: false, summary: None }, "line {i}");
        }
        assert!(!r.dropping());
    }

    #[test]
    fn a_burst_passes_then_dropping_starts_once() {
        let mut r = RateLimiter::new();
        for _ in 0..5 {
            assert!(r.admit(&B, 0, 10).pass);
        }
        let v = r.admit(&B, 0, 10);
        assert!(!v.pass && v.started && v.summary.is_none());
        for _ in 0..10 {
            let v = r.admit(&B, 1, 10);
            assert!(!v.pass && !v.started && v.summary.is_none());
        }
        assert!(r.dropping());
    }

    #[test]
    fn a_flood_gets_the_sustained_rate_and_a_summary_when_it_stops() {
        let mut r = RateLimiter::new();
        let (mut passed, mut dropped_lines) = (0u64, 0u64);
        // 1,000 ticks of flooding, a 5-byte line every tick: 50 bytes of
        // burst plus 10 per 100 ticks may pass.
        for now in 0..1000 {
            let v = r.admit(&B, now, 5);
            if v.pass {
                passed += 5
            } else {
                dropped_lines += 1
            }
            assert!(v.summary.is_none(), "no summary while the flood goes on");
        }
        assert!((140..=150).contains(&passed), "passed {passed}");
        // Quiet until the bucket is full again (500 ticks), then a line.
        let v = r.admit(&B, 1000 + 500, 5);
        assert_eq!(v.summary, Some(dropped_lines * 5));
        assert!(v.pass && !v.started && !r.dropping());
    }

    #[test]
    fn no_summary_until_the_bucket_is_full_again() {
        let mut r = RateLimiter::new();
        r.admit(&B, 0, 50);
        assert!(r.admit(&B, 0, 1).started);
        // 30 bytes earned: a short line passes, the episode goes on.
        let v = r.admit(&B, 300, 5);
        assert!(v.pass && v.summary.is_none() && r.dropping());
        let v = r.admit(&B, 800, 5);
        assert_eq!(v.summary, Some(1));
        assert!(v.pass);
    }

    #[test]
    fn an_endless_flood_is_summarised_periodically() {
        let mut r = RateLimiter::new();
        let mut summaries = 0;
        let mut starts = 0;
        for now in 0..35_000 {
            let v = r.admit(&B, now, 20);
            starts += usize::from(v.started);
            if let Some(n) = v.summary {
                assert!(n > 0);
                summaries += 1;
            }
        }
        assert_eq!(starts, 1);
        assert_eq!(summaries, 3, "every 10,000 ticks");
    }

    #[test]
    fn time_going_back_earns_nothing_and_big_gaps_do_not_overflow() {
        let mut r = RateLimiter::new();
        r.admit(&B, 1000, 50);
        assert!(!r.admit(&B, 10, 1).pass);
        let v = r.admit(&B, u64::MAX, 50);
        assert!(v.pass);
        assert_eq!(v.summary, Some(1));
        assert!(!r.admit(&B, u64::MAX, usize::MAX).pass);
    }

    #[test]
    fn console_budget_from_the_counter_frequency() {
        let b = Budget::console(62_500_000);
        assert_eq!(b.period, 625_000);
        assert_eq!(b.bytes, CONSOLE_BYTES_PER_10MS);
        assert_eq!(b.report_every, 62_500 * REPORT_EVERY_MS);
        let tiny = Budget::console(0);
        assert_eq!((tiny.period, tiny.report_every), (1, REPORT_EVERY_MS));
        // A line at least as long as the longest console line always fits a full bucket.
        let mut r = RateLimiter::new();
        assert!(r.admit(&b, 5, crate::console::LINE_MAX + 1).pass);
    }
}
