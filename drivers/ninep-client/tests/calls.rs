// SPDX-License-Identifier: MIT
//! Each call against the fake server: what reaches the server, what comes
//! back, msize negotiation and capping, Rlerror, stale tags, replies that
//! do not answer the request.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code: a failure is a test failure")]
#![allow(clippy::cast_possible_truncation, reason = "test code with small, known values")]

mod common;

use bulkhead_ninep::{
    AT_REMOVEDIR, Dirent, IOHDRSZ, MAX_MSIZE, Message, NOFID, NOTAG, Qid, SetAttr, VERSION_9P2000L, WalkNames,
    WireError, errno,
};
use bulkhead_ninep_client::{ClientError, MIN_MSIZE, NinepClient, flags};
use bulkhead_ring::TestWindow;
use common::{Action, ENTRIES, encode, pattern, qid, setup, setup_with, stat, statfs, versioned};

fn show(m: Message<'_>) -> String {
    format!("{m:?}")
}

fn names<'a>(n: &[&'a str]) -> WalkNames<'a> {
    WalkNames::from_slice(n).unwrap()
}

#[test]
fn version_offers_the_buffers_msize_and_takes_a_lower_one() {
    let (port, mut client) = setup();
    assert_eq!(client.msize(), None);
    port.server.borrow_mut().msize = 8192;
    assert_eq!(client.version(&port, 1 << 20), Ok(8192));
    assert_eq!(port.requests(0), [(NOTAG, show(Message::Tversion { msize: MAX_MSIZE, version: VERSION_9P2000L }))]);
    assert_eq!(client.msize(), Some(8192));
    assert_eq!(client.max_io(), 8192 - IOHDRSZ);
    assert_eq!(client.last_tag(), NOTAG);

    // Smaller buffers: a smaller offer.
    let (port, mut client) = setup_with(4096);
    assert_eq!(client.version(&port, MAX_MSIZE), Ok(4096));
    port.last(|f| assert_eq!(f.message, Message::Tversion { msize: 4096, version: VERSION_9P2000L }));
    // An offer below MIN_MSIZE is raised to it.
    assert_eq!(client.version(&port, 10), Ok(MIN_MSIZE));
}

#[test]
fn buffers_smaller_than_min_msize_are_refused() {
    let window = TestWindow::new(bulkhead_ninep::channel::MIN_WINDOW);
    let (mut tx, mut rx) = ([0u8; 255], [0u8; 4096]);
    assert!(matches!(NinepClient::connect(window, 1, &mut tx, &mut rx), Err(ClientError::Buffers)));
}

#[test]
fn reads_and_writes_are_capped_to_the_negotiated_msize() {
    let (port, mut client) = versioned(4096);
    let io = 4096 - IOHDRSZ;
    let mut buf = vec![0u8; 10_000];
    assert_eq!(client.read(&port, 5, 100, &mut buf), Ok(io as usize));
    port.last(|f| assert_eq!(f.message, Message::Tread { fid: 5, offset: 100, count: io }));
    assert!(buf[..io as usize].iter().enumerate().all(|(i, b)| *b == pattern(100 + i as u64)));
    assert!(buf[io as usize..].iter().all(|b| *b == 0));
    // A small buffer asks for its size.
    assert_eq!(client.read(&port, 5, 0, &mut buf[..10]), Ok(10));
    port.last(|f| assert_eq!(f.message, Message::Tread { fid: 5, offset: 0, count: 10 }));

    let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    assert_eq!(client.write(&port, 5, 0, &data), Ok(io));
    port.last(|f| assert_eq!(f.message, Message::Twrite { fid: 5, offset: 0, data: &data[..io as usize] }));

    let from = port.logged();
    assert_eq!(client.write_all(&port, 6, 1000, &data), Ok(()));
    let server = port.server.borrow();
    let writes: Vec<_> = server
        .requests(from)
        .into_iter()
        .map(|f| match f.message {
            Message::Twrite { fid: 6, offset, data: d } => (offset, d.to_vec()),
            m => panic!("{m:?}"),
        })
        .collect();
    let io = io as usize;
    assert_eq!(
        writes,
        [
            (1000, data[..io].to_vec()),
            (1000 + io as u64, data[io..2 * io].to_vec()),
            (1000 + 2 * io as u64, data[2 * io..].to_vec())
        ]
    );
}

