// SPDX-License-Identifier: MIT
//! Behaviour of the ring: frames, wrap-around, back-pressure, hostile
//! peers, messages, bulk references, and two threads at once.

use bulkhead_ring::TestWindow;
use bulkhead_ring::*;
use serde::{Deserialize, Serialize};

const LAYOUT: RingLayout = RingLayout { base: 0, capacity: 256 };

fn pair() -> (Producer<TestWindow>, Consumer<TestWindow>, TestWindow) {
    let w = TestWindow::new(LAYOUT.footprint());
    let p = Producer::new(w.clone(), LAYOUT).unwrap();
    let c = Consumer::new(w.clone(), LAYOUT).unwrap();
    (p, c, w)
}

#[test]
fn frames_come_out_in_order() {
    let (mut p, mut c, _) = pair();
    let mut buf = [0u8; 256];
    assert_eq!(c.pop(&mut buf), Err(RingError::Empty));
    p.push(b"one").unwrap();
    p.push(b"").unwrap();
    p.push(b"three!").unwrap();
    assert_eq!(c.pop(&mut buf).unwrap(), b"one");
    assert_eq!(c.pop(&mut buf).unwrap(), b"");
    assert_eq!(c.pop(&mut buf).unwrap(), b"three!");
    assert_eq!(c.pop(&mut buf), Err(RingError::Empty));
}

#[test]
fn frames_wrap_around_the_end() {
    let (mut p, mut c, _) = pair();
    let mut buf = [0u8; 256];
    for round in 0..100u32 {
        let frame: Vec<u8> = (0..(37 + round % 50)).map(|i| (i as u8) ^ (round as u8)).collect();
        p.push(&frame).unwrap();
        assert_eq!(c.pop(&mut buf).unwrap(), &frame[..], "round {round}");
    }
}

#[test]
fn a_full_ring_pushes_back_and_recovers() {
    let (mut p, mut c, _) = pair();
    let mut pushed = 0;
    while p.push(&[7u8; 60]).is_ok() {
        pushed += 1;
    }
    assert_eq!(pushed, 4, "four 64-byte frames fill 256 bytes");
    assert_eq!(p.push(&[7u8; 60]), Err(RingError::Full));
    let mut buf = [0u8; 64];
    c.pop(&mut buf).unwrap();
    p.push(&[8u8; 60]).unwrap();
    assert_eq!(p.push(&[],), Err(RingError::Full));
}

#[test]
fn oversize_frames_and_small_buffers() {
    let (mut p, mut c, _) = pair();
    assert_eq!(p.push(&[0u8; 253]), Err(RingError::TooLarge));
    p.push(&[1u8; 252]).unwrap();
    let mut small = [0u8; 10];
    assert_eq!(c.pop(&mut small), Err(RingError::BufferTooSmall { needed: 252 }));
    let mut big = [0u8; 252];
    assert_eq!(c.pop(&mut big).unwrap(), &[1u8; 252][..], "the frame stayed in the ring");
}

#[test]
fn a_producer_index_beyond_the_ring_breaks_it_for_good() {
    let (mut p, mut c, w) = pair();
    p.push(b"fine").unwrap();
    w.scribble(0, 10_000);
    let mut buf = [0u8; 64];
    assert!(matches!(c.pop(&mut buf), Err(RingError::Broken(Corruption::IndexOutOfRange { .. }))));
    w.scribble(0, 8);
    assert!(matches!(c.pop(&mut buf), Err(RingError::Broken(_))), "broken is sticky");
    assert!(c.is_broken());
}

#[test]
fn a_misaligned_index_breaks_it() {
    let (_p, mut c, w) = pair();
    w.scribble(0, 3);
    assert!(matches!(c.pop(&mut [0u8; 8]), Err(RingError::Broken(_))));
}

#[test]
fn a_lying_length_breaks_it() {
    let (mut p, mut c, w) = pair();
    p.push(b"abcd").unwrap();
    w.scribble(RING_HEADER, 200);
    assert!(matches!(
        c.pop(&mut [0u8; 256]),
        Err(RingError::Broken(Corruption::LengthOutOfRange { length: 200, available: 8 }))
    ));
}

#[test]
fn a_consumer_index_ahead_of_the_producer_breaks_it() {
    let (mut p, _c, w) = pair();
    w.scribble(64, 1_000);
    assert!(matches!(p.push(b"x"), Err(RingError::Broken(_))));
    assert!(p.is_broken());
}

