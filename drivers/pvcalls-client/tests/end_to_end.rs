// SPDX-License-Identifier: MIT
//! The client against a hand-played backend: the real session
//! (`bulkhead_session`) over real rings in a `TestWindow`, with a fake
//! [`Service`] that answers SOCKET, BIND, LISTEN and RELEASE at once,
//! CONNECT with `EINPROGRESS` then a completion (`EACCES` for a refused
//! port), ACCEPT at once or later, and echoes every socket's outbound
//! bytes into its inbound stream when pumped. Single-threaded: the test
//! port's `wait` runs the backend one step.
//!
//! Owns nothing but the fake; must not touch the client's internals.

use bulkhead_pvcalls::channel::{EVENTS, HELLO, TO_BACKEND, TO_CLIENT, data_area};
use bulkhead_pvcalls::stream::{Reader, StreamLayout, StreamState, Writer};
use bulkhead_pvcalls::{DataRing, Event, Operation, Request, Response, ToClient, VERSION};
use bulkhead_pvcalls_client::{Address, Errno, Hello, NetClient, NetError, Port, Received, SocketId};
use bulkhead_ring::{ClientWindow, TestWindow, Window};
use bulkhead_session::{ClientId, Layout, Service, Session};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

const WINDOW: usize = 128 * 1024;
const LAYOUT: Layout = Layout { hello: HELLO, to_client: TO_CLIENT, to_backend: TO_BACKEND, events: Some(EVENTS) };
const REFUSED_PORT: u16 = 23;
const PEER: Address = Address::V4 { ip: [10, 0, 2, 2], port: 5555 };
const ANY: Address = Address::V4 { ip: [0; 4], port: 7 };

/// A socket as the fake backend holds it: the client's outbound stream
/// (it reads) and inbound stream (it writes), once there is a data ring.
#[derive(Default)]
struct FakeSocket {
    streams: Option<(Reader<TestWindow>, Writer<TestWindow>)>,
}

struct Fake {
    window: TestWindow,
    hello: Hello,
    sockets: HashMap<u64, FakeSocket>,
    /// Connections waiting to be accepted.
    incoming: u32,
    /// An ACCEPT answered `EINPROGRESS`: (request id, listener, new
    /// socket, ring).
    pending_accept: Option<(u16, u64, u64, DataRing)>,
    /// Completions to post.
    completions: Vec<Event>,
    /// Rings seen in this epoch (for the overlap check).
    rings: Vec<DataRing>,
    requests: Vec<Operation>,
}

impl Fake {
    fn attach(&mut self, socket: u64, ring: DataRing) -> Errno {
        let area = data_area(self.window.size());
        let (Ok(inbound), Ok(outbound)) =
            (StreamLayout::resolve(&area, ring.inbound), StreamLayout::resolve(&area, ring.outbound))
        else {
            return Errno::Inval;
        };
        assert!(!inbound.overlaps(&outbound));
        self.rings.push(ring);
        let streams = (Reader::new(self.window.clone(), outbound), Writer::new(self.window.clone(), inbound));
        self.sockets.insert(socket, FakeSocket { streams: Some(streams) });
        Errno::Ok
    }

    fn writer(&mut self, socket: u64) -> &mut Writer<TestWindow> {
        &mut self.sockets.get_mut(&socket).unwrap().streams.as_mut().unwrap().1
    }

    fn outbound_state(&mut self, socket: u64) -> StreamState {
        self.sockets.get_mut(&socket).unwrap().streams.as_mut().unwrap().0.seen().unwrap().state
    }

    /// Copies what every socket's outbound stream holds into its inbound
    /// stream, as far as there is room.
    fn echo(&mut self) -> bool {
        let mut moved = false;
        for s in self.sockets.values_mut() {
            let Some((rx, tx)) = s.streams.as_mut() else { continue };
            let room = tx.free().unwrap();
            let mut buf = vec![0u8; room];
            let n = rx.read(&mut buf).unwrap();
            assert_eq!(tx.write(&buf[..n]).unwrap(), n);
            moved |= n > 0;
        }
        moved
    }
}

