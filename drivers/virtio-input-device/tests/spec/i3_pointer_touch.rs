// SPDX-License-Identifier: MIT
//! I3: tablet positions and buttons, and multi-touch contacts (protocol B
//! with BTN_TOUCH and ABS_X/ABS_Y emulation), become the right evdev
//! sequences.
//!
//! Owns that evidence; must not test flow control (i4 does).

use bulkhead_input::{Event, Touch};
use bulkhead_virtio_input_device::Kind;
use bulkhead_virtio_input_device::evdev::*;

use crate::rig::Rig;

fn abs(code: u16, v: i32) -> EvdevEvent {
    EvdevEvent::abs(code, v)
}

fn t(contact: u8, what: Touch) -> Event {
    Event::Touch { contact, what }
}

#[test]
fn tablet_position_and_buttons() {
    let mut r = Rig::up(Kind::Tablet);
    for e in [
        Event::Position { x: 100, y: 200, dz: 3 },
        Event::Key { code: BTN_LEFT, pressed: true },
        Event::Key { code: BTN_LEFT, pressed: false },
    ] {
        assert!(r.dev.device().wants(&e));
        assert!(r.push(&e));
    }
    assert_eq!(
        r.drain(),
        [
            abs(ABS_X, 100),
            abs(ABS_Y, 200),
            EvdevEvent::syn(),
            EvdevEvent::key(BTN_LEFT, true),
            EvdevEvent::syn(),
            EvdevEvent::key(BTN_LEFT, false),
            EvdevEvent::syn(),
        ]
    );
    let d = r.dev.device();
    assert!(!d.wants(&Event::Key { code: 30, pressed: true }));
    assert!(!d.wants(&t(0, Touch::Up)));
    assert!(!d.wants(&Event::Motion { dx: 1, dy: 0, dz: 0 }));
}

#[test]
fn two_contacts_protocol_b() {
    let mut r = Rig::up(Kind::MultiTouch);
    let script = [
        t(0, Touch::Down { x: 10, y: 20 }),
        t(1, Touch::Down { x: 30, y: 40 }),
        t(0, Touch::Syn),
        t(0, Touch::Motion { x: 11, y: 21 }),
        t(1, Touch::Motion { x: 31, y: 41 }),
        t(1, Touch::Syn),
        t(0, Touch::Up),
        t(0, Touch::Syn),
        t(1, Touch::Up),
        t(1, Touch::Syn),
        t(0, Touch::Down { x: 5, y: 6 }),
        t(0, Touch::Syn),
    ];
    for e in &script {
        assert!(r.push(e));
    }
    let syn = EvdevEvent::syn();
    assert_eq!(
        r.drain(),
        [
            abs(ABS_MT_SLOT, 0),
            abs(ABS_MT_TRACKING_ID, 0),
            abs(ABS_MT_POSITION_X, 10),
            abs(ABS_MT_POSITION_Y, 20),
            EvdevEvent::key(BTN_TOUCH, true),
            abs(ABS_X, 10),
            abs(ABS_Y, 20),
            abs(ABS_MT_SLOT, 1),
            abs(ABS_MT_TRACKING_ID, 1),
            abs(ABS_MT_POSITION_X, 30),
            abs(ABS_MT_POSITION_Y, 40),
            syn,
            abs(ABS_MT_SLOT, 0),
            abs(ABS_MT_POSITION_X, 11),
            abs(ABS_MT_POSITION_Y, 21),
            abs(ABS_X, 11),
            abs(ABS_Y, 21),
            abs(ABS_MT_SLOT, 1),
            abs(ABS_MT_POSITION_X, 31),
            abs(ABS_MT_POSITION_Y, 41),
            syn,
            abs(ABS_MT_SLOT, 0),
            abs(ABS_MT_TRACKING_ID, -1),
            syn,
            abs(ABS_MT_SLOT, 1),
            abs(ABS_MT_TRACKING_ID, -1),
            EvdevEvent::key(BTN_TOUCH, false),
            syn,
            abs(ABS_MT_SLOT, 0),
            abs(ABS_MT_TRACKING_ID, 2),
            abs(ABS_MT_POSITION_X, 5),
            abs(ABS_MT_POSITION_Y, 6),
            EvdevEvent::key(BTN_TOUCH, true),
            abs(ABS_X, 5),
            abs(ABS_Y, 6),
            syn,
        ]
    );
}

#[test]
fn odd_touches() {
    let mut r = Rig::up(Kind::MultiTouch);
    let d = r.dev.device();
    assert!(!d.wants(&t(10, Touch::Down { x: 1, y: 1 })), "only contacts 0..9");
    assert!(!d.wants(&t(0, Touch::Shape { major: 1, minor: 1 })));
    assert!(!d.wants(&t(0, Touch::Orient { degrees: 9 })));
    assert!(!d.wants(&Event::Key { code: BTN_TOUCH, pressed: true }));
    assert!(!d.wants(&Event::Position { x: 1, y: 1, dz: 0 }));
    // Motion or Up of a contact that is not down: nothing.
    assert!(d.push(&t(3, Touch::Motion { x: 1, y: 1 })));
    assert!(d.push(&t(3, Touch::Up)));
    assert_eq!(d.pending(), 0);
    // A second Down of a contact that is down is a move (same tracking id).
    assert!(r.push(&t(2, Touch::Down { x: 1, y: 2 })));
    assert!(r.push(&t(2, Touch::Down { x: 3, y: 4 })));
    let got = r.drain();
    assert_eq!(
        got[7..],
        [abs(ABS_MT_SLOT, 2), abs(ABS_MT_POSITION_X, 3), abs(ABS_MT_POSITION_Y, 4), abs(ABS_X, 3), abs(ABS_Y, 4)]
    );
}
