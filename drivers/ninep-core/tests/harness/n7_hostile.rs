// SPDX-License-Identifier: MIT
//! N7: a hostile client gets errors, one reply per frame, and the other
//! clients carry on: malformed and truncated frames, msize overflow,
//! unknown fids, a fid flood, a walk of 10,000 components, a 4 GiB count,
//! requests before Tversion, R-messages sent as requests, random bytes.

use crate::rig::*;
use bulkhead_ninep::errno::{EBADF, EMFILE, EMSGSIZE, EOPNOTSUPP, EPROTO};
use bulkhead_ninep::{Frame, Message, NOTAG};
use proptest::prelude::*;

fn lerror(reply: &[u8]) -> (u16, u32) {
    match Frame::decode(reply).expect("every reply decodes") {
        (Frame { tag, message: Message::Rlerror { ecode } }, _) => (tag, ecode),
        (other, _) => panic!("expected Rlerror, got {other:?}"),
    }
}

/// The read-only client still reads its configuration.
fn others_carry_on(s: &mut bulkhead_ninep_core::Server<MemDisk>) {
    attach(s, 1);
    walk_to(s, 1, 1, &["CONFIG.TXT"]);
    ok(s, 1, Message::Tlopen { fid: 1, flags: 0 });
    assert_eq!(read_all(s, 1, 1), b"brightness=70\n");
}

#[test]
fn n7_malformed_frames_get_eproto_under_their_tag() {
    let (mut s, _) = standard();
    attach(&mut s, 0);
    assert_eq!(lerror(&send_bytes(&mut s, 0, &[1, 2, 3])), (NOTAG, EPROTO), "not even a header");
    // A Tclunk whose size says 11 but carries 9 bytes.
    assert_eq!(lerror(&send_bytes(&mut s, 0, &[11, 0, 0, 0, 120, 5, 0, 0, 0])), (5, EPROTO));
    // Its size says 9 but the fields need 11.
    assert_eq!(lerror(&send_bytes(&mut s, 0, &[9, 0, 0, 0, 120, 6, 0, 0, 0])), (6, EPROTO));
    // A type this server does not carry (as Linux's v9fs expects), and a
    // frame with bytes after the message.
    assert_eq!(lerror(&send_bytes(&mut s, 0, &[7, 0, 0, 0, 250, 7, 0])), (7, EOPNOTSUPP));
    assert_eq!(lerror(&send_bytes(&mut s, 0, &[11, 0, 0, 0, 120, 8, 0, 0, 0, 0, 0, 99])), (8, EPROTO));
    // An R-message as a request.
    assert_eq!(lerror(&call_raw(&mut s, 0, 9, Message::Rclunk)), (9, EOPNOTSUPP));
    assert_eq!(s.counts(0).unwrap().malformed, 5);
    others_carry_on(&mut s);
}

#[test]
fn n7_requests_before_tversion_and_over_msize_are_refused() {
    let (mut s, _) = standard();
    assert_eq!(lerror(&call_raw(&mut s, 0, 1, Message::Tclunk { fid: 0 })), (1, EPROTO));
    call(&mut s, 0, Message::Tversion { msize: 8192, version: "9P2000.L" }, |_| ());
    let big = vec![0u8; 9000];
    assert_eq!(lerror(&call_raw(&mut s, 0, 2, Message::Twrite { fid: 0, offset: 0, data: &big })), (2, EMSGSIZE));
    others_carry_on(&mut s);
}

#[test]
fn n7_unknown_fids_and_a_fid_flood() {
    let (mut s, _) = standard();
    attach(&mut s, 0);
    assert_eq!(errno_of(&mut s, 0, Message::Tread { fid: 77, offset: 0, count: 10 }), EBADF);
    assert_eq!(errno_of(&mut s, 0, Message::Tgetattr { fid: 77, request_mask: 0 }), EBADF);
    for fid in 1..64 {
        walk_to(&mut s, 0, fid, &[]);
    }
    assert_eq!(s.fid_count(0), 64);
    let names = heapless::Vec::new();
    assert_eq!(errno_of(&mut s, 0, Message::Twalk { fid: 0, newfid: 64, names }), EMFILE);
    others_carry_on(&mut s);
}

#[test]
fn n7_a_walk_of_10000_components_and_a_4_gib_count() {
    let (mut s, _) = standard();
    attach(&mut s, 0);
    // Twalk fid 0 newfid 1, nwname 10,000, each name "a": 3 bytes apiece.
    let mut frame = vec![0, 0, 0, 0, 110, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x10, 0x27];
    for _ in 0..10_000 {
        frame.extend_from_slice(&[1, 0, b'a']);
    }
    let size = frame.len() as u32;
    frame[..4].copy_from_slice(&size.to_le_bytes());
    let (tag, ecode) = lerror(&send_bytes(&mut s, 0, &frame));
    assert_eq!(tag, 3);
    assert!(ecode == EMSGSIZE || ecode == EPROTO, "{ecode}");
    // Tread with count 0xFFFF_FFFF is capped at iounit.
    walk_to(&mut s, 0, 1, &["OLD.LOG"]);
    ok(&mut s, 0, Message::Tlopen { fid: 1, flags: 0 });
    call(&mut s, 0, Message::Tread { fid: 1, offset: 0, count: u32::MAX }, |m| {
        assert_eq!(m, Message::Rread { data: b"boot 1\n" });
    });
    // A Twrite whose count claims 4 GiB but carries 4 bytes.
    let mut lie = vec![0u8, 0, 0, 0, 118, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4];
    let len = lie.len() as u32;
    lie[..4].copy_from_slice(&len.to_le_bytes());
    assert_eq!(lerror(&send_bytes(&mut s, 0, &lie)), (4, EPROTO));
    others_carry_on(&mut s);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn n7_random_frames_always_get_exactly_one_decodable_reply(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let (mut s, _) = standard_small();
        let reply = send_bytes(&mut s, 0, &bytes);
        prop_assert!(Frame::decode(&reply).is_ok());
    }
}

/// A server shared by the random cases (making an image per case would
/// take minutes): the standard one, built once per thread.
fn standard_small() -> (bulkhead_ninep_core::Server<MemDisk>, ()) {
    thread_local! {
        static DISK: MemDisk = standard_disk();
    }
    let disk = DISK.with(MemDisk::reboot);
    let mut s = server_on(disk, PARAMS);
    attach(&mut s, 0);
    (s, ())
}
