// SPDX-License-Identifier: MIT
//! S4: a stream that stops feeding gets silence for what is missing and an
//! underrun report; the other streams are heard without a gap.

use crate::rig::*;
use bulkhead_sound::Event;

#[test]
fn s4_a_starved_stream_is_silent_and_told_and_the_other_plays_on() {
    let mut rig = Rig::new();
    rig.start(IVI, PLAY, s16_stereo(8), BUFFER);
    rig.start(IVI, PLAY2, s16_stereo(8), BUFFER2);
    rig.write_frames(IVI, PLAY, BUFFER, &constant(50, 3));
    rig.write_frames(IVI, PLAY2, BUFFER2, &constant(1, 8));
    let (out, events) = rig.mix(8);
    assert_eq!(out, [[51, 51], [51, 51], [51, 51], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]);
    assert!(events.contains(&(IVI, Event::Underrun { stream: PLAY, frames: 5 })), "{events:?}");
    assert!(!events.iter().any(|(_, e)| matches!(e, Event::Underrun { stream, .. } if *stream == PLAY2)));
}
