// SPDX-License-Identifier: MIT
//! N8: the transport carries one 9P message per ring frame on each
//! client's channel, follows epochs (a new epoch forgets the client's
//! fids), throttles a client that does not read its replies without
//! losing one, and a client that breaks its ring stops alone.

use crate::rig::*;
use bulkhead_ninep::channel::{HELLO, MIN_WINDOW, TO_BACKEND, TO_CLIENT};
use bulkhead_ninep::errno::EBADF;
use bulkhead_ninep::{Frame, Message, NOFID, VERSION_9P2000L};
use bulkhead_ninep_core::Connection;
use bulkhead_ring::{Link, TestWindow};

struct Peer {
    link: Link<TestWindow>,
    window: TestWindow,
}

fn connect(s: &mut bulkhead_ninep_core::Server<MemDisk>, client: usize, epoch: u32) -> (Connection<TestWindow>, Peer) {
    let window = TestWindow::new(MIN_WINDOW);
    let conn = Connection::connect(s, client, window.clone(), 0, epoch).unwrap();
    let link = Link::connect(window.clone(), 1, epoch, HELLO, TO_BACKEND, TO_CLIENT).unwrap();
    (conn, Peer { link, window })
}

impl Peer {
    fn send(&mut self, tag: u16, m: Message<'_>) {
        let mut buf = vec![0u8; 70_000];
        let n = Frame::new(tag, m).encode(&mut buf).unwrap();
        self.link.poll().unwrap();
        self.link.push(&buf[..n]).unwrap();
    }

    fn replies(&mut self) -> Vec<(u16, String)> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 140_000];
        while let Ok(frame) = self.link.pop(&mut buf) {
            let (f, used) = Frame::decode(frame).unwrap();
            assert_eq!(used, frame.len(), "one message per frame");
            out.push((f.tag, format!("{:?}", f.message)));
        }
        out
    }
}

#[test]
fn n8_requests_and_replies_travel_one_per_frame_in_order() {
    let (mut s, _) = standard();
    let (mut conn, mut peer) = connect(&mut s, 0, 1);
    peer.send(0xFFFF, Message::Tversion { msize: 65536, version: VERSION_9P2000L });
    peer.send(1, Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 });
    peer.send(2, Message::Tgetattr { fid: 0, request_mask: 0x7ff });
    let served = conn.serve(&mut s, 1).unwrap();
    assert_eq!((served.requests, served.sent, served.broken), (3, true, false));
    let tags: Vec<u16> = peer.replies().into_iter().map(|(t, _)| t).collect();
    assert_eq!(tags, [0xFFFF, 1, 2]);
}

#[test]
fn n8_a_new_epoch_forgets_the_clients_fids() {
    let (mut s, _) = standard();
    let (mut conn, mut peer) = connect(&mut s, 0, 1);
    peer.send(0xFFFF, Message::Tversion { msize: 65536, version: VERSION_9P2000L });
    peer.send(1, Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 });
    conn.serve(&mut s, 1).unwrap();
    assert_eq!(s.fid_count(0), 1);
    // The client restarted: the kernel moved the channel to epoch 2.
    peer.link.reconnect(2).unwrap();
    let served = conn.serve(&mut s, 2).unwrap();
    assert!(served.reconnected);
    assert_eq!(s.fid_count(0), 0);
    peer.send(0xFFFF, Message::Tversion { msize: 65536, version: VERSION_9P2000L });
    peer.send(3, Message::Tclunk { fid: 0 });
    conn.serve(&mut s, 2).unwrap();
    let replies = peer.replies();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[1].1, format!("{:?}", Message::Rlerror { ecode: EBADF }));
}

#[test]
fn n8_a_client_that_does_not_read_is_throttled_and_loses_no_reply() {
    let (mut s, _) = standard();
    let (mut conn, mut peer) = connect(&mut s, 0, 1);
    peer.send(0xFFFF, Message::Tversion { msize: 65536, version: VERSION_9P2000L });
    peer.send(1, Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 });
    conn.serve(&mut s, 1).unwrap();
    assert_eq!(peer.replies().len(), 2);
    // Three reads of 60,000 bytes: two replies fill the 128 KiB ring.
    let big = vec![b'z'; 60_000];
    peer.send(2, Message::Twalk { fid: 0, newfid: 1, names: heapless::Vec::new() });
    peer.send(3, Message::Tlcreate { fid: 1, name: "BIG.BIN", flags: 2, mode: 0, gid: 0 });
    peer.send(4, Message::Twrite { fid: 1, offset: 0, data: &big });
    conn.serve(&mut s, 1).unwrap();
    assert_eq!(peer.replies().len(), 3);
    for tag in 10..13 {
        peer.send(tag, Message::Tread { fid: 1, offset: 0, count: 60_000 });
    }
    conn.serve(&mut s, 1).unwrap();
    let mut got = peer.replies();
    assert_eq!(got.len(), 2, "the third reply waits for room");
    assert!(conn.waiting(), "the connection says a reply is waiting");
    for _ in 0..4 {
        conn.serve(&mut s, 1).unwrap();
        got.extend(peer.replies());
    }
    let tags: Vec<u16> = got.iter().map(|(t, _)| *t).collect();
    assert_eq!(tags, [10, 11, 12]);
    assert!(!conn.waiting());
}

#[test]
fn n8_a_client_that_breaks_its_ring_stops_alone() {
    let (mut s, _) = standard();
    let (mut bad, mut bad_peer) = connect(&mut s, 0, 1);
    let (mut good, mut good_peer) = connect(&mut s, 1, 1);
    bad_peer.send(0xFFFF, Message::Tversion { msize: 65536, version: VERSION_9P2000L });
    // The hostile client claims to have produced far more than the ring holds.
    bad_peer.window.scribble(TO_BACKEND.base, 0x00F0_0000);
    let served = bad.serve(&mut s, 1).unwrap();
    assert!(served.broken && served.requests == 0, "{served:?}");
    good_peer.send(0xFFFF, Message::Tversion { msize: 65536, version: VERSION_9P2000L });
    good_peer.send(1, Message::Tattach { fid: 0, afid: NOFID, uname: "", aname: "", n_uname: 0 });
    assert_eq!(good.serve(&mut s, 1).unwrap().requests, 2);
    assert_eq!(good_peer.replies().len(), 2);
}
