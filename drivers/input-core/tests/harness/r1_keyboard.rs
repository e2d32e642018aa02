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
