// SPDX-License-Identifier: MIT
//! `notify-flood`: both ends of a channel whose one end rings the other's
//! doorbell as fast as it can. The board's `params` picks the role:
//!
//! - `victim`: counts for ever on vCPU 0, the vCPU that takes doorbells,
//!   and takes them (`Pending`) every [`TAKE_EVERY`] iterations, as a peer
//!   polling its ring would: each doorbell it takes lets the next one kick
//!   its pCPU again. Prints `count <n> (<d> doorbells)` every
//!   [`REPORT_EVERY`] iterations.
//! - `flooder`: busy and quiet for [`QUIET_S`] s (the victim's baseline),
//!   then calls `Notify` on the channel as fast as it can for [`FLOOD_S`]
//!   s, then says how many calls the kernel accepted and refused (over the
//!   channel's notify budget) and powers off.
//!
//! The QEMU test compares the victim's count over the two phases.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_abi::Error;
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, params, pending};
use domain_rt::{Console, timer};

domain_rt::entry!(main);

/// The channel both ends hold.
const CHANNEL: &str = "flood";
/// Victim: iterations between two `Pending` calls.
const TAKE_EVERY: u64 = 1 << 12;
/// Victim: iterations between two count lines.
const REPORT_EVERY: u64 = 1 << 19;
/// Flooder: seconds of the quiet phase (the victim's baseline).
const QUIET_S: u64 = 2;
/// Flooder: seconds of flooding.
const FLOOD_S: u64 = 2;

fn victim() -> ! {
    let mut count: u64 = 0;
    let mut doorbells: u64 = 0;
    loop {
        count = count.wrapping_add(1);
        if count.is_multiple_of(TAKE_EVERY) && pending() != 0 {
            doorbells += 1;
        }
        if count.is_multiple_of(REPORT_EVERY) {
            let _ = writeln!(Console, "count {} ({doorbells} doorbells)", count / REPORT_EVERY);
        }
        core::hint::spin_loop();
    }
}

fn flooder(end: &ChannelEnd) {
    let freq = timer::frequency();
    let _ = writeln!(Console, "quiet for {QUIET_S} s");
    let quiet_end = timer::counter() + QUIET_S * freq;
    while timer::counter() < quiet_end {
        core::hint::spin_loop();
    }
    let _ = writeln!(Console, "flood start: {FLOOD_S} s of Notify");
    let (mut accepted, mut refused, mut other) = (0u64, 0u64, 0u64);
    let end_at = timer::counter() + FLOOD_S * freq;
    while timer::counter() < end_at {
        match end.try_notify() {
            Ok(()) => accepted += 1,
            Err(Error::RateLimited) => refused += 1,
            Err(_) => other += 1,
        }
    }
    let _ = writeln!(Console, "flood end: {accepted} accepted, {refused} refused, {other} other errors");
}

fn main(_boot: domain_rt::Boot) {
    let mut buf = [0u8; 16];
    let role = params(&mut buf);
    let Some(end) = ChannelEnd::find(CHANNEL) else {
        let _ = writeln!(Console, "no channel `{CHANNEL}`");
        return;
    };
    match role {
        "victim" => victim(),
        "flooder" => flooder(&end),
        other => {
            let _ = writeln!(Console, "unknown role `{other}`");
        }
    }
}
