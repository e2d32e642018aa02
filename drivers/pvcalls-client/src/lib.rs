// SPDX-License-Identifier: MIT
//! The client side of PV Calls for a bare-metal guest (`no_std`, no
//! allocation): TCP sockets served by the network domain over one channel
//! ([`bulkhead_pvcalls`]), with a socket-like API: [`NetClient::socket`],
//! [`NetClient::connect_to`], [`NetClient::bind`], [`NetClient::listen`],
//! [`NetClient::accept`] (or [`NetClient::try_accept`]), [`NetClient::send`],
//! [`NetClient::recv`], [`NetClient::shutdown`], [`NetClient::release`].
//!
//! Owns: the client's session (link, greeting, request ids, the doorbell
//! flag), its end of the completion ring
//! ([`bulkhead_pvcalls::channel::EVENTS`], reset with the link in each
//! epoch), its socket table and the placement of the sockets' data rings
//! in its data area (fixed slots, see [`slots`]), and both streams'
//! client ends. Must not touch: the kernel (the domain passes the
//! channel's epoch to [`NetClient::follow`] and rings the backend's
//! doorbell when [`NetClient::take_doorbell`] says so, or lets the
//! blocking calls do both through a [`Port`]), and the protocol crate.
//!
//! Blocking calls (`socket`, `connect_to`, `bind`, `listen`, `accept`,
//! `release`; `try_accept` for the backend's immediate answer only) wait
//! through the [`Port`]; `send`, `recv`, `shutdown` and `flushed` never
//! wait.
//!
//! Restarts: a new epoch of the channel (the network domain restarted, or
//! we did) kills every socket. A blocking call that sees it returns
//! [`NetError::Restarted`]; [`NetClient::follow`] notices it too. After
//! that, every call about a socket of the old epoch is
//! `NetError::Errno(Errno::ConnReset)` (except `release`, which has
//! nothing left to release and says `Ok`), and the application opens its
//! sockets again (see the crate's README).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod slots;

use bulkhead_pvcalls::channel::{EVENTS, HELLO, TO_BACKEND, TO_CLIENT, data_area};
use bulkhead_pvcalls::stream::{self, Broken, Reader, StreamLayout, StreamState, Writer};
pub use bulkhead_pvcalls::{Address, Errno, Hello};
use bulkhead_pvcalls::{DataRef, DataRing, Event, Operation, Request, Response, SocketType, ToClient, VERSION};
pub use bulkhead_ring::Port;
use bulkhead_ring::{Answer, ClientFailure, Consumer, Link, LinkError, RequestClient, RingError, SetupError, Window};
use heapless::Vec;
use slots::Slots;

/// The most sockets (listening ones included) a client holds at once.
pub const MAX_SOCKETS: usize = 16;
/// Completions of other requests kept while waiting for one.
const PENDING_COMPLETIONS: usize = 8;
/// The largest message either way (requests encode in well under this).
const MAX_MESSAGE: usize = 128;

/// A socket: its id on the wire and the life (epoch count) of the client
/// it was opened in; a socket of an earlier life is dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SocketId {
    id: u64,
    life: u32,
}

impl SocketId {
    /// The id on the wire.
    pub const fn raw(&self) -> u64 {
        self.id
    }
}

/// What [`NetClient::recv`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// This many bytes were copied out.
    Data(usize),
    /// Nothing now; more may come (wait for the doorbell).
    WouldBlock,
    /// The peer closed: every byte it sent has been read.
    Eof,
}

/// What the backend sent on the reply ring, as [`RequestClient`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// The greeting of the epoch.
    Hello(Hello),
    /// A response.
    Response(Response),
}

