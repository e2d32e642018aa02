// SPDX-License-Identifier: MIT
//! The backend: the smoltcp interface and its sockets, each client's
//! table, and the work of every wake-up ([`Backend::poll`]): run smoltcp,
//! finish pending CONNECT/ACCEPT/POLL, pump every connection's data ring,
//! finish released sockets gracefully, follow DHCP.
//!
//! Owns the interface, the socket set and the socket handles (each handle
//! belongs to exactly one place: a client's table, the closing list, or
//! the reap list); must not parse requests (`ops`) or params (`policy`,
//! `netcfg`).

use crate::netcfg::NetConfig;
use crate::notice::{Notice, Notices};
use crate::policy::ClientPolicy;
use crate::pump::pump;
use crate::table::{Client, Connection, Entry, Listener, Pending};
use alloc::vec;
use alloc::vec::Vec;
use bulkhead_pvcalls::stream::{Reader, StreamState, Writer};
use bulkhead_pvcalls::{Errno, Event};
use bulkhead_ring::Window;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::Device;
use smoltcp::socket::{dhcpv4, tcp};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, IpCidr, Ipv4Cidr};

/// Each TCP socket's transmit and receive buffer.
pub const TCP_BUFFER: usize = 16 * 1024;
/// A CONNECT not established by then fails with `ETIMEDOUT`.
pub const CONNECT_TIMEOUT_MS: u64 = 10_000;
/// A released socket not closed by then is aborted.
pub const CLOSE_TIMEOUT_MS: u64 = 10_000;
/// The longest [`Pumped::next_poll_ms`] asks to sleep while anything is
/// pending.
pub const MAX_SLEEP_MS: u64 = 100;
/// The ephemeral ports CONNECT uses.
const EPHEMERAL: core::ops::RangeInclusive<u16> = 49152..=65535;

/// What one [`Backend::poll`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pumped {
    /// Bit `i`: ring client `i`'s doorbell (bytes or state moved on its
    /// rings, or events queued for it).
    pub doorbell: u32,
    /// How long (ms from the `now_ms` given to `poll`) the domain may
    /// sleep before polling again: smoltcp's `poll_delay`, capped at
    /// [`MAX_SLEEP_MS`]; `None`: nothing pending (sleep until a doorbell
    /// or the device's interrupt).
    pub next_poll_ms: Option<u64>,
}

/// A released connection, finishing: its last bytes, then FIN.
pub(crate) struct Closing {
    pub client: u8,
    pub handle: SocketHandle,
    /// What the client wrote before RELEASE, not yet in the TCP buffer.
    pub leftover: Vec<u8>,
    pub deadline: u64,
}

/// The network driver domain's logic, generic over the NIC (`D`) and the
/// clients' channel windows (`W`).
pub struct Backend<D: Device, W: Window + Clone> {
    pub(crate) device: D,
    pub(crate) iface: Interface,
    pub(crate) sockets: SocketSet<'static>,
    pub(crate) dhcp: Option<SocketHandle>,
    pub(crate) clients: Vec<Client<W>>,
    pub(crate) closing: Vec<Closing>,
    /// Aborted handles, removed after the next interface poll (which sends
    /// their RST).
    pub(crate) reap: Vec<SocketHandle>,
    pub(crate) notices: Notices,
    pub(crate) next_port: u16,
    pub(crate) moved: (u64, u64),
    pub(crate) scratch: Vec<u8>,
    pub(crate) now_ms: u64,
}

pub(crate) fn instant(ms: u64) -> Instant {
    Instant::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

pub(crate) fn new_tcp() -> tcp::Socket<'static> {
    let mut s =
        tcp::Socket::new(tcp::SocketBuffer::new(vec![0; TCP_BUFFER]), tcp::SocketBuffer::new(vec![0; TCP_BUFFER]));
    s.set_nagle_enabled(false);
    s
}

