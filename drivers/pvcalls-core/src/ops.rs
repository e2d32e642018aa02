// SPDX-License-Identifier: MIT
//! The requests: SOCKET, CONNECT, BIND, LISTEN, ACCEPT, POLL, RELEASE,
//! each checked against the client's own table, its policy (the
//! firewall, its socket and ring-byte limits) and the state of the
//! socket, answered at once or `EINPROGRESS` with a completion later.
//!
//! Owns the decisions on requests; must not pump data nor touch another
//! client's table.

use crate::backend::{Backend, CLOSE_TIMEOUT_MS, CONNECT_TIMEOUT_MS, Closing, new_tcp};
use crate::notice::Refusal;
use crate::rings;
use crate::table::{Entry, Listener, Pending};
use alloc::vec::Vec;
use bulkhead_pvcalls::stream::StreamState;
use bulkhead_pvcalls::{Address, DataRing, Errno, Operation, Request, Response, SocketType};
use bulkhead_ring::Window;
use core::net::Ipv4Addr;
use smoltcp::phy::Device;
use smoltcp::socket::tcp;
use smoltcp::wire::IpAddress;

/// The largest LISTEN backlog.
pub const MAX_BACKLOG: u32 = 16;

type Outcome = Result<Errno, Errno>;

impl<D: Device, W: Window + Clone> Backend<D, W> {
    /// Handles `request` of client `client`.
    pub(crate) fn handle(&mut self, client: u8, request: &Request) -> Response {
        let (socket, outcome) = match request.op {
            Operation::Socket { socket, kind } => (socket, self.socket(client, socket, kind)),
            Operation::Connect { socket, address, ring } => {
                (socket, self.connect_op(client, request.id, socket, address, &ring))
            }
            Operation::Release { socket } => (socket, self.release(client, socket)),
            Operation::Bind { socket, address } => (socket, self.bind(client, socket, address)),
            Operation::Listen { socket, backlog } => (socket, self.listen(client, socket, backlog)),
            Operation::Accept { socket, new_socket, ring } => {
                (socket, self.accept(client, request.id, socket, new_socket, &ring))
            }
            Operation::Poll { socket } => (socket, self.poll_op(client, request.id, socket)),
        };
        Response { id: request.id, socket, errno: outcome.unwrap_or_else(|e| e) }
    }

    fn socket(&mut self, client: u8, socket: u64, kind: SocketType) -> Outcome {
        let c = self.clients.get_mut(usize::from(client)).ok_or(Errno::BadF)?;
        if c.entries.contains_key(&socket) {
            return Err(Errno::Exist);
        }
        if kind != SocketType::Stream {
            return Err(Errno::NotSup);
        }
        if !c.room_for(1) {
            return Err(Errno::NoBufs);
        }
        c.entries.insert(socket, Entry::Fresh { bound: None });
        Ok(Errno::Ok)
    }