impl Service for Fake {
    type Request = Request;
    type Reply = ToClient;
    type Event = Event;

    fn connect(&mut self, _: ClientId, window_len: usize) {
        assert_eq!(window_len, WINDOW);
        self.sockets.clear();
        self.incoming = 0;
        self.pending_accept = None;
        self.completions.clear();
        self.rings.clear();
    }

    fn greet(&self, _: ClientId, out: &mut dyn FnMut(ToClient)) {
        out(ToClient::Hello(self.hello));
    }

    fn request(&mut self, _: ClientId, _: &mut dyn ClientWindow, request: &Request) -> ToClient {
        self.requests.push(request.op);
        let id = request.id;
        let reply = |socket, errno| ToClient::Response(Response { id, socket, errno });
        match request.op {
            Operation::Socket { socket, .. } => {
                if self.sockets.contains_key(&socket) {
                    return reply(socket, Errno::Exist);
                }
                self.sockets.insert(socket, FakeSocket::default());
                reply(socket, Errno::Ok)
            }
            Operation::Connect { socket, address, ring } => {
                let errno = if address.port() == REFUSED_PORT { Errno::Access } else { self.attach(socket, ring) };
                self.completions.push(Event::Completed(Response { id, socket, errno }));
                reply(socket, Errno::InProgress)
            }
            Operation::Bind { socket, .. } | Operation::Listen { socket, .. } | Operation::Poll { socket } => {
                reply(socket, Errno::Ok)
            }
            Operation::Accept { socket, new_socket, ring } => {
                if self.incoming > 0 {
                    self.incoming -= 1;
                    reply(socket, self.attach(new_socket, ring))
                } else {
                    self.pending_accept = Some((id, socket, new_socket, ring));
                    reply(socket, Errno::InProgress)
                }
            }
            Operation::Release { socket } => {
                self.sockets.remove(&socket);
                if self.pending_accept.is_some_and(|p| p.1 == socket) {
                    // The listener goes with its pending ACCEPT, whose
                    // completion still comes (a late one, to be dropped).
                    let (pending, _, _, _) = self.pending_accept.take().unwrap();
                    self.completions.push(Event::Completed(Response { id: pending, socket, errno: Errno::BadF }));
                }
                reply(socket, Errno::Ok)
            }
        }
    }

    fn undecodable(&self) -> ToClient {
        ToClient::Response(Response { id: u16::MAX, socket: 0, errno: Errno::Inval })
    }

    fn event_as_reply(_: Event) -> Option<ToClient> {
        None
    }
}

/// The network domain for one client.
struct Domain {
    fake: Fake,
    session: Session<Fake, TestWindow>,
    epoch: u32,
    /// Steps before a waiting connection arrives for a pending ACCEPT.
    arrive_in: Option<u32>,
}

impl Domain {
    /// One turn of the backend: serve, complete, echo, flush.
    fn step(&mut self) {
        let Domain { fake, session, epoch, .. } = self;
        session.serve(fake, *epoch).unwrap();
        if let Some(left) = self.arrive_in.as_mut() {
            if *left == 0 {
                self.arrive_in = None;
                self.fake.incoming += 1;
            } else {
                *left -= 1;
            }
        }
        if self.fake.incoming > 0
            && let Some((id, listener, new_socket, ring)) = self.fake.pending_accept.take()
        {
            self.fake.incoming -= 1;
            let errno = self.fake.attach(new_socket, ring);
            // As the real backend: the completion names the listener.
            self.fake.completions.push(Event::Completed(Response { id, socket: listener, errno }));
        }
        for e in std::mem::take(&mut self.fake.completions) {
            assert!(self.session.post(e));
        }
        self.fake.echo();
        let Domain { fake, session, epoch, .. } = self;
        session.serve(fake, *epoch).unwrap();
    }

