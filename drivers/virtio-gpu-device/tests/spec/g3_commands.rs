// SPDX-License-Identifier: MIT
//! G3: each command's refusals carry the spec's error code and change
//! nothing: resource ids (0, unknown, reused), formats, sizes (0, beyond
//! 4096), the resource table's bound, scanout ids, rectangles outside the
//! resource or overflowing `u32`, transfers beyond the backing; GET_EDID,
//! capsets, 3D, blob and unknown commands answer ERR_UNSPEC.
//!
//! Owns that evidence; must not test backing entries (g4 does).

use bulkhead_virtio_gpu_device::wire::{cmd, resp};
use bulkhead_virtio_gpu_device::{MAX_RESOURCES, Rect};

use crate::cmds::{Req, attach, create_2d, detach, entries, flush, set_scanout, transfer, unref};
use crate::fb::Fb;
use crate::rig::Rig;

const XRGB: u32 = 2;

/// A rig with resource 1 (16x16) backed.
fn with_resource() -> (Rig, Fb) {
    let mut r = Rig::up();
    let fb = Fb::scattered(16 * 16 * 4, 4096);
    assert_eq!(r.cmd(&create_2d(1, XRGB, 16, 16, None)), resp::OK_NODATA);
    assert_eq!(r.cmd_data(&attach(1, 1), &entries(&fb.entries)), resp::OK_NODATA);
    (r, fb)
}

#[test]
fn create_2d_refusals() {
    let (mut r, _) = with_resource();
    let cases = [
        (create_2d(0, XRGB, 16, 16, None), resp::ERR_INVALID_RESOURCE_ID, "id 0"),
        (create_2d(1, XRGB, 8, 8, None), resp::ERR_INVALID_RESOURCE_ID, "id in use"),
        (create_2d(2, 0, 16, 16, None), resp::ERR_INVALID_PARAMETER, "format 0"),
        (create_2d(2, 5, 16, 16, None), resp::ERR_INVALID_PARAMETER, "format 5"),
        (create_2d(2, 100, 16, 16, None), resp::ERR_INVALID_PARAMETER, "format 100"),
        (create_2d(2, XRGB, 0, 16, None), resp::ERR_INVALID_PARAMETER, "width 0"),
        (create_2d(2, XRGB, 16, 0, None), resp::ERR_INVALID_PARAMETER, "height 0"),
        (create_2d(2, XRGB, 4097, 1, None), resp::ERR_INVALID_PARAMETER, "width 4097"),
        (create_2d(2, XRGB, 1, u32::MAX, None), resp::ERR_INVALID_PARAMETER, "height u32::MAX"),
    ];
    for (req, code, what) in cases {
        assert_eq!(r.cmd(&req), code, "{what}");
    }
    assert_eq!(r.gpu().resources().count(), 1, "nothing created");
    assert_eq!(r.gpu().resource(1).unwrap().width, 16, "resource 1 unchanged");
    assert_eq!(r.cmd(&create_2d(2, XRGB, 4096, 4096, None)), resp::OK_NODATA, "the largest size");
    assert_eq!(r.gpu().errors(), 9);
}

#[test]
fn resource_table_is_bounded() {
    let mut r = Rig::up();
    for id in 1..=MAX_RESOURCES as u32 {
        assert_eq!(r.cmd(&create_2d(id * 1000, XRGB, 4, 4, None)), resp::OK_NODATA);
    }
    assert_eq!(r.cmd(&create_2d(7, XRGB, 4, 4, None)), resp::ERR_OUT_OF_MEMORY);
    assert_eq!(r.cmd(&unref(3000)), resp::OK_NODATA);
    assert_eq!(r.cmd(&create_2d(7, XRGB, 4, 4, None)), resp::OK_NODATA, "a freed slot is reused");
    assert_eq!(r.cmd(&create_2d(3000, XRGB, 4, 4, None)), resp::ERR_OUT_OF_MEMORY);
    assert_eq!(r.gpu().resources().count(), MAX_RESOURCES);
}

#[test]
fn unknown_resources_and_scanouts() {
    let (mut r, _) = with_resource();
    let full = Rect::new(0, 0, 16, 16);
    for id in [0, 2, u32::MAX] {
        assert_eq!(r.cmd(&unref(id)), resp::ERR_INVALID_RESOURCE_ID, "unref {id}");
        assert_eq!(r.cmd(&flush(id, full, None)), resp::ERR_INVALID_RESOURCE_ID, "flush {id}");
        assert_eq!(r.cmd(&transfer(id, full, 0, None)), resp::ERR_INVALID_RESOURCE_ID, "transfer {id}");
        assert_eq!(r.cmd(&detach(id)), resp::ERR_INVALID_RESOURCE_ID, "detach {id}");
        assert_eq!(r.cmd_data(&attach(id, 1), &entries(&[(0x4010_0000, 4096)])), resp::ERR_INVALID_RESOURCE_ID);
    }
    assert_eq!(r.cmd(&set_scanout(0, 2, full)), resp::ERR_INVALID_RESOURCE_ID);
    for s in [2, 16, u32::MAX] {
        assert_eq!(r.cmd(&set_scanout(s, 1, full)), resp::ERR_INVALID_SCANOUT_ID, "scanout {s}");
        assert_eq!(r.cmd(&set_scanout(s, 0, full)), resp::ERR_INVALID_SCANOUT_ID, "disable scanout {s}");
    }
    assert!(r.gpu().scanout_source(0).is_none());
    assert!(r.gpu().scanout_source(u32::MAX).is_none());
}

