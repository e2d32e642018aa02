// SPDX-License-Identifier: MIT
//! The harness's rig: the backend on one end of a simulated cable with
//! "the host" on the other, and clients played through real sessions:
//! each client's window is a `TestWindow` the backend and the client
//! share; the client pushes postcard requests on `TO_BACKEND`, reads
//! replies on `TO_CLIENT` and completions on `EVENTS`, and moves socket
//! data with `stream::Writer`/`Reader` on the data rings it hands over.

use crate::host::{GUEST_IP, HOST_IP, Host};
use crate::wire::{WireEnd, cable};
use bulkhead_pvcalls::stream::{self, Reader, StreamLayout, Writer};
use bulkhead_pvcalls::{Address, DataRef, DataRing, Errno, Event, Operation, Request, Response, ToClient, channel};
use bulkhead_pvcalls_core::netcfg::NetConfig;
use bulkhead_pvcalls_core::{Backend, LAYOUT, Notice, Pumped, policy};
use bulkhead_ring::{Consumer, Link, TestWindow, Window, decode};
use bulkhead_session::{MAX_FRAME, Session};
use std::collections::VecDeque;

pub const ALPHA: u8 = 0;
pub const BETA: u8 = 1;
pub const GAMMA: u8 = 2;
/// alpha may reach the echo and sink ports and listen on 8080; beta may
/// reach any host port; gamma is named with no rules.
pub const PARAMS: &str = "ip=10.0.2.15/24 gateway=10.0.2.2 clients=alpha,beta,gamma \
    alpha=connect=10.0.2.2:7,connect=10.0.2.2:9,listen=8080,sockets=8,bytes=262144 \
    beta=connect=10.0.2.2:*,sockets=4,bytes=131072";
pub const LISTEN_PORT: u16 = 8080;
/// Each client's window: the rings, then 256 KiB of data area.
pub const WINDOW: usize = channel::DATA_AREA + 256 * 1024;
/// Data capacity of each stream the tests use.
pub const STREAM: u32 = 16 * 1024;
/// Bytes one data ring of two `STREAM` streams takes.
pub const RING_BYTES: u32 = 2 * (128 + STREAM);

pub type Net = Backend<WireEnd, TestWindow>;

pub fn host_addr(port: u16) -> Address {
    Address::V4 { ip: HOST_IP, port }
}

pub fn any_addr(port: u16) -> Address {
    Address::V4 { ip: [0; 4], port }
}

pub fn guest_ip() -> [u8; 4] {
    GUEST_IP
}

/// The data ring in slot `n` of a data area (slots of `RING_BYTES`).
pub fn ring(n: u32) -> DataRing {
    let base = n * RING_BYTES;
    DataRing {
        inbound: DataRef { offset: base, len: 128 + STREAM },
        outbound: DataRef { offset: base + 128 + STREAM, len: 128 + STREAM },
        event: u8::try_from(n).unwrap(),
    }
}

/// The client's ends of a socket's data ring.
pub struct Sock {
    pub tx: Writer<TestWindow>,
    pub rx: Reader<TestWindow>,
    pub inbound: StreamLayout,
    pub outbound: StreamLayout,
}

impl Sock {
    /// Writes what fits of `data[*at..]`.
    pub fn write(&mut self, data: &[u8], at: &mut usize) {
        *at += self.tx.write(&data[*at..]).unwrap();
    }

    /// Reads what is there into `into`.
    pub fn read(&mut self, into: &mut Vec<u8>) -> usize {
        let mut buf = vec![0u8; STREAM as usize];
        let n = self.rx.read(&mut buf).unwrap();
        into.extend_from_slice(&buf[..n]);
        n
    }
}

/// One client's end of its channel.
pub struct ClientEnd {
    pub window: TestWindow,
    link: Link<TestWindow>,
    events: Consumer<TestWindow>,
    next_id: u16,
    pub hellos: Vec<bulkhead_pvcalls::Hello>,
    pub responses: VecDeque<Response>,
    pub completions: Vec<Response>,
}

