// SPDX-License-Identifier: MIT
//! S3: SET_VOLUME, GET_VOLUME, MUTE and UNMUTE act on one stream only.

use crate::rig::*;
use bulkhead_sound::{Operation, Payload};

#[test]
fn s3_mute_silences_only_its_own_stream_and_volume_reads_back() {
    let mut rig = Rig::new();
    rig.start(IVI, PLAY, s16_stereo(4), BUFFER);
    rig.start(IVI, PLAY2, s16_stereo(4), BUFFER2);
    rig.ok(IVI, PLAY, Operation::Mute);
    rig.write_frames(IVI, PLAY, BUFFER, &constant(1000, 4));
    rig.write_frames(IVI, PLAY2, BUFFER2, &constant(7, 4));
    let (out, _) = rig.mix(4);
    assert_eq!(out, constant(7, 4));
    rig.ok(IVI, PLAY, Operation::Unmute);
    rig.write_frames(IVI, PLAY, BUFFER, &constant(1000, 4));
    rig.write_frames(IVI, PLAY2, BUFFER2, &constant(7, 4));
    assert_eq!(rig.mix(4).0, constant(1007, 4));

    rig.ok(IVI, PLAY2, Operation::SetVolume { channels: 2, levels: [-3000, -9000, 0, 0, 0, 0, 0, 0] });
    let r = rig.send(IVI, PLAY2, Operation::GetVolume);
    let Payload::Volume { channels, levels } = r.payload else { panic!("{r:?}") };
    assert_eq!((channels, levels[0], levels[1]), (2, -3000, -9000));
}
