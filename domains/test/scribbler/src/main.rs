// SPDX-License-Identifier: MIT
//! `scribbler`: a hostile peer. It holds the `pong` end of the channel
//! `ping-pong`, lets one honest exchange happen, then scribbles over its
//! side of the ring (a producer index far ahead, a frame length larger
//! than the ring) and rings the doorbell. The honest side must notice,
//! call the channel broken and carry on; then this domain powers off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_ring::{Consumer, Producer, RingError, RingLayout, Window};
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, pending};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

const TO_PONG: RingLayout = RingLayout { base: 0, capacity: 16 * 1024 };
const TO_PING: RingLayout = RingLayout { base: 32 * 1024, capacity: 16 * 1024 };

fn main(_boot: Boot) {
    let Some(end) = ChannelEnd::find("ping-pong") else { return };
    let (Ok(mut rx), Ok(mut tx)) = (Consumer::new(end.window(), TO_PONG), Producer::new(end.window(), TO_PING)) else {
        return;
    };
    let mut buf = [0u8; 128];
    // One honest answer, so that the peer sees the channel work first.
    let frame = loop {
        pending();
        match rx.pop(&mut buf) {
            Ok(frame) => break frame,
            Err(RingError::Empty) => domain_rt::wait_for_interrupt(),
            Err(_) => return,
        }
    };
    let mut answer = [0u8; 8];
    answer.copy_from_slice(&frame[..8]);
    if tx.push(&answer).is_err() {
        return;
    }
    end.notify();
    // Wait for the next message, then lie about our producer index.
    loop {
        pending();
        match rx.pop(&mut buf) {
            Ok(_) => break,
            Err(RingError::Empty) => domain_rt::wait_for_interrupt(),
            Err(_) => return,
        }
    }
    let window = end.window();
    window.store_release(TO_PING.base, 0x7fff_fff0);
    let _ = writeln!(Console, "scribbled over the ring");
    end.notify();
}
