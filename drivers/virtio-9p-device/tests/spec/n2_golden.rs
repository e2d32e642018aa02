// SPDX-License-Identifier: MIT
//! N2: the golden sequence of a Linux mount and read: Tversion (its msize
//! lowered to MSIZE), Tattach, Twalk, Tlopen and a zero-copy-shaped Tread
//! through the queue, forwarded in order and unchanged, answered by a fake
//! backend out of order, each reply in its own chain with its length.
//!
//! Owns that evidence; must not test refusals (n3, n4 do).

use bulkhead_ninep::{Frame, Message, NOFID, NOTAG, Qid, VERSION_9P2000L, WalkNames, WalkQids};
use bulkhead_virtio_9p_device::MSIZE;

use crate::rig::{Rig, Seg, msg};

#[test]
fn mount_and_read() {
    let mut r = Rig::up();
    let tv = msg(NOTAG, Message::Tversion { msize: 131_072, version: VERSION_9P2000L });
    let hv = r.send(&tv);
    let (tag, fwd) = r.take().unwrap();
    assert_eq!(tag, NOTAG);
    assert_eq!(fwd[..7], tv[..7]);
    assert_eq!(Frame::decode(&fwd).unwrap().0.message, Message::Tversion { msize: MSIZE, version: VERSION_9P2000L });
    let rv = msg(NOTAG, Message::Rversion { msize: MSIZE, version: VERSION_9P2000L });
    r.complete(&rv).unwrap();
    assert_eq!(r.used(), vec![(hv, rv.len() as u32, rv.clone())]);
    assert_eq!(r.irq() & 1, 1, "used-buffer interrupt");

    let qid = |p| Qid { kind: 0, version: 0, path: p };
    let mut names = WalkNames::new();
    names.push("file").unwrap();
    let reqs = [
        msg(0, Message::Tattach { fid: 0, afid: NOFID, uname: "root", aname: "", n_uname: 0 }),
        msg(1, Message::Twalk { fid: 0, newfid: 1, names }),
        msg(2, Message::Tlopen { fid: 1, flags: 0 }),
    ];
    let mut heads: Vec<u16> = reqs.iter().map(|q| r.send(q)).collect();
    // p9_virtio_zc_request: the reply's header in 11 bytes, the data in pages.
    let tread = msg(3, Message::Tread { fid: 1, offset: 0, count: 4096 });
    heads.push(r.post(&[Seg::R(tread[..7].to_vec()), Seg::R(tread[7..].to_vec()), Seg::W(11), Seg::W(4096)]));
    r.kick();
    let mut all = reqs.to_vec();
    all.push(tread);
    for (i, want) in all.iter().enumerate() {
        assert_eq!(r.take().unwrap(), (i as u16, want.clone()), "in order, unchanged");
    }
    assert_eq!(r.take(), None);
    let data: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    let mut qids = WalkQids::new();
    qids.push(qid(2)).unwrap();
    let replies = [
        msg(0, Message::Rattach { qid: qid(1) }),
        msg(1, Message::Rwalk { qids }),
        msg(2, Message::Rlopen { qid: qid(2), iounit: 0 }),
        msg(3, Message::Rread { data: &data }),
    ];
    for i in [3usize, 1, 0, 2] {
        r.complete(&replies[i]).unwrap();
    }
    let used = r.used();
    let order: Vec<u16> = used.iter().map(|u| u.0).collect();
    assert_eq!(order, vec![heads[3], heads[1], heads[0], heads[2]], "completed as answered");
    for (h, len, bytes) in used {
        let i = heads.iter().position(|&x| x == h).unwrap();
        assert_eq!((len as usize, &bytes), (replies[i].len(), &replies[i]));
    }
    assert_eq!(r.dev.device().in_flight(), 0);
}
