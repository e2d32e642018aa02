// SPDX-License-Identifier: MIT
//! "The host" at 10.0.2.2: a second smoltcp interface on the other end
//! of the cable, with an echo server (port 7), a sink that records what
//! it receives and sends what a test queues (port 9; it can stop reading
//! to close its window), and connections it dials itself.

use crate::wire::WireEnd;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, RecvError, State};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, Ipv4Address};

pub const HOST_IP: [u8; 4] = [10, 0, 2, 2];
pub const GUEST_IP: [u8; 4] = [10, 0, 2, 15];
pub const ECHO: u16 = 7;
pub const SINK: u16 = 9;
/// The host's socket buffers.
pub const HOST_BUFFER: usize = 64 * 1024;
const ECHO_SLOTS: usize = 4;

/// One host connection (sink or dialed): what came, what goes.
pub struct Peer {
    pub handle: SocketHandle,
    pub got: Vec<u8>,
    pub out: Vec<u8>,
    pub sent: usize,
    pub reading: bool,
    pub established: bool,
    pub fin: bool,
    pub reset: bool,
}

impl Peer {
    fn new(handle: SocketHandle) -> Self {
        Peer {
            handle,
            got: Vec::new(),
            out: Vec::new(),
            sent: 0,
            reading: true,
            established: false,
            fin: false,
            reset: false,
        }
    }
}

pub struct Host {
    iface: Interface,
    device: WireEnd,
    pub sockets: SocketSet<'static>,
    echo: Vec<SocketHandle>,
    /// Sink connections in the order they came (the last one listens).
    pub sinks: Vec<Peer>,
    /// Connections the host dialed.
    pub dialed: Vec<Peer>,
    /// Whether new sink connections read.
    pub sink_reading: bool,
    next_port: u16,
}

fn socket() -> tcp::Socket<'static> {
    let mut s =
        tcp::Socket::new(tcp::SocketBuffer::new(vec![0; HOST_BUFFER]), tcp::SocketBuffer::new(vec![0; HOST_BUFFER]));
    s.set_nagle_enabled(false);
    s
}

fn listening(sockets: &mut SocketSet<'static>, port: u16) -> SocketHandle {
    let mut s = socket();
    s.listen(port).unwrap();
    sockets.add(s)
}

impl Host {
    pub fn new(mut device: WireEnd) -> Self {
        let config = Config::new(EthernetAddress([2, 0, 0, 0, 0, 2]).into());
        let mut iface = Interface::new(config, &mut device, Instant::from_millis(0));
        iface.update_ip_addrs(|a| a.push(IpCidr::new(IpAddress::Ipv4(Ipv4Address::from(HOST_IP)), 24)).unwrap());
        let mut sockets = SocketSet::new(Vec::new());
        let echo = (0..ECHO_SLOTS).map(|_| listening(&mut sockets, ECHO)).collect();
        let sinks = vec![Peer::new(listening(&mut sockets, SINK))];
        Host { iface, device, sockets, echo, sinks, dialed: Vec::new(), sink_reading: true, next_port: 40000 }
    }

    /// Dials the guest's `port`; the index in `dialed`.
    pub fn dial(&mut self, port: u16) -> usize {
        let mut s = socket();
        self.next_port += 1;
        s.connect(self.iface.context(), (IpAddress::Ipv4(Ipv4Address::from(GUEST_IP)), port), self.next_port).unwrap();
        self.dialed.push(Peer::new(self.sockets.add(s)));
        self.dialed.len() - 1
    }

    /// Cuts (or mends) the cable: frames sent meanwhile are lost.
    pub fn cut(&self, cut: bool) {
        self.device.cut.set(cut);
    }

    pub fn tcp(&mut self, h: SocketHandle) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket<'static>>(h)
    }

    pub fn poll(&mut self, now: u64) {
        let now = Instant::from_millis(now as i64);
        self.iface.poll(now, &mut self.device, &mut self.sockets);
        let mut buf = vec![0u8; HOST_BUFFER];
        for h in self.echo.clone() {
            let s = self.sockets.get_mut::<tcp::Socket<'static>>(h);
            let room = s.send_capacity() - s.send_queue();
            if s.may_send() && room > 0 {
                let n = s.recv_slice(&mut buf[..room]).unwrap_or(0);
                assert_eq!(s.send_slice(&buf[..n]).unwrap(), n);
            }
            if s.state() == State::CloseWait && s.recv_queue() == 0 && s.send_queue() == 0 {
                s.close();
            }
            if matches!(s.state(), State::Closed | State::TimeWait) {
                s.abort();
                s.listen(ECHO).unwrap();
            }
        }
        for p in self.sinks.iter_mut().chain(self.dialed.iter_mut()) {
            let s = self.sockets.get_mut::<tcp::Socket<'static>>(p.handle);
            pump_peer(p, s, &mut buf);
        }
        if self.sinks.last().is_some_and(|p| !self.sockets.get::<tcp::Socket<'static>>(p.handle).is_listening()) {
            let mut p = Peer::new(listening(&mut self.sockets, SINK));
            p.reading = self.sink_reading;
            self.sinks.push(p);
        }
        self.iface.poll(now, &mut self.device, &mut self.sockets);
    }
}

fn pump_peer(p: &mut Peer, s: &mut tcp::Socket<'static>, buf: &mut [u8]) {
    if matches!(s.state(), State::Established | State::CloseWait | State::FinWait1 | State::FinWait2) {
        p.established = true;
    }
    if p.reading {
        loop {
            match s.recv_slice(buf) {
                Ok(0) => break,
                Ok(n) => p.got.extend_from_slice(&buf[..n]),
                Err(RecvError::Finished) => {
                    p.fin = true;
                    break;
                }
                Err(RecvError::InvalidState) => break,
            }
        }
        if s.state() == State::CloseWait && s.recv_queue() == 0 {
            p.fin = true;
        }
    }
    if s.may_send() && p.sent < p.out.len() {
        p.sent += s.send_slice(&p.out[p.sent..]).unwrap();
    }
    if p.established && s.state() == State::Closed && !p.fin {
        p.reset = true;
    }
}
