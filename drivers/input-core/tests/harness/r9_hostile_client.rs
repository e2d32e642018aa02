// SPDX-License-Identifier: MIT
//! R9: a client is untrusted. Frames that are not requests are counted
//! and skipped; a client that corrupts its ring is no longer served in
//! that epoch, and the others carry on; a new epoch serves it again.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input::{Message, Request, VERSION, decode_message};
use bulkhead_input_client::{InputClient, Received};
use bulkhead_input_core::evdev::codes::*;

#[test]
fn r9_garbage_requests_are_skipped_and_counted() {
    let mut rig = Rig::cockpit();
    let window = rig.clients[IVI].window.clone();
    let mut raw = client_link(&window, 1);
    raw.push(&[0xff, 0xff, 0xff]).unwrap();
    raw.push(&[]).unwrap();
    rig.service();
    assert_eq!(rig.backend.stats(IVI).garbage, 2);
    assert!(!rig.backend.is_connected(IVI));
    // The same client can still connect properly.
    let request = Request::Connect { version: VERSION, wanted: EVERYTHING };
    raw.push(&postcard::to_allocvec(&request).unwrap()).unwrap();
    rig.service();
    let mut buf = [0u8; 256];
    assert!(matches!(decode_message(raw.pop(&mut buf).unwrap()), Ok(Message::Connected { .. })));
    assert!(rig.backend.is_connected(IVI));
}

#[test]
fn r9_a_client_that_breaks_its_ring_is_cut_off_and_the_other_carries_on() {
    let mut rig = Rig::cockpit().connected();
    // The infotainment system scribbles over its consumer index of the
    // backend-to-client ring (offset 64 of the ring).
    rig.clients[IVI].window.scribble(TO_CLIENT.base + 64, 0x0bad_0000);
    rig.play(KEYBOARD, Script::new().tap(KEY_A).tap(KEY_VOLUMEUP));
    rig.service();
    assert!(!rig.backend.is_connected(IVI));
    assert_eq!(rig.events(CLUSTER), vec![down(KEY_VOLUMEUP), up(KEY_VOLUMEUP)]);
    // Its next life (a new epoch) is served again.
    rig.clients[IVI].epoch = 2;
    let window = rig.clients[IVI].window.clone();
    rig.clients[IVI].client = InputClient::new(client_link(&window, 2), EVERYTHING);
    assert!(matches!(rig.take(IVI)[..], [Received::Connected { .. }]));
    rig.play(KEYBOARD, Script::new().tap(KEY_B));
    assert_eq!(rig.events(IVI), vec![down(KEY_B), up(KEY_B)]);
}

#[test]
fn r9_a_client_that_corrupts_its_request_ring_is_cut_off() {
    let mut rig = Rig::cockpit().connected();
    // The cluster publishes a producer index beyond its request ring.
    rig.clients[CLUSTER].window.scribble(TO_BACKEND.base, 0x1000_0000);
    rig.service();
    assert!(!rig.backend.is_connected(CLUSTER));
    rig.play(KEYBOARD, Script::new().tap(KEY_VOLUMEUP).tap(KEY_A));
    assert_eq!(rig.backend.stats(CLUSTER).undelivered, 2);
    assert_eq!(rig.events(IVI), vec![down(KEY_A), up(KEY_A)]);
}
