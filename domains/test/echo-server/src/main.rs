// SPDX-License-Identifier: MIT
//! `echo-server`: answers each request on channel `echo` with its sequence
//! number and the checksum it computed itself. In its first life it
//! crashes on purpose (a panic: a fault, and the board restarts it) after
//! [`CRASH_AFTER`] requests, so that the reconnect test sees a restart in
//! the middle of a conversation. It powers off when the client says bye.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_ring::{Hello, Link, LinkError, RingError, RingLayout, Version};
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, pending};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// Requests answered before the first life crashes.
const CRASH_AFTER: u32 = 300;
/// The request that ends the conversation.
const BYE: u32 = u32::MAX;
const TO_SERVER: RingLayout = RingLayout { base: 4096, capacity: 8192 };
const TO_CLIENT: RingLayout = RingLayout { base: 16384, capacity: 8192 };
const HELLO: Hello = Hello { version: Version { major: 1, minor: 2 }, features: 0b0111 };

fn main(boot: Boot) {
    let Some(end) = ChannelEnd::find("echo") else {
        let _ = writeln!(Console, "no channel echo");
        return;
    };
    let window = end.window();
    let Ok(mut link) = Link::connect(&window, end.info.end as u8, end.epoch(), HELLO, TO_CLIENT, TO_SERVER) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    end.notify();
    let _ = writeln!(Console, "life {}: listening in epoch {}", boot.restarts + 1, link.epoch());
    let mut buf = [0u8; 64];
    let mut answered = 0u32;
    loop {
        pending();
        if link.follow(end.epoch()).unwrap_or(false) {
            end.notify();
        }
        let request = match link.pop(&mut buf) {
            Ok(frame) if frame.len() >= 8 => {
                let word = |at: usize| u32::from_le_bytes([frame[at], frame[at + 1], frame[at + 2], frame[at + 3]]);
                let sum = frame[8..].iter().fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
                (word(0), if sum == word(4) { sum } else { !sum })
            }
            Ok(_) => {
                let _ = writeln!(Console, "short request");
                return;
            }
            Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => {
                domain_rt::wait_for_interrupt();
                continue;
            }
            Err(e) => {
                let _ = writeln!(Console, "receive failed: {e:?}");
                return;
            }
        };
        if request.0 == BYE {
            let _ = writeln!(Console, "bye after {answered} answers in this life");
            domain_rt::system_off();
        }
        let mut answer = [0u8; 8];
        answer[..4].copy_from_slice(&request.0.to_le_bytes());
        answer[4..].copy_from_slice(&request.1.to_le_bytes());
        loop {
            match link.push(&answer) {
                Ok(()) => break,
                Err(LinkError::Ring(RingError::Full)) => domain_rt::wait_for_interrupt(),
                // The client went away: its request dies with its epoch.
                Err(LinkError::Down) => break,
                Err(e) => {
                    let _ = writeln!(Console, "send failed: {e:?}");
                    return;
                }
            }
        }
        end.notify();
        answered += 1;
        if boot.restarts == 0 && answered == CRASH_AFTER {
            // Crash once the client has taken this answer, so that the
            // conversation resumes at a known request (a stop ends the
            // epoch: an answer still in the ring would be lost, and the
            // client would resend its request).
            while link.flushed() == Ok(false) {
                core::hint::spin_loop();
            }
            panic!("crashing on purpose after {answered} answers");
        }
    }
}
