// SPDX-License-Identifier: MIT
//! G6: what happens to state: unref of a resource a scanout shows disables
//! that scanout (and forgets its pending flush); SET_SCANOUT with resource 0
//! disables; detach leaves the scanout reading nothing (NoBacking); an id is
//! reusable after unref; `read_rect` refuses what it cannot do; the cursor
//! queue's chains are completed with 0 bytes; a reset forgets resources,
//! scanouts, flushes and events.
//!
//! Owns that evidence; must not test single commands' checks (g3, g4 do).

use bulkhead_virtio_device::regs;
use bulkhead_virtio_gpu_device::wire::resp;
use bulkhead_virtio_gpu_device::{Flush, ReadError, Rect};

use crate::cmds::{attach, create_2d, detach, entries, flush, set_scanout, unref};
use crate::fb::Fb;
use crate::rig::{CURSOR_BUFS, Rig};

const FULL: Rect = Rect::new(0, 0, 8, 8);

/// Resource `id` (8x8, backed by `fb`) shown on scanout 0 with a flush
/// pending.
fn shown(r: &mut Rig, id: u32, fb: &Fb) {
    assert_eq!(r.cmd(&create_2d(id, 2, 8, 8, None)), resp::OK_NODATA);
    assert_eq!(r.cmd_data(&attach(id, fb.entries.len() as u32), &entries(&fb.entries)), resp::OK_NODATA);
    assert_eq!(r.cmd(&set_scanout(0, id, FULL)), resp::OK_NODATA);
    assert_eq!(r.cmd(&flush(id, FULL, None)), resp::OK_NODATA);
    assert_eq!(r.gpu().pending_flushes(), 1);
}

fn read(r: &mut Rig, scanout: u32, rect: Rect, n: usize) -> Result<(), ReadError> {
    let mut out = vec![0; n];
    r.dev.device().read_rect(&r.mem, scanout, rect, &mut out)
}

#[test]
fn unref_of_a_shown_resource_disables_the_scanout() {
    let mut r = Rig::up();
    let fb = Fb::scattered(256, 4096);
    shown(&mut r, 5, &fb);
    assert_eq!(r.cmd(&set_scanout(1, 5, Rect::new(2, 2, 4, 4))), resp::OK_NODATA);
    assert_eq!(r.cmd(&unref(5)), resp::OK_NODATA);
    assert!(r.gpu().scanout_source(0).is_none());
    assert!(r.gpu().scanout_source(1).is_none());
    assert_eq!(r.gpu().take_flush(), None, "its pending flush is forgotten");
    assert_eq!(read(&mut r, 0, FULL, 64), Err(ReadError::NoScanout));
    // The id is free again, and the new resource is not shown.
    assert_eq!(r.cmd(&create_2d(5, 2, 8, 8, None)), resp::OK_NODATA);
    assert!(r.gpu().scanout_source(0).is_none());
}

#[test]
fn resource_zero_disables_and_detach_empties() {
    let mut r = Rig::up();
    let fb = Fb::scattered(256, 4096);
    shown(&mut r, 1, &fb);
    assert_eq!(r.cmd(&set_scanout(0, 0, Rect::default())), resp::OK_NODATA);
    assert!(r.gpu().scanout_source(0).is_none());
    assert_eq!(r.gpu().take_flush(), None);
    assert!(r.gpu().resource(1).is_some(), "the resource stays");
    // Showing it again, then detaching: the scanout stays set, reads fail.
    assert_eq!(r.cmd(&set_scanout(0, 1, FULL)), resp::OK_NODATA);
    assert_eq!(r.cmd(&detach(1)), resp::OK_NODATA);
    assert!(r.gpu().scanout_source(0).unwrap().backing.is_empty());
    assert_eq!(read(&mut r, 0, FULL, 64), Err(ReadError::NoBacking));
    // A flush still reports (the domain's read then says NoBacking).
    assert_eq!(r.cmd(&flush(1, FULL, None)), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), Some(Flush { scanout: 0, rect: FULL }));
    // A new backing shows again.
    assert_eq!(r.cmd_data(&attach(1, 1), &entries(&fb.entries)), resp::OK_NODATA);
    assert_eq!(read(&mut r, 0, FULL, 64), Ok(()));
    // Pointing the scanout elsewhere forgets its pending flush.
    assert_eq!(r.cmd(&flush(1, FULL, None)), resp::OK_NODATA);
    assert_eq!(r.cmd(&set_scanout(0, 1, Rect::new(0, 0, 4, 4))), resp::OK_NODATA);
    assert_eq!(r.gpu().take_flush(), None);
}

