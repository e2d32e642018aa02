// SPDX-License-Identifier: MIT
//! D2: a protected region (the cluster's tell-tales) is never covered or
//! blended into by another client: a SET_CONFIG that would overlap it is
//! refused with `PermissionDenied` naming the region, never clipped, and
//! the tell-tales stay as their owner drew them.

use crate::rig::*;
use bulkhead_display::{Operation, Payload, PixelFormat, Rect, Status};

#[test]
fn d2_covering_a_telltale_is_refused_and_it_stays_visible() {
    let mut rig = Rig::new();
    // The cluster draws its tell-tale strip: amber lamps on black.
    rig.framebuffer(
        CLUSTER,
        1,
        (48, 6),
        PixelFormat::Xrgb8888,
        0,
        |x, _| {
            if x % 8 < 4 { 0xffff_b000 } else { 0xff00_0000 }
        },
    );
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: TELLTALES });
    // The IVI tries to cover the whole screen, then one row of the strip,
    // then only to blend into it with a transparent surface.
    rig.framebuffer(IVI, 2, (48, 32), PixelFormat::Argb8888, 0, |_, _| 0x0100_00ff);
    for area in [Rect::new(0, 0, 48, 32), Rect::new(0, 5, 48, 27)] {
        let mut r = rig.send(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 2, area });
        r.id = 0;
        assert_eq!(r.status, Status::PermissionDenied, "{area:?}");
        assert_eq!(r.payload, Payload::ProtectedRegion(0), "the refusal names the region");
    }
    assert_eq!(rig.backend.shown(IVI, CLUSTER_SCREEN), None, "nothing was clipped into place");
    // Beside the strip is allowed.
    rig.framebuffer(IVI, 3, (48, 26), PixelFormat::Xrgb8888, 0x2000, |_, _| 0xff00_00ff);
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 3, area: Rect::new(0, 6, 48, 26) });
    let frame = rig.frame(CLUSTER_SCREEN).expect("a frame");
    assert!(frame.mismatches.is_empty(), "{:?}", frame.mismatches);
    for x in 0..48 {
        assert_eq!(rig.pixel(CLUSTER_SCREEN, x, 2), if x % 8 < 4 { 0xff_b000 } else { 0 }, "tell-tale at {x}");
        assert_eq!(rig.pixel(CLUSTER_SCREEN, x, 6), 0x00_00ff);
    }
    golden(&rig, CLUSTER_SCREEN, "d2-telltales");
}

#[test]
fn d2_the_owner_may_draw_over_its_own_region_and_others_may_not_show_where_not_placed() {
    let mut rig = Rig::new();
    rig.framebuffer(CLUSTER, 1, (48, 32), PixelFormat::Xrgb8888, 0, |_, _| 0xff20_2020);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, 48, 32) });
    // The cluster is not placed on the centre display.
    let r = rig.send(CLUSTER, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, 32, 24) });
    assert_eq!(r.status, Status::PermissionDenied);
}
