// SPDX-License-Identifier: MIT
//! N5: at most IN_FLIGHT (8) chains are taken; the rest stay in the
//! available ring until a completion frees a slot; requests are handed to
//! the domain oldest first; an `out` too short takes nothing; refused
//! chains take no slot; a reset forgets everything in flight.
//!
//! Owns that evidence; must not test message checks (n3, n4 do).

use bulkhead_ninep::Message;
use bulkhead_virtio_9p_device::{IN_FLIGHT, ReplyError};
use bulkhead_virtio_device::regs;

use crate::rig::{Rig, Seg, msg};

fn clunk(tag: u16) -> Vec<u8> {
    msg(tag, Message::Tclunk { fid: u32::from(tag) })
}

#[test]
fn bounded_and_in_order() {
    let mut r = Rig::up();
    for t in 0..12 {
        r.post(&[Seg::R(clunk(t)), Seg::W(64)]);
    }
    r.kick();
    assert_eq!((r.dev.device().in_flight(), r.dev.device().waiting()), (IN_FLIGHT, IN_FLIGHT));
    let tags: Vec<u16> = std::iter::from_fn(|| r.take().map(|t| t.0)).collect();
    assert_eq!(tags, (0..8).collect::<Vec<_>>());
    assert_eq!(r.total_posted - r.total_used - r.dev.device().in_flight(), 4, "four wait in the ring");
    r.kick();
    assert_eq!(r.dev.device().in_flight(), IN_FLIGHT, "a kick takes no more");
    r.complete(&msg(3, Message::Rclunk)).unwrap();
    assert_eq!(r.dev.device().in_flight(), IN_FLIGHT, "the freed slot is refilled");
    assert_eq!(r.take().map(|t| t.0), Some(8));
    assert_eq!(r.used().len(), 1);
    assert_eq!(r.total_posted - r.total_used - r.dev.device().in_flight(), 3);
}

#[test]
fn refused_chains_take_no_slot() {
    let mut r = Rig::up();
    for t in 0..7 {
        r.post(&[Seg::R(clunk(t)), Seg::W(64)]);
    }
    let mut lie = clunk(40);
    lie[0] = 99;
    r.post(&[Seg::R(lie), Seg::W(64)]);
    r.post(&[Seg::R(clunk(7)), Seg::W(64)]);
    r.kick();
    assert_eq!(r.dev.device().in_flight(), IN_FLIGHT);
    let used = r.used();
    assert_eq!((used.len(), used[0].1, used[0].2[4]), (1, 11, 7));
    assert_eq!(r.total_posted - r.total_used - r.dev.device().in_flight(), 0);
}

#[test]
fn short_out_takes_nothing() {
    let mut r = Rig::up();
    r.send(&clunk(1));
    let mut small = [0u8; 10];
    assert_eq!(r.dev.device().take_request(&mut small), None);
    let mut exact = [0u8; 11];
    assert_eq!(r.dev.device().take_request(&mut exact), Some((1, 11)));
    assert_eq!(exact.to_vec(), clunk(1));
}

#[test]
fn reset_forgets() {
    let mut r = Rig::up();
    r.send(&clunk(1));
    r.send(&clunk(2));
    r.take().unwrap();
    r.w(regs::STATUS, 0);
    assert_eq!((r.dev.device().in_flight(), r.dev.device().waiting()), (0, 0));
    r.bring_up();
    assert_eq!(r.take(), None);
    assert_eq!(r.complete(&msg(1, Message::Rclunk)), Err(ReplyError::UnknownTag(1)));
    r.send(&clunk(1));
    assert_eq!(r.take().map(|t| t.0), Some(1), "the tag is free again");
}
