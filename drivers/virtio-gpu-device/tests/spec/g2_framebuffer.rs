// SPDX-License-Identifier: MIT
//! G2: the framebuffer path as Linux's fbdev and a page flip drive it —
//! CREATE_2D, ATTACH_BACKING (entries in their own buffer), SET_SCANOUT,
//! TRANSFER_TO_HOST_2D, RESOURCE_FLUSH — yields the flushed rectangles, and
//! `read_rect` returns the guest's pixels from scattered backing pages as
//! XRGB8888, for every format, a scanout showing part of a resource, and
//! two scanouts sharing one.
//!
//! Owns that evidence; must not test refusals (g3, g4 do).

use bulkhead_virtio_gpu_device::wire::resp;
use bulkhead_virtio_gpu_device::{Flush, Format, ReadError, Rect};

use crate::cmds::{attach, create_2d, entries, flush, set_scanout, transfer};
use crate::fb::{Fb, pattern, pattern_xrgb};
use crate::rig::Rig;

const W: u32 = 64;
const H: u32 = 48;
const XRGB: u32 = 2; // B8G8R8X8_UNORM, DRM_FORMAT_XRGB8888

/// Creates resource `id` of `format` W×H over `fb`, as Linux does.
fn make(r: &mut Rig, id: u32, format: u32, fb: &Fb) {
    let got = r.send(&create_2d(id, format, W, H, Some((id.into(), 0))), &[], 24);
    assert_eq!((got.ty(), got.u32(4), got.u64(8)), (resp::OK_NODATA, 1, u64::from(id)), "fence echoed");
    assert_eq!(r.cmd_data(&attach(id, fb.entries.len() as u32), &entries(&fb.entries)), resp::OK_NODATA);
}

fn read(r: &mut Rig, scanout: u32, rect: Rect) -> Vec<u32> {
    let mut out = vec![0xdead_beef; (rect.width * rect.height) as usize];
    let (dev, mem) = (r.dev.device(), &r.mem);
    dev.read_rect(mem, scanout, rect, &mut out).unwrap();
    out
}

fn want(rect: Rect, dx: u32, dy: u32) -> Vec<u32> {
    let mut v = Vec::new();
    for y in rect.y..rect.y + rect.height {
        for x in rect.x..rect.x + rect.width {
            v.push(pattern_xrgb(x + dx, y + dy));
        }
    }
    v
}

#[test]
fn linux_fbdev_sequence() {
    let mut r = Rig::up();
    // Entries of 1000 bytes: rows (256 bytes) and even pixels cross entries.
    let fb = Fb::scattered(u64::from(W * H * 4), 1000);
    make(&mut r, 1, XRGB, &fb);
    let src = r.gpu().scanout_source(0);
    assert!(src.is_none(), "nothing shown before SET_SCANOUT");
    let full = Rect::new(0, 0, W, H);
    assert_eq!(r.cmd(&set_scanout(0, 1, full)), resp::OK_NODATA);
    fb.paint(&mut r, W, (0, 0, W, H), pattern);
    assert_eq!(r.cmd(&transfer(1, full, 0, None)), resp::OK_NODATA);
    let got = r.send(&flush(1, full, Some((77, 0))), &[], 24);
    assert_eq!((got.ty(), got.u32(4), got.u64(8)), (resp::OK_NODATA, 1, 77));
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 0, rect: full }));
    assert_eq!(r.gpu().take_flush(), None);
    let src = r.gpu().scanout_source(0).unwrap();
    assert_eq!((src.resource.id, src.resource.format, src.rect), (1, Format::B8G8R8X8Unorm, full));
    assert_eq!(src.backing.len(), fb.entries.len());
    assert_eq!(read(&mut r, 0, full), want(full, 0, 0));

    // A damage update: a sub-rectangle painted, transferred at Linux's
    // offset (y * pitch + x * cpp), flushed; only it is reported.
    let damage = Rect::new(5, 7, 20, 11);
    fb.paint(&mut r, W, (5, 7, 20, 11), |x, y| pattern(x + 1, y + 2));
    let off = u64::from(7 * W * 4 + 5 * 4);
    assert_eq!(r.cmd(&transfer(1, damage, off, None)), resp::OK_NODATA);
    assert_eq!(r.cmd(&flush(1, damage, None)), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 0, rect: damage }));
    assert_eq!(read(&mut r, 0, damage), want(damage, 1, 2));
    // Around it the old pixels; a single pixel; the last pixel.
    assert_eq!(read(&mut r, 0, Rect::new(4, 7, 1, 1)), vec![pattern_xrgb(4, 7)]);
    assert_eq!(read(&mut r, 0, Rect::new(W - 1, H - 1, 1, 1)), vec![pattern_xrgb(W - 1, H - 1)]);
}