impl Answer for Message {
    type Response = Response;
    fn response_to(self, id: u16) -> Result<Response, Self> {
        match self {
            Message::Response(r) if r.id == id => Ok(r),
            other => Err(other),
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetError {
    /// The backend's answer (or the client's own, the same way a kernel
    /// would answer): `ConnReset` for a socket of an earlier epoch or a
    /// reset stream, `BadF` for an unknown socket, `NotConn` for data on
    /// a socket that is not connected, `NoBufs` when no socket or data
    /// ring slot is free.
    Errno(Errno),
    /// The channel's epoch changed (the network domain restarted) during
    /// a blocking call: every socket is dead; open them again.
    Restarted,
    /// The backend speaks another protocol version: nothing works in this
    /// epoch.
    Refused {
        /// The backend's version.
        version: u16,
    },
    /// The backend is not connected in our epoch (internal to the waits,
    /// which wait it out).
    Down,
    /// The request ring is full (internal to the waits).
    Full,
    /// The backend sent a frame that is not a PV Calls message (consumed,
    /// skipped by the waits).
    Undecodable,
    /// The backend sent a valid message out of order (consumed, skipped).
    OutOfOrder,
    /// A stream of a socket is broken: an index the backend published
    /// lies (sticky for that socket: release it).
    Broken(Broken),
    /// The completion ring is broken.
    EventRing(RingError),
    /// The link is broken or the peer is no PV Calls backend.
    Ring(LinkError),
    /// The link could not be set up.
    Setup(SetupError),
}

impl NetError {
    /// The POSIX error this is, as a socket API would report it:
    /// `Restarted` and `Broken` read as `ECONNRESET`.
    pub const fn errno(&self) -> Option<Errno> {
        match self {
            NetError::Errno(e) => Some(*e),
            NetError::Restarted | NetError::Broken(_) => Some(Errno::ConnReset),
            NetError::Full => Some(Errno::Again),
            NetError::Down => Some(Errno::NetUnreach),
            _ => None,
        }
    }

    /// Whether the socket is gone because of a reset (a restart of the
    /// network domain, or the peer's RST).
    pub const fn is_reset(&self) -> bool {
        matches!(self.errno(), Some(Errno::ConnReset))
    }
}

impl From<SetupError> for NetError {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}

impl From<LinkError> for NetError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::Down => Self::Down,
            LinkError::Ring(RingError::Full) => Self::Full,
            e => Self::Ring(e),
        }
    }
}

impl From<Broken> for NetError {
    fn from(b: Broken) -> Self {
        Self::Broken(b)
    }
}

impl ClientFailure for NetError {
    fn restarted() -> Self {
        Self::Restarted
    }
    fn is_full(&self) -> bool {
        *self == Self::Full
    }
    fn is_down(&self) -> bool {
        *self == Self::Down
    }
    fn is_skippable(&self) -> bool {
        matches!(self, Self::Undecodable | Self::OutOfOrder)
    }
}

/// Where the greeting stands in this epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Greeted,
    Refused(u16),
}

enum Kind<W: Window> {
    /// Created (maybe bound).
    Fresh,
    /// Listening, maybe with an ACCEPT pending.
    Listening { pending: Option<Accepting<W>> },
    /// Connected or accepted: its data ring; `shut` once the client
    /// closed its sending side.
    Open { slot: usize, tx: Writer<W>, rx: Reader<W>, shut: bool },
}

/// An ACCEPT answered `EINPROGRESS`: the socket it will make.
struct Accepting<W: Window> {
    request: u16,
    new_socket: u64,
    slot: usize,
    tx: Writer<W>,
    rx: Reader<W>,
}

struct Entry<W: Window> {
    id: u64,
    kind: Kind<W>,
}

/// One channel to the network domain.
pub struct NetClient<W: Window + Clone> {
    link: Link<W>,
    events: Consumer<W>,
    window: W,
    state: State,
    hello: Hello,
    slots: Slots,
    sockets: Vec<Entry<W>, MAX_SOCKETS>,
    completions: Vec<Response, PENDING_COMPLETIONS>,
    life: u32,
    next_socket: u64,
    next_id: u16,
    doorbell: bool,
    garbage: u64,
}

