// SPDX-License-Identifier: MIT
//! R1: keyboard events become `Key` press and release with Linux key
//! codes, in order; modifiers are keys like any other; autorepeat and
//! duplicate reports are not forwarded; scan codes are ignored.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input_core::evdev::codes::*;

#[test]
fn r1_press_and_release_golden() {
    let mut rig = Rig::cockpit().connected();
    rig.play(KEYBOARD, Script::new().tap(KEY_A).tap(KEY_Q).press(KEY_ESC).release(KEY_ESC));
    assert_eq!(rig.events(IVI), vec![down(KEY_A), up(KEY_A), down(KEY_Q), up(KEY_Q), down(KEY_ESC), up(KEY_ESC)]);
    assert_eq!(rig.events(CLUSTER), vec![]);
}

#[test]
fn r1_modifiers_golden() {
    let mut rig = Rig::cockpit().connected();
    // Shift+A, then Ctrl+Shift+B with overlapping releases.
    let script = Script::new()
        .press(KEY_LEFTSHIFT)
        .tap(KEY_A)
        .release(KEY_LEFTSHIFT)
        .press(KEY_LEFTCTRL)
        .press(KEY_LEFTSHIFT)
        .press(KEY_B)
        .release(KEY_LEFTCTRL)
        .release(KEY_B)
        .release(KEY_LEFTSHIFT);
    rig.play(KEYBOARD, script);
    assert_eq!(
        rig.events(IVI),
        vec![
            down(KEY_LEFTSHIFT),
            down(KEY_A),
            up(KEY_A),
            up(KEY_LEFTSHIFT),
            down(KEY_LEFTCTRL),
            down(KEY_LEFTSHIFT),
            down(KEY_B),
            up(KEY_LEFTCTRL),
            up(KEY_B),
            up(KEY_LEFTSHIFT),
        ]
    );
}

#[test]
fn r1_autorepeat_and_duplicates_are_not_forwarded() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .press(KEY_A)
        .key(KEY_A, 2)
        .syn()
        .key(KEY_A, 2)
        .syn()
        .press(KEY_A) // a press of a pressed key is no event
        .release(KEY_A)
        .release(KEY_A) // nor a release of a released one
        .key(KEY_MAX + 1, 1) // beyond the key codes
        .syn();
    rig.play(KEYBOARD, script);
    assert_eq!(rig.events(IVI), vec![down(KEY_A), up(KEY_A)]);
}

#[test]
fn r1_lost_device_events_release_every_key_held() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .press(KEY_LEFTSHIFT)
        .press(KEY_A)
        .ev(EV_SYN, SYN_DROPPED, 0)
        .key(KEY_B, 1) // part of the broken frame: ignored
        .syn()
        .tap(KEY_Q);
    rig.play(KEYBOARD, script);
    assert_eq!(
        rig.events(IVI),
        vec![down(KEY_LEFTSHIFT), down(KEY_A), up(KEY_A), up(KEY_LEFTSHIFT), down(KEY_Q), up(KEY_Q)]
    );
}

mod any_stream {
    use bulkhead_input::Event;
    use bulkhead_input_core::RawEvent;
    use bulkhead_input_core::evdev::codes::*;
    use bulkhead_input_core::evdev::{Keyboard, Pointer};
    use proptest::prelude::*;

    fn raw() -> impl Strategy<Value = RawEvent> {
        prop_oneof![
            4 => (0u16..8, -1i32..3).prop_map(|(c, v)| RawEvent::new(EV_KEY, c, v)),
            1 => (prop::sample::select(vec![REL_X, REL_Y, REL_WHEEL]), -3i32..3).prop_map(|(c, v)| RawEvent::new(EV_REL, c, v)),
            1 => Just(RawEvent::new(EV_SYN, SYN_REPORT, 0)),
            1 => Just(RawEvent::new(EV_SYN, SYN_DROPPED, 0)),
            1 => any::<(u16, u16, i32)>().prop_map(|(t, c, v)| RawEvent::new(t, c, v)),
        ]
    }

    fn check_alternation(events: &[Event]) -> Result<(), TestCaseError> {
        let mut down = std::collections::HashSet::new();
        for e in events {
            if let Event::Key { code, pressed } = *e {
                prop_assert!(code <= KEY_MAX);
                prop_assert_eq!(down.contains(&code), !pressed, "key {} pressed twice or released unpressed", code);
                if pressed {
                    down.insert(code);
                } else {
                    down.remove(&code);
                }
            }
        }
        Ok(())
    }

    proptest! {
        /// R1/R2 for any event stream: per key or button, presses and
        /// releases alternate, starting with a press; nothing panics.
        #[test]
        fn r1_any_stream_alternates_presses_and_releases(events in prop::collection::vec(raw(), 0..300)) {
            let (mut k, mut m, mut t) = (Keyboard::new(), Pointer::new(false), Pointer::new(true));
            let (mut ko, mut mo, mut to) = (Vec::new(), Vec::new(), Vec::new());
            for e in events {
                k.feed(e, &mut |ev| ko.push(ev));
                m.feed(e, &mut |ev| mo.push(ev));
                t.feed(e, &mut |ev| to.push(ev));
            }
            check_alternation(&ko)?;
            check_alternation(&mo)?;
            check_alternation(&to)?;
        }
    }
}