#[test]
fn calls_before_version_send_nothing() {
    let (port, mut client) = setup();
    assert_eq!(client.attach(&port, 0, "u", "", 0), Err(ClientError::NotVersioned));
    assert_eq!(client.clunk(&port, 0), Err(ClientError::NotVersioned));
    assert_eq!(client.max_io(), 0);
    assert_eq!(port.logged(), 0);
}

#[test]
fn every_call_reaches_the_server_as_encoded_and_returns_its_reply() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let from = port.logged();
    let root = Qid { kind: Qid::DIR, version: 0, path: 1 };
    assert_eq!(client.attach(&port, 0, "guest", "export", 1000), Ok(root));
    let qids = client.walk(&port, 0, 1, &["a", "b"]).unwrap();
    assert_eq!(qids.as_slice(), [qid(2), qid(3)]);
    assert_eq!(client.walk(&port, 1, 2, &[]).unwrap().len(), 0);
    assert_eq!(client.lopen(&port, 1, flags::O_RDWR), Ok((qid(7), 0)));
    assert_eq!(client.lcreate(&port, 2, "new", flags::O_CREAT | flags::O_WRONLY, 0o644, 100), Ok((qid(8), 0)));
    assert_eq!(client.getattr(&port, 1, 0x7ff), Ok(stat()));
    let attr = SetAttr { valid: 1 << 3, size: 10, ..SetAttr::default() };
    assert_eq!(client.setattr(&port, 1, attr), Ok(()));
    assert_eq!(client.mkdir(&port, 0, "d", 0o755, 100), Ok(Qid { kind: Qid::DIR, version: 0, path: 9 }));
    assert_eq!(client.unlinkat(&port, 0, "d", AT_REMOVEDIR), Ok(()));
    assert_eq!(client.renameat(&port, 0, "x", 0, "y"), Ok(()));
    assert_eq!(client.statfs(&port, 0), Ok(statfs()));
    assert_eq!(client.fsync(&port, 1, true), Ok(()));
    assert_eq!(client.fsync(&port, 1, false), Ok(()));
    assert_eq!(client.flush(&port, 3), Ok(()));
    assert_eq!(client.clunk(&port, 1), Ok(()));
    assert_eq!(client.last_tag(), 14);
    let expected = [
        Message::Tattach { fid: 0, afid: NOFID, uname: "guest", aname: "export", n_uname: 1000 },
        Message::Twalk { fid: 0, newfid: 1, names: names(&["a", "b"]) },
        Message::Twalk { fid: 1, newfid: 2, names: names(&[]) },
        Message::Tlopen { fid: 1, flags: flags::O_RDWR },
        Message::Tlcreate { fid: 2, name: "new", flags: flags::O_CREAT | flags::O_WRONLY, mode: 0o644, gid: 100 },
        Message::Tgetattr { fid: 1, request_mask: 0x7ff },
        Message::Tsetattr { fid: 1, attr },
        Message::Tmkdir { dfid: 0, name: "d", mode: 0o755, gid: 100 },
        Message::Tunlinkat { dirfid: 0, name: "d", flags: AT_REMOVEDIR },
        Message::Trenameat { olddirfid: 0, oldname: "x", newdirfid: 0, newname: "y" },
        Message::Tstatfs { fid: 0 },
        Message::Tfsync { fid: 1, datasync: 1 },
        Message::Tfsync { fid: 1, datasync: 0 },
        Message::Tflush { oldtag: 3 },
        Message::Tclunk { fid: 1 },
    ];
    let expected: Vec<_> = expected.into_iter().enumerate().map(|(tag, m)| (tag as u16, show(m))).collect();
    assert_eq!(port.requests(from), expected);
}