#[test]
fn wide_rows_in_page_entries() {
    // 1000 px rows (4000 bytes) over 4096-byte pages, read in one go.
    let mut r = Rig::up();
    let (w, h) = (1000, 20);
    let fb = Fb::scattered(u64::from(w * h * 4), 4096);
    assert_eq!(r.cmd(&create_2d(3, XRGB, w, h, None)), resp::OK_NODATA);
    assert_eq!(r.cmd_data(&attach(3, fb.entries.len() as u32), &entries(&fb.entries)), resp::OK_NODATA);
    let full = Rect::new(0, 0, w, h);
    assert_eq!(r.cmd(&set_scanout(1, 3, full)), resp::OK_NODATA);
    fb.paint(&mut r, w, (0, 0, w, h), pattern);
    assert_eq!(r.cmd(&flush(3, full, None)), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 1, rect: full }));
    assert_eq!(read(&mut r, 1, full), want(full, 0, 0));
}

#[test]
fn every_format_converts_to_xrgb() {
    // Bytes 0x11, 0x22, 0x33, 0x44 at the lowest address first.
    let cases = [
        (1, 0x0033_2211),   // B8G8R8A8: b=11 g=22 r=33
        (2, 0x0033_2211),   // B8G8R8X8
        (3, 0x0022_3344),   // A8R8G8B8: r=22 g=33 b=44
        (4, 0x0022_3344),   // X8R8G8B8
        (67, 0x0011_2233),  // R8G8B8A8
        (134, 0x0011_2233), // R8G8B8X8
        (68, 0x0044_3322),  // X8B8G8R8: b=22 g=33 r=44
        (121, 0x0044_3322), // A8B8G8R8
    ];
    for (format, xrgb) in cases {
        let mut r = Rig::up();
        let fb = Fb::scattered(16, 16);
        assert_eq!(r.cmd(&create_2d(1, format, 2, 2, None)), resp::OK_NODATA, "format {format}");
        assert_eq!(r.cmd_data(&attach(1, 1), &entries(&fb.entries)), resp::OK_NODATA);
        assert_eq!(r.cmd(&set_scanout(0, 1, Rect::new(0, 0, 2, 2))), resp::OK_NODATA);
        fb.write(&mut r, 12, &[0x11, 0x22, 0x33, 0x44]);
        assert_eq!(read(&mut r, 0, Rect::new(1, 1, 1, 1)), vec![xrgb], "format {format}");
        assert_eq!(Format::from_wire(format).unwrap().wire(), format);
    }
}

#[test]
fn partial_scanouts_and_sharing() {
    let mut r = Rig::up();
    let fb = Fb::scattered(u64::from(W * H * 4), 4096);
    make(&mut r, 1, XRGB, &fb);
    fb.paint(&mut r, W, (0, 0, W, H), pattern);
    // Scanout 0 shows the left half, scanout 1 a window at (20, 10).
    let left = Rect::new(0, 0, 32, 48);
    let window = Rect::new(20, 10, 30, 20);
    assert_eq!(r.cmd(&set_scanout(0, 1, left)), resp::OK_NODATA);
    assert_eq!(r.cmd(&set_scanout(1, 1, window)), resp::OK_NODATA);
    // A flush of (30, 12, 10x3) touches both: each gets its part in its
    // own coordinates, in scanout order.
    assert_eq!(r.cmd(&flush(1, Rect::new(30, 12, 10, 3), None)), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 0, rect: Rect::new(30, 12, 2, 3) }));
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 1, rect: Rect::new(10, 2, 10, 3) }));
    // A flush outside a scanout's part reports nothing for it.
    assert_eq!(r.cmd(&flush(1, Rect::new(60, 40, 4, 8), None)), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), None);
    // Reading scanout 1 at (0,0) is resource pixel (20, 10).
    let whole = Rect::new(0, 0, 30, 20);
    assert_eq!(read(&mut r, 1, whole), want(whole, 20, 10));
    // Beyond the scanout's part: refused though inside the resource.
    let mut out = vec![0; 64];
    assert_eq!(r.dev.device().read_rect(&r.mem, 1, Rect::new(25, 0, 6, 1), &mut out), Err(ReadError::OutOfBounds));
}

#[test]
fn flushes_merge_per_scanout() {
    let mut r = Rig::up();
    let fb = Fb::scattered(u64::from(W * H * 4), 4096);
    make(&mut r, 1, XRGB, &fb);
    assert_eq!(r.cmd(&set_scanout(0, 1, Rect::new(0, 0, W, H))), resp::OK_NODATA);
    for rect in [Rect::new(1, 1, 2, 2), Rect::new(10, 20, 5, 1), Rect::new(0, 5, 1, 1)] {
        assert_eq!(r.cmd(&flush(1, rect, None)), resp::OK_NODATA);
    }
    assert_eq!(r.gpu().pending_flushes(), 1);
    assert_eq!(r.gpu().merged_flushes(), 2);
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 0, rect: Rect::new(0, 1, 15, 20) }), "the bounding box");
    // An empty flush rectangle is fine and reports nothing.
    assert_eq!(r.cmd(&flush(1, Rect::new(3, 3, 0, 5), None)), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), None);
}