#[test]
fn read_rect_refusals() {
    let mut r = Rig::up();
    let fb = Fb::scattered(256, 4096);
    shown(&mut r, 1, &fb);
    assert_eq!(read(&mut r, 1, FULL, 64), Err(ReadError::NoScanout), "scanout 1 shows nothing");
    assert_eq!(read(&mut r, 2, FULL, 64), Err(ReadError::NoScanout));
    assert_eq!(read(&mut r, u32::MAX, FULL, 64), Err(ReadError::NoScanout));
    assert_eq!(read(&mut r, 0, FULL, 63), Err(ReadError::ShortOutput));
    assert_eq!(read(&mut r, 0, Rect::new(0, 0, 0, 8), 64), Err(ReadError::OutOfBounds));
    assert_eq!(read(&mut r, 0, Rect::new(0, 0, 9, 1), 64), Err(ReadError::OutOfBounds));
    assert_eq!(read(&mut r, 0, Rect::new(u32::MAX, 0, 2, 1), 64), Err(ReadError::OutOfBounds));
    assert_eq!(read(&mut r, 0, Rect::new(0, 0, u32::MAX, u32::MAX), 64), Err(ReadError::OutOfBounds));
    assert_eq!(read(&mut r, 0, Rect::new(7, 7, 1, 1), 1), Ok(()));
}

#[test]
fn cursor_queue_is_drained() {
    let mut r = Rig::up();
    // UPDATE_CURSOR (56 bytes, no response buffer) as Linux sends it.
    r.mem_write(CURSOR_BUFS, &[0x00, 0x03, 0, 0]);
    for _ in 0..70 {
        assert_eq!(r.submit(1, &[(CURSOR_BUFS, 56, false)]), Some(0));
    }
    // A writable cursor buffer is completed with 0 bytes too.
    assert_eq!(r.submit(1, &[(CURSOR_BUFS, 56, false), (CURSOR_BUFS + 64, 24, true)]), Some(0));
    assert_eq!(r.used_idx(0), 0, "the control queue is untouched");
    assert!(!r.dev.queues().is_broken(1));
}

#[test]
fn reset_forgets_everything() {
    let mut r = Rig::up();
    let fb = Fb::scattered(256, 4096);
    shown(&mut r, 1, &fb);
    assert_eq!(r.cmd(&create_2d(2, 2, 8, 8, Some((1, 0)))), resp::OK_NODATA);
    assert_eq!(r.cmd(&create_2d(2, 2, 8, 8, None)), resp::ERR_INVALID_RESOURCE_ID);
    r.gpu().raise_display_event();
    r.w(regs::STATUS, 0);
    let d = r.gpu();
    assert_eq!(d.resources().count(), 0);
    assert!(d.scanout_source(0).is_none());
    assert_eq!(d.take_flush(), None);
    assert_eq!(d.errors(), 1, "statistics stay");
    assert_eq!(r.dev.read(regs::CONFIG, 4), 0, "events forgotten");
    r.bring_up();
    assert_eq!(r.config(8), 2, "the displays stay");
    assert_eq!(r.cmd(&create_2d(1, 2, 8, 8, None)), resp::OK_NODATA, "ids are free again");
    assert_eq!(r.cmd(&set_scanout(0, 1, FULL)), resp::OK_NODATA);
    assert_eq!(read(&mut r, 0, FULL, 64), Err(ReadError::NoBacking));
}
