// SPDX-License-Identifier: MIT
//! S5: a client that floods, sends malformed periods, names ranges outside
//! its buffer or window, or bad parameters, gets an error; the mix goes on.

use crate::rig::*;
use bulkhead_sound::{DataRef, Format, Operation, PcmParams, Status, StreamId, Trigger};

#[test]
fn s5_hostile_requests_are_refused_and_the_mix_goes_on() {
    let mut rig = Rig::new();
    rig.start(CLUSTER, PLAY, s16_stereo(4), BUFFER);
    let good = s16_stereo(4);
    let open = |params, buffer| Operation::Open { params, buffer };
    for (op, want) in [
        (open(good, DataRef { offset: WINDOW as u32 - 4096, len: 8192 }), Status::InvalidArgument),
        (open(good, DataRef { offset: 4096, len: 8192 }), Status::InvalidArgument), // over the rings
        (open(good, DataRef { offset: u32::MAX, len: u32::MAX }), Status::InvalidArgument),
        (open(good, DataRef { offset: 0, len: 100 }), Status::InvalidArgument),
        (open(PcmParams { rate: 8000, ..good }, BUFFER), Status::InvalidArgument),
        (open(PcmParams { format: Format::U8, ..good }, BUFFER), Status::InvalidArgument),
        (open(PcmParams { period_bytes: 3, ..good }, BUFFER), Status::InvalidArgument),
        (open(PcmParams { channels: 0, ..good }, BUFFER), Status::InvalidArgument),
    ] {
        assert_eq!(rig.send(IVI, PLAY, op).status, want, "{op:?}");
    }
    assert_eq!(rig.send(IVI, PLAY, Operation::Trigger(Trigger::Start)).status, Status::NoDevice);
    rig.start(IVI, PLAY, good, BUFFER);
    assert_eq!(rig.send(IVI, PLAY, open(good, BUFFER)).status, Status::Busy, "opened twice");
    for data in [
        DataRef { offset: 0, len: 64 },                   // outside the stream's buffer
        DataRef { offset: BUFFER.offset, len: 6 },        // not whole frames
        DataRef { offset: BUFFER.offset + 8190, len: 8 }, // past the buffer's end
        DataRef { offset: u32::MAX - 3, len: 8 },         // wraps
    ] {
        assert_eq!(rig.send(IVI, PLAY, Operation::Write { data }).status, Status::InvalidArgument, "{data:?}");
    }
    // A flood: the FIFO holds one buffer (8 KiB), then `Busy`.
    let whole = Operation::Write { data: BUFFER };
    assert_eq!(rig.send(IVI, PLAY, whole).status, Status::Ok);
    assert_eq!(rig.send(IVI, PLAY, whole).status, Status::Busy);
    assert_eq!(rig.backend.queued(IVI, PLAY), Some(8192));
    assert_eq!(rig.send(IVI, StreamId { card: 9, device: 9, stream: 8 }, Operation::Mute).status, Status::NoDevice);
    assert_eq!(rig.send(IVI, PLAY, Operation::Trigger(Trigger::Resume)).status, Status::Busy);
    assert_eq!(
        rig.send(IVI, PLAY, Operation::SetVolume { channels: 9, levels: [0; 8] }).status,
        Status::InvalidArgument
    );

    // The cluster is still heard (ducking the flooder).
    rig.write_frames(CLUSTER, PLAY, BUFFER, &constant(123, 4));
    let (out, _) = rig.mix(4);
    assert_eq!(out[0][0], 123, "the cluster's first frame, the IVI's PCM being zeros");
}
