// SPDX-License-Identifier: MIT
//! N6: Tflush is forwarded like any request; an Rflush while the request
//! it aborts is still in flight ends that request's chain with length 0
//! (which Linux drops, as with QEMU); if the backend answered the request
//! first both replies are delivered; an Rlerror to a Tflush ends nothing
//! else.
//!
//! Owns that evidence; must not test other requests (n2..n5 do).

use bulkhead_ninep::{Message, errno};

use crate::rig::{Rig, msg};

fn setup(r: &mut Rig) -> (u16, u16) {
    let old = r.send(&msg(1, Message::Tread { fid: 1, offset: 0, count: 10 }));
    let flush = msg(2, Message::Tflush { oldtag: 1 });
    let f = r.send(&flush);
    assert_eq!(r.take().unwrap().0, 1);
    assert_eq!(r.take(), Some((2, flush)));
    (old, f)
}

#[test]
fn rflush_ends_the_old_request() {
    let mut r = Rig::up();
    let (old, f) = setup(&mut r);
    let rflush = msg(2, Message::Rflush);
    r.complete(&rflush).unwrap();
    let used = r.used();
    assert_eq!(used, vec![(f, 7, rflush), (old, 0, vec![])]);
    assert_eq!(r.dev.device().in_flight(), 0);
}

#[test]
fn answered_before_the_flush() {
    let mut r = Rig::up();
    let (old, f) = setup(&mut r);
    let rread = msg(1, Message::Rread { data: b"abc" });
    let rflush = msg(2, Message::Rflush);
    r.complete(&rread).unwrap();
    r.complete(&rflush).unwrap();
    assert_eq!(r.used(), vec![(old, rread.len() as u32, rread), (f, 7, rflush)]);
}

#[test]
fn rlerror_to_a_flush() {
    let mut r = Rig::up();
    let (_, f) = setup(&mut r);
    let rl = msg(2, Message::Rlerror { ecode: errno::EINVAL });
    r.complete(&rl).unwrap();
    assert_eq!(r.used(), vec![(f, 11, rl)]);
    assert_eq!(r.dev.device().in_flight(), 1);
}