impl<D: Device, W: Window + Clone> Backend<D, W> {
    /// A backend on `device` with hardware address `mac` (its multicast
    /// bit is cleared: an interface address must be unicast); `windows[i]`
    /// is client `i`'s channel window (clients in policy order; a client
    /// without a window is not served).
    ///
    /// The device's medium must be Ethernet.
    pub fn new(
        mut device: D,
        mac: [u8; 6],
        net: NetConfig,
        policies: Vec<ClientPolicy>,
        windows: Vec<W>,
        now_ms: u64,
    ) -> Self {
        let mut mac = mac;
        if let Some(first) = mac.first_mut() {
            *first &= !1;
        }
        let mut config = Config::new(EthernetAddress(mac).into());
        config.random_seed = mac.iter().fold(now_ms ^ 0x9e37_79b9_7f4a_7c15, |s, b| s.rotate_left(8) ^ u64::from(*b));
        let mut iface = Interface::new(config, &mut device, instant(now_ms));
        let mut sockets = SocketSet::new(Vec::new());
        let mut notices = Notices::default();
        let dhcp = match net {
            NetConfig::Static { address, gateway } => {
                iface.update_ip_addrs(|a| {
                    let _ = a.push(IpCidr::Ipv4(address));
                });
                if let Some(g) = gateway {
                    let _ = iface.routes_mut().add_default_ipv4_route(g);
                }
                notices.push(Notice::Address(address));
                None
            }
            NetConfig::Dhcp => Some(sockets.add(dhcpv4::Socket::new())),
        };
        let clients = policies.into_iter().zip(windows).map(|(p, w)| Client::new(p, w)).collect();
        Backend {
            device,
            iface,
            sockets,
            dhcp,
            clients,
            closing: Vec::new(),
            reap: Vec::new(),
            notices,
            next_port: *EPHEMERAL.start(),
            moved: (0, 0),
            scratch: vec![0; 4096],
            now_ms,
        }
    }

    /// Runs smoltcp, then moves bytes between each connected socket and
    /// its data ring, finishes pending CONNECT/ACCEPT/POLL and released
    /// sockets, advances DHCP. Call on every wake-up.
    pub fn poll(&mut self, now_ms: u64) -> Pumped {
        self.now_ms = self.now_ms.max(now_ms);
        let now = instant(self.now_ms);
        let reap = core::mem::take(&mut self.reap);
        self.iface.poll(now, &mut self.device, &mut self.sockets);
        for handle in reap {
            self.sockets.remove(handle);
        }
        self.follow_dhcp();
        for client in 0..self.clients.len() {
            self.serve_client(client);
        }
        self.finish_closing();
        // Send what the pump just queued without waiting for a wake-up
        // (egress only: a frame taken now would wait for the next one).
        self.iface.poll_egress(now, &mut self.device, &mut self.sockets);
        let mut doorbell = 0u32;
        for (i, c) in self.clients.iter_mut().enumerate() {
            if core::mem::take(&mut c.ring) {
                doorbell |= 1u32.checked_shl(u32::try_from(i).unwrap_or(u32::MAX)).unwrap_or(0);
            }
        }
        let pending = !self.closing.is_empty()
            || !self.reap.is_empty()
            || self.clients.iter().any(|c| c.entries.values().any(|e| matches!(e, Entry::Connecting { .. })));
        let delay = self.iface.poll_delay(now, &self.sockets).map(|d| d.total_millis().min(MAX_SLEEP_MS));
        let next_poll_ms = match (delay, pending) {
            (Some(d), _) => Some(d),
            (None, true) => Some(MAX_SLEEP_MS),
            (None, false) => None,
        };
        Pumped { doorbell, next_poll_ms }
    }

    /// Completions for client `client`, to hand to its session with
    /// `post` (drain fully).
    pub fn take_event(&mut self, client: u8) -> Option<Event> {
        self.clients.get_mut(usize::from(client))?.events.pop_front()
    }