    /// The network domain restarts: a new epoch.
    fn restart(&mut self) {
        self.epoch += 1;
    }
}

/// The client's port: waiting is one turn of the backend.
struct TestPort<'a> {
    domain: &'a RefCell<Domain>,
    waits: Cell<u32>,
    /// Restart the backend at this many waits.
    restart_at: Cell<Option<u32>>,
}

impl Port for TestPort<'_> {
    fn epoch(&self) -> u32 {
        self.domain.borrow().epoch
    }
    fn notify(&self) {}
    fn wait(&self) {
        let waits = self.waits.get() + 1;
        self.waits.set(waits);
        assert!(waits < 100_000, "the client waits for ever");
        if self.restart_at.get() == Some(waits) {
            self.domain.borrow_mut().restart();
        }
        self.domain.borrow_mut().step();
    }
}

fn port(domain: &RefCell<Domain>) -> TestPort<'_> {
    TestPort { domain, waits: Cell::new(0), restart_at: Cell::new(None) }
}

fn domain(hello: Hello) -> (RefCell<Domain>, TestWindow) {
    let window = TestWindow::new(WINDOW);
    let mut fake = Fake {
        window: window.clone(),
        hello,
        sockets: HashMap::new(),
        incoming: 0,
        pending_accept: None,
        completions: Vec::new(),
        rings: Vec::new(),
        requests: Vec::new(),
    };
    let session = Session::connect(&mut fake, 0, window.clone(), LAYOUT, 0, 1).unwrap();
    (RefCell::new(Domain { fake, session, epoch: 1, arrive_in: None }), window)
}

fn hello(max_ring_bytes: u32) -> Hello {
    Hello { version: VERSION, max_sockets: 4, max_ring_bytes }
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 31 + 7) % 251) as u8).collect()
}

/// Sends `data` on `s` and reads back as many bytes, pumping the backend.
fn echo(client: &mut NetClient<TestWindow>, s: SocketId, port: &mut TestPort<'_>, data: &[u8]) -> Vec<u8> {
    let (mut sent, mut got) = (0, Vec::new());
    let mut buf = [0u8; 700];
    while got.len() < data.len() {
        sent += client.send(s, &data[sent..]).unwrap();
        assert!(client.take_doorbell() || sent == data.len());
        port.wait();
        loop {
            match client.recv(s, &mut buf).unwrap() {
                Received::Data(n) => got.extend_from_slice(&buf[..n]),
                Received::WouldBlock => break,
                Received::Eof => panic!("unexpected EOF"),
            }
        }
    }
    got
}

#[test]
fn the_greeting_gives_the_limits() {
    let (domain, window) = domain(hello(40_000));
    let mut port = port(&domain);
    let client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    assert_eq!(client.limits(), hello(40_000));
    assert!(client.is_ready());
    // 4 sockets in 40 000 bytes: 4 KiB streams (4 * 2 * (128 + 4096)).
    assert_eq!(client.stream_capacity(), 4096);
}

#[test]
fn connect_send_and_receive_an_echo_across_the_wrap() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let s = client.socket(&mut port).unwrap();
    client.connect_to(s, PEER, &mut port).unwrap();
    let data = pattern(100_000);
    assert!(data.len() > 4 * client.stream_capacity() as usize);
    assert_eq!(echo(&mut client, s, &mut port, &data), data);
    client.release(s, &mut port).unwrap();
    assert_eq!(client.send(s, b"x"), Err(NetError::Errno(Errno::BadF)));
    let ops = &domain.borrow().fake.requests;
    assert!(matches!(ops[0], Operation::Socket { .. }));
    assert!(matches!(ops[1], Operation::Connect { address: PEER, .. }));
    assert!(matches!(ops.last(), Some(Operation::Release { .. })));
}

