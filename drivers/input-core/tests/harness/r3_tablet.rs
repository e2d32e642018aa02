// SPDX-License-Identifier: MIT
//! R3: an absolute pointer's frame becomes one `Position` (device units,
//! the ranges reported at connect) when it moved or the wheel turned, an
//! axis the frame does not mention keeping its last value; then its
//! buttons. A frame that repeats the position says nothing.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input::Event;
use bulkhead_input_core::evdev::codes::*;

fn pos(x: i32, y: i32, dz: i32) -> Event {
    Event::Position { x, y, dz }
}

#[test]
fn r3_absolute_tablet_golden() {
    let mut rig = Rig::cockpit().connected();
    let script = Script::new()
        .abs(ABS_X, 16384)
        .abs(ABS_Y, 8192)
        .syn()
        .abs(ABS_X, 16400)
        .syn()
        .abs(ABS_Y, 9000)
        .key(BTN_LEFT, 1)
        .syn()
        .abs(ABS_X, 20000)
        .abs(ABS_Y, 10000)
        .syn()
        .key(BTN_LEFT, 0)
        .syn()
        .rel(REL_WHEEL, -1)
        .syn()
        .abs(ABS_X, 20000)
        .abs(ABS_Y, 10000)
        .syn()
        .abs(ABS_X, 0)
        .abs(ABS_Y, 32767)
        .syn();
    rig.play(TABLET, script);
    assert_eq!(
        rig.events(IVI),
        vec![
            pos(16384, 8192, 0),
            pos(16400, 8192, 0),
            pos(16400, 9000, 0),
            down(BTN_LEFT),
            pos(20000, 10000, 0),
            up(BTN_LEFT),
            pos(20000, 10000, 1),
            pos(0, 32767, 0),
        ]
    );
}

#[test]
fn r3_a_client_without_absolute_pointer_gets_no_positions() {
    let relative_only = bulkhead_input::Features { keyboard: true, pointer: true, ..Default::default() };
    let mut rig = Rig::new(&devices(), &COCKPIT, [EVERYTHING, relative_only]).connected();
    rig.play(TABLET, Script::new().abs(ABS_X, 5).abs(ABS_Y, 6).key(BTN_LEFT, 1).syn());
    assert_eq!(rig.events(IVI), vec![down(BTN_LEFT)], "buttons are pointer events; positions need abs-pointer");
}
