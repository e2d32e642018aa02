// SPDX-License-Identifier: MIT
//! `pong`: answers each of `ping`'s messages with its sequence number and
//! the checksum it computed itself, then powers off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_ring::{Consumer, Producer, RingError, RingLayout};
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, pending};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

const ROUNDS: u32 = 10_000;
const TO_PONG: RingLayout = RingLayout { base: 0, capacity: 16 * 1024 };
const TO_PING: RingLayout = RingLayout { base: 32 * 1024, capacity: 16 * 1024 };

fn main(_boot: Boot) {
    let Some(end) = ChannelEnd::find("ping-pong") else {
        let _ = writeln!(Console, "no channel ping-pong");
        return;
    };
    let (Ok(mut rx), Ok(mut tx)) = (Consumer::new(end.window(), TO_PONG), Producer::new(end.window(), TO_PING)) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    let mut buf = [0u8; 128];
    let mut bad = 0u32;
    for expected in 0..ROUNDS {
        let frame = loop {
            pending();
            match rx.pop(&mut buf) {
                Ok(frame) => break frame,
                Err(RingError::Empty) => domain_rt::wait_for_interrupt(),
                Err(e) => {
                    let _ = writeln!(Console, "receive failed: {e:?}");
                    return;
                }
            }
        };
        let seq = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]);
        let stated = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
        let sum = frame[8..].iter().fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
        if seq != expected || sum != stated {
            bad += 1;
        }
        let mut answer = [0u8; 8];
        answer[..4].copy_from_slice(&seq.to_le_bytes());
        answer[4..].copy_from_slice(&sum.to_le_bytes());
        while let Err(e) = tx.push(&answer) {
            if e != RingError::Full {
                let _ = writeln!(Console, "send failed: {e:?}");
                return;
            }
            domain_rt::wait_for_interrupt();
        }
        end.notify();
    }
    let _ = writeln!(Console, "answered {ROUNDS} messages, {bad} bad");
}
