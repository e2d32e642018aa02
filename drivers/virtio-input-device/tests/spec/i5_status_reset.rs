// SPDX-License-Identifier: MIT
//! I5: statusq chains (LED events from the driver) are consumed and
//! completed with 0 bytes; a device reset empties the pending events, the
//! query and the contacts.
//!
//! Owns that evidence; must not test the event queue's flow (i4 does).

use bulkhead_input::{Event, Touch};
use bulkhead_virtio_device::regs;
use bulkhead_virtio_input_device::evdev::EvdevEvent;
use bulkhead_virtio_input_device::{Kind, select};

use crate::rig::{Rig, STATUS_BUFS, layout};

#[test]
fn statusq_chains_are_consumed() {
    let mut r = Rig::up(Kind::Keyboard);
    let led = EvdevEvent { ty: 0x11, code: 0, value: 1 }.to_bytes();
    for h in 0..3u16 {
        let addr = STATUS_BUFS + 8 * u64::from(h);
        r.mem_write(addr, &led);
        r.desc(layout(1).desc, h, addr, 8, 0, 0);
    }
    r.offer(1, &[0, 1, 2]);
    r.kick(1);
    assert_eq!(r.used_idx(1), 3);
    for s in 0..3u16 {
        assert_eq!(r.used_elem(1, s), (u32::from(s), 0));
    }
    assert_eq!(r.used_idx(0), 0, "the eventq is untouched");
    assert_eq!(r.dev.device().pending(), 0);
}

#[test]
fn reset_empties_everything() {
    let mut r = Rig::up(Kind::MultiTouch);
    assert!(r.push(&Event::Touch { contact: 0, what: Touch::Down { x: 1, y: 1 } }));
    r.query(select::ABS_INFO, 0x2f);
    for _ in 0..300 {
        r.dev.device().push(&Event::Touch { contact: 1, what: Touch::Syn });
    }
    assert_eq!(r.dev.device().pending(), 256);
    assert!(r.dev.device().dropped() > 0);
    r.w(regs::STATUS, 0);
    let d = r.dev.device();
    assert_eq!(d.pending(), 0);
    assert_eq!(r.dev.read(regs::CONFIG, 4), 0, "select, subsel and size are 0");
    r.bring_up();
    assert!(r.push(&Event::Touch { contact: 0, what: Touch::Down { x: 1, y: 1 } }));
    let got = r.drain();
    assert_eq!(got.len(), 7, "contact 0 is down anew: tracking id, BTN_TOUCH, ABS_X/Y");
    assert_eq!(got[1], EvdevEvent::abs(0x39, 0));
    assert_eq!(got[4], EvdevEvent::key(0x14a, true));
}
