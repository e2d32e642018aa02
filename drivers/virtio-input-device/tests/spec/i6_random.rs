// SPDX-License-Identifier: MIT
//! I6: random interleavings of input events, buffer posts and kicks never
//! panic; what the guest receives is, in order, exactly the whole sequences
//! of the accepted events; a refused event changes nothing but the count.
//!
//! Owns that evidence; must not test single behaviours (i1..i5 do).

use bulkhead_input::{Event, Touch};
use bulkhead_virtio_input_device::evdev::EvdevEvent;
use bulkhead_virtio_input_device::{Kind, PENDING_MAX};
use proptest::prelude::*;

use crate::rig::{Rig, SIZE};

#[derive(Clone, Debug)]
enum Op {
    Key(u16, bool),
    Touch(u8, u8, i32, i32),
    Post(u16),
    Kick,
    Flush,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (prop::sample::select(vec![1u16, 2, 30, 164, 0x110]), any::<bool>()).prop_map(|(c, p)| Op::Key(c, p)),
        4 => (0u8..12, 0u8..6, -5i32..2000, -5i32..2000).prop_map(|(c, w, x, y)| Op::Touch(c, w, x, y)),
        1 => (0u16..16).prop_map(Op::Post),
        1 => Just(Op::Kick),
        1 => Just(Op::Flush),
    ]
}

fn touch(c: u8, w: u8, x: i32, y: i32) -> Event {
    let what = match w {
        0 => Touch::Down { x, y },
        1 => Touch::Motion { x, y },
        2 => Touch::Up,
        3 => Touch::Syn,
        4 => Touch::Shape { major: 1, minor: 1 },
        _ => Touch::Orient { degrees: 3 },
    };
    Event::Touch { contact: c, what }
}

/// Runs `ops` on a `kind` device; returns what the guest received and, for
/// a keyboard, the events the accepted keys should have become.
fn run(kind: Kind, ops: &[Op]) -> (Vec<EvdevEvent>, Vec<EvdevEvent>) {
    let mut r = Rig::up(kind);
    let mut got = Vec::new();
    let mut want = Vec::new();
    let mut drops = 0;
    for o in ops {
        let event = match *o {
            Op::Key(code, pressed) => Event::Key { code, pressed },
            Op::Touch(c, w, x, y) => touch(c, w, x, y),
            Op::Post(n) => {
                r.post(n.min(SIZE - r.outstanding()));
                continue;
            }
            Op::Kick => {
                r.kick(0);
                got.extend(r.received());
                continue;
            }
            Op::Flush => {
                let (dev, queues) = r.dev.device_and_queues();
                dev.flush(queues, &mut r.mem);
                got.extend(r.received());
                continue;
            }
        };
        let d = r.dev.device();
        let before = d.pending();
        if d.push(&event) {
            if let (Kind::Keyboard, Event::Key { code, pressed }) = (kind, event)
                && d.wants(&event)
            {
                want.extend([EvdevEvent::key(code, pressed), EvdevEvent::syn()]);
            }
        } else {
            drops += 1;
            assert_eq!(d.pending(), before, "a refused event queues nothing");
            assert!(before > PENDING_MAX - 8);
        }
        assert!(d.pending() <= PENDING_MAX);
        assert_eq!(d.dropped(), drops);
    }
    got.extend(r.drain());
    assert_eq!(r.dev.device().pending(), 0);
    assert!(!r.dev.queues().is_broken(0));
    (got, want)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn keyboard_delivers_exactly_the_accepted(ops in prop::collection::vec(op(), 0..400)) {
        let (got, want) = run(Kind::Keyboard, &ops);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn touch_frames_are_whole(ops in prop::collection::vec(op(), 0..400)) {
        let (got, _) = run(Kind::MultiTouch, &ops);
        // Protocol B: every position or lift follows its slot; tracking ids
        // are -1 or below 65536.
        let mut slot_seen = false;
        for e in &got {
            match (e.ty, e.code) {
                (3, 0x2f) => { slot_seen = true; prop_assert!((0..10).contains(&e.value)); }
                (3, 0x35 | 0x36 | 0x39) => prop_assert!(slot_seen),
                _ => {}
            }
            if (e.ty, e.code) == (3, 0x39) {
                prop_assert!(e.value == -1 || (0..=0xffff).contains(&e.value));
            }
        }
    }
}