impl ClientEnd {
    fn connect(window: TestWindow, epoch: u32) -> Self {
        let link =
            Link::connect(window.clone(), 1, epoch, channel::HELLO, channel::TO_BACKEND, channel::TO_CLIENT).unwrap();
        let events = Consumer::new(window.clone(), channel::EVENTS).unwrap();
        ClientEnd {
            window,
            link,
            events,
            next_id: 0,
            hellos: Vec::new(),
            responses: VecDeque::new(),
            completions: Vec::new(),
        }
    }

    fn receive(&mut self) {
        let mut buf = [0u8; MAX_FRAME];
        while let Ok(frame) = self.link.pop(&mut buf) {
            match decode::<ToClient>(frame).unwrap() {
                ToClient::Hello(h) => self.hellos.push(h),
                ToClient::Response(r) => self.responses.push_back(r),
            }
        }
        while let Ok(frame) = self.events.pop(&mut buf) {
            let Event::Completed(r) = decode::<Event>(frame).unwrap();
            self.completions.push(r);
        }
    }

    /// Sends `op`; its request id.
    pub fn send(&mut self, op: Operation) -> u16 {
        self.next_id = self.next_id.wrapping_add(1);
        let bytes = postcard::to_allocvec(&Request { id: self.next_id, op }).unwrap();
        self.link.push(&bytes).unwrap();
        self.next_id
    }

    /// Sends raw bytes as a request frame.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.link.push(bytes).unwrap();
    }

    /// Takes the client's ends of `ring` (resetting both streams first, as
    /// a client does before handing a ring over).
    pub fn sock(&self, ring: &DataRing) -> Sock {
        let area = channel::data_area(self.window.size());
        let inbound = StreamLayout::resolve(&area, ring.inbound).unwrap();
        let outbound = StreamLayout::resolve(&area, ring.outbound).unwrap();
        stream::reset(&self.window, &inbound);
        stream::reset(&self.window, &outbound);
        Sock {
            tx: Writer::new(self.window.clone(), outbound),
            rx: Reader::new(self.window.clone(), inbound),
            inbound,
            outbound,
        }
    }
}

pub struct Rig {
    pub net: Net,
    sessions: Vec<Session<Net, TestWindow>>,
    pub clients: Vec<ClientEnd>,
    pub epochs: Vec<u32>,
    pub host: Host,
    pub now: u64,
    pub notices: Vec<Notice>,
    pub doorbells: u32,
    /// What the last poll said.
    pub pumped: Pumped,
}

impl Rig {
    pub fn new() -> Self {
        Self::with_params(PARAMS)
    }

    pub fn with_params(params: &str) -> Self {
        let (guest, host) = cable();
        let policies = policy::parse(params).unwrap();
        let windows: Vec<TestWindow> = (0..policies.len()).map(|_| TestWindow::new(WINDOW)).collect();
        let net_cfg = NetConfig::parse(params).unwrap();
        let mut net = Backend::new(guest, [2, 0, 0, 0, 0, 15], net_cfg, policies, windows.clone(), 0);
        let mut sessions = Vec::new();
        let mut clients = Vec::new();
        for (i, w) in windows.into_iter().enumerate() {
            let client = u8::try_from(i).unwrap();
            sessions.push(Session::connect(&mut net, client, w.clone(), LAYOUT, 0, 1).unwrap());
            clients.push(ClientEnd::connect(w, 1));
        }
        let epochs = vec![1; clients.len()];
        let mut rig = Rig {
            net,
            sessions,
            clients,
            epochs,
            host: Host::new(host),
            now: 0,
            notices: Vec::new(),
            doorbells: 0,
            pumped: Pumped::default(),
        };
        rig.step();
        rig
    }

