// SPDX-License-Identifier: MIT
//! The ring's consumer against a peer that the fuzz input controls.
//!
//! The input chooses a ring layout, then a script of steps: an honest
//! producer pushes frames, the consumer pops into buffers of any size, and a
//! hostile peer overwrites the producer index, frame headers, payload bytes
//! or the consumer index. The window ([`FuzzWindow`]) fails the target on
//! any access outside what each end may touch. Invariants:
//! - nothing panics, and a pop never takes more than the producer published;
//! - once an end reports `Broken`, every later call reports the same
//!   corruption and `is_broken()` stays true;
//! - only a ring the peer tampered with is ever reported broken;
//! - until the peer tampers with the ring, frames come out exactly
//!   as pushed, in order, `Full` happens exactly when a frame does not fit,
//!   and `BufferTooSmall` leaves the frame in the ring.
#![no_main]

use bulkhead_fuzz::window::{CONSUMER_INDEX, FuzzWindow, PRODUCER_INDEX, Shared, Side};
use bulkhead_ring::{Consumer, Corruption, FRAME_HEADER, Producer, RING_HEADER, RingError, RingLayout};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::rc::Rc;

/// Steps per input, so that a long input cannot run for ever.
const MAX_STEPS: usize = 4096;

/// Ring bytes a frame of `len` payload bytes occupies.
fn span(len: usize) -> u32 {
    u32::try_from((FRAME_HEADER + len + 3) & !3).expect("small")
}

/// What the ring must hold, as far as the honest ends know.
struct Model {
    layout: RingLayout,
    window: Rc<Shared>,
    /// Frames pushed and not yet popped (meaningful while `!tampered`).
    frames: VecDeque<Vec<u8>>,
    /// The producer's free-running index.
    produced: u32,
    /// The consumer's free-running index.
    consumed: u32,
    /// The peer wrote an index or the data area.
    tampered: bool,
    /// The first corruption each end reported.
    consumer_broken: Option<Corruption>,
    producer_broken: Option<Corruption>,
}

impl Model {
    fn producer_index(&self) -> usize {
        self.layout.base + PRODUCER_INDEX
    }

    fn consumer_index(&self) -> usize {
        self.layout.base + CONSUMER_INDEX
    }

    fn data(&self) -> usize {
        self.layout.base + RING_HEADER
    }

    fn pop(&mut self, consumer: &mut Consumer<FuzzWindow>, buf_len: usize) {
        let mut buf = vec![0u8; buf_len];
        let theirs = self.window.word(self.producer_index());
        let published = theirs.wrapping_sub(self.consumed);
        let result = consumer.pop(&mut buf);
        if let Some(c) = self.consumer_broken {
            assert_eq!(result, Err(RingError::Broken(c)), "a broken consumer recovered");
            assert!(consumer.is_broken());
            return;
        }
        match result {
            Ok(frame) => {
                let len = frame.len();
                assert!(len <= buf_len && len <= self.layout.max_payload(), "frame of {len} bytes");
                assert!(span(len) <= published, "took {} bytes, {published} published", span(len));
                if !self.tampered {
                    let expected = self.frames.pop_front().expect("a frame came out of an empty ring");
                    assert_eq!(frame, &expected[..], "frames came out changed or out of order");
                }
                self.consumed = self.consumed.wrapping_add(span(len));
                assert_eq!(self.window.word(self.consumer_index()), self.consumed, "consumer index not published");
            }
            Err(RingError::Empty) => {
                assert_eq!(published, 0, "Empty with {published} bytes published");
                assert!(self.tampered || self.frames.is_empty(), "Empty with frames in the ring");
            }
            Err(RingError::BufferTooSmall { needed }) => {
                assert!(needed > buf_len && needed <= self.layout.max_payload(), "needed {needed}, buffer {buf_len}");
                if !self.tampered {
                    assert_eq!(Some(needed), self.frames.front().map(Vec::len));
                }
            }
            Err(RingError::Broken(c)) => {
                assert!(self.tampered, "an untampered ring was reported broken: {c:?}");
                match c {
                    Corruption::IndexOutOfRange { ours, theirs: seen } => {
                        assert_eq!((ours, seen), (self.consumed, theirs));
                    }
                    Corruption::LengthOutOfRange { available, .. } => assert_eq!(available, published),
                }
                self.consumer_broken = Some(c);
            }
            Err(e @ (RingError::Full | RingError::TooLarge)) => panic!("pop returned {e:?}"),
        }
        assert_eq!(consumer.is_broken(), self.consumer_broken.is_some());
    }

