// SPDX-License-Identifier: MIT
//! I2: a key press and release become EV_KEY 1, SYN, EV_KEY 0, SYN in four
//! eventq buffers, each used with length 8, with the used-buffer interrupt.
//!
//! Owns that evidence; must not test the config space (i1 does).

use bulkhead_input::Event;
use bulkhead_virtio_device::regs;
use bulkhead_virtio_input_device::Kind;
use bulkhead_virtio_input_device::evdev::EvdevEvent;

use crate::rig::{EVENT_BUFS, Rig};

#[test]
fn press_and_release_fill_four_buffers() {
    let mut r = Rig::up(Kind::Keyboard);
    r.post(4);
    r.kick(0);
    assert_eq!(r.used_idx(0), 0, "nothing pending: the buffers stay posted");
    assert_eq!(r.r(regs::INTERRUPT_STATUS), 0);
    assert!(r.push(&Event::Key { code: 30, pressed: true }));
    assert!(r.push(&Event::Key { code: 30, pressed: false }));
    assert_eq!(r.used_idx(0), 4);
    let golden: [[u8; 8]; 4] =
        [[1, 0, 30, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 30, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]];
    for (slot, g) in golden.iter().enumerate() {
        assert_eq!(r.used_elem(0, slot as u16), (slot as u32, 8));
        let at = (EVENT_BUFS - r.mem.base()) as usize + 8 * slot;
        assert_eq!(&r.mem.bytes()[at..at + 8], g, "buffer {slot}");
    }
    assert_eq!(r.r(regs::INTERRUPT_STATUS) & 1, 1);
    assert!(r.dev.interrupt_pending());
    assert_eq!(r.dev.device().pending(), 0);
    assert_eq!(
        r.received(),
        [EvdevEvent::key(30, true), EvdevEvent::syn(), EvdevEvent::key(30, false), EvdevEvent::syn()]
    );
}

#[test]
fn only_the_keyboard_takes_its_keys() {
    let mut r = Rig::up(Kind::Keyboard);
    let kb = r.dev.device();
    assert!(kb.wants(&Event::Key { code: 1, pressed: true }));
    assert!(!kb.wants(&Event::Key { code: 2, pressed: true }), "not in caps");
    assert!(!kb.wants(&Event::Key { code: 0x110, pressed: true }), "BTN_LEFT is the tablet's");
    assert!(!kb.wants(&Event::Position { x: 1, y: 1, dz: 0 }));
    assert!(!kb.wants(&Event::Motion { dx: 1, dy: 1, dz: 0 }));
    // An unwanted event queues nothing and is not a drop.
    assert!(kb.push(&Event::Key { code: 2, pressed: true }));
    assert_eq!((kb.pending(), kb.dropped()), (0, 0));
}

#[test]
fn events_cross_the_16_bit_used_index() {
    let mut r = Rig::up(Kind::Keyboard);
    let mut n = 0u32;
    while n < 70_000 {
        for pressed in [true, false] {
            assert!(r.dev.device().push(&Event::Key { code: 1, pressed }));
        }
        let got = r.drain();
        assert_eq!(got, [EvdevEvent::key(1, true), EvdevEvent::syn(), EvdevEvent::key(1, false), EvdevEvent::syn()]);
        n += 4;
    }
}