impl<W: Window + Clone> RequestClient for NetClient<W> {
    type Target = ();
    type Op = Operation;
    type Received = Message;
    type Error = NetError;
    fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        self.follow_epoch(epoch)
    }
    fn next_received(&mut self) -> Result<Option<Message>, NetError> {
        self.next_message()
    }
    fn send_request(&mut self, _: (), op: Operation) -> Result<u16, NetError> {
        self.send_op(op)
    }
    fn take_doorbell(&mut self) -> bool {
        NetClient::take_doorbell(self)
    }
}

impl<W: Window + Clone> NetClient<W> {
    /// Connects end `end` of the channel whose window is `window` in
    /// `epoch` (from the kernel), rings the backend's doorbell and waits
    /// for the greeting (across restarts of the backend meanwhile).
    pub fn connect(window: W, end: u8, epoch: u32, port: &mut impl Port) -> Result<Self, NetError> {
        let events = Consumer::new(window.clone(), EVENTS).map_err(SetupError::Layout)?;
        let link = Link::connect(window.clone(), end, epoch, HELLO, TO_BACKEND, TO_CLIENT)?;
        let mut client = Self {
            link,
            events,
            window,
            state: State::Waiting,
            hello: Hello { version: VERSION, max_sockets: 0, max_ring_bytes: 0 },
            slots: Slots::none(),
            sockets: Vec::new(),
            completions: Vec::new(),
            life: 0,
            next_socket: 1,
            next_id: 0,
            doorbell: true,
            garbage: 0,
        };
        loop {
            match client.ready(port) {
                Err(NetError::Restarted) => {}
                other => return other.map(|()| client),
            }
        }
    }

    /// The greeting of this epoch (the last one while a new epoch waits
    /// for its own).
    pub fn limits(&self) -> Hello {
        self.hello
    }

    /// The link's epoch.
    pub fn epoch(&self) -> u32 {
        self.link.epoch()
    }

    /// Whether the backend greeted us in this epoch.
    pub fn is_ready(&self) -> bool {
        self.state == State::Greeted
    }

    /// Data bytes of each stream of a socket opened in this epoch.
    pub fn stream_capacity(&self) -> u32 {
        self.slots.capacity()
    }

    /// Frames that were not PV Calls messages, or came out of order, and
    /// completions nobody waited for (dropped), in all epochs.
    pub fn garbage(&self) -> u64 {
        self.garbage
    }

    /// Follows the channel's epoch (from the kernel): in a new epoch every
    /// socket is dead (later calls on it are `ECONNRESET`), the link and
    /// the completion ring reconnect, and the next blocking call waits
    /// for the new greeting. True if the epoch changed.
    pub fn follow(&mut self, epoch: u32) -> Result<bool, NetError> {
        Ok(self.follow_epoch(epoch)?)
    }

    fn follow_epoch(&mut self, epoch: u32) -> Result<bool, SetupError> {
        if epoch == self.link.epoch() {
            return Ok(false);
        }
        self.events = Consumer::new(self.window.clone(), EVENTS).map_err(SetupError::Layout)?;
        self.link.reconnect(epoch)?;
        self.state = State::Waiting;
        self.slots = Slots::none();
        self.sockets.clear();
        self.completions.clear();
        self.life = self.life.wrapping_add(1);
        self.doorbell = true;
        Ok(true)
    }

    /// Whether the backend's doorbell should ring (we sent a request,
    /// published bytes, or made room in one of its rings or streams);
    /// clears the flag.
    pub fn take_doorbell(&mut self) -> bool {
        core::mem::take(&mut self.doorbell)
    }

    /// Creates a TCP socket.
    pub fn socket(&mut self, port: &mut impl Port) -> Result<SocketId, NetError> {
        self.ready(port)?;
        if self.sockets.is_full() {
            return Err(NetError::Errno(Errno::NoBufs));
        }
        let id = self.fresh_id();
        self.ask(port, Operation::Socket { socket: id, kind: SocketType::Stream })?;
        // Room was checked above; a restart would have returned.
        let _ = self.sockets.push(Entry { id, kind: Kind::Fresh });
        Ok(SocketId { id, life: self.life })
    }

