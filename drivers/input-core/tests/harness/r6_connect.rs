// SPDX-License-Identifier: MIT
//! R6: a client that connects is told, before any event, what it is
//! granted (what it asked for that the devices offer) and the devices'
//! capabilities: keys and buttons, absolute axis ranges, touch contacts.
//! A client speaking another protocol version is refused. A client gets
//! no event of a feature it was not granted.

use crate::device::{Script, SimDevice};
use crate::rig::*;
use bulkhead_input::{
    AxisRange, Capabilities, Features, KeySet, Message, MultiTouch, Request, VERSION, decode_message,
};
use bulkhead_input_client::Received;
use bulkhead_input_core::evdev::codes::*;
use bulkhead_input_core::{DeviceConfig, TouchConfig};

fn range(min: i32, max: i32) -> AxisRange {
    AxisRange { min, max }
}

#[test]
fn r6_devices_are_probed_from_their_virtio_configuration() {
    let touch = SimDevice::touchscreen(5).config();
    assert_eq!(
        touch.touch,
        Some(TouchConfig {
            slots: 5,
            x: Some(range(0, 1919)),
            y: Some(range(0, 1079)),
            major: true,
            minor: true,
            orientation: Some(range(-1024, 1024)),
        })
    );
    assert_eq!(touch.absolute, None, "a touch surface's single-touch emulation is not a tablet");
    let tablet = SimDevice::tablet().config();
    assert_eq!(tablet.absolute, Some((range(0, 32767), range(0, 32767))));
    assert!(tablet.wheel && !tablet.relative && tablet.keys.contains(BTN_LEFT));
    let mouse = SimDevice::mouse().config();
    assert!(mouse.relative && mouse.wheel && mouse.keys.contains(BTN_MIDDLE) && mouse.absolute.is_none());
    let keyboard = SimDevice::keyboard().config();
    assert!(
        keyboard.keys.contains(KEY_ESC) && keyboard.keys.contains(KEY_VOLUMEUP) && !keyboard.keys.contains(KEY_MAX)
    );
    assert!(!keyboard.relative && keyboard.touch.is_none());
    assert_eq!(DeviceConfig::probe(|_, _, _| 0).kind(), None, "a device that reports nothing is nothing");
}

#[test]
fn r6_capabilities_and_grant_are_reported_at_connect() {
    let keyboard_only = Features { keyboard: true, ..Features::default() };
    let mut rig = Rig::new(&devices(), &COCKPIT, [keyboard_only, EVERYTHING]);
    let mut keys = KeySet::default();
    for device in devices() {
        for code in device.keys {
            keys.insert(code);
        }
    }
    let capabilities = Capabilities { keys, abs_x: Some(range(0, 32767)), abs_y: Some(range(0, 32767)), contacts: 5 };
    assert_eq!(
        rig.take(CLUSTER),
        vec![Received::Connected { granted: keyboard_only, capabilities }],
        "the cluster gets only the keyboard it asked for"
    );
    let all = Features { multi_touch: Some(MultiTouch { contacts: 5, width: 1920, height: 1080 }), ..EVERYTHING };
    assert_eq!(rig.take(IVI), vec![Received::Connected { granted: all, capabilities }]);
    assert_eq!(rig.clients[IVI].client.capabilities(), Some(capabilities));
    assert!(rig.backend.is_connected(CLUSTER) && rig.backend.is_connected(IVI));
}

#[test]
fn r6_without_a_tablet_the_touch_surface_gives_the_axes() {
    let mut rig = Rig::new(&[SimDevice::keyboard(), SimDevice::touchscreen(2)], &COCKPIT, [EVERYTHING, EVERYTHING]);
    let got = rig.take(IVI);
    let Some(Received::Connected { granted, capabilities }) = got.first() else { panic!("{got:?}") };
    assert_eq!((capabilities.abs_x, capabilities.abs_y), (Some(range(0, 1919)), Some(range(0, 1079))));
    assert_eq!(capabilities.contacts, 2);
    assert_eq!(granted.multi_touch, Some(MultiTouch { contacts: 2, width: 1920, height: 1080 }));
    assert!(granted.keyboard && !granted.pointer && !granted.abs_pointer);
}

#[test]
fn r6_contacts_beyond_the_grant_are_not_delivered() {
    let two = Features { multi_touch: Some(MultiTouch { contacts: 2, width: 0, height: 0 }), ..Features::default() };
    let mut rig = Rig::new(&devices(), &COCKPIT, [EVERYTHING, two]).connected();
    let script = Script::new()
        .abs(ABS_MT_SLOT, 3)
        .abs(ABS_MT_TRACKING_ID, 7)
        .syn()
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_TRACKING_ID, 8)
        .syn();
    rig.play(TOUCH, script);
    use bulkhead_input::Touch::{Down, Orient, Shape, Syn};
    assert_eq!(
        rig.events(IVI),
        vec![
            touch(0, Syn),
            touch(1, Down { x: 0, y: 0 }),
            touch(1, Shape { major: 0, minor: 0 }),
            touch(1, Orient { degrees: 0 }),
            touch(0, Syn),
        ]
    );
    // Keys and pointer were not granted either.
    rig.play(KEYBOARD, Script::new().tap(KEY_A));
    rig.play(MOUSE, Script::new().rel(REL_X, 1).syn());
    assert_eq!(rig.events(IVI), vec![]);
    assert_eq!(rig.backend.stats(IVI).undelivered, 3 + 2 + 1, "contact 3 (down, shape, orient), key A, motion");
}

#[test]
fn r6_another_protocol_version_is_refused() {
    let mut rig = Rig::cockpit();
    let window = rig.clients[IVI].window.clone();
    let mut raw = client_link(&window, 1);
    let request = Request::Connect { version: VERSION + 1, wanted: EVERYTHING };
    raw.push(&postcard::to_allocvec(&request).unwrap()).unwrap();
    rig.service();
    let mut buf = [0u8; 256];
    let reply = decode_message(raw.pop(&mut buf).unwrap()).unwrap();
    assert_eq!(reply, Message::Refused { version: VERSION });
    assert!(!rig.backend.is_connected(IVI));
    rig.play(KEYBOARD, Script::new().tap(KEY_A));
    assert!(raw.pop(&mut buf).is_err(), "a refused client gets no events");
    assert_eq!(rig.backend.stats(IVI).refusals, 1);
}
