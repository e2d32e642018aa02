// SPDX-License-Identifier: MIT
//! S7: the board's policy decides who may capture (exactly one client) and
//! how many playback streams a client may open; a 44.1 kHz stream is
//! resampled to the device's 48 kHz without drift.

use crate::rig::*;
use bulkhead_sound::{Operation, PcmParams, Status};
use bulkhead_sound_core::{ClientPolicy, Policy, PolicyError};

#[test]
fn s7_capture_and_stream_limits_follow_the_policy() {
    let mut rig = Rig::new();
    let r = rig.send(CLUSTER, CAPTURE, Operation::Open { params: s16_stereo(4), buffer: BUFFER });
    assert_eq!(r.status, Status::PermissionDenied, "the cluster does not receive capture");
    rig.ok(IVI, CAPTURE, Operation::Open { params: s16_stereo(4), buffer: BUFFER });
    rig.ok(CLUSTER, PLAY, Operation::Open { params: s16_stereo(4), buffer: BUFFER });
    rig.ok(CLUSTER, PLAY2, Operation::Open { params: s16_stereo(4), buffer: BUFFER2 });
    let third = bulkhead_sound::StreamId { card: 0, device: 0, stream: 4 };
    let r = rig.send(CLUSTER, third, Operation::Open { params: s16_stereo(4), buffer: BUFFER2 });
    assert_eq!(r.status, Status::PermissionDenied, "two playback streams at most");
    let mut p = policy();
    p.clients[0].capture = true;
    assert_eq!(Policy { ..p.clone() }.validate(), Err(PolicyError::TwoCaptureClients));
    p.clients[0].capture = false;
    p.ramp_frames = 0;
    assert_eq!(p.validate(), Err(PolicyError::BadDucking));
    let _ = ClientPolicy { priority: 0, default_volume: 0, max_playback: 0, capture: false };
}

#[test]
fn s7_without_a_capture_device_capture_is_neither_offered_nor_opened() {
    let mut rig = Rig::new();
    let has_capture = |rig: &Rig| {
        bulkhead_sound_core::offered(&rig.backend, IVI)
            .iter()
            .any(|s| s.direction == bulkhead_sound::Direction::Capture)
    };
    assert!(has_capture(&rig), "the capture client is offered capture");
    rig.backend.set_capture(false);
    assert!(!has_capture(&rig), "no capture device, no capture stream");
    let r = rig.send(IVI, CAPTURE, Operation::Open { params: s16_stereo(4), buffer: BUFFER });
    assert_eq!(r.status, Status::NoDevice);
    rig.ok(IVI, PLAY, Operation::Open { params: s16_stereo(4), buffer: BUFFER });
}

#[test]
fn s7_a_44100_stream_is_resampled_without_drift() {
    let mut rig = Rig::new();
    let params = PcmParams { rate: 44_100, period_bytes: 4 * 441, buffer_bytes: 4 * 441 * 4, ..s16_stereo(4) };
    rig.start(IVI, PLAY, params, bulkhead_sound::DataRef { offset: BUFFER.offset, len: 4 * 441 * 4 });
    // 10 ms at 44.1 kHz (441 frames) become 10 ms at 48 kHz (480 frames).
    rig.write_frames(IVI, PLAY, BUFFER, &constant(500, 441));
    let (out, events) = rig.mix(480);
    assert!(out.iter().all(|f| *f == [500, 500]));
    assert!(!events.iter().any(|(_, e)| matches!(e, bulkhead_sound::Event::Underrun { .. })), "{events:?}");
    assert_eq!(rig.backend.queued(IVI, PLAY), Some(0));
}