    /// Connects `s` to `addr`: places its data ring and waits for the
    /// outcome (the backend answers `EINPROGRESS`, then completes).
    pub fn connect_to(&mut self, s: SocketId, addr: Address, port: &mut impl Port) -> Result<(), NetError> {
        match self.entry(s)?.kind {
            Kind::Fresh => {}
            Kind::Listening { .. } | Kind::Open { .. } => return Err(NetError::Errno(Errno::IsConn)),
        }
        let (slot, ring, tx, rx) = self.place()?;
        let result = self.ask(port, Operation::Connect { socket: s.id, address: addr, ring });
        self.settle(s, result.map(|()| Kind::Open { slot, tx, rx, shut: false }), slot)
    }

    /// Binds `s` to `addr`.
    pub fn bind(&mut self, s: SocketId, addr: Address, port: &mut impl Port) -> Result<(), NetError> {
        self.entry(s)?;
        self.ask(port, Operation::Bind { socket: s.id, address: addr })
    }

    /// Makes `s` listen.
    pub fn listen(&mut self, s: SocketId, backlog: u32, port: &mut impl Port) -> Result<(), NetError> {
        self.entry(s)?;
        self.ask(port, Operation::Listen { socket: s.id, backlog })?;
        self.entry(s)?.kind = Kind::Listening { pending: None };
        Ok(())
    }

    /// Waits for a connection on `listener`; the connected socket (an
    /// ACCEPT that [`NetClient::try_accept`] left pending is waited for).
    pub fn accept(&mut self, listener: SocketId, port: &mut impl Port) -> Result<SocketId, NetError> {
        let life = self.life;
        loop {
            if let Some(s) = self.try_accept(listener, port)? {
                return Ok(s);
            }
            if self.take_doorbell() {
                port.notify();
            }
            port.wait();
            if self.follow_epoch(port.epoch())? || self.life != life {
                return Err(NetError::Restarted);
            }
        }
    }

    /// Accepts a connection on `listener` if one is there, without waiting
    /// for one: the first call sends ACCEPT (it waits only for the
    /// backend's immediate answer); if no connection waits yet, the ACCEPT
    /// stays pending (`None`) and later calls look for its completion.
    /// A server polls this, with its other sockets, after each doorbell.
    pub fn try_accept(&mut self, listener: SocketId, port: &mut impl Port) -> Result<Option<SocketId>, NetError> {
        let Kind::Listening { pending } = &self.entry(listener)?.kind else {
            return Err(NetError::Errno(Errno::Inval));
        };
        if let Some(request) = pending.as_ref().map(|p| p.request) {
            self.collect_events()?;
            let Some(at) = self.completions.iter().position(|r| r.id == request) else {
                return Ok(None);
            };
            let done = self.completions.swap_remove(at);
            let Ok(Entry { kind: Kind::Listening { pending }, .. }) = self.entry(listener) else {
                return Err(NetError::Errno(Errno::Inval));
            };
            let Some(p) = pending.take() else { return Err(NetError::Errno(Errno::Inval)) };
            return self.accepted(p, done.errno).map(Some);
        }
        if self.sockets.is_full() {
            return Err(NetError::Errno(Errno::NoBufs));
        }
        let new_socket = self.fresh_id();
        let (slot, ring, tx, rx) = self.place()?;
        let p = Accepting { request: 0, new_socket, slot, tx, rx };
        let answer = self
            .ready(port)
            .and_then(|()| self.call(&*port, (), Operation::Accept { socket: listener.id, new_socket, ring }, |_| {}));
        if self.life != listener.life {
            // A restart forgot the slot already.
            return Err(NetError::Restarted);
        }
        match answer {
            Ok(r) if r.errno == Errno::InProgress => {
                match self.entry(listener) {
                    Ok(Entry { kind: Kind::Listening { pending }, .. }) => {
                        *pending = Some(Accepting { request: r.id, ..p });
                    }
                    _ => self.slots.release(slot),
                }
                Ok(None)
            }
            Ok(r) => self.accepted(p, r.errno).map(Some),
            Err(e) => {
                self.slots.release(slot);
                Err(e)
            }
        }
    }

