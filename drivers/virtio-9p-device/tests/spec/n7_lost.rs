// SPDX-License-Identifier: MIT
//! N7: when the backend is lost every chain in flight, forwarded or not,
//! is answered with Rlerror(EIO) and its own tag; replies for them are then
//! unknown; chains still in the available ring stay there until `pump`.
//!
//! Owns that evidence; must not test replies (n4 does).

use bulkhead_ninep::{Message, errno};
use bulkhead_virtio_9p_device::wire::rlerror;
use bulkhead_virtio_9p_device::{IN_FLIGHT, ReplyError};

use crate::rig::{Rig, Seg, msg};

#[test]
fn everything_in_flight_fails_with_eio() {
    let mut r = Rig::up();
    let mut heads = Vec::new();
    for t in 0..10u16 {
        heads.push(r.post(&[Seg::R(msg(t, Message::Tclunk { fid: 1 })), Seg::W(64)]));
    }
    r.kick();
    for _ in 0..3 {
        r.take().unwrap();
    }
    assert_eq!(r.lost(), IN_FLIGHT);
    let used = r.used();
    assert_eq!(used.len(), IN_FLIGHT);
    for (h, len, bytes) in used {
        let t = heads.iter().position(|&x| x == h).unwrap() as u16;
        assert!(t < 8);
        assert_eq!((len, bytes), (11, rlerror(t, errno::EIO).to_vec()));
    }
    assert_eq!((r.dev.device().in_flight(), r.take()), (0, None));
    assert_eq!(r.complete(&msg(0, Message::Rclunk)), Err(ReplyError::UnknownTag(0)));
    assert_eq!(r.total_posted - r.total_used, 2, "two wait in the ring");
    r.pump();
    assert_eq!(r.take().map(|t| t.0), Some(8));
    assert_eq!(r.take().map(|t| t.0), Some(9));
    assert_eq!(r.lost(), 2);
    assert_eq!(r.lost(), 0);
}
