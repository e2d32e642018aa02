// SPDX-License-Identifier: MIT
//! N4: replies the device cannot deliver are refused and their bytes never
//! written: shorter than a header or for a tag not forwarded (nothing
//! happens); a size field that is not the length, over MSIZE, of a type
//! that is neither the request's R-message nor Rlerror, or longer than the
//! chain's writable part (the request is failed with Rlerror EIO). An
//! Rlerror from the backend is delivered as it is.
//!
//! Owns that evidence; must not test requests (n3 does).

use bulkhead_ninep::{Message, errno};
use bulkhead_virtio_9p_device::ReplyError;
use bulkhead_virtio_9p_device::wire::rlerror;

use crate::rig::{Rig, Seg, msg};

fn forwarded(r: &mut Rig, tag: u16) -> u16 {
    let h = r.send(&msg(tag, Message::Tclunk { fid: 1 }));
    assert_eq!(r.take().unwrap().0, tag);
    h
}

#[test]
fn unmatched_replies_change_nothing() {
    let mut r = Rig::up();
    forwarded(&mut r, 1);
    assert_eq!(r.complete(&[7, 0, 0, 0, 121]), Err(ReplyError::Truncated));
    assert_eq!(r.complete(&msg(9, Message::Rclunk)), Err(ReplyError::UnknownTag(9)));
    // Taken from the queue but not yet forwarded: the backend cannot know it.
    r.send(&msg(2, Message::Tclunk { fid: 1 }));
    assert_eq!(r.complete(&msg(2, Message::Rclunk)), Err(ReplyError::UnknownTag(2)));
    assert!(r.used().is_empty());
    assert_eq!(r.dev.device().in_flight(), 2);
    r.complete(&msg(1, Message::Rclunk)).unwrap();
    assert_eq!(r.complete(&msg(1, Message::Rclunk)), Err(ReplyError::UnknownTag(1)), "answered once");
}

#[test]
fn bad_replies_fail_the_request() {
    let mut r = Rig::up();
    let eio = rlerror(1, errno::EIO).to_vec();
    let mut lie = msg(1, Message::Rclunk);
    lie[0] = 8;
    lie.push(0);
    lie[0] = 9;
    let cases: Vec<(Vec<u8>, ReplyError)> = vec![
        (lie, ReplyError::SizeMismatch(1)),
        (msg(1, Message::Rread { data: &[1; 9000] }), ReplyError::TooLarge(1)),
        (msg(1, Message::Rwrite { count: 1 }), ReplyError::WrongType(1)),
    ];
    for (reply, err) in cases {
        let h = forwarded(&mut r, 1);
        assert_eq!(r.complete(&reply), Err(err));
        assert_eq!(r.used(), vec![(h, 11, eio.clone())]);
        assert_eq!(r.complete(&msg(1, Message::Rclunk)), Err(ReplyError::UnknownTag(1)));
    }
    // The backend's own Rlerror is a reply like any other.
    let h = forwarded(&mut r, 1);
    let rl = msg(1, Message::Rlerror { ecode: errno::ENOENT });
    r.complete(&rl).unwrap();
    assert_eq!(r.used(), vec![(h, 11, rl)]);
}

#[test]
fn reply_longer_than_the_chain() {
    let mut r = Rig::up();
    let tread = msg(4, Message::Tread { fid: 1, offset: 0, count: 100 });
    assert_eq!(tread.len(), 23);
    let h = r.post(&[Seg::R(tread), Seg::W(11), Seg::W(100)]);
    r.kick();
    r.take().unwrap();
    assert_eq!(r.complete(&msg(4, Message::Rread { data: &[3; 200] })), Err(ReplyError::DoesNotFit(4)));
    let used = r.used();
    assert_eq!((used[0].0, used[0].1, used[0].2.clone()), (h, 11, rlerror(4, errno::EIO).to_vec()));
    // Nothing of the refused reply reached the data buffer.
    let mut b = [0u8; 100];
    let data = crate::rig::BUFS + 0x8000 * u64::from(h / 4) + 23 + 11;
    bulkhead_virtio_device::GuestMemory::read(&r.mem, data, &mut b).unwrap();
    assert!(b.iter().all(|&x| x == 0xEE));
}
