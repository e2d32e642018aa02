// SPDX-License-Identifier: MIT
//! G5: the chain's shape: fences (FLAG_FENCE with fence_id and ctx_id) are
//! echoed on success and error, never without the flag; requests and
//! responses may be split over buffers; a request shorter than its command
//! is ERR_UNSPEC and changes nothing; a chain with fewer than 24 writable
//! bytes is completed with 0 bytes and not executed; a display-info
//! response that does not fit is a bare ERR_UNSPEC header.
//!
//! Owns that evidence; must not test the commands' semantics (g2..g4 do).

use bulkhead_virtio_gpu_device::Rect;
use bulkhead_virtio_gpu_device::wire::resp;

use crate::cmds::{Req, Resp, create_2d, display_info, set_scanout, unref};
use crate::rig::{REQ, RESP, Rig};

#[test]
fn fences_are_echoed() {
    let mut r = Rig::up();
    let ok = r.send(&create_2d(1, 2, 8, 8, Some((0x1122_3344_5566_7788, 5))), &[], 24);
    let err = r.send(&create_2d(1, 2, 8, 8, Some((u64::MAX, u32::MAX))), &[], 24);
    let plain = r.send(&create_2d(2, 2, 8, 8, None), &[], 24);
    let header = |ty: u32, flags: u32, fence: u64, ctx: u32| {
        let mut b = Req::new(ty, None).bytes();
        b[4..8].copy_from_slice(&flags.to_le_bytes());
        b[8..16].copy_from_slice(&fence.to_le_bytes());
        b[16..20].copy_from_slice(&ctx.to_le_bytes());
        Resp(b)
    };
    assert_eq!(ok, header(resp::OK_NODATA, 1, 0x1122_3344_5566_7788, 5));
    assert_eq!(err, header(resp::ERR_INVALID_RESOURCE_ID, 1, u64::MAX, u32::MAX));
    assert_eq!(plain, header(resp::OK_NODATA, 0, 0, 0));
    // A fence id or context without the flag is not echoed; other flag bits
    // (INFO_RING_IDX) are not either.
    let mut req = create_2d(3, 2, 8, 8, Some((9, 9)));
    req[4..8].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(r.send(&req, &[], 24), header(resp::OK_NODATA, 0, 0, 0));
    req = create_2d(4, 2, 8, 8, Some((9, 9)));
    req[4..8].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(r.send(&req, &[], 24), header(resp::OK_NODATA, 1, 9, 9));
}

#[test]
fn split_requests_and_responses() {
    let mut r = Rig::up();
    // CREATE_2D split into 5 buffers of 8 bytes; the response over 3.
    let req = create_2d(1, 2, 8, 8, Some((4, 0)));
    r.mem_write(REQ, &req);
    let mut bufs: Vec<_> = (0..5).map(|i| (REQ + 8 * i, 8, false)).collect();
    bufs.extend([(RESP, 10, true), (RESP + 100, 10, true), (RESP + 200, 4, true)]);
    assert_eq!(r.submit(0, &bufs), Some(24));
    assert!(r.gpu().resource(1).is_some());
    let mut got = r.mem_read(RESP, 10);
    got.extend(r.mem_read(RESP + 100, 10));
    got.extend(r.mem_read(RESP + 200, 4));
    assert_eq!(Resp(got).ty(), resp::OK_NODATA);
    // A larger response buffer than needed: 24 bytes written.
    r.mem_write(REQ, &unref(1));
    assert_eq!(r.submit(0, &[(REQ, 32, false), (RESP, 4096, true)]), Some(24));
}

#[test]
fn short_requests() {
    let mut r = Rig::up();
    assert_eq!(r.cmd(&create_2d(1, 2, 8, 8, None)), resp::OK_NODATA);
    // Shorter than a header: ERR_UNSPEC with a zero header (nothing to echo).
    for len in [0usize, 1, 23] {
        let got = r.send(&create_2d(2, 2, 8, 8, Some((1, 1)))[..len], &[], 24);
        assert_eq!(got.0, Resp(Req::new(resp::ERR_UNSPEC, None).bytes()).0, "{len} bytes");
    }
    // Shorter than the command: ERR_UNSPEC, fence echoed, nothing done.
    let full = create_2d(2, 2, 8, 8, Some((6, 0)));
    for len in [24, 28, 39] {
        let got = r.send(&full[..len], &[], 24);
        assert_eq!((got.ty(), got.u64(8)), (resp::ERR_UNSPEC, 6), "{len} bytes");
    }
    let scan = set_scanout(0, 1, Rect::new(0, 0, 8, 8));
    assert_eq!(r.cmd(&scan[..47]), resp::ERR_UNSPEC);
    assert_eq!(r.cmd(&unref(1)[..31]), resp::ERR_UNSPEC);
    assert_eq!(r.gpu().resources().count(), 1);
    assert!(r.gpu().scanout_source(0).is_none());
    // Trailing bytes are ignored.
    let mut long = create_2d(2, 2, 8, 8, None);
    long.extend([0xff; 100]);
    assert_eq!(r.cmd(&long), resp::OK_NODATA);
}

#[test]
fn short_responses() {
    let mut r = Rig::up();
    let req = create_2d(1, 2, 8, 8, None);
    r.mem_write(REQ, &req);
    // No writable buffer at all, or fewer than 24 bytes: 0 bytes, not run.
    assert_eq!(r.submit(0, &[(REQ, 40, false)]), Some(0));
    r.mem_write(RESP, &[0xee; 23]);
    assert_eq!(r.submit(0, &[(REQ, 40, false), (RESP, 23, true)]), Some(0));
    assert_eq!(r.mem_read(RESP, 23), vec![0xee; 23], "untouched");
    assert_eq!(r.gpu().resources().count(), 0, "not executed");
    // GET_DISPLAY_INFO into 24 bytes (or 407): a bare ERR_UNSPEC header.
    for len in [24, 407] {
        let got = r.send(&display_info(), &[], len);
        assert_eq!((got.0.len(), got.ty()), (24, resp::ERR_UNSPEC), "{len}");
    }
    assert!(!r.dev.queues().is_broken(0));
}
