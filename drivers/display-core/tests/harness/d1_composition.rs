// SPDX-License-Identifier: MIT
//! D1: surfaces are composed by the board's z-order, with ARGB8888 alpha
//! blended where the board allows it, over the connector's background;
//! every format (XRGB8888, ARGB8888, RGB565) shows its pixels.

use crate::rig::*;
use bulkhead_display::{Operation, PixelFormat, Rect};

/// The IVI (z 5) under the cluster (z 10), overlapping.
fn overlapping(rig: &mut Rig, cluster_format: PixelFormat) {
    // IVI: a horizontal gradient, opaque, 32 x 20 at (0, 8).
    rig.framebuffer(IVI, 1, (32, 20), PixelFormat::Xrgb8888, 0, |x, _| 0xff00_0000 | (x * 8) << 8 | 0x40);
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: Rect::new(0, 8, 32, 20) });
    // Cluster: 24 x 16 at (20, 14), left half red at alpha 0x80, right half opaque white.
    rig.framebuffer(CLUSTER, 2, (24, 16), cluster_format, 0, |x, _| if x < 12 { 0x80ff_0000 } else { 0xffff_ffff });
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 2, area: Rect::new(20, 14, 24, 16) });
    rig.frame(CLUSTER_SCREEN).expect("a frame");
}

#[test]
fn d1_z_order_and_alpha_golden() {
    let mut rig = Rig::new();
    overlapping(&mut rig, PixelFormat::Argb8888);
    // Checked by hand before the golden: the cluster's opaque half covers
    // the IVI; its red half blends 50% over the IVI and the background.
    let ivi_at = |x: u32| (x * 8) << 8 | 0x40;
    let half = |under: u32| {
        let ch = |s: u32, d: u32| (s * 128 + d * 127 + 127) / 255;
        (ch(0xff, (under >> 16) & 0xff) << 16) | (ch(0, (under >> 8) & 0xff) << 8) | ch(0, under & 0xff)
    };
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 25, 14), half(ivi_at(25)));
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 25, 29), half(BACKGROUND));
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 40, 14), 0xff_ffff);
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 5, 10), ivi_at(5));
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 47, 31), BACKGROUND);
    golden(&rig, CLUSTER_SCREEN, "d1-z-order-alpha");
}

#[test]
fn d1_argb_is_opaque_where_blending_is_not_allowed() {
    let mut rig = Rig::new();
    // The centre display does not allow the IVI to blend.
    rig.framebuffer(IVI, 1, (8, 8), PixelFormat::Argb8888, 0, |_, _| 0x2000_ff00);
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(4, 4, 8, 8) });
    rig.frame(CENTRE).expect("a frame");
    assert_eq!(rig.pixel(CENTRE, 5, 5), 0x00_ff00);
    assert_eq!(rig.pixel(CENTRE, 0, 0), BACKGROUND);
}

#[test]
fn d1_every_format_shows_its_pixels() {
    let mut rig = Rig::new();
    rig.framebuffer(IVI, 1, (8, 4), PixelFormat::Rgb565, 0, |x, _| if x < 4 { 0xffff_0000 } else { 0xff00_00ff });
    rig.ok(IVI, CENTRE, Operation::SetConfig { fb: 1, area: Rect::new(0, 0, 8, 4) });
    rig.frame(CENTRE).expect("a frame");
    assert_eq!(rig.pixel(CENTRE, 1, 1), 0xff_0000);
    assert_eq!(rig.pixel(CENTRE, 6, 1), 0x00_00ff);
    golden(&rig, CENTRE, "d1-rgb565");
}
