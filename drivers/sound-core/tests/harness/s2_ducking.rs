// SPDX-License-Identifier: MIT
//! S2: while a higher-priority stream sounds, lower ones are ducked by the
//! policy's level along a linear ramp (no click), and come back along the
//! same ramp once it stops sounding.

use crate::rig::*;
use bulkhead_sound_core::gain::{UNITY, apply, q16_from_tenths_db};

#[test]
fn s2_media_ducks_under_a_chime_with_a_ramp_and_comes_back() {
    let mut rig = Rig::new();
    rig.start(IVI, PLAY, s16_stereo(8), BUFFER);
    rig.write_frames(IVI, PLAY, BUFFER, &constant(10_000, 24));
    let (before, _) = rig.mix(4);
    assert_eq!(before, constant(10_000, 4), "alone: unity");

    // The chime: 8 frames of silence-valued PCM (it sounds: it has PCM).
    rig.start(CLUSTER, PLAY, s16_stereo(8), BUFFER);
    rig.write_frames(CLUSTER, PLAY, BUFFER, &constant(0, 8));
    let (during, _) = rig.mix(8);
    let ducked = q16_from_tenths_db(DUCK_TENTHS);
    let step = (UNITY - ducked) / RAMP;
    let want: Vec<[i16; 2]> = (0..8u32)
        .map(|k| {
            let g = UNITY.saturating_sub(step * k).max(ducked);
            let v = apply(10_000, g) as i16;
            [v, v]
        })
        .collect();
    assert_eq!(during, want, "down along the ramp to -12 dB");
    assert_eq!(during[7], [apply(10_000, ducked) as i16; 2]);
    assert_eq!(during[7][0], 2512, "-12 dB of 10000");

    // The chime has nothing left: the IVI ramps back up.
    let (after, _) = rig.mix(8);
    assert_eq!(after[0], during[7]);
    assert!(after.windows(2).all(|w| w[1][0] >= w[0][0]), "monotonic: no click");
    assert_eq!(after[7], [10_000, 10_000]);
}
