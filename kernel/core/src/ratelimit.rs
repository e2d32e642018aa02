// SPDX-License-Identifier: MIT
//! Per-domain console output budget: a token bucket over the generic
//! counter, so that a domain that prints as fast as it can cannot hold the
//! kernel's console (one UART, one line lock) against the others.
//!
//! The same bucket budgets the kernel's own lines about one domain
//! ([`Budget::domain_log`], a line costs 1), and [`NotifyLimit`] bounds how
//! often one end of a channel may wake its peer.
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

/// Kernel log lines about one domain (faults, restarts, its PSCI power
/// requests, notify budget reports) it may cause at once: a domain that
/// keeps failing cannot fill the kernel's log (the console UART and its
/// line lock) with lines about itself.
pub const DOMAIN_LOG_BURST: u64 = 32;
/// ... and sustained, one line per this many milliseconds.
pub const DOMAIN_LOG_MS_PER_LINE: u64 = 500;

impl Budget {
    /// The budget of kernel lines about one domain (each line costs 1):
    /// [`DOMAIN_LOG_BURST`] at once, one per [`DOMAIN_LOG_MS_PER_LINE`]
    /// sustained, a summary every [`REPORT_EVERY_MS`] while lines are
    /// suppressed; for a counter of `frequency` Hz.
    pub fn domain_log(frequency: u64) -> Self {
        let per_ms = (frequency / 1000).max(1);
        Self {
            bytes: 1,
            period: per_ms.saturating_mul(DOMAIN_LOG_MS_PER_LINE),
            burst: DOMAIN_LOG_BURST,
            report_every: per_ms.saturating_mul(REPORT_EVERY_MS),
        }
    }
}

/// A notification budget: how often one end of a channel may wake its
/// peer. The generic cell rate algorithm (GCRA): the whole state is one
/// number, the *theoretical arrival time* (TAT) of the next notification,
/// so that the kernel keeps it in one atomic word and checks it in a few
/// instructions on the `Notify` path. A notification at `now` conforms if
/// `TAT - now <= tolerance`; it then moves TAT to `max(TAT, now) +
/// interval`. With `tolerance = (burst - 1) * interval` that lets `burst`
/// through at once after a quiet spell and one per `interval` sustained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotifyLimit {
    /// Counter ticks per notification, sustained (at least 1).
    pub interval: u64,
    /// How far TAT may run ahead of the counter.
    pub tolerance: u64,
}

impl NotifyLimit {
    /// `per_ms` notifications per millisecond, `burst` at once, for a
    /// counter of `frequency` Hz (0 in either counts as 1).
    pub fn new(frequency: u64, per_ms: u32, burst: u32) -> Self {
        let ticks_per_ms = frequency / 1000;
        let interval = (ticks_per_ms / u64::from(per_ms.max(1))).max(1);
        Self { interval, tolerance: interval.saturating_mul(u64::from(burst.max(1)) - 1) }
    }