    /// The outcome of an ACCEPT.
    fn accepted(&mut self, p: Accepting<W>, errno: Errno) -> Result<SocketId, NetError> {
        if errno != Errno::Ok {
            self.slots.release(p.slot);
            return Err(NetError::Errno(errno));
        }
        let kind = Kind::Open { slot: p.slot, tx: p.tx, rx: p.rx, shut: false };
        if self.sockets.push(Entry { id: p.new_socket, kind }).is_err() {
            self.slots.release(p.slot);
            return Err(NetError::Errno(Errno::NoBufs));
        }
        Ok(SocketId { id: p.new_socket, life: self.life })
    }

    /// Sends what fits of `data` now (0: the stream is full, or `data`
    /// is empty); never waits. Ring the doorbell afterwards
    /// ([`NetClient::take_doorbell`]).
    pub fn send(&mut self, s: SocketId, data: &[u8]) -> Result<usize, NetError> {
        let Kind::Open { tx, rx, shut, .. } = &mut self.entry(s)?.kind else {
            return Err(NetError::Errno(Errno::NotConn));
        };
        if rx.seen()?.state == StreamState::Reset {
            return Err(NetError::Errno(Errno::ConnReset));
        }
        if *shut {
            return Err(NetError::Errno(Errno::NotConn));
        }
        let n = tx.write(data)?;
        if n > 0 {
            self.doorbell = true;
        }
        Ok(n)
    }

    /// Closes the sending side of `s` (`shutdown(SHUT_WR)`): the backend
    /// sends FIN after the bytes already sent; the socket can still
    /// receive. Later sends are `ENOTCONN`. Never waits.
    pub fn shutdown(&mut self, s: SocketId) -> Result<(), NetError> {
        let Kind::Open { tx, shut, .. } = &mut self.entry(s)?.kind else {
            return Err(NetError::Errno(Errno::NotConn));
        };
        if !*shut {
            *shut = true;
            tx.set_state(StreamState::Closed);
            self.doorbell = true;
        }
        Ok(())
    }

    /// Whether the backend has taken every byte sent on `s` (so that a
    /// release now loses nothing the backend could still send). Never
    /// waits.
    pub fn flushed(&mut self, s: SocketId) -> Result<bool, NetError> {
        let Kind::Open { tx, .. } = &mut self.entry(s)?.kind else {
            return Err(NetError::Errno(Errno::NotConn));
        };
        Ok(tx.drained()?)
    }

    /// Receives what is there (up to `out.len()` bytes); never waits.
    /// Bytes published before a reset are delivered first, then
    /// `ECONNRESET`.
    pub fn recv(&mut self, s: SocketId, out: &mut [u8]) -> Result<Received, NetError> {
        let Kind::Open { rx, .. } = &mut self.entry(s)?.kind else {
            return Err(NetError::Errno(Errno::NotConn));
        };
        let seen = rx.seen()?;
        if seen.available > 0 {
            let n = rx.read(out)?;
            if n > 0 {
                self.doorbell = true;
            }
            return Ok(Received::Data(n));
        }
        match seen.state {
            StreamState::Open => Ok(Received::WouldBlock),
            StreamState::Closed => Ok(Received::Eof),
            StreamState::Reset => Err(NetError::Errno(Errno::ConnReset)),
        }
    }