#[test]
fn a_tiny_ring_limit_still_wraps_and_full_streams_take_nothing() {
    // One slot of 1 KiB streams.
    let (domain, window) = domain(hello(2400));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    assert_eq!(client.stream_capacity(), 1024);
    let s = client.socket(&mut port).unwrap();
    client.connect_to(s, PEER, &mut port).unwrap();
    // Nobody pumps: the outbound stream fills, then takes nothing.
    assert_eq!(client.send(s, &[1; 3000]).unwrap(), 1024);
    assert_eq!(client.send(s, &[1; 10]).unwrap(), 0);
    let mut buf = [0u8; 4096];
    assert_eq!(client.recv(s, &mut buf).unwrap(), Received::WouldBlock);
    port.wait();
    assert_eq!(client.recv(s, &mut buf).unwrap(), Received::Data(1024));
    let data = pattern(10_000);
    assert_eq!(echo(&mut client, s, &mut port, &data), data);
    // The only slot is taken: a second connection has no data ring.
    let t = client.socket(&mut port).unwrap();
    assert_eq!(client.connect_to(t, PEER, &mut port), Err(NetError::Errno(Errno::NoBufs)));
    client.release(s, &mut port).unwrap();
    client.connect_to(t, PEER, &mut port).unwrap();
    assert_eq!(echo(&mut client, t, &mut port, b"again"), b"again");
}

#[test]
fn a_refused_connect_is_eacces_and_frees_its_ring() {
    let (domain, window) = domain(hello(2400));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let s = client.socket(&mut port).unwrap();
    let forbidden = Address::V4 { ip: [10, 0, 2, 2], port: REFUSED_PORT };
    let e = client.connect_to(s, forbidden, &mut port).unwrap_err();
    assert_eq!(e, NetError::Errno(Errno::Access));
    assert_eq!(e.errno(), Some(Errno::Access));
    assert_eq!(client.send(s, b"x"), Err(NetError::Errno(Errno::NotConn)));
    // The only slot came back.
    client.connect_to(s, PEER, &mut port).unwrap();
    assert_eq!(client.connect_to(s, PEER, &mut port), Err(NetError::Errno(Errno::IsConn)));
}

#[test]
fn accept_waits_for_a_deferred_completion() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let l = client.socket(&mut port).unwrap();
    client.bind(l, ANY, &mut port).unwrap();
    assert_eq!(client.accept(l, &mut port), Err(NetError::Errno(Errno::Inval)), "not listening");
    client.listen(l, 4, &mut port).unwrap();
    domain.borrow_mut().arrive_in = Some(5);
    let before = port.waits.get();
    let c = client.accept(l, &mut port).unwrap();
    assert!(port.waits.get() - before >= 5, "it waited for the connection");
    assert_ne!(c, l);
    assert_eq!(echo(&mut client, c, &mut port, b"ping"), b"ping");
    // A connection already waiting is accepted at once.
    domain.borrow_mut().fake.incoming = 1;
    let d = client.accept(l, &mut port).unwrap();
    assert_eq!(echo(&mut client, d, &mut port, b"pong"), b"pong");
    assert_eq!(client.send(l, b"x"), Err(NetError::Errno(Errno::NotConn)));
}

#[test]
fn closed_is_eof_after_the_bytes_and_reset_is_econnreset() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let a = client.socket(&mut port).unwrap();
    client.connect_to(a, PEER, &mut port).unwrap();
    let b = client.socket(&mut port).unwrap();
    client.connect_to(b, PEER, &mut port).unwrap();
    {
        let mut d = domain.borrow_mut();
        let w = d.fake.writer(a.raw());
        w.write(b"bye").unwrap();
        w.set_state(StreamState::Closed);
        let w = d.fake.writer(b.raw());
        w.write(b"partial").unwrap();
        w.set_state(StreamState::Reset);
    }
    let mut buf = [0u8; 64];
    assert_eq!(client.recv(a, &mut buf).unwrap(), Received::Data(3));
    assert_eq!(&buf[..3], b"bye");
    assert_eq!(client.recv(a, &mut buf).unwrap(), Received::Eof);
    assert_eq!(client.recv(a, &mut buf).unwrap(), Received::Eof);
    // Sending after the peer's FIN is still allowed (half-close).
    assert_eq!(client.send(a, b"ok").unwrap(), 2);
    // Bytes before the reset are delivered, then ECONNRESET.
    assert_eq!(client.recv(b, &mut buf).unwrap(), Received::Data(7));
    let e = client.recv(b, &mut buf).unwrap_err();
    assert_eq!(e, NetError::Errno(Errno::ConnReset));
    assert!(e.is_reset());
    assert_eq!(client.send(b, b"x"), Err(NetError::Errno(Errno::ConnReset)));
    client.release(a, &mut port).unwrap();
    client.release(b, &mut port).unwrap();
}