    /// What the domain prints.
    pub fn take_notice(&mut self) -> Option<Notice> {
        self.notices.pop()
    }

    /// The interface's IPv4 address now (`None` until DHCP answers).
    pub fn address(&self) -> Option<Ipv4Cidr> {
        self.iface.ip_addrs().iter().find_map(|c| match c {
            IpCidr::Ipv4(a) => Some(*a),
            #[allow(unreachable_patterns, reason = "other families exist when a workspace crate enables them")]
            _ => None,
        })
    }

    /// The NIC (to acknowledge its interrupt).
    pub fn device_mut(&mut self) -> &mut D {
        &mut self.device
    }

    /// Bytes moved client to network and network to client, in total.
    pub fn bytes_moved(&self) -> (u64, u64) {
        self.moved
    }

    /// Aborts `handle` and frees it after the next interface poll.
    pub(crate) fn kill(&mut self, handle: SocketHandle) {
        if self.reap.contains(&handle) {
            return;
        }
        self.sockets.get_mut::<tcp::Socket<'_>>(handle).abort();
        self.reap.push(handle);
    }

    /// A fresh socket listening on `port`.
    pub(crate) fn listening(&mut self, port: u16) -> Option<SocketHandle> {
        let mut s = new_tcp();
        s.listen(port).ok()?;
        Some(self.sockets.add(s))
    }

    /// A local port for CONNECT, not one anybody listens on.
    pub(crate) fn ephemeral(&mut self) -> u16 {
        for _ in EPHEMERAL {
            let port = self.next_port;
            self.next_port = if port >= *EPHEMERAL.end() { *EPHEMERAL.start() } else { port + 1 };
            if !self.port_listened(port) && !self.port_used(port) {
                return port;
            }
        }
        self.next_port
    }

    /// Whether a TCP socket (of anybody, closing ones included) has
    /// `port` as its local port.
    fn port_used(&self, port: u16) -> bool {
        self.sockets.iter().any(|(_, s)| match s {
            smoltcp::socket::Socket::Tcp(t) => {
                t.local_endpoint().is_some_and(|e| e.port == port) || t.listen_endpoint().port == port
            }
            #[allow(unreachable_patterns, reason = "the DHCP socket, and others when features unify")]
            _ => false,
        })
    }

    /// Whether any client listens on `port`.
    pub(crate) fn port_listened(&self, port: u16) -> bool {
        self.clients.iter().flat_map(|c| c.entries.values()).any(|e| matches!(e, Entry::Listening(l) if l.port == port))
    }

    /// Forgets everything client `client` had.
    pub(crate) fn forget(&mut self, client: u8) {
        let Some(c) = self.clients.get_mut(usize::from(client)) else { return };
        let entries = core::mem::take(&mut c.entries);
        c.events.clear();
        c.ring = false;
        for entry in entries.into_values() {
            self.drop_entry(entry);
        }
        let (mine, others): (Vec<Closing>, Vec<Closing>) =
            core::mem::take(&mut self.closing).into_iter().partition(|x| x.client == client);
        self.closing = others;
        for x in mine {
            self.kill(x.handle);
        }
    }

    /// Aborts whatever handles `entry` holds.
    pub(crate) fn drop_entry(&mut self, entry: Entry<W>) {
        match entry {
            Entry::Fresh { .. } | Entry::Dead => {}
            Entry::Connecting { handle, .. } => self.kill(handle),
            Entry::Connected(c) => self.kill(c.handle),
            Entry::Listening(l) => {
                for h in l.slots {
                    self.kill(h);
                }
            }
        }
    }

    /// Makes the connection on `handle` socket `id` of `client`, its data
    /// flowing on `rings`.
    pub(crate) fn connection(
        &self,
        client: usize,
        handle: SocketHandle,
        rings: crate::rings::Rings,
    ) -> Option<Connection<W>> {
        let window = self.clients.get(client)?.window.clone();
        Some(Connection {
            handle,
            rings,
            to_net: Reader::new(window.clone(), rings.outbound),
            to_client: Writer::new(window, rings.inbound),
            out_done: false,
            in_done: false,
            saw_fin: false,
        })
    }

