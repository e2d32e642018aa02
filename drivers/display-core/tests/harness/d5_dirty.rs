// SPDX-License-Identifier: MIT
//! D5: only what changed is composed and transferred: a flip with a dirty
//! rectangle damages that rectangle on the connector, and no scanout
//! pixel outside the damage is written.

use crate::rig::*;
use bulkhead_display::{Operation, PixelFormat, Rect};

#[test]
fn d5_a_dirty_rectangle_composes_only_itself() {
    let mut rig = Rig::new();
    rig.framebuffer(IVI, 1, (32, 24), PixelFormat::Xrgb8888, 0, |_, _| 0xff00_0040);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, 32, 24) });
    let first = rig.frame(CENTRE).expect("a frame");
    assert_eq!(first.damage, Rect::new(0, 0, 32, 24));
    // Mark every scanout byte: what the next frame leaves marked, it did not write.
    rig.scanouts[1].iter_mut().for_each(|b| *b = 0xee);
    rig.paint(IVI, 0, (32, 24), PixelFormat::Xrgb8888, |x, y| if x < 10 && y < 6 { 0xffff_ffff } else { 0xff00_0040 });
    rig.ok(IVI, CENTRE, Operation::PageFlip { fb: 1, damage: Some(Rect::new(2, 3, 4, 2)) });
    let frame = rig.frame(CENTRE).expect("a frame");
    assert_eq!(frame.damage, Rect::new(2, 3, 4, 2));
    for y in 0..24 {
        for x in 0..32 {
            let inside = Rect::new(2, 3, 4, 2).contains(&Rect::new(x, y, 1, 1));
            let want = if inside { 0xff_ffff } else { 0xee_eeee };
            assert_eq!(rig.pixel(CENTRE, x, y), want, "({x}, {y})");
        }
    }
    assert!(rig.frame(CENTRE).is_none(), "nothing changed, no frame");
}

#[test]
fn d5_damage_of_a_moved_surface_covers_where_it_was_and_where_it_is() {
    let mut rig = Rig::new();
    rig.framebuffer(IVI, 1, (4, 4), PixelFormat::Xrgb8888, 0, |_, _| 0xffff_ffff);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, 4, 4) });
    rig.frame(CENTRE);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(20, 10, 4, 4) });
    let frame = rig.frame(CENTRE).expect("a frame");
    assert_eq!(frame.damage, Rect::new(0, 0, 24, 14));
    assert_eq!(rig.pixel(CENTRE, 1, 1), BACKGROUND, "the old place is repainted");
    assert_eq!(rig.pixel(CENTRE, 21, 11), 0xff_ffff);
}