#[test]
fn rectangles_outside_the_resource() {
    let (mut r, _) = with_resource();
    let bad = [
        Rect::new(0, 0, 17, 16),
        Rect::new(0, 0, 16, 17),
        Rect::new(16, 0, 1, 1),
        Rect::new(1, 1, 16, 15),
        Rect::new(u32::MAX, 0, 2, 1),
        Rect::new(0, u32::MAX, 1, 2),
        Rect::new(1, 1, u32::MAX, u32::MAX),
        Rect::new(u32::MAX, u32::MAX, u32::MAX, u32::MAX),
    ];
    for rect in bad {
        assert_eq!(r.cmd(&set_scanout(0, 1, rect)), resp::ERR_INVALID_PARAMETER, "{rect:?}");
        assert_eq!(r.cmd(&flush(1, rect, None)), resp::ERR_INVALID_PARAMETER, "{rect:?}");
        assert_eq!(r.cmd(&transfer(1, rect, 0, None)), resp::ERR_INVALID_PARAMETER, "{rect:?}");
    }
    // A scanout needs pixels; a flush or transfer of nothing is fine.
    assert_eq!(r.cmd(&set_scanout(0, 1, Rect::new(3, 3, 0, 4))), resp::ERR_INVALID_PARAMETER);
    assert_eq!(r.cmd(&transfer(1, Rect::new(16, 16, 0, 0), 0, None)), resp::OK_NODATA);
    assert!(r.gpu().scanout_source(0).is_none());
    assert_eq!(r.gpu().take_flush(), None);
}

#[test]
fn transfers_stay_within_the_backing() {
    let (mut r, _) = with_resource();
    let full = Rect::new(0, 0, 16, 16);
    // The backing is exactly the 1024 bytes of the resource.
    assert_eq!(r.cmd(&transfer(1, full, 0, None)), resp::OK_NODATA);
    assert_eq!(r.cmd(&transfer(1, full, 1, None)), resp::ERR_INVALID_PARAMETER);
    assert_eq!(r.cmd(&transfer(1, Rect::new(15, 15, 1, 1), 1020, None)), resp::OK_NODATA);
    assert_eq!(r.cmd(&transfer(1, Rect::new(15, 15, 1, 1), 1021, None)), resp::ERR_INVALID_PARAMETER);
    assert_eq!(r.cmd(&transfer(1, Rect::new(0, 15, 16, 1), 960, None)), resp::OK_NODATA, "the last row");
    assert_eq!(r.cmd(&transfer(1, Rect::new(0, 14, 16, 2), 960, None)), resp::ERR_INVALID_PARAMETER);
    assert_eq!(r.cmd(&transfer(1, full, u64::MAX, None)), resp::ERR_INVALID_PARAMETER, "offset overflows");
    assert_eq!(r.cmd(&transfer(1, full, u64::MAX - 100, None)), resp::ERR_INVALID_PARAMETER);
    // Without backing: ERR_UNSPEC (as QEMU), after a detach too.
    assert_eq!(r.cmd(&detach(1)), resp::OK_NODATA);
    assert_eq!(r.cmd(&transfer(1, full, 0, None)), resp::ERR_UNSPEC);
    assert_eq!(r.cmd(&detach(1)), resp::ERR_UNSPEC, "nothing to detach");
}

#[test]
fn unsupported_commands_answer_unspec() {
    let (mut r, _) = with_resource();
    for ty in [
        cmd::GET_EDID,
        cmd::GET_CAPSET_INFO,
        cmd::GET_CAPSET,
        cmd::RESOURCE_ASSIGN_UUID,
        cmd::RESOURCE_CREATE_BLOB,
        cmd::SET_SCANOUT_BLOB,
        cmd::CTX_CREATE,
        0x0207,
        cmd::UPDATE_CURSOR,
        cmd::MOVE_CURSOR,
        0,
        0x1100,
        0x1205,
        u32::MAX,
    ] {
        let req = Req::new(ty, None).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).bytes();
        assert_eq!(r.cmd(&req), resp::ERR_UNSPEC, "type {ty:#x}");
    }
    assert_eq!(r.gpu().resources().count(), 1);
}
