// SPDX-License-Identifier: MIT
//! R5: every event goes to at most one client, by the board's focus
//! policy: touch and pointer to the infotainment system, hardware keys to
//! the cluster whatever the keyboard focus, the keyboard to its focus; a
//! switch combination moves keyboard focus and is itself consumed; a key's
//! release goes where its press went.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input::Touch::{Down, Syn};
use bulkhead_input_core::evdev::codes::*;
use bulkhead_input_core::{FocusConfig, FocusError, FocusPolicy, KeyRoute};

#[test]
fn r5_focus_switch_combination_golden() {
    let mut rig = Rig::cockpit().connected();
    assert_eq!(rig.backend.keyboard_focus(), Some(IVI));
    let script = Script::new()
        .tap(KEY_A)
        // Ctrl+Alt+F1: keyboard focus to the cluster.
        .press(KEY_LEFTCTRL)
        .press(KEY_LEFTALT)
        .press(KEY_F1)
        .release(KEY_F1)
        .release(KEY_LEFTALT)
        .release(KEY_LEFTCTRL)
        .tap(KEY_B)
        // Hardware keys: the cluster's anyway.
        .tap(KEY_VOLUMEUP)
        // Ctrl+Alt+F2 back, with Ctrl released only after typing resumed.
        .press(KEY_LEFTCTRL)
        .press(KEY_LEFTALT)
        .tap(KEY_F2)
        .release(KEY_LEFTALT)
        .tap(KEY_Q)
        .release(KEY_LEFTCTRL)
        .tap(KEY_VOLUMEDOWN);
    rig.play(KEYBOARD, script);
    assert_eq!(
        rig.events(IVI),
        vec![
            down(KEY_A),
            up(KEY_A),
            down(KEY_LEFTCTRL),
            down(KEY_LEFTALT),
            up(KEY_LEFTALT),
            up(KEY_LEFTCTRL),
            down(KEY_Q),
            up(KEY_Q),
        ]
    );
    assert_eq!(
        rig.events(CLUSTER),
        vec![
            down(KEY_B),
            up(KEY_B),
            down(KEY_VOLUMEUP),
            up(KEY_VOLUMEUP),
            down(KEY_LEFTCTRL),
            down(KEY_LEFTALT),
            up(KEY_LEFTALT),
            up(KEY_LEFTCTRL),
            down(KEY_VOLUMEDOWN),
            up(KEY_VOLUMEDOWN),
        ]
    );
    assert_eq!(rig.backend.keyboard_focus(), Some(IVI));
}

#[test]
fn r5_a_combination_key_without_its_modifiers_is_an_ordinary_key() {
    let mut rig = Rig::cockpit().connected();
    rig.play(KEYBOARD, Script::new().tap(KEY_F1).press(KEY_LEFTCTRL).tap(KEY_F1).release(KEY_LEFTCTRL));
    assert_eq!(
        rig.events(IVI),
        vec![down(KEY_F1), up(KEY_F1), down(KEY_LEFTCTRL), down(KEY_F1), up(KEY_F1), up(KEY_LEFTCTRL)]
    );
    assert_eq!(rig.backend.keyboard_focus(), Some(IVI));
}

#[test]
fn r5_touch_goes_to_the_infotainment_system_only() {
    let mut rig = Rig::cockpit().connected();
    rig.play(TOUCH, Script::new().abs(ABS_MT_TRACKING_ID, 1).abs(ABS_MT_POSITION_X, 4).syn());
    rig.play(KEYBOARD, Script::new().tap(KEY_VOLUMEUP));
    let ivi = rig.events(IVI);
    assert_eq!(ivi.first(), Some(&touch(0, Down { x: 4, y: 0 })));
    assert_eq!(ivi.last(), Some(&touch(0, Syn)));
    assert_eq!(rig.events(CLUSTER), vec![down(KEY_VOLUMEUP), up(KEY_VOLUMEUP)]);
}

#[test]
fn r5_input_nobody_has_goes_nowhere() {
    let cluster_keys_only = FocusConfig { keyboard: Some("cluster"), ..FocusConfig::default() };
    let mut rig = Rig::new(&devices(), &cluster_keys_only, [EVERYTHING, EVERYTHING]).connected();
    rig.play(MOUSE, Script::new().rel(REL_X, 1).syn());
    rig.play(TOUCH, Script::new().abs(ABS_MT_TRACKING_ID, 1).syn());
    rig.play(KEYBOARD, Script::new().tap(KEY_1));
    assert_eq!(rig.events(IVI), vec![]);
    assert_eq!(rig.events(CLUSTER), vec![down(KEY_1), up(KEY_1)]);
}

#[test]
fn r5_a_policy_naming_an_unknown_client_is_refused() {
    let routes = [KeyRoute { code: KEY_MUTE, client: "rear-seat" }];
    let config = FocusConfig { key_routes: &routes, ..COCKPIT };
    assert_eq!(FocusPolicy::new(&config, &NAMES).err(), Some(FocusError::UnknownClient("rear-seat")));
    let config = FocusConfig { touch: Some("passenger"), ..COCKPIT };
    assert_eq!(FocusPolicy::new(&config, &NAMES).err(), Some(FocusError::UnknownClient("passenger")));
    assert!(FocusPolicy::new(&COCKPIT, &NAMES).is_ok());
}
