// SPDX-License-Identifier: MIT
//! N2: replies are byte-exact 9P2000.L (golden frames written out by
//! hand from the 9P2000.L documentation: size\[4\] type\[1\] tag\[2\],
//! little-endian).

use crate::rig::*;
use bulkhead_ninep::{Message, NOFID, VERSION_9P2000L};

#[test]
fn n2_rversion_lowers_msize_to_the_server_limit() {
    let (mut s, _) = standard();
    let reply = call_raw(&mut s, 0, NO_TAG, Message::Tversion { msize: 1 << 20, version: VERSION_9P2000L });
    let mut golden = vec![21, 0, 0, 0, 101, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00, 8, 0];
    golden.extend_from_slice(b"9P2000.L");
    assert_eq!(reply, golden);
}

#[test]
fn n2_an_unknown_version_is_answered_unknown() {
    let (mut s, _) = standard();
    let reply = call_raw(&mut s, 0, NO_TAG, Message::Tversion { msize: 8192, version: "9P2000.u" });
    let mut golden = vec![20, 0, 0, 0, 101, 0xFF, 0xFF, 0x00, 0x20, 0x00, 0x00, 7, 0];
    golden.extend_from_slice(b"unknown");
    assert_eq!(reply, golden);
}

#[test]
fn n2_rattach_rlerror_and_rclunk() {
    let (mut s, _) = standard();
    call_raw(&mut s, 0, NO_TAG, Message::Tversion { msize: 8192, version: VERSION_9P2000L });
    let attach = call_raw(&mut s, 0, 1, Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 });
    assert_eq!(attach.len(), 20);
    assert_eq!(&attach[..8], &[20, 0, 0, 0, 105, 1, 0, 0x80], "Rattach, tag 1, a directory's qid");
    // An unknown fid: Rlerror EBADF (9) under the request's tag.
    let err = call_raw(&mut s, 0, 0x1234, Message::Tclunk { fid: 99 });
    assert_eq!(err, [11, 0, 0, 0, 7, 0x34, 0x12, 9, 0, 0, 0]);
    let clunk = call_raw(&mut s, 0, 2, Message::Tclunk { fid: 0 });
    assert_eq!(clunk, [7, 0, 0, 0, 121, 2, 0]);
}
