// SPDX-License-Identifier: MIT
//! S1: running playback streams are summed sample-exactly, each at its
//! gain, and the sum saturates at the 16-bit limits (no wrap-around).

use crate::rig::*;
use bulkhead_sound::Operation;

#[test]
fn s1_two_streams_sum_sample_exactly() {
    let mut rig = Rig::new();
    // Both at the same priority: two IVI streams, no ducking.
    rig.start(IVI, PLAY, s16_stereo(4), BUFFER);
    rig.start(IVI, PLAY2, s16_stereo(4), BUFFER2);
    rig.write_frames(IVI, PLAY, BUFFER, &[[100, -100], [200, -200], [300, -300], [400, -400]]);
    rig.write_frames(IVI, PLAY2, BUFFER2, &[[1, 2], [3, 4], [5, 6], [7, 8]]);
    let (out, _) = rig.mix(4);
    assert_eq!(out, [[101, -98], [203, -196], [305, -294], [407, -392]]);
}

#[test]
fn s1_volume_is_applied_exactly_and_sums_saturate() {
    let mut rig = Rig::new();
    rig.start(IVI, PLAY, s16_stereo(4), BUFFER);
    rig.start(IVI, PLAY2, s16_stereo(4), BUFFER2);
    // -6 dB is 32846/65536 in Q16: 20000 -> 10024 (rounded).
    rig.ok(IVI, PLAY, Operation::SetVolume { channels: 1, levels: [-6000, 0, 0, 0, 0, 0, 0, 0] });
    rig.write_frames(IVI, PLAY, BUFFER, &constant(20_000, 2));
    rig.write_frames(IVI, PLAY2, BUFFER2, &[[30_000, -30_000], [-30_000, 30_000]]);
    let (out, _) = rig.mix(2);
    assert_eq!(out, [[i16::MAX, -19_976], [-19_976, i16::MAX]]);
}