#[test]
fn a_new_epoch_resets_old_sockets_and_new_ones_work() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let s = client.socket(&mut port).unwrap();
    client.connect_to(s, PEER, &mut port).unwrap();
    let l = client.socket(&mut port).unwrap();
    client.listen(l, 4, &mut port).unwrap();
    assert_eq!(echo(&mut client, s, &mut port, b"one"), b"one");

    domain.borrow_mut().restart();
    port.wait();
    assert!(client.follow(2).unwrap());
    assert!(!client.follow(2).unwrap());
    let mut buf = [0u8; 8];
    for e in [
        client.send(s, b"x").unwrap_err(),
        client.recv(s, &mut buf).unwrap_err(),
        client.accept(l, &mut port).unwrap_err(),
        client.connect_to(s, PEER, &mut port).unwrap_err(),
        client.listen(l, 1, &mut port).unwrap_err(),
    ] {
        assert_eq!(e, NetError::Errno(Errno::ConnReset));
    }
    client.release(s, &mut port).unwrap();

    let t = client.socket(&mut port).unwrap();
    assert_eq!(client.limits(), hello(1 << 20));
    client.connect_to(t, PEER, &mut port).unwrap();
    assert_eq!(echo(&mut client, t, &mut port, b"two"), b"two");

    // A restart seen by a blocking call: `Restarted`, then the same.
    domain.borrow_mut().restart();
    assert_eq!(client.socket(&mut port), Err(NetError::Restarted));
    assert_eq!(client.send(t, b"x"), Err(NetError::Errno(Errno::ConnReset)));
    let u = client.socket(&mut port).unwrap();
    client.connect_to(u, PEER, &mut port).unwrap();
    assert_eq!(echo(&mut client, u, &mut port, b"three"), b"three");
}

#[test]
fn a_restart_during_a_pending_accept_is_restarted() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let l = client.socket(&mut port).unwrap();
    client.bind(l, ANY, &mut port).unwrap();
    client.listen(l, 4, &mut port).unwrap();
    port.restart_at.set(Some(port.waits.get() + 3));
    assert_eq!(client.accept(l, &mut port), Err(NetError::Restarted));
    assert_eq!(client.accept(l, &mut port), Err(NetError::Errno(Errno::ConnReset)));
    // Listen again in the new epoch, and a connection comes.
    let l = client.socket(&mut port).unwrap();
    client.bind(l, ANY, &mut port).unwrap();
    client.listen(l, 4, &mut port).unwrap();
    domain.borrow_mut().arrive_in = Some(2);
    let c = client.accept(l, &mut port).unwrap();
    assert_eq!(echo(&mut client, c, &mut port, b"back"), b"back");
}

