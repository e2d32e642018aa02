// SPDX-License-Identifier: MIT
//! R4: multi-touch protocol B becomes per-contact `Down`, `Up`, `Motion`,
//! `Shape`, `Orient` and one `Syn` per frame: the slot is the contact id;
//! state is applied at `SYN_REPORT`, so the order of events within a frame
//! does not matter; a new contact carries its full shape and orientation;
//! orientation is scaled to degrees (the range's max is 90).

use crate::device::Script;
use crate::rig::*;
use bulkhead_input::Touch::{Down, Motion, Orient, Shape, Syn, Up};
use bulkhead_input_core::evdev::codes::*;

#[test]
fn r4_two_finger_golden() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        // Frame 1: finger A touches down in slot 0.
        .abs(ABS_MT_SLOT, 0)
        .abs(ABS_MT_TRACKING_ID, 45)
        .abs(ABS_MT_POSITION_X, 100)
        .abs(ABS_MT_POSITION_Y, 200)
        .abs(ABS_MT_TOUCH_MAJOR, 8)
        .abs(ABS_MT_TOUCH_MINOR, 6)
        .key(BTN_TOUCH, 1)
        .abs(ABS_X, 100)
        .abs(ABS_Y, 200)
        .syn()
        // Frame 2: finger B in slot 1 (axes before its tracking id), A moves.
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_POSITION_X, 300)
        .abs(ABS_MT_POSITION_Y, 400)
        .abs(ABS_MT_TRACKING_ID, 46)
        .abs(ABS_MT_TOUCH_MAJOR, 10)
        .abs(ABS_MT_TOUCH_MINOR, 7)
        .abs(ABS_MT_ORIENTATION, 512)
        .abs(ABS_MT_SLOT, 0)
        .abs(ABS_MT_POSITION_X, 110)
        .syn()
        // Frame 3: slot 0 still selected: A moves and grows; B turns.
        .abs(ABS_MT_POSITION_Y, 210)
        .abs(ABS_MT_TOUCH_MAJOR, 9)
        .abs(ABS_MT_PRESSURE, 50)
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_ORIENTATION, -1024)
        .syn()
        // Frame 4: A lifts, B moves.
        .abs(ABS_MT_SLOT, 0)
        .abs(ABS_MT_TRACKING_ID, -1)
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_POSITION_X, 310)
        .syn()
        // Frame 5: only pressure changes: nothing to say.
        .abs(ABS_MT_PRESSURE, 60)
        .syn()
        // Frame 6: B lifts.
        .abs(ABS_MT_TRACKING_ID, -1)
        .key(BTN_TOUCH, 0)
        .syn();
    rig.play(TOUCH, script);
    assert_eq!(
        rig.events(IVI),
        vec![
            touch(0, Down { x: 100, y: 200 }),
            touch(0, Shape { major: 8, minor: 6 }),
            touch(0, Orient { degrees: 0 }),
            touch(0, Syn),
            touch(0, Motion { x: 110, y: 200 }),
            touch(1, Down { x: 300, y: 400 }),
            touch(1, Shape { major: 10, minor: 7 }),
            touch(1, Orient { degrees: 45 }),
            touch(0, Syn),
            touch(0, Motion { x: 110, y: 210 }),
            touch(0, Shape { major: 9, minor: 6 }),
            touch(1, Orient { degrees: -90 }),
            touch(0, Syn),
            touch(0, Up),
            touch(1, Motion { x: 310, y: 400 }),
            touch(0, Syn),
            touch(1, Up),
            touch(0, Syn),
        ]
    );
    assert_eq!(rig.events(CLUSTER), vec![], "touch belongs to the infotainment system");
}

#[test]
fn r4_a_new_contact_in_a_used_slot_inherits_its_values() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .abs(ABS_MT_TRACKING_ID, 1)
        .abs(ABS_MT_POSITION_X, 10)
        .abs(ABS_MT_POSITION_Y, 20)
        .abs(ABS_MT_TOUCH_MAJOR, 5)
        .abs(ABS_MT_TOUCH_MINOR, 5)
        .syn()
        // The finger is replaced in the same frame (new tracking id): Up then Down.
        .abs(ABS_MT_TRACKING_ID, 2)
        .abs(ABS_MT_POSITION_X, 30)
        .syn()
        .abs(ABS_MT_TRACKING_ID, -1)
        .syn()
        // A new finger, same position and shape as the slot's last: the
        // device does not repeat them; the client still gets them.
        .abs(ABS_MT_TRACKING_ID, 3)
        .syn();
    rig.play(TOUCH, script);
    let new =
        |x| vec![touch(0, Down { x, y: 20 }), touch(0, Shape { major: 5, minor: 5 }), touch(0, Orient { degrees: 0 })];
    let mut expected = new(10);
    expected.push(touch(0, Syn));
    expected.push(touch(0, Up));
    expected.extend(new(30));
    expected.extend([touch(0, Syn), touch(0, Up), touch(0, Syn)]);
    expected.extend(new(30));
    expected.push(touch(0, Syn));
    assert_eq!(rig.events(IVI), expected);
}