    fn connect_op(&mut self, client: u8, request: u16, socket: u64, address: Address, ring: &DataRing) -> Outcome {
        let ci = usize::from(client);
        let c = self.clients.get(ci).ok_or(Errno::BadF)?;
        let bound = match c.entries.get(&socket).ok_or(Errno::BadF)? {
            Entry::Fresh { bound } => *bound,
            Entry::Connecting { .. } => return Err(Errno::Already),
            Entry::Connected(_) => return Err(Errno::IsConn),
            Entry::Listening(_) | Entry::Dead => return Err(Errno::Inval),
        };
        let Address::V4 { ip, port } = address else { return Err(Errno::NotSup) };
        let ip = Ipv4Addr::from(ip);
        if !c.policy.may_connect(ip, port) {
            self.notices.refused(client, Refusal::Connect(address));
            return Err(Errno::Access);
        }
        let rings = rings::check(c.window.size(), ring, c.rings(), c.policy.max_ring_bytes)?;
        if port == 0 || ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
            return Err(Errno::Inval);
        }
        let local = match bound {
            Some(p) => p,
            None => self.ephemeral(),
        };
        let mut tcp = new_tcp();
        if tcp.connect(self.iface.context(), (IpAddress::Ipv4(ip), port), local).is_err() {
            // No address (yet) or no route: the socket stays fresh.
            if let Some(c) = self.clients.get_mut(ci) {
                c.complete(request, socket, Errno::NetUnreach);
            }
            return Ok(Errno::InProgress);
        }
        let handle = self.sockets.add(tcp);
        let deadline = self.now_ms.saturating_add(CONNECT_TIMEOUT_MS);
        if let Some(c) = self.clients.get_mut(ci) {
            c.entries.insert(socket, Entry::Connecting { handle, rings, request, deadline, bound });
        }
        Ok(Errno::InProgress)
    }

    fn bind(&mut self, client: u8, socket: u64, address: Address) -> Outcome {
        let c = self.clients.get(usize::from(client)).ok_or(Errno::BadF)?;
        match c.entries.get(&socket).ok_or(Errno::BadF)? {
            Entry::Fresh { bound: None } => {}
            _ => return Err(Errno::Inval),
        }
        let Address::V4 { ip, port } = address else { return Err(Errno::NotSup) };
        let ip = Ipv4Addr::from(ip);
        let ours = self.address().map(|a| a.address());
        if !ip.is_unspecified() && Some(ip) != ours {
            return Err(Errno::AddrNotAvail);
        }
        if port == 0 {
            return Err(Errno::Inval);
        }
        if !c.policy.may_listen(port) {
            self.notices.refused(client, Refusal::Bind(address));
            return Err(Errno::Access);
        }
        if self.port_listened(port) {
            return Err(Errno::AddrInUse);
        }
        if let Some(Entry::Fresh { bound }) =
            self.clients.get_mut(usize::from(client)).and_then(|c| c.entries.get_mut(&socket))
        {
            *bound = Some(port);
        }
        Ok(Errno::Ok)
    }

    fn listen(&mut self, client: u8, socket: u64, backlog: u32) -> Outcome {
        let ci = usize::from(client);
        let c = self.clients.get(ci).ok_or(Errno::BadF)?;
        let port = match c.entries.get(&socket).ok_or(Errno::BadF)? {
            Entry::Fresh { bound: Some(port) } => *port,
            _ => return Err(Errno::Inval),
        };
        if backlog > MAX_BACKLOG {
            return Err(Errno::Inval);
        }
        let backlog = usize::try_from(backlog.max(1)).unwrap_or(1);
        if !c.policy.may_listen(port) {
            self.notices.refused(client, Refusal::Listen(port));
            return Err(Errno::Access);
        }
        if self.port_listened(port) {
            return Err(Errno::AddrInUse);
        }
        // The fresh socket's own count becomes the backlog's.
        if !c.room_for(backlog.saturating_sub(1)) {
            return Err(Errno::NoBufs);
        }
        let mut slots = Vec::with_capacity(backlog);
        for _ in 0..backlog {
            match self.listening(port) {
                Some(h) => slots.push(h),
                None => {
                    for h in slots {
                        self.kill(h);
                    }
                    return Err(Errno::Inval);
                }
            }
        }
        if let Some(c) = self.clients.get_mut(ci) {
            c.entries.insert(socket, Entry::Listening(Listener { port, slots, pending: None }));
        }
        Ok(Errno::Ok)
    }

    /// Takes listener `socket` out of the table for `f`, and puts it back.
    fn with_listener(
        &mut self,
        client: u8,
        socket: u64,
        f: impl FnOnce(&mut Self, &mut Listener) -> Outcome,
    ) -> Outcome {
        let ci = usize::from(client);
        let c = self.clients.get_mut(ci).ok_or(Errno::BadF)?;
        match c.entries.get(&socket).ok_or(Errno::BadF)? {
            Entry::Listening(l) if l.pending.is_some() => return Err(Errno::Already),
            Entry::Listening(_) => {}
            _ => return Err(Errno::Inval),
        }
        let Some(Entry::Listening(mut l)) = c.entries.remove(&socket) else { return Err(Errno::Inval) };
        let outcome = f(self, &mut l);
        if let Some(c) = self.clients.get_mut(ci) {
            c.entries.insert(socket, Entry::Listening(l));
        }
        outcome
    }

    fn accept(&mut self, client: u8, request: u16, socket: u64, new_socket: u64, ring: &DataRing) -> Outcome {
        let ci = usize::from(client);
        self.with_listener(client, socket, |b, l| {
            let c = b.clients.get(ci).ok_or(Errno::BadF)?;
            if new_socket == socket || c.entries.contains_key(&new_socket) {
                return Err(Errno::Exist);
            }
            // The listener is out of the table: count it back in.
            if c.sockets() + l.slots.len() + 1 > usize::from(c.policy.max_sockets) {
                return Err(Errno::NoBufs);
            }
            let rings = rings::check(c.window.size(), ring, c.rings(), c.policy.max_ring_bytes)?;
            match b.ready_slot(l) {
                Some(slot) => b.accept_now(ci, l, slot, new_socket, rings).map(|()| Errno::Ok),
                None => {
                    l.pending = Some(Pending::Accept { request, new_socket, rings });
                    Ok(Errno::InProgress)
                }
            }
        })
    }

    fn poll_op(&mut self, client: u8, request: u16, socket: u64) -> Outcome {
        self.with_listener(client, socket, |b, l| {
            if b.ready_slot(l).is_some() {
                return Ok(Errno::Ok);
            }
            l.pending = Some(Pending::Poll { request });
            Ok(Errno::InProgress)
        })
    }

    fn release(&mut self, client: u8, socket: u64) -> Outcome {
        let c = self.clients.get_mut(usize::from(client)).ok_or(Errno::BadF)?;
        let entry = c.entries.remove(&socket).ok_or(Errno::BadF)?;
        let max_closing = usize::from(c.policy.max_sockets).max(1);
        let Entry::Connected(mut conn) = entry else {
            self.drop_entry(entry);
            return Ok(Errno::Ok);
        };
        // What the client wrote before RELEASE is still sent: take it
        // now, so that its ring is free at once.
        let mut leftover = Vec::new();
        let sane = loop {
            match conn.to_net.seen() {
                Ok(seen) if seen.available == 0 => break seen.state != StreamState::Reset,
                Ok(_) => {
                    let n = conn.to_net.read(&mut self.scratch).unwrap_or(0);
                    leftover.extend_from_slice(self.scratch.get(..n).unwrap_or(&[]));
                }
                Err(_) => break false,
            }
        };
        let tcp_alive = !matches!(self.sockets.get::<tcp::Socket<'_>>(conn.handle).state(), tcp::State::Closed);
        if !sane || !tcp_alive {
            self.kill(conn.handle);
            return Ok(Errno::Ok);
        }
        // A client releasing sockets in a loop cannot pile up closing ones.
        let mine: Vec<usize> =
            self.closing.iter().enumerate().filter(|(_, x)| x.client == client).map(|(i, _)| i).collect();
        if mine.len() >= max_closing
            && let Some(oldest) = mine.first().map(|i| self.closing.remove(*i))
        {
            self.kill(oldest.handle);
        }
        let deadline = self.now_ms.saturating_add(CLOSE_TIMEOUT_MS);
        self.closing.push(Closing { client, handle: conn.handle, leftover, deadline });
        Ok(Errno::Ok)
    }
}