    fn push(&mut self, producer: &mut Producer<FuzzWindow>, payload: &[u8]) {
        let honest = !self.tampered;
        let result = producer.push(payload);
        if payload.len() > self.layout.max_payload() {
            assert_eq!(result, Err(RingError::TooLarge));
            return;
        }
        if let Some(c) = self.producer_broken {
            assert_eq!(result, Err(RingError::Broken(c)), "a broken producer recovered");
            return;
        }
        let in_flight = u64::from(self.produced.wrapping_sub(self.consumed));
        let fits = in_flight + u64::from(span(payload.len())) <= u64::from(self.layout.capacity);
        match result {
            Ok(()) => {
                assert!(!honest || fits, "pushed a frame that does not fit");
                self.produced = self.produced.wrapping_add(span(payload.len()));
                self.frames.push_back(payload.to_vec());
            }
            Err(RingError::Full) => assert!(!honest || !fits, "Full with room for the frame"),
            Err(RingError::Broken(c)) => {
                assert!(!honest, "an untampered ring was reported broken: {c:?}");
                self.producer_broken = Some(c);
            }
            Err(e) => panic!("push returned {e:?}"),
        }
        assert_eq!(producer.is_broken(), self.producer_broken.is_some());
    }
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let layout = RingLayout { base: 4 * u.int_in_range(0..=31)?, capacity: 64 << u.int_in_range(0..=6)? };
    let slack: usize = u.int_in_range(0..=64)?;
    let window = Shared::new(layout.base + layout.footprint() + slack, layout);
    let mut consumer = Consumer::new(window.end(Side::Consumer), layout).expect("valid layout");
    let mut producer = Producer::new(window.end(Side::Producer), layout).expect("valid layout");
    let mut m = Model {
        layout,
        window,
        frames: VecDeque::new(),
        produced: 0,
        consumed: 0,
        tampered: false,
        consumer_broken: None,
        producer_broken: None,
    };
    let capacity = layout.capacity as usize;
    for _ in 0..MAX_STEPS {
        if u.is_empty() {
            break;
        }
        match u.int_in_range(0..=7u8)? {
            0 | 1 => {
                let len: usize = u.int_in_range(0..=capacity)?;
                let seed: u8 = u.arbitrary()?;
                let payload: Vec<u8> = (0..len).map(|i| seed.wrapping_add(i as u8)).collect();
                m.push(&mut producer, &payload);
            }
            2 | 3 => {
                let buf_len = u.int_in_range(0..=capacity + 8)?;
                m.pop(&mut consumer, buf_len);
            }
            4 => {
                // Any producer index, or one near ours.
                let theirs = if u.arbitrary()? {
                    u.arbitrary()?
                } else {
                    m.consumed.wrapping_add_signed(u.int_in_range(-16..=(capacity as i32 + 16))?)
                };
                m.window.poke(m.producer_index(), &theirs.to_le_bytes());
                m.tampered = true;
            }
            5 => {
                // A forged length in the next frame's header.
                let length: u32 =
                    if u.arbitrary()? { u.arbitrary()? } else { u.int_in_range(0..=layout.capacity + 8)? };
                let at = m.data() + (m.consumed as usize & (capacity - 1));
                m.window.poke(at, &length.to_le_bytes());
                m.tampered = true;
            }
            6 => {
                let at = m.data() + u.int_in_range(0..=capacity - 1)?;
                let len = u.int_in_range(0..=16)?;
                let bytes = u.bytes(len.min(u.len()))?;
                m.window.poke(at, bytes);
                m.tampered = true;
            }
            _ => {
                let theirs: u32 = u.arbitrary()?;
                m.window.poke(m.consumer_index(), &theirs.to_le_bytes());
                m.tampered = true;
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
