// SPDX-License-Identifier: MIT
//! `chatty`: floods its console. Quiet (but busy) for [`QUIET_S`] seconds,
//! then prints numbered lines of [`LINE_BYTES`] bytes as fast as it can
//! for [`FLOOD_S`] seconds, then is quiet for [`SETTLE_S`] s (long enough
//! for the kernel's budget to refill) and says how many lines it tried,
//! and powers off. The console test checks that a domain beside it keeps
//! its rate and that the kernel counts exactly what it dropped.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::{Console, timer};

domain_rt::entry!(main);

/// Seconds of the busy quiet phase before the flood (the baseline).
const QUIET_S: u64 = 2;
/// Seconds of flooding.
const FLOOD_S: u64 = 2;
/// Seconds of quiet after the flood.
const SETTLE_S: u64 = 1;
/// Each flood line, newline included.
const LINE_BYTES: usize = 80;

fn spin_until(deadline: u64) {
    while timer::counter() < deadline {
        core::hint::spin_loop();
    }
}

fn main(_boot: domain_rt::Boot) {
    let freq = timer::frequency();
    let _ = writeln!(Console, "quiet for {QUIET_S} s");
    spin_until(timer::counter() + QUIET_S * freq);
    let _ = writeln!(Console, "flood start: {FLOOD_S} s of {LINE_BYTES}-byte lines");
    let mut line = [b'.'; LINE_BYTES];
    line[..6].copy_from_slice(b"flood ");
    line[LINE_BYTES - 1] = b'\n';
    let end = timer::counter() + FLOOD_S * freq;
    let mut sent: u64 = 0;
    while timer::counter() < end {
        let mut n = sent;
        for digit in line[6..16].iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            n /= 10;
        }
        domain_rt::print(core::str::from_utf8(&line).unwrap_or(""));
        sent += 1;
    }
    spin_until(timer::counter() + SETTLE_S * freq);
    let _ = writeln!(Console, "flood end: {sent} lines of {LINE_BYTES} bytes");
}
