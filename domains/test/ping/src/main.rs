// SPDX-License-Identifier: MIT
//! `ping`: sends 10,000 checksummed messages to `pong` over the channel
//! `ping-pong` (a ring each way in its shared window, a doorbell each way)
//! and checks every answer; then both power off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_ring::{Consumer, Producer, RingError, RingLayout};
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, pending};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// Messages to exchange.
const ROUNDS: u32 = 10_000;
/// Ping to pong.
const TO_PONG: RingLayout = RingLayout { base: 0, capacity: 16 * 1024 };
/// Pong to ping.
const TO_PING: RingLayout = RingLayout { base: 32 * 1024, capacity: 16 * 1024 };

/// A message: sequence number, then a payload whose length and bytes
/// depend on it, then the sum of the payload bytes.
fn message(seq: u32, out: &mut [u8; 80]) -> usize {
    let len = 8 + (seq % 64) as usize;
    out[..4].copy_from_slice(&seq.to_le_bytes());
    let mut sum = 0u32;
    for (i, b) in out[8..len].iter_mut().enumerate() {
        *b = (seq as u8).wrapping_mul(31).wrapping_add(i as u8);
        sum = sum.wrapping_add(u32::from(*b));
    }
    out[4..8].copy_from_slice(&sum.to_le_bytes());
    len
}

/// Work that does not need the channel, to show this domain still runs.
fn carry_on() {
    let mut x = 1u64;
    for round in 1..=3 {
        for i in 0..100_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
        let _ = writeln!(Console, "still running ({round}, {})", x & 0xff);
    }
}

fn main(_boot: Boot) {
    let Some(end) = ChannelEnd::find("ping-pong") else {
        let _ = writeln!(Console, "no channel ping-pong");
        return;
    };
    let (Ok(mut tx), Ok(mut rx)) = (Producer::new(end.window(), TO_PONG), Consumer::new(end.window(), TO_PING)) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    let mut msg = [0u8; 80];
    let mut buf = [0u8; 128];
    for seq in 0..ROUNDS {
        let len = message(seq, &mut msg);
        loop {
            match tx.push(&msg[..len]) {
                Ok(()) => break,
                Err(RingError::Full) => domain_rt::wait_for_interrupt(),
                Err(e) => {
                    let _ = writeln!(Console, "send failed: {e:?}");
                    return;
                }
            }
        }
        end.notify();
        let answer = loop {
            pending();
            match rx.pop(&mut buf) {
                Ok(frame) => break frame,
                Err(RingError::Empty) => domain_rt::wait_for_interrupt(),
                Err(RingError::Broken(how)) => {
                    // A hostile peer: stop using the channel, keep working.
                    let _ = writeln!(Console, "channel broken after {seq} messages: {how:?}; carrying on");
                    carry_on();
                    return;
                }
                Err(e) => {
                    let _ = writeln!(Console, "receive failed: {e:?}");
                    return;
                }
            }
        };
        // Pong answers with the sequence number and the sum it computed.
        if answer.len() != 8 || answer[..8] != msg[..8] {
            let _ = writeln!(Console, "wrong answer to message {seq}");
            return;
        }
    }
    let _ = writeln!(Console, "{ROUNDS} checksummed round trips ok");
}
