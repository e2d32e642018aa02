// SPDX-License-Identifier: MIT
//! Channel lifecycle: handshake, epochs, a side restarting, stale writes
//! from an old epoch, and corruption that is not a restart.

use bulkhead_ring::TestWindow;
use bulkhead_ring::*;

const A_TO_B: RingLayout = RingLayout { base: LINK_HEADER, capacity: 256 };
const B_TO_A: RingLayout = RingLayout { base: LINK_HEADER + 512, capacity: 256 };
const V1: Version = Version { major: 1, minor: 0 };
const HELLO: Hello = Hello { version: V1, features: 0b1011 };

fn window() -> TestWindow {
    TestWindow::new(2048)
}

fn end_a(w: &TestWindow, epoch: u32) -> Link<TestWindow> {
    Link::connect(w.clone(), 0, epoch, HELLO, A_TO_B, B_TO_A).unwrap()
}

fn end_b(w: &TestWindow, epoch: u32, hello: Hello) -> Link<TestWindow> {
    Link::connect(w.clone(), 1, epoch, hello, B_TO_A, A_TO_B).unwrap()
}

#[test]
fn a_link_is_down_until_both_ends_connect_in_the_same_epoch() {
    let w = window();
    let mut a = end_a(&w, 1);
    assert_eq!(a.poll(), Err(LinkError::Down));
    assert_eq!(a.push(b"early"), Err(LinkError::Down), "nothing is sent into a link that is down");
    let mut b = end_b(&w, 1, Hello { version: Version { major: 1, minor: 3 }, features: 0b0110 });
    let agreed = a.poll().unwrap();
    assert_eq!(agreed, Agreed { epoch: 1, peer: Version { major: 1, minor: 3 }, features: 0b0010 });
    assert_eq!(b.poll().unwrap().features, 0b0010, "both ends agree on the features both offer");
    a.push(b"hello").unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(b.pop(&mut buf).unwrap(), b"hello");
}

#[test]
fn different_major_versions_do_not_connect() {
    let w = window();
    let mut a = end_a(&w, 1);
    let mut b = end_b(&w, 1, Hello { version: Version { major: 2, minor: 0 }, features: 0 });
    assert_eq!(a.poll(), Err(LinkError::Incompatible { ours: V1, theirs: Version { major: 2, minor: 0 } }));
    assert!(matches!(b.poll(), Err(LinkError::Incompatible { .. })));
    assert!(a.push(b"x").is_err());
}

#[test]
fn different_epochs_do_not_connect() {
    let w = window();
    let mut a = end_a(&w, 1);
    let mut b = end_b(&w, 2, HELLO);
    assert_eq!(a.poll(), Err(LinkError::Down));
    assert_eq!(b.poll(), Err(LinkError::Down));
    assert_eq!(a.follow(2), Ok(true));
    assert_eq!(a.follow(2), Ok(false), "following the same epoch again changes nothing");
    assert!(a.poll().is_ok() && b.poll().is_ok());
}

#[test]
fn after_a_restart_the_pair_reconnects_and_old_frames_are_gone() {
    let w = window();
    let mut a = end_a(&w, 1);
    let mut b = end_b(&w, 1, HELLO);
    let mut buf = [0u8; 64];
    for i in 0..5u8 {
        a.push(&[i; 9]).unwrap();
    }
    assert_eq!(b.pop(&mut buf).unwrap(), [0u8; 9]);
    // B's domain stops; the kernel moves the channel to epoch 2; B's new
    // life connects there (its ring indices go back to 0).
    let mut b = end_b(&w, 2, HELLO);
    assert_eq!(b.pop(&mut buf), Err(LinkError::Down), "A has not followed yet");
    // A, still in epoch 1, sees the link down (not a broken ring) even
    // though B's indices jumped back.
    assert_eq!(a.push(b"stale"), Err(LinkError::Down));
    assert_eq!(a.pop(&mut buf), Err(LinkError::Down));
    // A's doorbell rang; it asks the kernel and follows.
    assert_eq!(a.follow(2), Ok(true));
    assert_eq!(b.pop(&mut buf), Err(LinkError::Ring(RingError::Empty)), "frames of epoch 1 are gone");
    a.push(b"epoch two").unwrap();
    assert_eq!(b.pop(&mut buf).unwrap(), b"epoch two");
    b.push(b"reply").unwrap();
    assert_eq!(a.pop(&mut buf).unwrap(), b"reply");
}

#[test]
fn a_survivor_that_follows_first_waits_for_the_new_life() {
    let w = window();
    let mut a = end_a(&w, 1);
    let _old_b = end_b(&w, 1, HELLO);
    a.poll().unwrap();
    // The kernel bumps the epoch when B stops, before B's new life runs:
    // A follows at once, while B's old block still says epoch 1.
    assert_eq!(a.follow(2), Ok(true));
    assert_eq!(a.poll(), Err(LinkError::Down));
    let mut b = end_b(&w, 2, HELLO);
    a.poll().unwrap();
    b.push(b"back").unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(a.pop(&mut buf).unwrap(), b"back");
}

