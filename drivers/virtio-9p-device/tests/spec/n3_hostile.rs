// SPDX-License-Identifier: MIT
//! N3: hostile requests are answered at once and never forwarded: a size
//! field that lies or a short header (Rlerror EINVAL), a message over
//! MSIZE (EMSGSIZE), a type that is no T-message, NOTAG off Tversion or a
//! Tversion with a tag, a malformed Tflush (EINVAL), a tag already in
//! flight (EINVAL, the first is untouched); a chain with fewer than 11
//! writable bytes is used with length 0 and its memory untouched. A
//! well-formed request of a type the codec lacks is forwarded.
//!
//! Owns that evidence; must not test replies (n4 does).

use bulkhead_ninep::{Message, NOTAG, errno, msgtype};
use bulkhead_virtio_9p_device::wire::rlerror;

use crate::rig::{Rig, Seg, msg};

fn clunk(tag: u16) -> Vec<u8> {
    msg(tag, Message::Tclunk { fid: 7 })
}

/// Sends `segs`; asserts it was answered at once with `want` and nothing
/// is to be forwarded.
fn refused(r: &mut Rig, segs: &[Seg], want: &[u8]) {
    let h = r.post(segs);
    r.kick();
    assert_eq!(r.take(), None);
    let used = r.used();
    assert_eq!(used.len(), 1);
    assert_eq!((used[0].0, used[0].2.as_slice()), (h, want));
    assert_eq!(r.dev.device().in_flight(), 0);
}

#[test]
fn malformed_headers() {
    let mut r = Rig::up();
    let w = Seg::W(8216);
    let mut lie = clunk(4);
    lie[0] += 1;
    refused(&mut r, &[Seg::R(lie), w.clone()], &rlerror(4, errno::EINVAL));
    let mut lie = clunk(4);
    lie[0] -= 1;
    refused(&mut r, &[Seg::R(lie), w.clone()], &rlerror(4, errno::EINVAL));
    refused(&mut r, &[Seg::R(vec![5, 0, 0, 0, 120]), w.clone()], &rlerror(NOTAG, errno::EINVAL));
    let big = msg(6, Message::Twrite { fid: 1, offset: 0, data: &[0; 9000] });
    refused(&mut r, &[Seg::R(big[..7].to_vec()), Seg::R(big[7..].to_vec()), w.clone()], &rlerror(6, errno::EMSGSIZE));
    let mut odd = clunk(8);
    odd[4] = msgtype::RCLUNK;
    refused(&mut r, &[Seg::R(odd), w.clone()], &rlerror(8, errno::EINVAL));
    let mut lerror = clunk(8);
    lerror[4] = msgtype::TLERROR;
    refused(&mut r, &[Seg::R(lerror), w.clone()], &rlerror(8, errno::EINVAL));
    refused(&mut r, &[Seg::R(clunk(NOTAG)), w.clone()], &rlerror(NOTAG, errno::EINVAL));
    let tv = msg(3, Message::Tversion { msize: 8192, version: "9P2000.L" });
    refused(&mut r, &[Seg::R(tv), w.clone()], &rlerror(3, errno::EINVAL));
    let mut flush = msg(9, Message::Tflush { oldtag: 1 });
    flush.push(0);
    flush[0] += 1;
    refused(&mut r, &[Seg::R(flush), w.clone()], &rlerror(9, errno::EINVAL));
    refused(&mut r, &[Seg::W(100)], &rlerror(NOTAG, errno::EINVAL));
}

#[test]
fn no_room_to_answer() {
    let mut r = Rig::up();
    for segs in [vec![Seg::R(clunk(1))], vec![Seg::R(clunk(1)), Seg::W(10)]] {
        let h = r.post(&segs);
        r.kick();
        let used = r.used();
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].0, h);
        assert_eq!(used[0].1, 0);
        assert_eq!(r.take(), None);
    }
}

#[test]
fn duplicate_tag_in_flight() {
    let mut r = Rig::up();
    let first = r.send(&clunk(5));
    let second = r.send(&clunk(5));
    let used = r.used();
    assert_eq!(used.len(), 1);
    assert_eq!((used[0].0, used[0].2.clone()), (second, rlerror(5, errno::EINVAL).to_vec()));
    assert_eq!(r.take(), Some((5, clunk(5))));
    assert_eq!(r.take(), None);
    let reply = msg(5, Message::Rclunk);
    r.complete(&reply).unwrap();
    assert_eq!(r.used(), vec![(first, 7, reply)]);
}

#[test]
fn unknown_types_are_forwarded() {
    let mut r = Rig::up();
    // Treadlink (22): fid[4]; not in the codec, the backend answers it.
    let readlink = vec![11, 0, 0, 0, 22, 2, 0, 1, 0, 0, 0];
    r.send(&readlink);
    assert_eq!(r.take(), Some((2, readlink)));
}
