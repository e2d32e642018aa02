// SPDX-License-Identifier: MIT
//! D8: a client that reconnects (a new epoch, after its own restart)
//! starts with nothing: its old surfaces leave the screen, its buffers are
//! gone, and it re-sends its configuration to be shown again. The other
//! client is untouched.

use crate::rig::*;
use bulkhead_display::{Operation, PixelFormat, Rect, Status};
use bulkhead_display_core::WindowSpan;

#[test]
fn d8_a_reconnected_client_starts_empty_and_comes_back() {
    let mut rig = Rig::new();
    rig.framebuffer(CLUSTER, 1, (48, 6), PixelFormat::Xrgb8888, 0, |_, _| 0xffff_b000);
    rig.ok(CLUSTER, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: TELLTALES });
    rig.framebuffer(IVI, 1, (16, 16), PixelFormat::Xrgb8888, 0, |_, _| 0xff00_00ff);
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: Rect::new(8, 8, 16, 16) });
    rig.frame(CLUSTER_SCREEN);
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 10, 10), 0x00_00ff);

    assert!(rig.backend.connect(IVI, WindowSpan { len: u64::from(WINDOW), backend_area: BACKEND_AREA }));
    rig.frame(CLUSTER_SCREEN).expect("its area is repainted");
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 10, 10), BACKGROUND);
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 1, 1), 0xff_b000, "the cluster stays");
    assert_eq!(rig.send(IVI, CLUSTER_SCREEN, Operation::PageFlip { fb: 1, damage: None }).status, Status::NotFound);
    rig.framebuffer(IVI, 1, (16, 16), PixelFormat::Xrgb8888, 0, |_, _| 0xff00_00ff);
    rig.ok(IVI, CLUSTER_SCREEN, Operation::SetConfig { fb: 1, area: Rect::new(8, 8, 16, 16) });
    rig.frame(CLUSTER_SCREEN);
    assert_eq!(rig.pixel(CLUSTER_SCREEN, 10, 10), 0x00_00ff);

    rig.backend.disconnect(IVI);
    assert_eq!(rig.send(IVI, CLUSTER_SCREEN, Operation::FbDetach { fb: 1 }).status, Status::Io);
}
