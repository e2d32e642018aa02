// SPDX-License-Identifier: MIT
//! S6: a running stream reports its position (bytes consumed) at least
//! once per period; a stopped stream starts again from 0.

use crate::rig::*;
use bulkhead_sound::{Event, Operation, Trigger};

#[test]
fn s6_positions_come_once_per_period_and_restart_at_zero() {
    let mut rig = Rig::new();
    rig.start(IVI, PLAY, s16_stereo(4), BUFFER);
    rig.write_frames(IVI, PLAY, BUFFER, &constant(1, 12));
    let mut positions = Vec::new();
    for _ in 0..3 {
        let (_, events) = rig.mix(4);
        positions.extend(events.iter().filter_map(|(_, e)| match e {
            Event::Position { stream, position_bytes } if *stream == PLAY => Some(*position_bytes),
            _ => None,
        }));
    }
    assert_eq!(positions, [16, 32, 48]);
    rig.ok(IVI, PLAY, Operation::Trigger(Trigger::Stop));
    assert_eq!(rig.backend.queued(IVI, PLAY), Some(0));
    rig.ok(IVI, PLAY, Operation::Trigger(Trigger::Start));
    rig.write_frames(IVI, PLAY, BUFFER, &constant(1, 4));
    let (_, events) = rig.mix(4);
    assert!(events.contains(&(IVI, Event::Position { stream: PLAY, position_bytes: 16 })), "{events:?}");
}

#[test]
fn s6_capture_positions_with_silence() {
    // QEMU's `none` audiodev captures silence: timing and positions only.
    let mut rig = Rig::new();
    rig.start(IVI, CAPTURE, s16_stereo(4), BUFFER);
    let events = rig.backend.capture(&[0u8; 16]);
    assert_eq!(events, [(IVI, Event::Position { stream: CAPTURE, position_bytes: 16 })]);
    let r =
        rig.send(IVI, CAPTURE, Operation::Read { data: bulkhead_sound::DataRef { offset: BUFFER.offset, len: 16 } });
    assert_eq!(r.status, bulkhead_sound::Status::Ok);
}