#[test]
fn readdir_hands_over_the_entries_and_the_offset_to_go_on_from() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let mut seen = Vec::new();
    let next = client.readdir(&port, 3, 0, 8192, |d| seen.push((d.name.to_string(), d.offset, d.kind)));
    assert_eq!(next, Ok(Some(3)));
    let want: Vec<_> = ENTRIES.iter().map(|(n, o)| (n.to_string(), *o, Dirent::DT_REG)).collect();
    assert_eq!(seen, want);
    port.last(|f| assert_eq!(f.message, Message::Treaddir { fid: 3, offset: 0, count: 8192 }));
    // The count is capped; the end of the directory is None.
    assert_eq!(client.readdir(&port, 3, 3, u32::MAX, |_| panic!("no more entries")), Ok(None));
    port.last(|f| assert_eq!(f.message, Message::Treaddir { fid: 3, offset: 3, count: MAX_MSIZE - IOHDRSZ }));
    // A malformed entry: an error, and no entry handed over.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rreaddir { data: &[1, 2, 3] }))]));
    assert_eq!(client.readdir(&port, 3, 0, 100, |_| panic!("malformed")), Err(ClientError::Wire(WireError::Truncated)));
}

#[test]
fn rlerror_is_remote_with_its_errno() {
    let (port, mut client) = versioned(MAX_MSIZE);
    port.set_hook(|f| match f.message {
        Message::Twalk { .. } => Some(vec![Action::Send(encode(f.tag, Message::Rlerror { ecode: errno::ENOENT }))]),
        _ => None,
    });
    assert_eq!(client.walk(&port, 0, 1, &["missing"]), Err(ClientError::Remote(errno::ENOENT)));
    assert_eq!(client.clunk(&port, 0), Ok(()));
    assert_eq!(ClientError::Remote(errno::ENOENT).to_string(), "server error ENOENT (2)");
}

#[test]
fn version_other_than_9p2000l_or_a_larger_msize_is_refused() {
    let (port, mut client) = setup();
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rversion { msize: 8192, version: "9P2000.u" }))]));
    assert_eq!(client.version(&port, 8192), Err(ClientError::Version));
    assert_eq!(client.msize(), None);
    assert_eq!(client.attach(&port, 0, "u", "", 0), Err(ClientError::NotVersioned));
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rversion { msize: 9000, version: "9P2000.L" }))]));
    assert_eq!(client.version(&port, 8192), Err(ClientError::Protocol));
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rversion { msize: 100, version: "9P2000.L" }))]));
    assert_eq!(client.version(&port, 8192), Err(ClientError::Protocol));
    assert_eq!(client.msize(), None);
}

#[test]
fn a_reply_with_another_tag_is_skipped_and_counted() {
    let (port, mut client) = versioned(MAX_MSIZE);
    port.set_hook(|f| {
        Some(vec![
            Action::Send(encode(f.tag.wrapping_add(5), Message::Rclunk)),
            Action::Send(encode(f.tag, Message::Rclunk)),
        ])
    });
    assert_eq!(client.clunk(&port, 1), Ok(()));
    assert_eq!(client.stale(), 1);
    // A late answer to a call that gave up is skipped by the next call.
    port.set_hook(|f| match f.message {
        Message::Tclunk { fid: 1 } => Some(vec![Action::Send(vec![1, 2, 3])]),
        Message::Tclunk { .. } => {
            Some(vec![Action::Send(encode(f.tag - 1, Message::Rclunk)), Action::Send(encode(f.tag, Message::Rclunk))])
        }
        _ => None,
    });
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Wire(WireError::Truncated)));
    assert_eq!(client.clunk(&port, 2), Ok(()));
    assert_eq!(client.stale(), 2);
}

#[test]
fn replies_that_do_not_answer_the_request_are_errors() {
    let (port, mut client) = versioned(4096);
    let io = 4096 - IOHDRSZ;
    // The wrong R-message.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rflush))]));
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Protocol));
    // A T-message as a reply.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Tclunk { fid: 1 }))]));
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Protocol));
    // More data than asked.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rread { data: &[7; 11] }))]));
    assert_eq!(client.read(&port, 1, 0, &mut [0u8; 10]), Err(ClientError::Protocol));
    // More written than sent.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rwrite { count: 11 }))]));
    assert_eq!(client.write(&port, 1, 0, &[0u8; 10]), Err(ClientError::Protocol));
    // More qids than names.
    port.set_hook(|f| {
        let qids = [qid(1), qid(2)].into_iter().collect();
        Some(vec![Action::Send(encode(f.tag, Message::Rwalk { qids }))])
    });
    assert_eq!(client.walk(&port, 0, 1, &["a"]), Err(ClientError::Protocol));
    // A reply larger than the msize.
    port.set_hook(move |f| {
        let data = vec![0u8; 5000];
        Some(vec![Action::Send(encode(f.tag, Message::Rread { data: &data }))])
    });
    assert_eq!(client.read(&port, 1, 0, &mut vec![0u8; io as usize]), Err(ClientError::Wire(WireError::TooLarge)));
    // A write that takes nothing stops write_all.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rwrite { count: 0 }))]));
    assert_eq!(client.write_all(&port, 1, 0, &[1, 2, 3]), Err(ClientError::Protocol));
    // The client goes on.
    port.server.borrow_mut().hook = None;
    assert_eq!(client.clunk(&port, 1), Ok(()));
}

