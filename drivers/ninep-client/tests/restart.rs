// SPDX-License-Identifier: MIT
//! The fid book: what it records, and what it makes again after the
//! server restarts (a new epoch).
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code: a failure is a test failure")]

mod common;

use bulkhead_ninep::{MAX_MSIZE, Message, NOFID, NOTAG, VERSION_9P2000L, WalkNames, errno};
use bulkhead_ninep_client::{BookError, ClientError, FidBook, flags};
use common::{Action, encode, versioned};

fn show(m: Message<'_>) -> String {
    format!("{m:?}")
}

fn walk(fid: u32, newfid: u32, names: &[&str]) -> String {
    show(Message::Twalk { fid, newfid, names: WalkNames::from_slice(names).unwrap() })
}

#[test]
fn restore_rewalks_then_reopens_the_recorded_fids_in_order() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let mut book = FidBook::<8>::new();
    book.attach(&mut client, &port, 0, "guest", "export", 1000).unwrap();
    book.walk(&mut client, &port, 0, 1, &["a", "b"]).unwrap();
    book.lopen(&mut client, &port, 1, flags::O_RDWR | flags::O_TRUNC).unwrap();
    book.walk(&mut client, &port, 0, 2, &["c"]).unwrap();
    book.lcreate(&mut client, &port, 2, "new", flags::O_CREAT | flags::O_EXCL | flags::O_WRONLY, 0o644, 0).unwrap();
    book.walk(&mut client, &port, 1, 3, &[]).unwrap();
    book.walk(&mut client, &port, 0, 4, &["d"]).unwrap();
    book.clunk(&mut client, &port, 4).unwrap();
    book.walk(&mut client, &port, 0, 5, &[]).unwrap();
    book.lopen(&mut client, &port, 0, flags::O_RDONLY | flags::O_DIRECTORY).unwrap();
    let recorded: Vec<_> = book.fids().map(|(f, p, o)| (f, p.to_string(), o)).collect();
    assert_eq!(
        recorded,
        [
            (0, String::new(), Some(flags::O_DIRECTORY)),
            (1, "a/b".to_string(), Some(flags::O_RDWR)),
            (2, "c/new".to_string(), Some(flags::O_WRONLY)),
            (3, "a/b".to_string(), None),
            (5, String::new(), None),
        ]
    );

    port.server.borrow_mut().restart();
    assert_eq!(client.write(&port, 1, 0, b"x"), Err(ClientError::Restarted));
    let from = port.logged();
    let restored = book.restore(&mut client, &port, MAX_MSIZE).unwrap();
    assert_eq!((restored.msize, restored.lost.len()), (MAX_MSIZE, 0));
    assert!(restored.root.is_dir());
    let got: Vec<_> = port.requests(from).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        got,
        [
            show(Message::Tversion { msize: MAX_MSIZE, version: VERSION_9P2000L }),
            show(Message::Tattach { fid: 0, afid: NOFID, uname: "guest", aname: "export", n_uname: 1000 }),
            walk(0, 1, &["a", "b"]),
            walk(0, 2, &["c", "new"]),
            walk(0, 3, &["a", "b"]),
            walk(0, 5, &[]),
            show(Message::Tlopen { fid: 0, flags: flags::O_DIRECTORY }),
            show(Message::Tlopen { fid: 1, flags: flags::O_RDWR }),
            show(Message::Tlopen { fid: 2, flags: flags::O_WRONLY }),
        ]
    );
    assert_eq!(port.requests(from)[0].0, NOTAG);
    assert_eq!(book.fids().count(), 5);
    assert_eq!(client.write(&port, 1, 0, b"x"), Ok(1));
}

#[test]
fn restore_drops_the_fids_the_server_will_not_make_again() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let mut book = FidBook::<4>::new();
    book.attach(&mut client, &port, 0, "u", "", 0).unwrap();
    book.walk(&mut client, &port, 0, 1, &["gone"]).unwrap();
    book.walk(&mut client, &port, 0, 2, &["locked"]).unwrap();
    book.lopen(&mut client, &port, 2, flags::O_RDWR).unwrap();
    book.walk(&mut client, &port, 0, 3, &["short", "walk"]).unwrap();
    book.clunk(&mut client, &port, 0).unwrap();
    assert_eq!(book.fids().map(|(f, ..)| f).collect::<Vec<_>>(), [1, 2, 3]);

    port.server.borrow_mut().restart();
    port.set_hook(|f| match &f.message {
        Message::Twalk { names, .. } if names.first() == Some(&"gone") => {
            Some(vec![Action::Send(encode(f.tag, Message::Rlerror { ecode: errno::ENOENT }))])
        }
        Message::Twalk { names, .. } if names.first() == Some(&"short") => {
            let qids = [common::qid(2)].into_iter().collect();
            Some(vec![Action::Send(encode(f.tag, Message::Rwalk { qids }))])
        }
        Message::Tlopen { fid: 2, .. } => {
            Some(vec![Action::Send(encode(f.tag, Message::Rlerror { ecode: errno::EACCES }))])
        }
        _ => None,
    });
    let from = port.logged();
    let restored = book.restore(&mut client, &port, MAX_MSIZE).unwrap();
    assert_eq!(restored.lost.as_slice(), [(1, errno::ENOENT), (3, errno::ENOENT), (2, errno::EACCES)]);
    assert_eq!(book.fids().count(), 0);
    let got: Vec<_> = port.requests(from).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        got[2..],
        [
            walk(0, 1, &["gone"]),
            walk(0, 2, &["locked"]),
            walk(0, 3, &["short", "walk"]),
            show(Message::Tlopen { fid: 2, flags: flags::O_RDWR }),
            show(Message::Tclunk { fid: 2 }),
            // The root had been clunked: it goes again.
            show(Message::Tclunk { fid: 0 }),
        ]
    );
}

