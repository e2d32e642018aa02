// SPDX-License-Identifier: MIT
//! `echo-client`: sends [`TOTAL`] checksummed requests over channel `echo`
//! and checks every answer. When the server restarts, the channel's epoch
//! changes: the client follows it, reconnects (handshake: version and
//! features), resends the request that was in flight and carries on. Then
//! it says bye, waits until the server has taken it (a stop ends the
//! epoch: an unread bye would be lost) and powers off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_ring::{Hello, Link, LinkError, RingError, RingLayout, Version, Window};
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, pending};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

const TOTAL: u32 = 1000;
const BYE: u32 = u32::MAX;
const TO_SERVER: RingLayout = RingLayout { base: 4096, capacity: 8192 };
const TO_CLIENT: RingLayout = RingLayout { base: 16384, capacity: 8192 };
const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0b1101 };

/// A request: sequence number, checksum, then bytes derived from both.
fn request(seq: u32, out: &mut [u8; 48]) -> usize {
    let len = 8 + (seq % 40) as usize;
    out[..4].copy_from_slice(&seq.to_le_bytes());
    let mut sum = 0u32;
    for (i, b) in out[8..len].iter_mut().enumerate() {
        *b = (seq as u8).wrapping_mul(13).wrapping_add(i as u8);
        sum = sum.wrapping_add(u32::from(*b));
    }
    out[4..8].copy_from_slice(&sum.to_le_bytes());
    len
}

/// Waits until the link is up in the kernel's current epoch; reports each
/// handshake.
fn wait_up<W: Window + Clone>(link: &mut Link<W>, end: &ChannelEnd) -> Result<(), LinkError> {
    loop {
        pending();
        if link.follow(end.epoch()).unwrap_or(false) {
            end.notify();
        }
        match link.poll() {
            Ok(_) => return Ok(()),
            Err(LinkError::Down) => domain_rt::wait_for_interrupt(),
            Err(e) => return Err(e),
        }
    }
}

/// What became of one request.
enum Outcome {
    /// Answered correctly.
    Answered,
    /// The link went down first: send it again in the new epoch.
    Lost,
}

fn exchange<W: Window + Clone>(link: &mut Link<W>, end: &ChannelEnd, seq: u32) -> Result<Outcome, LinkError> {
    let mut msg = [0u8; 48];
    let len = request(seq, &mut msg);
    loop {
        match link.push(&msg[..len]) {
            Ok(()) => break,
            Err(LinkError::Ring(RingError::Full)) => domain_rt::wait_for_interrupt(),
            Err(LinkError::Down) => return Ok(Outcome::Lost),
            Err(e) => return Err(e),
        }
    }
    end.notify();
    let mut buf = [0u8; 16];
    loop {
        pending();
        if end.epoch() != link.epoch() {
            return Ok(Outcome::Lost);
        }
        match link.pop(&mut buf) {
            Ok(answer) if answer.len() == 8 && answer[..8] == msg[..8] => return Ok(Outcome::Answered),
            Ok(_) => {
                let _ = writeln!(Console, "wrong answer to request {seq}");
                return Err(LinkError::BadPeerBlock);
            }
            Err(LinkError::Ring(RingError::Empty)) => domain_rt::wait_for_interrupt(),
            Err(LinkError::Down) => return Ok(Outcome::Lost),
            Err(e) => return Err(e),
        }
    }
}

fn main(_boot: Boot) {
    let Some(end) = ChannelEnd::find("echo") else {
        let _ = writeln!(Console, "no channel echo");
        return;
    };
    let window = end.window();
    let Ok(mut link) = Link::connect(&window, end.info.end as u8, end.epoch(), HELLO, TO_SERVER, TO_CLIENT) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    end.notify();
    let mut reconnects = 0u32;
    let mut resent = 0u32;
    let mut seq = 0u32;
    let mut epoch = 0u32;
    while seq < TOTAL {
        if let Err(e) = wait_up(&mut link, &end) {
            let _ = writeln!(Console, "cannot connect: {e:?}");
            return;
        }
        if link.epoch() != epoch {
            if epoch != 0 {
                reconnects += 1;
            }
            epoch = link.epoch();
            if let Ok(agreed) = link.poll() {
                let _ = writeln!(
                    Console,
                    "connected in epoch {} at request {seq}: server version {}.{}, features {:#06b}",
                    agreed.epoch, agreed.peer.major, agreed.peer.minor, agreed.features
                );
            }
        }
        match exchange(&mut link, &end, seq) {
            Ok(Outcome::Answered) => seq += 1,
            Ok(Outcome::Lost) => resent += 1,
            Err(e) => {
                let _ = writeln!(Console, "request {seq} failed: {e:?}");
                return;
            }
        }
    }
    let _ = writeln!(Console, "{TOTAL} requests answered, {reconnects} reconnect(s), {resent} resent");
    let bye = BYE.to_le_bytes();
    let mut bye_msg = [0u8; 8];
    bye_msg[..4].copy_from_slice(&bye);
    let _ = link.push(&bye_msg);
    end.notify();
    // Powering off moves the channel to a new epoch, in which the server
    // would never read the bye (bulkhead_ring::link: a stop ends the
    // epoch): stop only once the server has taken it, or has left.
    loop {
        match link.flushed() {
            Ok(true) | Err(LinkError::Down) => break,
            Ok(false) => domain_rt::wait_for_interrupt(),
            Err(e) => {
                let _ = writeln!(Console, "bye not delivered: {e:?}");
                break;
            }
        }
    }
}