#[test]
fn scribbling_over_our_own_published_index_changes_nothing() {
    let (mut p, mut c, w) = pair();
    p.push(b"a").unwrap();
    w.scribble(64, 0); // the consumer's index, rewritten to what it was
    p.push(b"b").unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(c.pop(&mut buf).unwrap(), b"a");
    w.scribble(64, 0); // rewinds the consumer's *published* index
    assert_eq!(c.pop(&mut buf).unwrap(), b"b", "the consumer trusts its own copy");
}

#[test]
fn layouts_are_checked() {
    let w = TestWindow::new(1024);
    assert_eq!(Producer::new(w.clone(), RingLayout { base: 0, capacity: 100 }).err(), Some(LayoutError::BadCapacity));
    assert_eq!(Producer::new(w.clone(), RingLayout { base: 2, capacity: 64 }).err(), Some(LayoutError::Misaligned));
    assert_eq!(Producer::new(w, RingLayout { base: 0, capacity: 1024 }).err(), Some(LayoutError::OutsideWindow));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Msg<'a> {
    Hello { version: u16 },
    Text(&'a str),
    Bulk(DataRef),
}

#[test]
fn messages_round_trip_and_garbage_is_refused() {
    let (mut p, mut c, _) = pair();
    let mut scratch = [0u8; 64];
    p.send(&Msg::Hello { version: 3 }, &mut scratch).unwrap();
    p.send(&Msg::Text("hi"), &mut scratch).unwrap();
    p.push(&[0xff, 0xff, 0xff]).unwrap();
    let mut buf = [0u8; 64];
    assert_eq!(c.receive::<Msg<'_>>(&mut buf), Ok(Msg::Hello { version: 3 }));
    assert_eq!(c.receive::<Msg<'_>>(&mut buf), Ok(Msg::Text("hi")));
    assert_eq!(c.receive::<Msg<'_>>(&mut buf), Err(MessageError::Undecodable));
    assert_eq!(c.receive::<Msg<'_>>(&mut buf), Err(MessageError::Ring(RingError::Empty)), "garbage was consumed");
}

#[test]
fn bulk_references_are_checked_before_any_byte_moves() {
    let w = TestWindow::new(4096);
    let area = DataArea { base: 1024, size: 2048 };
    let r = DataRef { offset: 100, len: 5 };
    area.put(&w, r, b"pixel").unwrap();
    let mut out = [0u8; 5];
    area.get(&w, r, &mut out).unwrap();
    assert_eq!(&out, b"pixel");
    assert!(area.resolve(DataRef { offset: 2046, len: 4 }).is_err());
    assert!(area.resolve(DataRef { offset: u32::MAX, len: u32::MAX }).is_err());
    assert!(area.get(&w, DataRef { offset: 0, len: 4 }, &mut out).is_err(), "length mismatch");
}

#[test]
fn two_threads_carry_ten_thousand_checksummed_messages() {
    let layout = RingLayout { base: 0, capacity: 1024 };
    let w = TestWindow::new(layout.footprint());
    let mut p = Producer::new(w.clone(), layout).unwrap();
    let mut c = Consumer::new(w, layout).unwrap();
    let producer = std::thread::spawn(move || {
        for i in 0..10_000u32 {
            let body: Vec<u8> = (0..(i % 64)).map(|k| (i.wrapping_mul(31) ^ k) as u8).collect();
            let sum: u32 = body.iter().map(|&b| u32::from(b)).sum();
            let mut frame = i.to_le_bytes().to_vec();
            frame.extend_from_slice(&sum.to_le_bytes());
            frame.extend_from_slice(&body);
            loop {
                match p.push(&frame) {
                    Ok(()) => break,
                    Err(RingError::Full) => std::thread::yield_now(),
                    Err(e) => panic!("{e:?}"),
                }
            }
        }
    });
    let mut buf = [0u8; 128];
    let mut next = 0u32;
    while next < 10_000 {
        match c.pop(&mut buf) {
            Ok(frame) => {
                let seq = u32::from_le_bytes(frame[..4].try_into().unwrap());
                let sum = u32::from_le_bytes(frame[4..8].try_into().unwrap());
                assert_eq!(seq, next);
                assert_eq!(sum, frame[8..].iter().map(|&b| u32::from(b)).sum::<u32>());
                next += 1;
            }
            Err(RingError::Empty) => std::thread::yield_now(),
            Err(e) => panic!("{e:?}"),
        }
    }
    producer.join().unwrap();
}