#[test]
fn deep_paths_are_walked_sixteen_names_at_a_time() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let mut book = FidBook::<2>::new();
    book.attach(&mut client, &port, 0, "u", "", 0).unwrap();
    let names: Vec<String> = (0..20).map(|i| format!("d{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    book.walk(&mut client, &port, 0, 1, &names[..16]).unwrap();
    book.walk(&mut client, &port, 1, 1, &names[16..]).unwrap();
    assert_eq!(book.fids().nth(1).map(|(_, p, _)| p.to_string()), Some(names.join("/")));
    port.server.borrow_mut().restart();
    let from = port.logged();
    book.restore(&mut client, &port, MAX_MSIZE).unwrap();
    let got: Vec<_> = port.requests(from).into_iter().map(|(_, m)| m).collect();
    assert_eq!(got[2..], [walk(0, 1, &names[..16]), walk(1, 1, &names[16..])]);
}

#[test]
fn the_book_refuses_what_it_cannot_replay_before_sending() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let mut book = FidBook::<2>::new();
    assert_eq!(book.restore(&mut client, &port, MAX_MSIZE).unwrap_err(), ClientError::Book(BookError::UnknownFid));
    book.attach(&mut client, &port, 0, "u", "", 0).unwrap();
    let from = port.logged();
    let err = |e| Err(ClientError::Book(e));
    assert_eq!(book.walk(&mut client, &port, 9, 1, &["a"]), err(BookError::UnknownFid));
    assert_eq!(book.walk(&mut client, &port, 0, 1, &["a/b"]), err(BookError::BadName));
    assert_eq!(book.walk(&mut client, &port, 0, 1, &[""]), err(BookError::BadName));
    assert_eq!(book.walk(&mut client, &port, 0, 0, &["a"]), err(BookError::Root));
    assert_eq!(book.lcreate(&mut client, &port, 0, "f", 0, 0, 0).unwrap_err(), ClientError::Book(BookError::Root));
    assert_eq!(book.lopen(&mut client, &port, 7, 0).unwrap_err(), ClientError::Book(BookError::UnknownFid));
    let long = "x".repeat(300);
    assert_eq!(book.walk(&mut client, &port, 0, 1, &[&long]), err(BookError::Full));
    assert_eq!(port.logged(), from, "nothing sent");
    book.walk(&mut client, &port, 0, 1, &["a"]).unwrap();
    assert_eq!(book.walk(&mut client, &port, 0, 2, &["b"]), err(BookError::Full));
    // A walk to an existing record replaces it.
    book.walk(&mut client, &port, 0, 1, &["b"]).unwrap();
    assert_eq!(book.fids().nth(1).map(|(f, p, _)| (f, p.to_string())), Some((1, "b".to_string())));
    // A walk that stops short records nothing.
    port.set_hook(|f| Some(vec![Action::Send(encode(f.tag, Message::Rwalk { qids: Default::default() }))]));
    book.forget(1);
    assert_eq!(book.walk(&mut client, &port, 0, 1, &["c"]).unwrap().len(), 0);
    assert_eq!(book.fids().count(), 1);
}

#[test]
fn a_restart_during_restore_stops_it_and_it_runs_again() {
    let (port, mut client) = versioned(MAX_MSIZE);
    let mut book = FidBook::<2>::new();
    book.attach(&mut client, &port, 0, "u", "", 0).unwrap();
    book.walk(&mut client, &port, 0, 1, &["a"]).unwrap();
    port.server.borrow_mut().restart();
    let mut crashed = false;
    port.set_hook(move |f| match f.message {
        Message::Twalk { .. } if !crashed => {
            crashed = true;
            Some(vec![Action::Restart])
        }
        _ => None,
    });
    assert_eq!(book.restore(&mut client, &port, MAX_MSIZE).unwrap_err(), ClientError::Restarted);
    assert_eq!(book.fids().count(), 2);
    let restored = book.restore(&mut client, &port, MAX_MSIZE).unwrap();
    assert!(restored.lost.is_empty());
    assert_eq!(client.epoch(), 3);
}