#[test]
fn garbage_frames_are_errors_not_panics() {
    let (port, mut client) = versioned(MAX_MSIZE);
    // Too short for a header.
    port.set_hook(|_| Some(vec![Action::Send(vec![9, 0, 0])]));
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Wire(WireError::Truncated)));
    // The right tag, a size field that is not the frame's length.
    port.set_hook(|f| {
        let mut bytes = encode(f.tag, Message::Rclunk);
        bytes.push(0);
        Some(vec![Action::Send(bytes)])
    });
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Protocol));
    // The right tag, an unknown type.
    port.set_hook(|f| {
        let mut bytes = encode(f.tag, Message::Rclunk);
        bytes[4] = 200;
        Some(vec![Action::Send(bytes)])
    });
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Wire(WireError::UnknownType(200))));
    // The right tag, a body too short for its type.
    port.set_hook(|f| {
        let mut bytes = encode(f.tag, Message::Rclunk);
        bytes[4] = 105; // Rattach, which needs a qid
        Some(vec![Action::Send(bytes)])
    });
    assert!(matches!(client.attach(&port, 0, "u", "", 0), Err(ClientError::Wire(_))));
    port.server.borrow_mut().hook = None;
    assert_eq!(client.clunk(&port, 1), Ok(()));
}

#[test]
fn requests_larger_than_msize_are_not_sent() {
    let (port, mut client) = versioned(MIN_MSIZE);
    let from = port.logged();
    let long = "x".repeat(300);
    assert_eq!(client.mkdir(&port, 0, &long, 0o755, 0), Err(ClientError::TooLarge));
    let many = ["a"; 17];
    assert_eq!(client.walk(&port, 0, 1, &many), Err(ClientError::TooLarge));
    assert_eq!(port.logged(), from);
    // A write is cut to fit instead.
    assert_eq!(client.write(&port, 1, 0, &[0u8; 1000]), Ok(MIN_MSIZE - IOHDRSZ));
}

#[test]
fn a_new_epoch_is_restarted_and_the_msize_is_gone() {
    let (port, mut client) = versioned(MAX_MSIZE);
    port.server.borrow_mut().restart();
    let from = port.logged();
    assert_eq!(client.clunk(&port, 1), Err(ClientError::Restarted));
    assert_eq!(port.logged(), from, "nothing sent into the old epoch");
    assert_eq!((client.epoch(), client.msize()), (2, None));
    assert_eq!(client.clunk(&port, 1), Err(ClientError::NotVersioned));
    assert_eq!(client.version(&port, 8192), Ok(8192));
    assert_eq!(client.clunk(&port, 1), Ok(()));
    port.last(|f| assert_eq!(f.tag, 0, "tags start again"));

    // The server crashes while the call waits.
    port.set_hook(|f| match f.message {
        Message::Tgetattr { .. } => Some(vec![Action::Restart]),
        _ => None,
    });
    assert_eq!(client.getattr(&port, 1, 0), Err(ClientError::Restarted));
    assert_eq!(client.epoch(), 3);
    assert_eq!(client.version(&port, 8192), Ok(8192));
}

#[test]
fn follow_and_poll_track_the_server() {
    let (port, mut client) = versioned(MAX_MSIZE);
    assert_eq!(client.poll(), Ok(()));
    assert!(client.take_doorbell());
    assert!(!client.take_doorbell());
    port.server.borrow_mut().restart();
    // The client's link is still in epoch 1; the server has left it.
    assert_eq!(client.poll(), Err(ClientError::Down));
    assert_eq!(client.follow(2), Ok(true));
    assert_eq!(client.follow(2), Ok(false));
    assert_eq!(client.poll(), Ok(()));
    assert_eq!(client.msize(), None);
}
