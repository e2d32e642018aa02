// SPDX-License-Identifier: MIT
//! E3: the exact bytes of a receive: a 12-byte header all zero but
//! `num_buffers` = 1 (le16 at 10), then the frame, nothing written beyond,
//! the chain used with length 12 + the frame's length — also when the
//! driver splits the buffer anywhere (inside the header, at it, inside the
//! frame), and for the shortest and the longest frame.
//!
//! Owns that evidence; must not test refusals (e4 does).

use bulkhead_virtio_net_device::{MAX_FRAME, MIN_FRAME, RECEIVEQ};

use crate::rig::{LINUX_RX_BUF, Rig, Seg, frame};

const HEADER: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];

#[test]
fn header_frame_and_used_length() {
    let mut r = Rig::up();
    for len in [MIN_FRAME, 60, 1000, MAX_FRAME] {
        let head = r.post_rx();
        let f = frame(len, len as u8);
        r.deliver(&f).unwrap();
        let used = r.used(RECEIVEQ);
        assert_eq!(used.len(), 1);
        let u = &used[0];
        assert_eq!((u.head, u.len as usize), (head, 12 + len));
        assert_eq!(u.whole[..12], HEADER);
        assert_eq!(&u.whole[12..12 + len], f.as_slice());
        assert!(u.whole[12 + len..].iter().all(|&b| b == 0xEE), "nothing beyond");
        assert_eq!(u.whole.len(), LINUX_RX_BUF as usize);
    }
}

#[test]
fn split_buffers() {
    let mut r = Rig::up();
    let f = frame(100, 7);
    for segs in [
        vec![Seg::W(12), Seg::W(1518)],
        vec![Seg::W(5), Seg::W(7), Seg::W(50), Seg::W(50)],
        vec![Seg::W(0), Seg::W(3), Seg::W(20), Seg::W(89)],
    ] {
        r.post(RECEIVEQ, &segs);
        r.deliver(&f).unwrap();
        let u = r.used(RECEIVEQ).pop().unwrap();
        assert_eq!(u.len, 112);
        assert_eq!(u.bytes[..12], HEADER);
        assert_eq!(&u.bytes[12..], f.as_slice());
    }
}