    /// Closes `s` (what was sent still goes, then FIN) and frees its data
    /// ring. A socket of an earlier epoch is already gone: `Ok`. The
    /// socket is forgotten whatever the backend answers.
    pub fn release(&mut self, s: SocketId, port: &mut impl Port) -> Result<(), NetError> {
        if s.life != self.life {
            return Ok(());
        }
        self.entry(s)?;
        let result = self.ask(port, Operation::Release { socket: s.id });
        if s.life == self.life
            && let Some(at) = self.sockets.iter().position(|e| e.id == s.id)
        {
            match self.sockets.swap_remove(at).kind {
                Kind::Open { slot, .. } | Kind::Listening { pending: Some(Accepting { slot, .. }) } => {
                    self.slots.release(slot);
                }
                Kind::Fresh | Kind::Listening { pending: None } => {}
            }
        }
        result
    }

    fn entry(&mut self, s: SocketId) -> Result<&mut Entry<W>, NetError> {
        if s.life != self.life {
            return Err(NetError::Errno(Errno::ConnReset));
        }
        self.sockets.iter_mut().find(|e| e.id == s.id).ok_or(NetError::Errno(Errno::BadF))
    }

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_socket;
        self.next_socket = self.next_socket.wrapping_add(1).max(1);
        id
    }

    /// Takes a data-ring slot and resets both streams' headers.
    fn place(&mut self) -> Result<(usize, DataRing, Writer<W>, Reader<W>), NetError> {
        let (slot, ring) = self.slots.take().ok_or(NetError::Errno(Errno::NoBufs))?;
        let resolve = |r: DataRef| StreamLayout::resolve(&data_area(self.window.size()), r);
        let (Ok(inbound), Ok(outbound)) = (resolve(ring.inbound), resolve(ring.outbound)) else {
            self.slots.release(slot);
            return Err(NetError::Errno(Errno::NoBufs));
        };
        stream::reset(&self.window, &inbound);
        stream::reset(&self.window, &outbound);
        Ok((slot, ring, Writer::new(self.window.clone(), outbound), Reader::new(self.window.clone(), inbound)))
    }

    /// Records the outcome of a CONNECT on `s`, which used `slot`.
    fn settle(&mut self, s: SocketId, outcome: Result<Kind<W>, NetError>, slot: usize) -> Result<(), NetError> {
        if s.life != self.life {
            // A restart forgot the socket and the slot already.
            return outcome.map(|_| ());
        }
        match outcome {
            Ok(kind) => {
                match self.entry(s) {
                    Ok(entry) => entry.kind = kind,
                    Err(e) => {
                        self.slots.release(slot);
                        return Err(e);
                    }
                }
                Ok(())
            }
            Err(e) => {
                self.slots.release(slot);
                Err(e)
            }
        }
    }

    /// Waits for the greeting of this epoch, if it has not come yet.
    fn ready(&mut self, port: &mut impl Port) -> Result<(), NetError> {
        if self.follow_epoch(port.epoch())? {
            return Err(NetError::Restarted);
        }
        match self.state {
            State::Greeted => Ok(()),
            State::Refused(version) => Err(NetError::Refused { version }),
            State::Waiting => self.wait_for(&*port, |m| matches!(m, Message::Hello(_)).then_some(())),
        }
    }

    /// Sends `op`, waits for its final outcome (through its completion if
    /// it was answered `EINPROGRESS`); anything but `Ok` is an error.
    fn ask(&mut self, port: &mut impl Port, op: Operation) -> Result<(), NetError> {
        self.ready(port)?;
        let mut response = self.call(&*port, (), op, |_| {})?;
        if response.errno == Errno::InProgress {
            response = self.completion(port, response.id)?;
        }
        match response.errno {
            Errno::Ok => Ok(()),
            e => Err(NetError::Errno(e)),
        }
    }

    /// Waits for the completion of request `id`.
    fn completion(&mut self, port: &mut impl Port, id: u16) -> Result<Response, NetError> {
        loop {
            if self.follow_epoch(port.epoch())? {
                return Err(NetError::Restarted);
            }
            if let Some(at) = self.completions.iter().position(|r| r.id == id) {
                return Ok(self.completions.swap_remove(at));
            }
            match self.next_event() {
                Ok(Some(r)) if r.id == id => return Ok(r),
                Ok(Some(r)) => {
                    self.keep(r);
                    continue;
                }
                Ok(None) => {}
                Err(e) if e.is_skippable() => continue,
                Err(e) => return Err(e),
            }
            // Nothing is expected on the reply ring; take what is there.
            loop {
                match self.next_message() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) if e.is_skippable() => {}
                    Err(e) => return Err(e),
                }
            }
            if self.take_doorbell() {
                port.notify();
            }
            port.wait();
        }
    }

    /// Keeps the completion of a pending ACCEPT for `try_accept`; drops
    /// (and counts) any other: a completion nobody waits for (its
    /// listener was released) never takes room.
    fn keep(&mut self, r: Response) {
        let awaited =
            self.sockets.iter().any(|e| matches!(&e.kind, Kind::Listening { pending: Some(p) } if p.request == r.id));
        if !awaited || self.completions.push(r).is_err() {
            self.garbage += 1;
        }
    }

    /// Takes every completion there is now into `completions` (those that
    /// do not fit stay in the ring).
    fn collect_events(&mut self) -> Result<(), NetError> {
        while !self.completions.is_full() {
            match self.next_event() {
                Ok(Some(r)) => self.keep(r),
                Ok(None) => return Ok(()),
                Err(e) if e.is_skippable() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn send_op(&mut self, op: Operation) -> Result<u16, NetError> {
        match self.state {
            State::Greeted => {}
            State::Waiting => return Err(NetError::Down),
            State::Refused(version) => return Err(NetError::Refused { version }),
        }
        let id = self.next_id.wrapping_add(1);
        let mut scratch = [0u8; MAX_MESSAGE];
        let bytes = postcard::to_slice(&Request { id, op }, &mut scratch).map_err(|_| NetError::Undecodable)?;
        self.link.push(bytes)?;
        self.next_id = id;
        self.doorbell = true;
        Ok(id)
    }

    /// The next message on the reply ring (`None`: nothing now). The
    /// greeting is taken in: the limits and the data-ring slots.
    fn next_message(&mut self) -> Result<Option<Message>, NetError> {
        let mut buf = [0u8; MAX_MESSAGE];
        let decoded = match self.link.pop(&mut buf) {
            Ok(frame) => {
                self.doorbell = true;
                bulkhead_pvcalls::decode::<ToClient>(frame)
            }
            Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Ok(message) = decoded else {
            self.garbage += 1;
            return Err(NetError::Undecodable);
        };
        match message {
            ToClient::Hello(h) if self.state != State::Waiting => {
                let _ = h;
                self.garbage += 1;
                Err(NetError::OutOfOrder)
            }
            ToClient::Hello(h) if h.version != VERSION => {
                self.state = State::Refused(h.version);
                Err(NetError::Refused { version: h.version })
            }
            ToClient::Hello(h) => {
                self.hello = h;
                self.slots = Slots::plan(data_area(self.window.size()).size, h.max_ring_bytes, h.max_sockets);
                self.state = State::Greeted;
                Ok(Some(Message::Hello(h)))
            }
            ToClient::Response(_) if self.state != State::Greeted => {
                self.garbage += 1;
                Err(NetError::OutOfOrder)
            }
            ToClient::Response(r) => Ok(Some(Message::Response(r))),
        }
    }

    /// The next completion (`None`: nothing now).
    fn next_event(&mut self) -> Result<Option<Response>, NetError> {
        let mut buf = [0u8; MAX_MESSAGE];
        let frame = match self.link.pop_from(&mut self.events, &mut buf) {
            Ok(frame) => frame,
            Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
            Err(LinkError::Ring(e)) => return Err(NetError::EventRing(e)),
            Err(e) => return Err(e.into()),
        };
        self.doorbell = true;
        match bulkhead_pvcalls::decode::<Event>(frame) {
            Ok(Event::Completed(r)) => Ok(Some(r)),
            Err(_) => {
                self.garbage += 1;
                Err(NetError::Undecodable)
            }
        }
    }
}