    fn follow_dhcp(&mut self) {
        let Some(h) = self.dhcp else { return };
        match self.sockets.get_mut::<dhcpv4::Socket<'_>>(h).poll() {
            Some(dhcpv4::Event::Configured(config)) => {
                let address = config.address;
                let router = config.router;
                self.iface.update_ip_addrs(|a| {
                    a.clear();
                    let _ = a.push(IpCidr::Ipv4(address));
                });
                match router {
                    Some(r) => {
                        let _ = self.iface.routes_mut().add_default_ipv4_route(r);
                    }
                    None => {
                        self.iface.routes_mut().remove_default_ipv4_route();
                    }
                }
                self.notices.push(Notice::Address(address));
            }
            Some(dhcpv4::Event::Deconfigured) => {
                self.iface.update_ip_addrs(|a| a.clear());
                self.iface.routes_mut().remove_default_ipv4_route();
                self.notices.push(Notice::AddressLost);
            }
            None => {}
        }
    }

    fn serve_client(&mut self, client: usize) {
        let ids: Vec<u64> = match self.clients.get(client) {
            Some(c) => c.entries.keys().copied().collect(),
            None => return,
        };
        for id in ids {
            self.serve_socket(client, id);
        }
    }

    fn serve_socket(&mut self, client: usize, id: u64) {
        let Some(entry) = self.clients.get_mut(client).and_then(|c| c.entries.remove(&id)) else { return };
        let entry = match entry {
            Entry::Connecting { handle, rings, request, deadline, bound } => {
                self.connecting(client, id, handle, rings, request, deadline, bound)
            }
            Entry::Connected(c) => self.pump_one(client, id, c),
            Entry::Listening(l) => Entry::Listening(self.listener(client, id, l)),
            other => other,
        };
        if let Some(c) = self.clients.get_mut(client) {
            c.entries.insert(id, entry);
        }
    }

    #[allow(clippy::too_many_arguments, reason = "the fields of one Connecting entry")]
    fn connecting(
        &mut self,
        client: usize,
        id: u64,
        handle: SocketHandle,
        rings: crate::rings::Rings,
        request: u16,
        deadline: u64,
        bound: Option<u16>,
    ) -> Entry<W> {
        let state = self.sockets.get::<tcp::Socket<'_>>(handle).state();
        let outcome = match state {
            tcp::State::SynSent | tcp::State::SynReceived if self.now_ms >= deadline => Some(Errno::TimedOut),
            tcp::State::SynSent | tcp::State::SynReceived => None,
            tcp::State::Closed | tcp::State::Listen | tcp::State::TimeWait => Some(Errno::ConnRefused),
            _ => Some(Errno::Ok),
        };
        let Some(errno) = outcome else {
            return Entry::Connecting { handle, rings, request, deadline, bound };
        };
        if let Some(c) = self.clients.get_mut(client) {
            c.complete(request, id, errno);
        }
        if errno == Errno::Ok
            && let Some(conn) = self.connection(client, handle, rings)
        {
            return self.pump_one(client, id, conn);
        }
        self.kill(handle);
        Entry::Fresh { bound }
    }

    fn pump_one(&mut self, client: usize, id: u64, mut conn: Connection<W>) -> Entry<W> {
        let tcp = self.sockets.get_mut::<tcp::Socket<'_>>(conn.handle);
        match pump(&mut conn, tcp, &mut self.scratch) {
            Ok(moved) => {
                self.moved.0 += moved.to_net;
                self.moved.1 += moved.to_client;
                if let Some(c) = self.clients.get_mut(client).filter(|_| moved.any()) {
                    c.ring = true;
                }
                Entry::Connected(conn)
            }
            Err(_) => {
                if !conn.to_client.is_broken() {
                    conn.to_client.set_state(StreamState::Reset);
                }
                self.kill(conn.handle);
                if let Some(c) = self.clients.get_mut(client) {
                    c.ring = true;
                }
                let client = u8::try_from(client).unwrap_or(u8::MAX);
                self.notices.push(Notice::BrokeRing { client, socket: id });
                Entry::Dead
            }
        }
    }

    /// Re-arms closed slots and hands a waiting connection to a pending
    /// ACCEPT or POLL.
    fn listener(&mut self, client: usize, id: u64, mut l: Listener) -> Listener {
        for h in &l.slots {
            let s = self.sockets.get_mut::<tcp::Socket<'_>>(*h);
            if matches!(s.state(), tcp::State::Closed | tcp::State::TimeWait) {
                s.abort();
                let _ = s.listen(l.port);
            }
        }
        let Some(pending) = l.pending.take() else { return l };
        match (pending, self.ready_slot(&l)) {
            (Pending::Poll { request }, Some(_)) => {
                if let Some(c) = self.clients.get_mut(client) {
                    c.complete(request, id, Errno::Ok);
                }
            }
            (Pending::Accept { request, new_socket, rings }, Some(slot)) => {
                let errno = match self.accept_now(client, &mut l, slot, new_socket, rings) {
                    Ok(()) => Errno::Ok,
                    Err(e) => e,
                };
                if let Some(c) = self.clients.get_mut(client) {
                    c.complete(request, id, errno);
                }
            }
            (pending, None) => l.pending = Some(pending),
        }
        l
    }

    /// The index of a slot holding an established connection.
    pub(crate) fn ready_slot(&self, l: &Listener) -> Option<usize> {
        l.slots.iter().position(|h| {
            matches!(self.sockets.get::<tcp::Socket<'_>>(*h).state(), tcp::State::Established | tcp::State::CloseWait)
        })
    }

    /// Makes slot `slot`'s connection socket `new_socket` and refills the
    /// slot with a fresh listening socket.
    pub(crate) fn accept_now(
        &mut self,
        client: usize,
        l: &mut Listener,
        slot: usize,
        new_socket: u64,
        rings: crate::rings::Rings,
    ) -> Result<(), Errno> {
        let fresh = self.listening(l.port).ok_or(Errno::NoMem)?;
        let Some(handle) = l.slots.get_mut(slot).map(|h| core::mem::replace(h, fresh)) else {
            self.reap.push(fresh);
            return Err(Errno::Inval);
        };
        let conn = self.connection(client, handle, rings).ok_or(Errno::BadF)?;
        let entry = self.pump_one(client, new_socket, conn);
        if let Some(c) = self.clients.get_mut(client) {
            c.entries.insert(new_socket, entry);
        }
        Ok(())
    }

    fn finish_closing(&mut self) {
        let closing = core::mem::take(&mut self.closing);
        for mut x in closing {
            let tcp = self.sockets.get_mut::<tcp::Socket<'_>>(x.handle);
            if !x.leftover.is_empty() && tcp.may_send() {
                let n = tcp.send_slice(&x.leftover).unwrap_or(0);
                self.moved.0 += n as u64;
                x.leftover.drain(..n.min(x.leftover.len()));
            }
            if x.leftover.is_empty() || !tcp.may_send() {
                tcp.close();
            }
            // Nobody reads any more: take what arrives, so the peer can finish.
            while tcp.recv_slice(&mut self.scratch).unwrap_or(0) > 0 {}
            if matches!(tcp.state(), tcp::State::Closed | tcp::State::TimeWait) {
                if !self.reap.contains(&x.handle) {
                    self.reap.push(x.handle);
                }
            } else if self.now_ms >= x.deadline {
                self.kill(x.handle);
            } else {
                self.closing.push(x);
            }
        }
    }
}
