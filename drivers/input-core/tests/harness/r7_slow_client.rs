// SPDX-License-Identifier: MIT
//! R7: a slow client cannot block the others or the backend. Its ring
//! full, its events wait in its bounded queue; the queue full, the oldest
//! are dropped, counted and reported (`Dropped { count }`, just where the
//! gap is), so it keeps getting the newest. Relative motion, positions
//! and touch motion merge while it lags, losing nothing a client needs;
//! keys and touch down/up never merge. The other client, fed at the same
//! time, loses nothing.

use crate::device::Script;
use crate::rig::*;
use bulkhead_input::Event;
use bulkhead_input::Touch::{Down, Motion, Orient, Shape, Syn, Up};
use bulkhead_input_client::Received;
use bulkhead_input_core::evdev::codes::*;
use bulkhead_input_core::{FocusConfig, FocusSwitch};

/// Keyboard to the cluster (the slow one), everything else to the
/// infotainment system.
fn cluster_keyboard() -> FocusConfig<'static> {
    FocusConfig { keyboard: Some("cluster"), switches: &[] as &[FocusSwitch<'static>], ..COCKPIT }
}

#[test]
fn r7_a_slow_client_gets_the_newest_events_and_the_drop_count_and_the_other_loses_nothing() {
    let mut rig = Rig::new(&devices(), &cluster_keyboard(), [EVERYTHING, EVERYTHING]).connected();
    rig.clients[CLUSTER].slow = true;
    let mut keys = Vec::new();
    let mut ivi = Vec::new();
    for i in 0..300u16 {
        let code = KEY_ESC + i % 60;
        keys.extend([down(code), up(code)]);
        rig.play(KEYBOARD, Script::new().tap(code));
        // Meanwhile the infotainment system's touch is busy (and read).
        rig.play(TOUCH, Script::new().abs(ABS_MT_TRACKING_ID, i32::from(i)).abs(ABS_MT_POSITION_X, i32::from(i)).syn());
        rig.play(TOUCH, Script::new().abs(ABS_MT_TRACKING_ID, -1).syn());
        ivi.extend(rig.events(IVI));
        assert!(rig.backend.queued(CLUSTER) <= QUEUE, "the queue is bounded");
    }
    // The fast client got every frame, none merged, nothing dropped.
    let mut expected = Vec::new();
    for i in 0..300 {
        expected.extend([
            touch(0, Down { x: i, y: 0 }),
            touch(0, Shape { major: 0, minor: 0 }),
            touch(0, Orient { degrees: 0 }),
            touch(0, Syn),
            touch(0, Up),
            touch(0, Syn),
        ]);
    }
    assert_eq!(ivi, expected);
    assert_eq!(rig.backend.stats(IVI).dropped, 0);
    // The slow client finally reads: the oldest events that were already
    // on its ring, then the drop report, then the newest QUEUE events.
    let got = rig.take(CLUSTER);
    let gap = got.iter().position(|r| matches!(r, Received::Dropped { .. })).expect("a drop report");
    let Received::Dropped { count } = got[gap] else { unreachable!() };
    let on_ring: Vec<Received> = keys[..gap].iter().map(|&e| Received::Event(e)).collect();
    let newest: Vec<Received> = keys[keys.len() - QUEUE..].iter().map(|&e| Received::Event(e)).collect();
    assert_eq!(got[..gap], on_ring[..], "what reached the ring is intact and in order");
    assert_eq!(got[gap + 1..], newest[..], "then exactly the newest events");
    assert_eq!(gap + count as usize + QUEUE, keys.len(), "every event is delivered or counted");
    assert_eq!(rig.backend.stats(CLUSTER).dropped, u64::from(count));
    assert_eq!(rig.clients[CLUSTER].client.dropped(), u64::from(count));
    // Caught up, it gets everything again, with no further report.
    rig.clients[CLUSTER].slow = false;
    rig.play(KEYBOARD, Script::new().tap(KEY_Q));
    assert_eq!(rig.events(CLUSTER), vec![down(KEY_Q), up(KEY_Q)]);
}

#[test]
fn r7_relative_motion_merges_while_a_client_lags_and_nothing_is_lost() {
    let mut rig = Rig::cockpit().connected();
    rig.clients[IVI].slow = true;
    let mut script = Script::new();
    for _ in 0..400 {
        script = script.rel(REL_X, 1).rel(REL_Y, -2).syn();
    }
    script = script.key(BTN_LEFT, 1).syn();
    for _ in 0..400 {
        script = script.rel(REL_X, 3).rel(REL_WHEEL, -1).syn();
    }
    script = script.key(BTN_LEFT, 0).syn();
    rig.play(MOUSE, script);
    let got = rig.events(IVI);
    assert_eq!(rig.backend.stats(IVI).dropped, 0, "nothing dropped: {got:?}");
    assert!(rig.backend.stats(IVI).coalesced > 0);
    // Motion before the press adds up to what was sent, and after it too.
    let press = got.iter().position(|e| *e == down(BTN_LEFT)).unwrap();
    let sum = |events: &[Event]| {
        events.iter().fold((0, 0, 0), |(x, y, z), e| match e {
            Event::Motion { dx, dy, dz } => (x + dx, y + dy, z + dz),
            other => panic!("unexpected {other:?}"),
        })
    };
    assert_eq!(sum(&got[..press]), (400, -800, 0));
    assert_eq!(sum(&got[press + 1..got.len() - 1]), (1200, 0, 400));
    assert_eq!(got.last(), Some(&up(BTN_LEFT)));
}

#[test]
fn r7_positions_merge_to_the_newest_while_a_client_lags() {
    let mut rig = Rig::cockpit().connected();
    rig.clients[IVI].slow = true;
    let mut script = Script::new();
    for i in 1..=500 {
        script = script.abs(ABS_X, i).abs(ABS_Y, 2 * i).syn();
    }
    rig.play(TABLET, script);
    let got = rig.events(IVI);
    assert_eq!(rig.backend.stats(IVI).dropped, 0);
    assert!(got.len() < 500);
    assert_eq!(got.last(), Some(&Event::Position { x: 500, y: 1000, dz: 0 }));
}

#[test]
fn r7_touch_motion_merges_but_downs_and_ups_are_all_delivered() {
    let mut rig = Rig::cockpit().connected();
    rig.clients[IVI].slow = true;
    let mut script = Script::new()
        .abs(ABS_MT_SLOT, 0)
        .abs(ABS_MT_TRACKING_ID, 1)
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_TRACKING_ID, 2)
        .syn();
    for i in 1..=300 {
        script = script
            .abs(ABS_MT_SLOT, 0)
            .abs(ABS_MT_POSITION_X, i)
            .abs(ABS_MT_SLOT, 1)
            .abs(ABS_MT_POSITION_Y, -i)
            .abs(ABS_MT_ORIENTATION, (i % 7) * 100)
            .syn();
    }
    script = script
        .abs(ABS_MT_SLOT, 0)
        .abs(ABS_MT_TRACKING_ID, -1)
        .syn()
        .abs(ABS_MT_SLOT, 1)
        .abs(ABS_MT_TRACKING_ID, -1)
        .syn();
    rig.play(TOUCH, script);
    let got = rig.events(IVI);
    assert_eq!(rig.backend.stats(IVI).dropped, 0);
    let count = |what: fn(&bulkhead_input::Touch) -> bool| {
        got.iter().filter(|e| matches!(e, Event::Touch { what: w, .. } if what(w))).count()
    };
    assert_eq!(count(|w| matches!(w, Down { .. })), 2);
    assert_eq!(count(|w| matches!(w, Up)), 2);
    // Each contact's last motion before its up is where it really was.
    let last_motion = |c: u8| {
        got.iter()
            .rev()
            .find_map(|e| match e {
                Event::Touch { contact, what: Motion { x, y } } if *contact == c => Some((*x, *y)),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(last_motion(0), (300, 0));
    assert_eq!(last_motion(1), (0, -300));
    let last_orient = got.iter().rev().find_map(|e| match e {
        Event::Touch { contact: 1, what: Orient { degrees } } => Some(*degrees),
        _ => None,
    });
    assert_eq!(last_orient, Some(52), "(300 % 7) * 100 = 600 of 1024 per quarter turn: 52 degrees");
    assert_eq!(got[got.len() - 4..], [touch(0, Up), touch(0, Syn), touch(1, Up), touch(0, Syn)]);
}

#[test]
fn r7_key_events_never_merge() {
    let mut rig = Rig::new(&devices(), &cluster_keyboard(), [EVERYTHING, EVERYTHING]).connected();
    rig.clients[CLUSTER].slow = true;
    let mut sent = Vec::new();
    for _ in 0..100 {
        rig.play(KEYBOARD, Script::new().press(KEY_A).release(KEY_A));
        sent.extend([down(KEY_A), up(KEY_A)]);
    }
    let got: Vec<Event> = rig
        .take(CLUSTER)
        .into_iter()
        .filter_map(|r| match r {
            Received::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(rig.backend.stats(CLUSTER).coalesced, 0);
    let dropped = rig.backend.stats(CLUSTER).dropped as usize;
    assert_eq!(got.len() + dropped, sent.len());
    assert!(got.chunks(2).all(|pair| pair == [down(KEY_A), up(KEY_A)]), "presses and releases still alternate");
}
