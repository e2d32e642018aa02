// SPDX-License-Identifier: MIT
//! Property test: random sequences of pushes and pops behave exactly like
//! a bounded queue of frames.

use bulkhead_ring::TestWindow;
use bulkhead_ring::*;
use proptest::prelude::*;
use std::collections::VecDeque;

#[derive(Debug, Clone)]
enum Op {
    Push(Vec<u8>),
    Pop,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..90).prop_map(Op::Push), Just(Op::Pop)]
}

proptest! {
    #[test]
    fn the_ring_is_a_bounded_frame_queue(capacity_log in 6u32..10, ops in prop::collection::vec(op(), 1..300)) {
        let layout = RingLayout { base: 0, capacity: 1 << capacity_log };
        let w = TestWindow::new(layout.footprint());
        let mut p = Producer::new(w.clone(), layout).unwrap();
        let mut c = Consumer::new(w, layout).unwrap();
        let mut model: VecDeque<Vec<u8>> = VecDeque::new();
        let span = |n: usize| (4 + n + 3) & !3;
        let mut buf = vec![0u8; 1024];
        for op in ops {
            match op {
                Op::Push(frame) => {
                    let used: usize = model.iter().map(|f| span(f.len())).sum();
                    let result = p.push(&frame);
                    if frame.len() > layout.max_payload() {
                        prop_assert_eq!(result, Err(RingError::TooLarge));
                    } else if used + span(frame.len()) > layout.capacity as usize {
                        prop_assert_eq!(result, Err(RingError::Full));
                    } else {
                        prop_assert_eq!(result, Ok(()));
                        model.push_back(frame);
                    }
                }
                Op::Pop => match model.pop_front() {
                    Some(expected) => prop_assert_eq!(c.pop(&mut buf).unwrap(), &expected[..]),
                    None => prop_assert_eq!(c.pop(&mut buf), Err(RingError::Empty)),
                },
            }
        }
    }

    #[test]
    fn any_scribbled_index_is_an_error_never_a_panic(producer_index in any::<u32>(), length in any::<u32>()) {
        let layout = RingLayout { base: 0, capacity: 256 };
        let w = TestWindow::new(layout.footprint());
        let mut c = Consumer::new(w.clone(), layout).unwrap();
        w.scribble(0, producer_index);
        w.scribble(RING_HEADER, length);
        let mut buf = [0u8; 256];
        match c.pop(&mut buf) {
            Ok(frame) => prop_assert!(frame.len() <= layout.max_payload()),
            Err(RingError::Empty | RingError::Broken(_) | RingError::BufferTooSmall { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }
}
