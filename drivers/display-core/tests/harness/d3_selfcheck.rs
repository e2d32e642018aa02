// SPDX-License-Identifier: MIT
//! D3: after each composed frame, the CRC of every protected region the
//! frame touched, as the scanout holds it, is compared with the CRC of
//! what its owner submitted; a mismatch is reported to the owner.

use crate::rig::*;
use bulkhead_display::{Event, Operation, PixelFormat, Rect};
use bulkhead_display_core::Scanout;

#[test]
fn d3_a_corrupted_telltale_is_reported_to_its_owner() {
    let mut rig = Rig::new();
    rig.framebuffer(
        CLUSTER,
        1,
        (48, 6),
        PixelFormat::Xrgb8888,
        0,
        |x, _| if x < 24 { 0xffff_0000 } else { 0xff00_ff00 },
    );
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: TELLTALES });
    let frame = rig.frame(CLUSTER_SCREEN).expect("a frame");
    assert!(frame.mismatches.is_empty(), "a correct frame passes: {:?}", frame.mismatches);

    // Something (a faulty GPU path, a stray write) flips one pixel of the
    // strip in the scanout; the cluster redraws one lamp, and the frame
    // that recomposes the region must not trust the rest of the scanout.
    rig.scanouts[0][(3 * W as usize + 40) * 4] ^= 0xff;
    rig.paint(CLUSTER, 0, (48, 6), PixelFormat::Xrgb8888, |x, _| if x < 24 { 0xffff_0000 } else { 0xff00_ff00 });
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::PageFlip { fb: 1, damage: Some(Rect::new(0, 0, 4, 6)) });
    let frame = rig.frame(CLUSTER_SCREEN).expect("a frame");
    assert_eq!(frame.mismatches.len(), 1, "{:?}", frame.mismatches);
    let (owner, event) = frame.mismatches[0];
    assert_eq!(owner, CLUSTER);
    let Event::ProtectedRegionMismatch { connector, region, expected, found } = event else { panic!("{event:?}") };
    assert_eq!((connector, region), (CLUSTER_SCREEN, 0));
    assert_ne!(expected, found);

    // A full repaint heals it, and the check passes again.
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::PageFlip { fb: 1, damage: None });
    assert!(rig.frame(CLUSTER_SCREEN).expect("a frame").mismatches.is_empty());
}

#[test]
fn d3_the_check_covers_what_the_owner_left_to_the_background() {
    let mut rig = Rig::new();
    // The cluster shows nothing in its region: the region must show the
    // background, and a scanout that does not is caught.
    let frame = rig.frame(CLUSTER_SCREEN).expect("the first frame paints everything");
    assert!(frame.mismatches.is_empty());
    Scanout::new(W, H, &mut rig.scanouts[0]).unwrap().bytes_mut()[0] = 0x77;
    rig.framebuffer(IVI, 1, (8, 8), PixelFormat::Xrgb8888, 0, |_, _| 0xff00_00ff);
    // An IVI surface below the strip damages rows 6..14 only: no region check.
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: Rect::new(0, 6, 8, 8) });
    assert!(rig.frame(CLUSTER_SCREEN).expect("a frame").mismatches.is_empty());
    // A cluster surface that touches the strip triggers it.
    rig.framebuffer(CLUSTER, 2, (4, 4), PixelFormat::Xrgb8888, 0, |_, _| 0xffff_ffff);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 2, area: Rect::new(40, 0, 4, 4) });
    let frame = rig.frame(CLUSTER_SCREEN).expect("a frame");
    assert_eq!(frame.mismatches.len(), 1, "the stray byte at (0, 0) is caught");
}