#[test]
fn what_a_stale_peer_writes_is_never_taken_as_a_message() {
    let w = window();
    let mut a = end_a(&w, 1);
    let _old_b = end_b(&w, 1, HELLO);
    a.poll().unwrap();
    // B restarts into epoch 2 and A follows; then a stale write of A's
    // old life lands: a frame and a producer index, as if published.
    let mut b2 = end_b(&w, 2, HELLO);
    assert_eq!(a.follow(2), Ok(true));
    // A half-written frame in A's ring, never published in epoch 2.
    w.write(A_TO_B.base + RING_HEADER, &12u32.to_le_bytes());
    w.write(A_TO_B.base + RING_HEADER + 4, b"half-written");
    let mut buf = [0u8; 64];
    assert_eq!(b2.pop(&mut buf), Err(LinkError::Ring(RingError::Empty)));
    // Whereas before A follows, a stale index in A's ring is not read at
    // all: B only reads rings of a peer that is READY in its epoch.
    let mut b3 = end_b(&w, 3, HELLO);
    w.scribble(A_TO_B.base, 16);
    assert_eq!(b3.pop(&mut buf), Err(LinkError::Down));
}

#[test]
fn corruption_within_an_epoch_is_a_broken_ring_not_a_restart() {
    let w = window();
    let mut a = end_a(&w, 1);
    let mut b = end_b(&w, 1, HELLO);
    a.poll().unwrap();
    a.push(b"ok").unwrap();
    w.scribble(A_TO_B.base, 0x1000_0000);
    let mut buf = [0u8; 16];
    assert!(matches!(b.pop(&mut buf), Err(LinkError::Ring(RingError::Broken(_)))));
    assert!(matches!(b.pop(&mut buf), Err(LinkError::Ring(RingError::Broken(_)))), "it stays broken");
    // A new epoch gives fresh rings.
    let mut a = end_a(&w, 2);
    assert_eq!(b.follow(2), Ok(true));
    a.push(b"fresh").unwrap();
    assert_eq!(b.pop(&mut buf).unwrap(), b"fresh");
}

#[test]
fn bad_setups_are_refused() {
    let w = window();
    let hello = HELLO;
    assert_eq!(Link::connect(w.clone(), 2, 1, hello, A_TO_B, B_TO_A).err(), Some(SetupError::NoSuchEnd));
    let setup = |tx, rx| Link::connect(w.clone(), 0, 1, hello, tx, rx).err();
    let over_blocks = RingLayout { base: 64, capacity: 256 };
    assert_eq!(setup(over_blocks, B_TO_A), Some(SetupError::OverLinkBlocks));
    assert_eq!(setup(A_TO_B, over_blocks), Some(SetupError::OverLinkBlocks));
    let overlapping = RingLayout { base: LINK_HEADER + 256, capacity: 256 };
    assert_eq!(setup(A_TO_B, overlapping), Some(SetupError::Overlap));
    assert_eq!(setup(overlapping, A_TO_B), Some(SetupError::Overlap));
    let overlaps_b_to_a = RingLayout { base: LINK_HEADER, capacity: 4096 };
    assert_eq!(setup(overlaps_b_to_a, B_TO_A), Some(SetupError::Overlap));
    let too_big = RingLayout { base: LINK_HEADER + 512, capacity: 4096 };
    assert_eq!(setup(A_TO_B, too_big), Some(SetupError::Layout(LayoutError::OutsideWindow)));
    let odd_capacity = RingLayout { base: LINK_HEADER + 512, capacity: 100 };
    assert_eq!(setup(A_TO_B, odd_capacity), Some(SetupError::Layout(LayoutError::BadCapacity)));
    let misaligned = RingLayout { base: LINK_HEADER + 514, capacity: 256 };
    assert_eq!(setup(A_TO_B, misaligned), Some(SetupError::Layout(LayoutError::Misaligned)));
}

#[test]
fn a_stop_loses_unread_frames_unless_the_sender_waits_until_flushed() {
    let w = window();
    let mut a = end_a(&w, 1);
    let mut b = end_b(&w, 1, HELLO);
    let mut buf = [0u8; 64];
    a.push(b"bye").unwrap();
    assert_eq!(a.flushed(), Ok(false), "the peer has not taken the bye yet");
    // The sender stops now: the kernel moves the channel to epoch 2 and the
    // survivor follows it before popping. The bye is gone.
    assert_eq!(b.follow(2), Ok(true));
    let _a2 = end_a(&w, 2);
    assert_eq!(b.pop(&mut buf), Err(LinkError::Ring(RingError::Empty)), "nothing of epoch 1 is read");
    // The sender that waits until flushed: the peer takes the bye first.
    let mut a = end_a(&w, 3);
    let mut b = end_b(&w, 3, HELLO);
    a.push(b"bye").unwrap();
    assert_eq!(b.pop(&mut buf).unwrap(), b"bye");
    assert_eq!(a.flushed(), Ok(true));
    // A peer that left our epoch will never take anything.
    let _b4 = end_b(&w, 4, HELLO);
    assert_eq!(a.flushed(), Err(LinkError::Down));
}
