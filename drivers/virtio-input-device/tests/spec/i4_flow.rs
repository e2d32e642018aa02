// SPDX-License-Identifier: MIT
//! I4: flow control — events wait for buffers, a full pending queue drops
//! whole input events and counts them, a buffer too short for an event is
//! completed empty and the event waits for the next one.
//!
//! Owns that evidence; must not test the translation (i2, i3 do).

use bulkhead_input::{Event, Touch};
use bulkhead_virtio_input_device::evdev::EvdevEvent;
use bulkhead_virtio_input_device::{Kind, PENDING_MAX};

use crate::rig::{EVENT_BUFS, NEXT, Rig, WRITE, layout};

fn key(pressed: bool) -> Event {
    Event::Key { code: 30, pressed }
}

#[test]
fn events_wait_for_buffers() {
    let mut r = Rig::up(Kind::Keyboard);
    assert!(r.push(&key(true)));
    assert_eq!(r.dev.device().pending(), 2);
    assert_eq!(r.used_idx(0), 0);
    assert!(!r.dev.interrupt_pending());
    r.kick(0);
    assert_eq!(r.dev.device().pending(), 2, "a kick with no buffers delivers nothing");
    r.post(1);
    r.kick(0);
    assert_eq!((r.dev.device().pending(), r.used_idx(0)), (1, 1));
    assert!(r.dev.interrupt_pending());
    r.post(3);
    r.kick(0);
    assert_eq!(r.dev.device().pending(), 0);
    assert_eq!(r.received(), [EvdevEvent::key(30, true), EvdevEvent::syn()]);
    assert_eq!(r.outstanding(), 2, "the spare buffers stay posted");
    // The domain's flush returns how many were delivered.
    let (dev, queues) = r.dev.device_and_queues();
    assert!(dev.push(&key(false)));
    assert!(dev.push(&key(true)));
    assert_eq!(dev.flush(queues, &mut r.mem), 2);
    assert_eq!(dev.pending(), 2);
}

#[test]
fn the_drivers_reset_discards_earlier_events() {
    let mut r = Rig::new(Kind::Keyboard);
    r.bring_up();
    r.w(bulkhead_virtio_device::regs::STATUS, 0);
    assert!(r.dev.device().push(&key(true)));
    r.bring_up();
    assert_eq!(r.dev.device().pending(), 0, "the driver's reset discards what came before it");
    assert!(r.dev.device().push(&key(true)));
    assert_eq!(r.drain(), [EvdevEvent::key(30, true), EvdevEvent::syn()]);
}

#[test]
fn full_queue_drops_whole_events() {
    let mut r = Rig::up(Kind::Keyboard);
    for i in 0..PENDING_MAX / 2 {
        assert!(r.push(&key(i % 2 == 0)));
    }
    assert_eq!(r.dev.device().pending(), PENDING_MAX);
    assert!(!r.push(&key(true)));
    assert!(!r.push(&key(false)));
    assert_eq!((r.dev.device().pending(), r.dev.device().dropped()), (PENDING_MAX, 2));
    let got = r.drain();
    assert_eq!(got.len(), PENDING_MAX);
    assert!(got.chunks(2).all(|p| p[1] == EvdevEvent::syn() && p[0].ty == 1));
    assert!(r.push(&key(true)), "room again");
}

#[test]
fn a_dropped_touch_changes_no_contact() {
    let mut r = Rig::up(Kind::MultiTouch);
    let d = r.dev.device();
    for _ in 0..PENDING_MAX - 3 {
        assert!(d.push(&Event::Touch { contact: 0, what: Touch::Syn }));
    }
    // A first Down is seven events: three free slots are not enough.
    assert!(!d.push(&Event::Touch { contact: 0, what: Touch::Down { x: 1, y: 1 } }));
    assert_eq!((d.pending(), d.dropped()), (PENDING_MAX - 3, 1));
    // The contact is not down: its motion and lift are nothing.
    assert!(d.push(&Event::Touch { contact: 0, what: Touch::Motion { x: 2, y: 2 } }));
    assert!(d.push(&Event::Touch { contact: 0, what: Touch::Up }));
    assert_eq!(d.pending(), PENDING_MAX - 3);
    assert!(d.push(&Event::Touch { contact: 0, what: Touch::Syn }));
    r.drain();
    // The next Down gets tracking id 0: the dropped one took none.
    assert!(r.push(&Event::Touch { contact: 0, what: Touch::Down { x: 1, y: 1 } }));
    assert_eq!(r.drain()[1], EvdevEvent::abs(0x39, 0));
}

#[test]
fn short_buffers_are_completed_empty() {
    let mut r = Rig::up(Kind::Keyboard);
    let d = layout(0).desc;
    let buf = |h: u16| EVENT_BUFS + 8 * u64::from(h);
    // Head 0: 4 writable bytes. Head 1: 8 readable bytes only. Head 2: two
    // writable halves of 4 (a whole event, split). Head 4: 8 writable.
    let at = (EVENT_BUFS - r.mem.base()) as usize;
    r.mem.bytes_mut()[at..at + 64].fill(0xaa);
    r.desc(d, 0, buf(0), 4, WRITE, 0);
    r.desc(d, 1, buf(1), 8, 0, 0);
    r.desc(d, 2, buf(2), 4, WRITE | NEXT, 3);
    r.desc(d, 3, buf(2) + 4, 4, WRITE, 0);
    r.desc(d, 4, buf(4), 8, WRITE, 0);
    r.offer(0, &[0, 1, 2, 4]);
    assert!(r.push(&key(true)));
    assert_eq!(r.used_idx(0), 4);
    assert_eq!(r.used_elem(0, 0), (0, 0));
    assert_eq!(r.used_elem(0, 1), (1, 0));
    assert_eq!(r.used_elem(0, 2), (2, 8));
    assert_eq!(r.used_elem(0, 3), (4, 8));
    assert_eq!(&r.mem.bytes()[at..at + 16], &[0xaa; 16], "never half an event");
    assert_eq!(r.event_at(2), EvdevEvent::key(30, true));
    assert_eq!(r.event_at(4), EvdevEvent::syn());
    assert_eq!(r.dev.device().pending(), 0);
    // A short buffer with an event left: the event stays.
    r.desc(d, 5, buf(5), 7, WRITE, 0);
    r.offer(0, &[5]);
    assert!(r.push(&key(false)));
    assert_eq!(r.dev.device().pending(), 2);
    assert_eq!(r.used_elem(0, 4), (5, 0));
    r.post_head(6);
    r.desc(d, 6, buf(6), 8, WRITE, 0);
    r.kick(0);
    assert_eq!(r.event_at(6), EvdevEvent::key(30, false));
}

#[test]
fn a_broken_eventq_keeps_the_events() {
    let mut r = Rig::up(Kind::Keyboard);
    // A descriptor pointing outside RAM breaks the queue.
    r.desc(layout(0).desc, 0, 0x10, 8, WRITE, 0);
    r.offer(0, &[0]);
    assert!(r.push(&key(true)));
    assert!(r.dev.queues().is_broken(0));
    assert_eq!(r.dev.device().pending(), 2);
    assert_eq!(r.used_idx(0), 0);
}