#[test]
fn r4_a_tap_within_one_frame_is_a_down_and_an_up() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .abs(ABS_MT_SLOT, 2)
        .abs(ABS_MT_TRACKING_ID, 9)
        .abs(ABS_MT_POSITION_X, 50)
        .abs(ABS_MT_POSITION_Y, 60)
        .abs(ABS_MT_TRACKING_ID, -1)
        .syn();
    rig.play(TOUCH, script);
    assert_eq!(rig.events(IVI), vec![touch(2, Down { x: 50, y: 60 }), touch(2, Up), touch(0, Syn)]);
}

#[test]
fn r4_slots_beyond_the_device_are_ignored() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .abs(ABS_MT_SLOT, 7) // the touchscreen has 5
        .abs(ABS_MT_TRACKING_ID, 1)
        .abs(ABS_MT_POSITION_X, 1)
        .syn()
        .abs(ABS_MT_SLOT, -1)
        .abs(ABS_MT_TRACKING_ID, 2)
        .syn();
    rig.play(TOUCH, script);
    assert_eq!(rig.events(IVI), vec![]);
}

#[test]
fn r4_lost_device_events_lift_every_contact() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .abs(ABS_MT_SLOT, 0)
        .abs(ABS_MT_TRACKING_ID, 1)
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_TRACKING_ID, 2)
        .syn()
        .abs(ABS_MT_POSITION_X, 5)
        .ev(EV_SYN, SYN_DROPPED, 0)
        .abs(ABS_MT_POSITION_X, 6)
        .syn()
        // A contact still down that only moves is not resurrected.
        .abs(ABS_MT_POSITION_X, 7)
        .syn()
        .abs(ABS_MT_TRACKING_ID, 3)
        .syn();
    rig.play(TOUCH, script);
    let new = |c, x| {
        vec![touch(c, Down { x, y: 0 }), touch(c, Shape { major: 0, minor: 0 }), touch(c, Orient { degrees: 0 })]
    };
    let mut expected = new(0, 0);
    expected.extend(new(1, 0));
    expected.extend([touch(0, Syn), touch(0, Up), touch(1, Up), touch(0, Syn)]);
    expected.extend(new(1, 7));
    expected.push(touch(0, Syn));
    assert_eq!(rig.events(IVI), expected);
}

mod any_stream {
    use bulkhead_input::{Event, Touch};
    use bulkhead_input_core::evdev::Touch as Translator;
    use bulkhead_input_core::evdev::codes::*;
    use bulkhead_input_core::{RawEvent, TouchConfig};
    use proptest::prelude::*;

    fn raw() -> impl Strategy<Value = RawEvent> {
        let code = prop::sample::select(vec![
            ABS_MT_SLOT,
            ABS_MT_TRACKING_ID,
            ABS_MT_POSITION_X,
            ABS_MT_POSITION_Y,
            ABS_MT_TOUCH_MAJOR,
            ABS_MT_TOUCH_MINOR,
            ABS_MT_ORIENTATION,
            ABS_MT_PRESSURE,
        ]);
        prop_oneof![
            (code, -2i32..12).prop_map(|(c, v)| RawEvent::new(EV_ABS, c, v)),
            Just(RawEvent::new(EV_SYN, SYN_REPORT, 0)),
            Just(RawEvent::new(EV_SYN, SYN_DROPPED, 0)),
            any::<(u16, u16, i32)>().prop_map(|(t, c, v)| RawEvent::new(t, c, v)),
        ]
    }

    proptest! {
        /// R4 for any event stream: contacts are well formed: a contact
        /// is down between its Down and its Up, only then moves, changes
        /// shape or turns, and every frame that says anything ends in one
        /// Syn; ids stay below the slot count; nothing panics.
        #[test]
        fn r4_any_stream_keeps_contacts_well_formed(events in prop::collection::vec(raw(), 0..300)) {
            let config = TouchConfig { slots: 4, major: true, minor: true, ..TouchConfig::default() };
            let mut t = Translator::new(config);
            let mut down = [false; 4];
            let mut open_frame = false;
            for e in events {
                let mut out = Vec::new();
                t.feed(e, &mut |ev| out.push(ev));
                for ev in out {
                    let Event::Touch { contact, what } = ev else { panic!("{ev:?}") };
                    let c = usize::from(contact);
                    prop_assert!(c < 4);
                    match what {
                        Touch::Down { .. } => { prop_assert!(!down[c]); down[c] = true; }
                        Touch::Up => { prop_assert!(down[c]); down[c] = false; }
                        Touch::Motion { .. } | Touch::Shape { .. } | Touch::Orient { .. } => prop_assert!(down[c]),
                        Touch::Syn => { prop_assert!(open_frame); open_frame = false; continue; }
                    }
                    open_frame = true;
                }
                prop_assert!(!open_frame, "a frame's events end with its Syn, within one device event");
            }
        }
    }
}
