// SPDX-License-Identifier: MIT
//! The kernel's console as the domains share it, output side: their
//! output (the console hypercall, their emulated UARTs) becomes `[name] `
//! lines within a per-domain budget. What is typed is `console_input.rs`'s.
//!
//! Owns: each domain's output budget state. Must not: decide the budget
//! (kernel-core's `ratelimit` does) or emulate a UART (`vuart.rs`).
//! No `unsafe`.
#![deny(unsafe_code)]

use crate::world::{self, DOMAINS};
use bulkhead_bootcfg::MAX_DOMAINS;
use kernel_core::ratelimit::{Budget, RateLimiter};
use spin::{Mutex, Once};

/// Each domain's output budget.
static LIMITS: [Mutex<RateLimiter>; MAX_DOMAINS] = [const { Mutex::new(RateLimiter::new()) }; MAX_DOMAINS];
static BUDGET: Once<Budget> = Once::new();

fn name(d: usize) -> &'static str {
    world::world().config.domains.get(d).map_or("?", |dom| dom.name.as_str())
}

/// Bytes domain `d` printed (console hypercall or emulated UART): whole
/// lines are printed as `[name] text` while its budget lasts, dropped and
/// counted beyond it.
pub fn output(d: usize, bytes: &[u8]) {
    let (Some(state), Some(limit)) = (DOMAINS.get(d), LIMITS.get(d)) else { return };
    let budget = BUDGET.call_once(|| Budget::console(crate::arch::timer::frequency()));
    let name = name(d);
    let mut line = state.console.lock();
    line.push(bytes, |text| {
        let verdict = limit.lock().admit(budget, crate::arch::timer::now(), text.len() + 1);
        if let Some(dropped) = verdict.summary {
            kprintln!("console: domain {}: {} bytes dropped (rate limit)", name, dropped);
        }
        if verdict.started {
            kprintln!("console: domain {}: output over budget, dropping lines (rate limit)", name);
        }
        if verdict.pass {
            kprintln!("[{}] {}", name, text);
        }
    });
}