#[test]
fn data_rings_never_overlap_and_are_reused_after_release() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let mut open = Vec::new();
    for _ in 0..4 {
        let s = client.socket(&mut port).unwrap();
        client.connect_to(s, PEER, &mut port).unwrap();
        open.push(s);
    }
    // max_sockets = 4: every slot is taken.
    let s = client.socket(&mut port).unwrap();
    assert_eq!(client.connect_to(s, PEER, &mut port), Err(NetError::Errno(Errno::NoBufs)));
    let area = data_area(WINDOW);
    let streams: Vec<StreamLayout> = domain
        .borrow()
        .fake
        .rings
        .iter()
        .flat_map(|r| [r.inbound, r.outbound])
        .map(|r| StreamLayout::resolve(&area, r).unwrap())
        .collect();
    assert_eq!(streams.len(), 8);
    let total: usize = streams.iter().map(|l| l.span().len()).sum();
    assert!(total <= 1 << 20);
    for (i, a) in streams.iter().enumerate() {
        for b in &streams[i + 1..] {
            assert!(!a.overlaps(b));
        }
    }
    let second = domain.borrow().fake.rings[1];
    client.release(open[1], &mut port).unwrap();
    client.connect_to(s, PEER, &mut port).unwrap();
    assert_eq!(domain.borrow().fake.rings.last(), Some(&second));
    // Every socket still echoes its own bytes.
    for (k, s) in [open[0], s, open[2], open[3]].into_iter().enumerate() {
        let data = vec![k as u8; 5000];
        assert_eq!(echo(&mut client, s, &mut port, &data), data);
    }
}

#[test]
fn shutdown_closes_the_sending_side_only_and_flushed_says_when_all_was_taken() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let s = client.socket(&mut port).unwrap();
    client.connect_to(s, PEER, &mut port).unwrap();
    assert!(client.flushed(s).unwrap());
    assert_eq!(client.send(s, b"abc").unwrap(), 3);
    assert!(!client.flushed(s).unwrap());
    client.shutdown(s).unwrap();
    assert_eq!(domain.borrow_mut().fake.outbound_state(s.raw()), StreamState::Closed);
    assert_eq!(client.send(s, b"x"), Err(NetError::Errno(Errno::NotConn)));
    port.wait();
    assert!(client.flushed(s).unwrap());
    let mut buf = [0u8; 8];
    assert_eq!(client.recv(s, &mut buf).unwrap(), Received::Data(3));
    assert_eq!(&buf[..3], b"abc");
    client.shutdown(s).unwrap();
    client.release(s, &mut port).unwrap();
}

#[test]
fn try_accept_leaves_the_accept_pending_while_other_calls_go_on() {
    let (domain, window) = domain(hello(1 << 20));
    let mut port = port(&domain);
    let mut client = NetClient::connect(window, 1, 1, &mut port).unwrap();
    let l = client.socket(&mut port).unwrap();
    client.bind(l, ANY, &mut port).unwrap();
    client.listen(l, 4, &mut port).unwrap();
    assert_eq!(client.try_accept(l, &mut port).unwrap(), None);
    assert_eq!(client.try_accept(l, &mut port).unwrap(), None, "still pending, not sent again");
    let accepts = |d: &RefCell<Domain>| {
        d.borrow().fake.requests.iter().filter(|op| matches!(op, Operation::Accept { .. })).count()
    };
    assert_eq!(accepts(&domain), 1);
    // A connection arrives while the client is busy with a CONNECT: its
    // completion is kept for the next look.
    domain.borrow_mut().fake.incoming = 1;
    let s = client.socket(&mut port).unwrap();
    client.connect_to(s, PEER, &mut port).unwrap();
    let c = client.try_accept(l, &mut port).unwrap().expect("the kept completion");
    assert_eq!(accepts(&domain), 1);
    assert_eq!(echo(&mut client, c, &mut port, b"kept"), b"kept");
    assert_eq!(echo(&mut client, s, &mut port, b"out"), b"out");
    // A pending ACCEPT's ring is freed with its listener.
    assert_eq!(client.try_accept(l, &mut port).unwrap(), None);
    client.release(l, &mut port).unwrap();
    client.release(c, &mut port).unwrap();
    client.release(s, &mut port).unwrap();
    assert_eq!(client.garbage(), 0);
    let mut open = Vec::new();
    for _ in 0..4 {
        let t = client.socket(&mut port).unwrap();
        client.connect_to(t, PEER, &mut port).unwrap();
        open.push(t);
    }
    // The released listener's late completion was dropped, not kept.
    assert_eq!(client.garbage(), 1);
}