    /// One wake-up of everybody: the backend, its sessions, the clients'
    /// mailboxes, the host; then 1 ms passes.
    pub fn step(&mut self) {
        let pumped = self.net.poll(self.now);
        self.doorbells |= pumped.doorbell;
        self.pumped = pumped;
        for (i, s) in self.sessions.iter_mut().enumerate() {
            let client = u8::try_from(i).unwrap();
            s.serve(&mut self.net, self.epochs[i]).unwrap();
            while let Some(e) = self.net.take_event(client) {
                assert!(s.post(e), "event backlog full");
            }
            s.serve(&mut self.net, self.epochs[i]).unwrap();
        }
        while let Some(n) = self.net.take_notice() {
            self.notices.push(n);
        }
        for c in &mut self.clients {
            c.receive();
        }
        self.host.poll(self.now);
        self.now += 1;
    }

    /// Lets `ms` pass, waking up every 100 ms (as a domain would).
    pub fn idle(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 99;
            self.step();
        }
    }

    pub fn steps(&mut self, n: usize) {
        for _ in 0..n {
            self.step();
        }
    }

    /// Steps until `done` holds (at most `max` steps).
    pub fn until(&mut self, max: usize, mut done: impl FnMut(&mut Rig) -> bool) {
        for _ in 0..max {
            if done(self) {
                return;
            }
            self.step();
        }
        assert!(done(self), "not done after {max} steps");
    }

    /// Sends `op` for `client` and returns the response.
    pub fn call(&mut self, client: u8, op: Operation) -> Response {
        let c = usize::from(client);
        let id = self.clients[c].send(op);
        for _ in 0..50 {
            self.step();
            if let Some(at) = self.clients[c].responses.iter().position(|r| r.id == id) {
                return self.clients[c].responses.remove(at).unwrap();
            }
        }
        panic!("no response to {op:?}");
    }

    pub fn errno(&mut self, client: u8, op: Operation) -> Errno {
        self.call(client, op).errno
    }

    pub fn ok(&mut self, client: u8, op: Operation) {
        let r = self.call(client, op);
        assert_eq!(r.errno, Errno::Ok, "{op:?}: {r:?}");
    }

    /// Sends many ops at once; their errnos in order.
    pub fn call_many(&mut self, client: u8, ops: &[Operation]) -> Vec<Errno> {
        let c = usize::from(client);
        let mut out = Vec::new();
        for chunk in ops.chunks(64) {
            let ids: Vec<u16> = chunk.iter().map(|op| self.clients[c].send(*op)).collect();
            self.until(200, |r| ids.iter().all(|id| r.clients[c].responses.iter().any(|x| x.id == *id)));
            for id in ids {
                let at = self.clients[c].responses.iter().position(|r| r.id == id).unwrap();
                out.push(self.clients[c].responses.remove(at).unwrap().errno);
            }
        }
        out
    }

    /// Waits for the completion of request `id` of `client`.
    pub fn completion(&mut self, client: u8, id: u16, max: usize) -> Response {
        let c = usize::from(client);
        self.until(max, |r| r.clients[c].completions.iter().any(|x| x.id == id));
        let at = self.clients[c].completions.iter().position(|x| x.id == id).unwrap();
        self.clients[c].completions.remove(at)
    }

    /// SOCKET + CONNECT to `address` on ring slot `slot`, until established.
    pub fn connect(&mut self, client: u8, socket: u64, address: Address, slot: u32) -> Sock {
        self.ok(client, Operation::Socket { socket, kind: bulkhead_pvcalls::SocketType::Stream });
        let ring = ring(slot);
        let sock = self.clients[usize::from(client)].sock(&ring);
        let r = self.call(client, Operation::Connect { socket, address, ring });
        assert_eq!(r.errno, Errno::InProgress);
        let done = self.completion(client, r.id, 500);
        assert_eq!(done, Response { id: r.id, socket, errno: Errno::Ok });
        sock
    }

    /// Moves a new epoch on `client`'s channel (its peer restarted): the
    /// session follows it and the client reconnects.
    pub fn new_epoch(&mut self, client: u8) {
        let c = usize::from(client);
        self.epochs[c] += 1;
        self.sessions[c].serve(&mut self.net, self.epochs[c]).unwrap();
        self.clients[c] = ClientEnd::connect(self.clients[c].window.clone(), self.epochs[c]);
        self.step();
    }
}

/// A deterministic pseudo-random byte pattern.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// FNV-1a, the checksum the transfers are compared by.
pub fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}
