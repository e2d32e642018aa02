// SPDX-License-Identifier: MIT
//! R8: when a domain at either end restarts, the channel's epoch changes;
//! both ends follow it and the client connects again (and is told its
//! grant and the capabilities again). Nothing of the old epoch is
//! delivered in the new one.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input_client::{InputClient, Received};
use bulkhead_input_core::evdev::codes::*;

#[test]
fn r8_a_client_that_restarts_reconnects_and_gets_only_new_events() {
    let mut rig = Rig::cockpit().connected();
    rig.clients[IVI].slow = true;
    rig.play(KEYBOARD, Script::new().tap(KEY_A));
    assert_eq!(rig.backend.queued(IVI), 0, "on its ring, not yet read");
    // The infotainment domain stops: the kernel moves its channel to
    // epoch 2 and rings the backend's doorbell; its new life connects.
    rig.service();
    rig.clients[IVI].epoch = 2;
    rig.service();
    assert!(!rig.backend.is_connected(IVI));
    assert_eq!(rig.backend.stats(IVI).epochs, 1);
    // Typed while it restarts: nobody to deliver to.
    rig.play(KEYBOARD, Script::new().tap(KEY_B));
    let window = rig.clients[IVI].window.clone();
    rig.clients[IVI].client = InputClient::new(client_link(&window, 2), EVERYTHING);
    rig.clients[IVI].slow = false;
    let got = rig.take(IVI);
    assert!(matches!(got[..], [Received::Connected { .. }]), "only the new connection, nothing old: {got:?}");
    rig.play(KEYBOARD, Script::new().tap(KEY_Q));
    assert_eq!(rig.events(IVI), vec![down(KEY_Q), up(KEY_Q)]);
    assert_eq!(rig.backend.stats(IVI).undelivered, 2);
    assert_eq!(rig.backend.stats(IVI).connects, 2);
    // The cluster never noticed.
    rig.play(KEYBOARD, Script::new().tap(KEY_VOLUMEUP));
    assert_eq!(rig.events(CLUSTER), vec![down(KEY_VOLUMEUP), up(KEY_VOLUMEUP)]);
}

#[test]
fn r8_clients_follow_a_restarted_backend() {
    let mut rig = Rig::cockpit().connected();
    rig.play(KEYBOARD, Script::new().press(KEY_LEFTSHIFT));
    assert_eq!(rig.events(IVI), vec![down(KEY_LEFTSHIFT)]);
    // The input domain restarts from its pristine image: the kernel moves
    // both channels to epoch 2; the new backend connects there.
    let configs: Vec<_> = devices().iter().map(|d| d.config()).collect();
    let links =
        [(NAMES[0], backend_link(&rig.clients[0].window, 2)), (NAMES[1], backend_link(&rig.clients[1].window, 2))];
    rig.backend = TestBackend::new(&configs, &COCKPIT, links).unwrap();
    // Before the clients follow, their link is down: nothing, no error.
    assert_eq!(rig.clients[IVI].client.next_event(), Ok(None));
    for c in &mut rig.clients {
        c.epoch = 2;
    }
    for i in [CLUSTER, IVI] {
        let got = rig.take(i);
        assert!(matches!(got[..], [Received::Connected { .. }]), "{got:?}");
        assert_eq!(rig.clients[i].client.epoch(), 2);
    }
    rig.play(KEYBOARD, Script::new().tap(KEY_A));
    assert_eq!(rig.events(IVI), vec![down(KEY_A), up(KEY_A)]);
}

#[test]
fn r8_events_queued_for_a_client_die_with_its_epoch() {
    let mut rig = Rig::cockpit().connected();
    rig.clients[IVI].slow = true;
    for _ in 0..200 {
        rig.play(KEYBOARD, Script::new().tap(KEY_A));
    }
    assert_eq!(rig.backend.queued(IVI), QUEUE);
    rig.clients[IVI].epoch = 2;
    rig.service();
    assert_eq!(rig.backend.queued(IVI), 0);
    let window = rig.clients[IVI].window.clone();
    rig.clients[IVI].client = InputClient::new(client_link(&window, 2), EVERYTHING);
    rig.clients[IVI].slow = false;
    let got = rig.take(IVI);
    assert!(matches!(got[..], [Received::Connected { .. }]), "no old event and no old drop report: {got:?}");
}
