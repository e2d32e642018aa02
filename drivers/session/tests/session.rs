// SPDX-License-Identifier: MIT
//! `Session` over real rings in a `TestWindow`, with a toy service (it
//! stores a byte in the client's window, or reads one back) and a raw
//! client end: the greeting comes first in every epoch, each request gets
//! its reply, garbage gets the undecodable reply and the session goes on,
//! a slow client's replies wait instead of being lost, events travel on
//! their own ring (or on the reply ring for a protocol without one), and
//! an oversize frame is reported, not skipped.

use bulkhead_ring::{ClientWindow, Consumer, Hello, LINK_HEADER, Link, RingLayout, TestWindow, Version, decode};
use bulkhead_session::{ClientId, Layout, MAX_FRAME, Service, Session};
use serde::{Deserialize, Serialize};

const WINDOW: usize = 64 * 1024;
const TO_CLIENT: RingLayout = RingLayout { base: LINK_HEADER, capacity: 256 };
const TO_BACKEND: RingLayout = RingLayout { base: 1024, capacity: 1024 };
const EVENTS: RingLayout = RingLayout { base: 4096, capacity: 256 };
const HELLO: Hello = Hello { version: Version { major: 1, minor: 0 }, features: 0 };

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Req {
    Store { at: u64, value: u8 },
    Load { at: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Reply {
    Hello(ClientId),
    Value(Option<u8>),
    Garbage,
    Event(u32),
}

#[derive(Default)]
struct Toy {
    connects: Vec<(ClientId, usize)>,
}

impl Service for Toy {
    type Request = Req;
    type Reply = Reply;
    type Event = u32;
    fn connect(&mut self, client: ClientId, window_len: usize) {
        self.connects.push((client, window_len));
    }
    fn greet(&self, client: ClientId, out: &mut dyn FnMut(Reply)) {
        out(Reply::Hello(client));
    }
    fn request(&mut self, _: ClientId, window: &mut dyn ClientWindow, request: &Req) -> Reply {
        match *request {
            Req::Store { at, value } => Reply::Value(window.write(at, &[value]).then_some(value)),
            Req::Load { at } => {
                let mut b = [0u8];
                Reply::Value(window.read(at, &mut b).then_some(b[0]))
            }
        }
    }
    fn undecodable(&self) -> Reply {
        Reply::Garbage
    }
    fn event_as_reply(event: u32) -> Option<Reply> {
        Some(Reply::Event(event))
    }
}

fn layout(events: bool) -> Layout {
    Layout { hello: HELLO, to_client: TO_CLIENT, to_backend: TO_BACKEND, events: events.then_some(EVENTS) }
}

fn client(w: &TestWindow, epoch: u32) -> Link<TestWindow> {
    Link::connect(w.clone(), 1, epoch, HELLO, TO_BACKEND, TO_CLIENT).unwrap()
}

fn receive(link: &mut Link<TestWindow>) -> Vec<Reply> {
    let mut out = Vec::new();
    let mut buf = [0u8; MAX_FRAME];
    while let Ok(frame) = link.pop(&mut buf) {
        out.push(decode::<Reply>(frame).unwrap());
    }
    out
}

fn send(link: &mut Link<TestWindow>, r: Req) {
    link.push(&postcard::to_allocvec(&r).unwrap()).unwrap();
}

#[test]
fn greeting_replies_garbage_and_a_new_epoch() {
    let mut toy = Toy::default();
    let w = TestWindow::new(WINDOW);
    let mut s: Session<Toy, _> = Session::connect(&mut toy, 3, w.clone(), layout(false), 0, 1).unwrap();
    assert_eq!(toy.connects, [(3, WINDOW)]);
    let mut c = client(&w, 1);
    assert!(s.serve(&mut toy, 1).unwrap().sent);
    assert_eq!(receive(&mut c), [Reply::Hello(3)]);

    send(&mut c, Req::Store { at: 60_000, value: 9 });
    c.push(&[0xff, 0xff, 0xff]).unwrap();
    send(&mut c, Req::Load { at: 60_000 });
    send(&mut c, Req::Store { at: WINDOW as u64, value: 1 });
    let served = s.serve(&mut toy, 1).unwrap();
    assert_eq!((served.requests, served.undecodable), (3, 1));
    assert_eq!(receive(&mut c), [Reply::Value(Some(9)), Reply::Garbage, Reply::Value(Some(9)), Reply::Value(None)]);

    // The client's peer restarts: a new epoch greets again, and the
    // service is told to forget the client.
    let served = s.serve(&mut toy, 2).unwrap();
    assert!(served.reconnected);
    assert_eq!(toy.connects, [(3, WINDOW), (3, WINDOW)]);
    let mut c = client(&w, 2);
    s.serve(&mut toy, 2).unwrap();
    assert_eq!(receive(&mut c), [Reply::Hello(3)]);
}

#[test]
fn a_slow_client_loses_no_reply() {
    let mut toy = Toy::default();
    let w = TestWindow::new(WINDOW);
    let mut s: Session<Toy, _> = Session::connect(&mut toy, 0, w.clone(), layout(false), 0, 1).unwrap();
    let mut c = client(&w, 1);
    // Far more requests than the 256-byte reply ring holds replies.
    let n = 80u64;
    for i in 0..n {
        send(&mut c, Req::Store { at: 30_000 + i, value: i as u8 });
    }
    let mut got = Vec::new();
    for _ in 0..200 {
        s.serve(&mut toy, 1).unwrap();
        got.extend(receive(&mut c));
    }
    assert_eq!(got.first(), Some(&Reply::Hello(0)));
    let values: Vec<Reply> = got.into_iter().skip(1).collect();
    let want: Vec<Reply> = (0..n).map(|i| Reply::Value(Some(i as u8))).collect();
    assert_eq!(values, want);
}

#[test]
fn events_travel_on_their_own_ring_and_never_vanish_silently() {
    let mut toy = Toy::default();
    let w = TestWindow::new(WINDOW);
    let mut s: Session<Toy, _> = Session::connect(&mut toy, 0, w.clone(), layout(true), 0, 1).unwrap();
    let mut c = client(&w, 1);
    let mut events = Consumer::new(w.clone(), EVENTS).unwrap();
    // Accepted until the backlog is full; the refusal is reported.
    let mut accepted = 0u32;
    while s.post(accepted) {
        accepted += 1;
        assert!(accepted <= 1000, "the backlog never filled");
    }
    assert_eq!(accepted as usize, bulkhead_session::EVENT_BACKLOG);
    let mut seen = Vec::new();
    let mut buf = [0u8; MAX_FRAME];
    for _ in 0..100 {
        s.serve(&mut toy, 1).unwrap();
        while let Ok(frame) = events.pop(&mut buf) {
            seen.push(decode::<u32>(frame).unwrap());
        }
    }
    assert_eq!(seen, (0..accepted).collect::<Vec<_>>());
    // Only the greeting went on the reply ring.
    assert_eq!(receive(&mut c), [Reply::Hello(0)]);
}

#[test]
fn without_an_event_ring_events_are_replies() {
    let mut toy = Toy::default();
    let w = TestWindow::new(WINDOW);
    let mut s: Session<Toy, _> = Session::connect(&mut toy, 0, w.clone(), layout(false), 0, 1).unwrap();
    let mut c = client(&w, 1);
    assert!(s.post(5));
    s.serve(&mut toy, 1).unwrap();
    assert_eq!(receive(&mut c), [Reply::Hello(0), Reply::Event(5)]);
}

#[test]
fn an_oversize_frame_is_reported_not_skipped() {
    let mut toy = Toy::default();
    let w = TestWindow::new(WINDOW);
    let mut s: Session<Toy, _> = Session::connect(&mut toy, 0, w.clone(), layout(false), 0, 1).unwrap();
    let mut c = client(&w, 1);
    c.push(&[0u8; MAX_FRAME + 1]).unwrap();
    send(&mut c, Req::Load { at: 0 });
    for _ in 0..3 {
        let served = s.serve(&mut toy, 1).unwrap();
        assert!(served.oversize);
        assert_eq!(served.requests, 0);
    }
}
