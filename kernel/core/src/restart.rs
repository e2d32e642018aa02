// SPDX-License-Identifier: MIT
//! Restarting a domain that keeps failing: exponential back-off between
//! restarts, and a limit after which it is halted for good.
//!
//! A domain that faults on its first instruction used to be restarted at
//! once, for ever: every life reloads its RAM, writes kernel log lines and
//! rings every peer's doorbell. Now each restart of a *crash loop* waits
//! longer than the one before ([`FIRST_BACKOFF_MS`], doubling, at most
//! [`MAX_BACKOFF_MS`]), and after the board's `max_restarts` restarts in a
//! row the domain is halted. A life of at least [`HEALTHY_LIFE_MS`] ends
//! the loop: the next failure starts again from the first back-off, so a
//! domain that fails rarely is always restarted.
//!
//! This module owns the decision; it must not read the counter, arm a
//! timer or print (the arch layer measures the life, waits on the parked
//! pCPU's EL2 timer and prints the line).

/// The first restart of a crash loop waits this long.
pub const FIRST_BACKOFF_MS: u64 = 10;
/// No back-off is longer than this.
pub const MAX_BACKOFF_MS: u64 = 10_000;
/// A life at least this long ends a crash loop.
pub const HEALTHY_LIFE_MS: u64 = 10_000;

/// What to do with a domain that stopped and asks to be restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartDecision {
    /// Restart it once `backoff_ms` have passed; this is restart
    /// `in_a_row` of the current crash loop (from 1).
    Restart {
        /// How long its pCPU waits before it starts the domain again.
        backoff_ms: u64,
        /// Restarts in a row, this one included.
        in_a_row: u32,
    },
    /// It already had `in_a_row` restarts in a row (its `max_restarts`):
    /// halt it.
    GiveUp {
        /// Restarts in a row it had.
        in_a_row: u32,
    },
}

/// The back-off before restart `n` (from 1) of a crash loop.
pub fn backoff_ms(n: u32) -> u64 {
    // 10 ms << 10 already passes the cap: no shift can overflow.
    let doublings = n.saturating_sub(1);
    if doublings >= 16 { MAX_BACKOFF_MS } else { (FIRST_BACKOFF_MS << doublings).min(MAX_BACKOFF_MS) }
}

/// Decides for a domain allowed `max_restarts` restarts in a row, which
/// had `in_a_row` of them before the life that just ended, and whose life
/// lasted `life_ms`.
pub fn decide(max_restarts: u32, in_a_row: u32, life_ms: u64) -> RestartDecision {
    let in_a_row = if life_ms >= HEALTHY_LIFE_MS { 0 } else { in_a_row };
    if in_a_row >= max_restarts {
        return RestartDecision::GiveUp { in_a_row };
    }
    let n = in_a_row + 1;
    RestartDecision::Restart { backoff_ms: backoff_ms(n), in_a_row: n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_loop_backs_off_exponentially_then_gives_up() {
        let mut in_a_row = 0;
        let mut waits = [0u64; 5];
        for wait in &mut waits {
            match decide(5, in_a_row, 0) {
                RestartDecision::Restart { backoff_ms, in_a_row: n } => {
                    *wait = backoff_ms;
                    in_a_row = n;
                }
                RestartDecision::GiveUp { .. } => panic!("gave up too early"),
            }
        }
        assert_eq!(waits, [10, 20, 40, 80, 160]);
        assert_eq!(decide(5, in_a_row, 0), RestartDecision::GiveUp { in_a_row: 5 });
    }

    #[test]
    fn a_healthy_life_ends_the_loop() {
        assert_eq!(decide(5, 5, HEALTHY_LIFE_MS), RestartDecision::Restart { backoff_ms: 10, in_a_row: 1 });
        assert_eq!(decide(5, 4, HEALTHY_LIFE_MS - 1), RestartDecision::Restart { backoff_ms: 160, in_a_row: 5 });
        assert_eq!(decide(5, 5, HEALTHY_LIFE_MS - 1), RestartDecision::GiveUp { in_a_row: 5 });
    }

    #[test]
    fn backoff_is_capped_and_never_overflows() {
        assert_eq!(backoff_ms(0), FIRST_BACKOFF_MS);
        assert_eq!(backoff_ms(1), FIRST_BACKOFF_MS);
        assert_eq!(backoff_ms(10), 5120);
        assert_eq!(backoff_ms(11), MAX_BACKOFF_MS);
        for n in [12, 60, 63, 64, 65, 1000, u32::MAX] {
            assert_eq!(backoff_ms(n), MAX_BACKOFF_MS, "restart {n}");
        }
        assert_eq!(
            decide(u32::MAX, u32::MAX - 1, 0),
            RestartDecision::Restart { backoff_ms: MAX_BACKOFF_MS, in_a_row: u32::MAX }
        );
        assert_eq!(decide(u32::MAX, u32::MAX, 0), RestartDecision::GiveUp { in_a_row: u32::MAX });
    }

    #[test]
    fn zero_restarts_allowed_halts_at_once() {
        assert_eq!(decide(0, 0, 0), RestartDecision::GiveUp { in_a_row: 0 });
        assert_eq!(decide(0, 0, u64::MAX), RestartDecision::GiveUp { in_a_row: 0 });
    }
}
