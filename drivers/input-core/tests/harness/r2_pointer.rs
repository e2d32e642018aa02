// SPDX-License-Identifier: MIT
//! R2: a relative pointer's frame becomes one `Motion` (deltas added up
//! within the frame, wheel in `dz` with kbdif's sign: positive towards
//! the user, i.e. `-REL_WHEEL`), then its buttons as `Key` events in the
//! order they came; empty motion and the horizontal wheel are not
//! forwarded.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input::Event;
use bulkhead_input_core::evdev::codes::*;

fn motion(dx: i32, dy: i32, dz: i32) -> Event {
    Event::Motion { dx, dy, dz }
}

#[test]
fn r2_relative_pointer_and_wheel_golden() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .rel(REL_X, 5)
        .rel(REL_Y, -3)
        .syn()
        .rel(REL_X, 1)
        .rel(REL_X, 2)
        .syn()
        .rel(REL_WHEEL, 1)
        .syn()
        .rel(REL_WHEEL, -2)
        .syn()
        .key(BTN_LEFT, 1)
        .rel(REL_X, 4)
        .syn()
        .key(BTN_LEFT, 0)
        .syn()
        .rel(REL_HWHEEL, 1)
        .syn()
        .key(BTN_RIGHT, 1)
        .key(BTN_RIGHT, 0)
        .syn()
        .rel(REL_X, 0)
        .syn()
        .rel(REL_X, -7)
        .rel(REL_Y, 9)
        .rel(REL_WHEEL, 1)
        .syn();
    rig.play(MOUSE, script);
    assert_eq!(
        rig.events(IVI),
        vec![
            motion(5, -3, 0),
            motion(3, 0, 0),
            motion(0, 0, -1),
            motion(0, 0, 2),
            motion(4, 0, 0),
            down(BTN_LEFT),
            up(BTN_LEFT),
            down(BTN_RIGHT),
            up(BTN_RIGHT),
            motion(-7, 9, -1),
        ]
    );
    assert_eq!(rig.events(CLUSTER), vec![], "the pointer belongs to the infotainment system");
}

#[test]
fn r2_nothing_is_emitted_before_the_frame_ends() {
    let mut rig = Rig::cockpit().connected();
    rig.play(MOUSE, Script::new().rel(REL_X, 5).key(BTN_LEFT, 1));
    assert_eq!(rig.events(IVI), vec![]);
    rig.play(MOUSE, Script::new().syn());
    assert_eq!(rig.events(IVI), vec![motion(5, 0, 0), down(BTN_LEFT)]);
}

#[test]
fn r2_lost_device_events_release_the_buttons_held() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .key(BTN_LEFT, 1)
        .syn()
        .rel(REL_X, 3)
        .ev(EV_SYN, SYN_DROPPED, 0)
        .rel(REL_X, 100)
        .syn()
        .rel(REL_Y, 1)
        .syn();
    rig.play(MOUSE, script);
    assert_eq!(rig.events(IVI), vec![down(BTN_LEFT), up(BTN_LEFT), motion(0, 1, 0)]);
}
