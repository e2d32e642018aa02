// SPDX-License-Identifier: MIT
//! D7: each client has a flip budget per connector: a flood of flips is
//! refused with `Busy` beyond it, and neither a flooding client nor a slow
//! one (that never takes its flip-done) delays another client's flips.

use crate::rig::*;
use bulkhead_display::{Event, Operation, PixelFormat, Rect, Status};
use bulkhead_display_core::FLIP_BUDGET;

#[test]
fn d7_a_flood_of_flips_is_bounded_and_the_other_client_is_served() {
    let mut rig = Rig::new();
    rig.framebuffer(CLUSTER, 1, (48, 6), PixelFormat::Xrgb8888, 0, |_, _| 0xffff_0000);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: TELLTALES });
    rig.framebuffer(IVI, 2, (48, 26), PixelFormat::Xrgb8888, 0, |_, _| 0xff00_00ff);
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 2, area: Rect::new(0, 6, 48, 26) });
    rig.frame(CLUSTER_SCREEN);

    // The IVI floods: FLIP_BUDGET flips are taken, the rest refused.
    let statuses: Vec<Status> =
        (0..50).map(|_| rig.send(IVI, CLUSTER_SCREEN, Operation::PageFlip { fb: 2, damage: None }).status).collect();
    assert!(statuses[..FLIP_BUDGET].iter().all(|s| *s == Status::Ok));
    assert!(statuses[FLIP_BUDGET..].iter().all(|s| *s == Status::Busy));
    // The cluster's flip still goes through and is done with the next frame.
    rig.paint(CLUSTER, 0, (48, 6), PixelFormat::Xrgb8888, |_, _| 0xff00_ff00);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::PageFlip { fb: 1, damage: None });
    rig.frame(CLUSTER_SCREEN).expect("a frame");
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 3, 3), 0x00_ff00);
    let done = rig.backend.frame_shown(CLUSTER_SCREEN);
    assert!(done.contains(&(CLUSTER, Event::FlipDone { connector: CLUSTER_SCREEN, fb: 1 })));
    // With its flip-dones handed out, the IVI may flip again.
    rig.ok(IVI, CLUSTER_SCREEN, Operation::PageFlip { fb: 2, damage: None });
}

#[test]
fn d7_a_slow_client_does_not_hold_up_another() {
    let mut rig = Rig::new();
    rig.framebuffer(IVI, 2, (48, 26), PixelFormat::Xrgb8888, 0, |_, _| 0xff00_00ff);
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 2, area: Rect::new(0, 6, 48, 26) });
    rig.framebuffer(CLUSTER, 1, (48, 6), PixelFormat::Xrgb8888, 0, |_, _| 0xffff_0000);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: TELLTALES });
    // The IVI flips once and then never reads its ring (its flip-done is
    // released, nobody takes it); the cluster animates 100 frames.
    rig.ok(IVI, CLUSTER_SCREEN, Operation::PageFlip { fb: 2, damage: None });
    for i in 0..100u32 {
        rig.paint(
            CLUSTER,
            0,
            (48, 6),
            PixelFormat::Xrgb8888,
            |x, _| if x == i % 48 { 0xffff_ffff } else { 0xffff_0000 },
        );
        rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::PageFlip { fb: 1, damage: None });
        let frame = rig.frame(CLUSTER_SCREEN).expect("a frame");
        assert!(frame.mismatches.is_empty());
        let done = rig.backend.frame_shown(CLUSTER_SCREEN);
        assert!(done.contains(&(CLUSTER, Event::FlipDone { connector: CLUSTER_SCREEN, fb: 1 })), "frame {i}");
        assert_eq!(rig.pixel(CLUSTER_SCREEN, i % 48, 0), 0xff_ffff);
    }
}
