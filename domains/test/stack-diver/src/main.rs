// SPDX-License-Identifier: MIT
//! `stack-diver`: a test domain that overflows its stack on purpose. It
//! prints `stack-diver: diving` and recurses, 1 KiB of stack per level,
//! printing every 4th level, until it runs off the bottom of its 128 KiB
//! stack. With the guard page below the stack (`domain_rt`'s linker
//! script; the kernel leaves it unmapped) that is a stack-overflow fault
//! at about level 127; without one it would write over whatever lies
//! below the stack and, if it survived, print `stack-diver: FAIL: ...`.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::Console;

domain_rt::entry!(main);

/// Levels that would cover four times the stack (never reached with a
/// guard page).
const LEVELS: u32 = 512;

/// One level: 1 KiB of stack the optimiser cannot drop, then the next.
fn dive(level: u32) -> u32 {
    let frame = core::hint::black_box([level as u8; 1024]);
    if level.is_multiple_of(32) {
        let _ = writeln!(Console, "stack-diver: level {level}");
    }
    let below = if level < LEVELS { dive(level + 1) } else { 0 };
    below.wrapping_add(u32::from(frame[(level as usize) % frame.len()]))
}

fn main(_boot: domain_rt::Boot) {
    let _ = writeln!(Console, "stack-diver: diving");
    let sum = core::hint::black_box(dive(0));
    let _ = writeln!(Console, "stack-diver: FAIL: {LEVELS} KiB deep on a 128 KiB stack (sum {sum})");
}