    /// A notification at counter value `now`, with the end's TAT at `tat`
    /// (0 at boot): the new TAT if it conforms, `None` if it is over the
    /// budget (and the TAT stays as it was). On the `Notify` path: a few
    /// instructions, no saturation (the new TAT wraps only when the
    /// counter does, after 584 years at 1 GHz; a wrapped TAT is in the past
    /// and grants one burst).
    #[inline(always)]
    pub fn admit(&self, tat: u64, now: u64) -> Option<u64> {
        let tat = if tat > now { tat } else { now };
        if tat - now > self.tolerance { None } else { Some(tat.wrapping_add(self.interval)) }
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

    /// Bytes dropped and not yet summed up, now taken (a final summary,
    /// when the domain stops); the bucket's credit stays as it is.
    pub fn take_dropped(&mut self) -> u64 {
        core::mem::take(&mut self.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 bytes per 100 ticks, 50 bytes at once, a summary every 10,000.
    const B: Budget = Budget { bytes: 10, period: 100, burst: 50, report_every: 10_000 };

    #[test]
    fn an_audit_budget_burnt_in_advance_refills_and_counts_what_it_dropped() {
        // The domain log budget at 1 kHz: 32 lines at once, one per 500 ms.
        let b = Budget::domain_log(1000);
        let mut r = RateLimiter::new();
        let passed = (0..40).filter(|_| r.admit(&b, 0, 1).pass).count();
        assert_eq!(passed, 32, "the burst, then nothing");
        // A probe 499 ms later is still over budget; at 500 ms it is logged.
        assert!(!r.admit(&b, 499, 1).pass);
        assert_eq!(r.admit(&b, 500, 1), Verdict { pass: true, started: false, summary: None });
        assert_eq!(r.take_dropped(), 9, "8 of the burst and the early probe");
        assert_eq!(r.take_dropped(), 0);
    }

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
        // 1,000 ticks of flooding, a 5-byte line every tick: the 50 bytes
        // of burst, then a line whenever 5 more bytes are earned (every 50
        // ticks): 19 of them by tick 999, as the 20th is due at tick 1000.
        for now in 0..1000 {
            let v = r.admit(&B, now, 5);
            if v.pass {
                passed += 5
            } else {
                dropped_lines += 1
            }
            assert!(v.summary.is_none(), "no summary while the flood goes on");
        }
        assert_eq!(passed, 50 + 19 * 5);
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

    /// Feeds `admit` a notification every `every` ticks for `ticks`;
    /// returns how many conformed.
    fn admitted(limit: &NotifyLimit, start: u64, every: u64, ticks: u64) -> (u64, u64) {
        let (mut tat, mut passed) = (0, 0);
        let mut now = start;
        while now < start + ticks {
            if let Some(next) = limit.admit(tat, now) {
                tat = next;
                passed += 1;
            }
            now += every;
        }
        (passed, tat)
    }

    #[test]
    fn notify_limit_lets_a_burst_through_then_the_sustained_rate() {
        // 10 per ms at 1 MHz: one per 100 ticks, 4 at once.
        let limit = NotifyLimit::new(1_000_000, 10, 4);
        assert_eq!(limit, NotifyLimit { interval: 100, tolerance: 300 });
        // All at the same instant: the burst only.
        let (mut tat, mut passed) = (0, 0);
        for _ in 0..100 {
            if let Some(next) = limit.admit(tat, 5000) {
                tat = next;
                passed += 1;
            }
        }
        assert_eq!(passed, 4);
        // A flood, one attempt per tick for 1 s: one per 100 ticks (10,000),
        // plus the 3 that the tolerance (300 ticks) lets through early.
        let (passed, _) = admitted(&limit, 1_000_000, 1, 1_000_000);
        assert_eq!(passed, 10_000 + 3);
        // A well-behaved end under the rate never hits the limit.
        let (passed, _) = admitted(&limit, 0, 150, 150_000);
        assert_eq!(passed, 1000);
    }

    #[test]
    fn a_refused_notification_changes_nothing() {
        let limit = NotifyLimit::new(1_000_000, 10, 1);
        let tat = limit.admit(0, 1000).unwrap();
        assert_eq!(tat, 1100);
        assert_eq!(limit.admit(tat, 1050), None);
        assert_eq!(limit.admit(tat, 1100), Some(1200));
    }

    #[test]
    fn notify_limit_extremes_do_not_overflow() {
        let limit = NotifyLimit::new(0, 0, 0);
        assert_eq!(limit, NotifyLimit { interval: 1, tolerance: 0 });
        let fast = NotifyLimit::new(62_500_000, 100_000, 100_000);
        assert_eq!(fast.interval, 1, "more per ms than the counter ticks: one per tick");
        let wide = NotifyLimit::new(u64::MAX, 1, u32::MAX);
        assert_eq!(wide.tolerance, u64::MAX, "the burst saturates");
        assert_eq!(wide.admit(u64::MAX, u64::MAX), Some(wide.interval - 1), "wraps with the counter");
        assert_eq!(wide.admit(0, 7), Some(7 + wide.interval));
        // The counter going back earns nothing.
        let limit = NotifyLimit::new(1_000_000, 10, 1);
        let tat = limit.admit(0, 10_000).unwrap();
        assert_eq!(limit.admit(tat, 0), None);
    }

    #[test]
    fn domain_log_budget_is_a_burst_then_two_lines_a_second() {
        let b = Budget::domain_log(1_000_000);
        let mut r = RateLimiter::new();
        let passed = (0..100).filter(|_| r.admit(&b, 0, 1).pass).count() as u64;
        assert_eq!(passed, DOMAIN_LOG_BURST);
        // Over the next 10.3 s of one line per ms: 20 more (one per 500 ms),
        // and one summary (10 s after dropping started).
        let (mut more, mut summaries) = (0, 0);
        for ms in 1..=10_300u64 {
            let v = r.admit(&b, ms * 1000, 1);
            more += u64::from(v.pass);
            summaries += usize::from(v.summary.is_some());
        }
        assert_eq!(more, 10_000 / DOMAIN_LOG_MS_PER_LINE);
        assert_eq!(summaries, 1);
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
