// SPDX-License-Identifier: MIT
//! The client side of the sound protocol, for a bare-metal guest
//! (`no_std`, no allocation): connects to the sound domain over a channel
//! [`Link`], learns the streams it may open, sends requests (open, write,
//! read, volume, triggers), receives their responses, reads position and
//! underrun events from their own ring, writes and reads PCM in its data
//! area, and follows the channel's epochs. [`Playback`] and [`Capture`]
//! run one stream's buffer as a ring of period-sized slots.
//!
//! Owns: the client's session (the handshake's state, request ids, the
//! doorbell flag), its end of the event ring
//! ([`bulkhead_sound::channel::EVENTS`]: reset with the link in each
//! epoch, before the link says READY, so that the backend never sees a
//! stale index of ours), the latest position of each stream, and the
//! bounds of its data area ([`bulkhead_sound::channel::data_area`]). Must
//! not touch: the kernel: the domain passes the channel's epoch to
//! [`SoundClient::follow`] and rings the backend's doorbell when
//! [`SoundClient::take_doorbell`] says so (or lets [`RequestClient::call`]
//! do both through a [`Port`]).
//!
//! In a new epoch everything the backend held for us is gone (open
//! streams, queued PCM, positions): [`Received::Connected`] comes again
//! and the application opens its streams again. A loop:
//!
//! ```text
//! loop {
//!     client.follow(end.epoch())?;
//!     loop {
//!         match client.next() {
//!             Ok(Some(Received::Connected { streams })) => open_streams(&mut client, &streams),
//!             Ok(Some(Received::Response(r))) => check(r),
//!             Ok(Some(_)) => {}
//!             Ok(None) => break,
//!             Err(e) => report(e), // the frame is consumed: go on
//!         }
//!     }
//!     while let Some(event) = client.next_event()? {
//!         // A position: the backend consumed PCM, there is room again.
//!         refill(&mut client, event);
//!     }
//!     if client.take_doorbell() {
//!         end.notify();
//!     }
//!     wait_for_interrupt();
//! }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

use bulkhead_ring::{Answer, ClientFailure};
use bulkhead_ring::{Consumer, Link, LinkError, RingError, SetupError, Window};
pub use bulkhead_ring::{Port, RequestClient};
use bulkhead_sound::channel::{EVENTS, HELLO, TO_BACKEND, TO_CLIENT, data_area};
use bulkhead_sound::{
    DataRef, Event, Hello, MAX_MESSAGE, Operation, PcmParams, Request, Response, Status, StreamId, StreamInfo,
    ToClient, Trigger, VERSION,
};
use heapless::Vec;

/// The most streams a client keeps (more in a `Hello` are an error).
pub const MAX_STREAMS: usize = 16;

/// The streams the backend offers this client.
pub type Streams = Vec<StreamInfo, MAX_STREAMS>;

/// What the client got on the reply ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The backend is up in this epoch, and these are the streams we may
    /// open. Nothing of an earlier epoch survives: open them (again).
    Connected {
        /// The streams, in the order the backend sent them.
        streams: Streams,
    },
    /// The backend speaks another protocol version: nothing can be sent in
    /// this epoch.
    Refused {
        /// The backend's version.
        version: u16,
    },
    /// The answer to the request with id `Response::id`.
    Response(Response),
}

/// Why an operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientError {
    /// The backend is not connected in our epoch (restarting, stopped, or
    /// not yet up): wait for its doorbell.
    Down,
    /// The request ring is full: wait for the backend's doorbell, retry.
    Full,
    /// Not connected yet in this epoch (no [`Received::Connected`]), or
    /// refused: requests cannot be sent.
    NotConnected,
    /// The backend sent a frame that is not a sound message (it is
    /// consumed and counted; the next call goes on).
    Undecodable,
    /// The backend sent a valid message out of order (a stream before
    /// `Hello`, more streams than announced or than [`MAX_STREAMS`], our
    /// own `Hello::Connect`, an event about a stream it did not offer);
    /// consumed, counted, ignored.
    OutOfOrder,
    /// The channel's epoch changed while [`RequestClient::call`] waited: the
    /// request is lost with the old epoch; `Connected` follows.
    Restarted,
    /// A byte range is not inside the client's data area.
    OutOfArea,
    /// [`Playback::open`] or [`Capture::open`]: the parameters do not make
    /// a ring of whole periods inside the buffer (`period_bytes` zero or
    /// larger than `buffer_bytes`, or `buffer` shorter than
    /// `buffer_bytes`). Nothing was sent.
    Params,
    /// [`Playback::queue_period`] or [`Capture::read_period`]: the PCM is
    /// empty or longer than a period. Nothing was sent.
    Period,
    /// The backend refused to open the stream (the status says why).
    Rejected(Status),
    /// The event ring failed: broken by the backend (sticky until the next
    /// epoch), or its next frame is larger than [`MAX_MESSAGE`] (it stays:
    /// events stall until the next epoch).
    EventRing(RingError),
    /// The link is broken or the peer is not a sound backend.
    Link(LinkError),
    /// The link could not be set up again in a new epoch.
    Setup(SetupError),
}

impl From<LinkError> for ClientError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::Down => Self::Down,
            LinkError::Ring(RingError::Full) => Self::Full,
            e => Self::Link(e),
        }
    }
}

impl ClientFailure for ClientError {
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

impl Answer for Received {
    type Response = Response;
    fn response_to(self, id: u16) -> Result<Response, Self> {
        match self {
            Received::Response(r) if r.id == id => Ok(r),
            other => Err(other),
        }
    }
}

/// `wait_for` and `call` come from [`RequestClient`] (shared with every
/// protocol's client).
impl<W: Window + Clone> RequestClient for SoundClient<W> {
    type Target = StreamId;
    type Op = Operation;
    type Received = Received;
    type Error = ClientError;
    fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        SoundClient::follow(self, epoch)
    }
    fn next_received(&mut self) -> Result<Option<Received>, ClientError> {
        self.next()
    }
    fn send_request(&mut self, target: StreamId, op: Operation) -> Result<u16, ClientError> {
        self.send(target, op)
    }
    fn take_doorbell(&mut self) -> bool {
        SoundClient::take_doorbell(self)
    }
}

impl From<SetupError> for ClientError {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// No `Hello` yet in this epoch.
    Waiting,
    /// `Hello` said `expected` streams; `got` so far.
    Gathering { expected: u8, got: Streams },
    /// Connected.
    Connected(Streams),
    /// Refused in this epoch.
    Refused,
}

/// One client of the sound domain.
pub struct SoundClient<W: Window + Clone> {
    link: Link<W>,
    events: Consumer<W>,
    window: W,
    state: State,
    positions: Vec<(StreamId, u64), MAX_STREAMS>,
    next_id: u16,
    doorbell: bool,
    garbage: u64,
}

impl<W: Window + Clone> SoundClient<W> {
    /// Connects end `end` of the channel whose window is `window` in
    /// `epoch` (from the kernel): the event ring's consumer first, then
    /// the link (`tx = TO_BACKEND`, `rx = TO_CLIENT`), so that when the
    /// backend sees us READY our event index is already 0. Ring the
    /// backend's doorbell afterwards.
    pub fn connect(window: W, end: u8, epoch: u32) -> Result<Self, SetupError> {
        let events = Consumer::new(window.clone(), EVENTS).map_err(SetupError::Layout)?;
        let link = Link::connect(window.clone(), end, epoch, HELLO, TO_BACKEND, TO_CLIENT)?;
        Ok(Self {
            link,
            events,
            window,
            state: State::Waiting,
            positions: Vec::new(),
            next_id: 0,
            doorbell: true,
            garbage: 0,
        })
    }

    /// Follows the channel's epoch (from the kernel): in a new epoch the
    /// event ring and the link reconnect (in that order) and the client
    /// waits for `Hello` again (the backend restarted, or we did). True if
    /// the epoch changed.
    pub fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        if epoch == self.link.epoch() {
            return Ok(false);
        }
        self.events = Consumer::new(self.window.clone(), EVENTS).map_err(SetupError::Layout)?;
        self.link.reconnect(epoch)?;
        self.state = State::Waiting;
        self.positions.clear();
        self.doorbell = true;
        Ok(true)
    }

    /// The next thing the backend sent on the reply ring, or `None` for
    /// nothing now (the link is down or the ring is empty). An undecodable
    /// or out-of-order frame is an error, consumed: the next call goes on
    /// with the next.
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible, and `None` means \"nothing now\", not the end: not an iterator"
    )]
    pub fn next(&mut self) -> Result<Option<Received>, ClientError> {
        loop {
            let mut buf = [0u8; MAX_MESSAGE];
            let message = match self.link.pop(&mut buf) {
                Ok(frame) => {
                    self.doorbell = true;
                    bulkhead_sound::decode::<ToClient>(frame)
                }
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let Ok(message) = message else {
                self.garbage += 1;
                return Err(ClientError::Undecodable);
            };
            let received = match message {
                ToClient::Hello(Hello::Connected { version, .. }) if version != VERSION => {
                    self.state = State::Refused;
                    Received::Refused { version }
                }
                ToClient::Hello(Hello::Connected { streams, .. }) if usize::from(streams) > MAX_STREAMS => {
                    self.state = State::Refused;
                    self.garbage += 1;
                    return Err(ClientError::OutOfOrder);
                }
                ToClient::Hello(Hello::Connected { streams: 0, .. }) => self.connected(Vec::new()),
                ToClient::Hello(Hello::Connected { streams, .. }) => {
                    self.state = State::Gathering { expected: streams, got: Vec::new() };
                    continue;
                }
                ToClient::Hello(Hello::Connect { .. }) => {
                    self.garbage += 1;
                    return Err(ClientError::OutOfOrder);
                }
                ToClient::Stream(info) => {
                    let State::Gathering { expected, got } = &mut self.state else {
                        self.garbage += 1;
                        return Err(ClientError::OutOfOrder);
                    };
                    // Cannot overflow: `expected` <= MAX_STREAMS.
                    let _ = got.push(info);
                    if got.len() < usize::from(*expected) {
                        continue;
                    }
                    let got = core::mem::take(got);
                    self.connected(got)
                }
                ToClient::Response(r) => Received::Response(r),
            };
            return Ok(Some(received));
        }
    }

    fn connected(&mut self, streams: Streams) -> Received {
        self.state = State::Connected(streams.clone());
        Received::Connected { streams }
    }

    /// The next event on the event ring, or `None` for nothing now (the
    /// link is not up in our epoch, or the ring is empty). Positions are
    /// remembered ([`SoundClient::position`]). An undecodable frame, or an
    /// event about a stream we were not offered, is an error, consumed.
    pub fn next_event(&mut self) -> Result<Option<Event>, ClientError> {
        let mut buf = [0u8; MAX_MESSAGE];
        let frame = match self.link.pop_from(&mut self.events, &mut buf) {
            Ok(frame) => frame,
            Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
            Err(LinkError::Ring(e)) => return Err(ClientError::EventRing(e)),
            Err(e) => return Err(e.into()),
        };
        // We made room in the backend's event ring.
        self.doorbell = true;
        let Ok(event) = bulkhead_sound::decode::<Event>(frame) else {
            self.garbage += 1;
            return Err(ClientError::Undecodable);
        };
        let (Event::Position { stream, .. } | Event::Underrun { stream, .. }) = event;
        if !self.streams().is_some_and(|s| s.iter().any(|s| s.id == stream)) {
            self.garbage += 1;
            return Err(ClientError::OutOfOrder);
        }
        if let Event::Position { stream, position_bytes } = event {
            match self.positions.iter_mut().find(|(s, _)| *s == stream) {
                Some((_, at)) => *at = position_bytes,
                // Cannot overflow: one entry per offered stream, at most
                // MAX_STREAMS.
                None => {
                    let _ = self.positions.push((stream, position_bytes));
                }
            }
        }
        Ok(Some(event))
    }

    /// The latest position (bytes played or captured since the stream
    /// started) the backend reported for `stream` in this epoch.
    pub fn position(&self, stream: StreamId) -> Option<u64> {
        self.positions.iter().find(|(s, _)| *s == stream).map(|(_, at)| *at)
    }

    /// Sends `op` about `stream`; the request's id, which its
    /// [`Received::Response`] carries (never `u16::MAX`, the id of the
    /// backend's answer to an undecodable frame).
    pub fn send(&mut self, stream: StreamId, op: Operation) -> Result<u16, ClientError> {
        if !self.is_connected() {
            return Err(ClientError::NotConnected);
        }
        let id = match self.next_id.wrapping_add(1) {
            u16::MAX => 0,
            id => id,
        };
        let mut scratch = [0u8; MAX_MESSAGE];
        // Every request encodes into MAX_MESSAGE (the protocol's tests pin it).
        let bytes =
            postcard::to_slice(&Request { id, stream, op }, &mut scratch).map_err(|_| ClientError::OutOfArea)?;
        self.link.push(bytes)?;
        self.next_id = id;
        self.doorbell = true;
        Ok(id)
    }

    /// Whether the backend's doorbell should ring (we sent a request or
    /// made room in one of its rings since the last call); clears the
    /// flag.
    pub fn take_doorbell(&mut self) -> bool {
        core::mem::take(&mut self.doorbell)
    }

    /// Whether the backend is up and accepted us in this epoch.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected(_))
    }

    /// Whether the backend refused us (another version) in this epoch.
    pub fn is_refused(&self) -> bool {
        self.state == State::Refused
    }

    /// The streams we may open (when connected).
    pub fn streams(&self) -> Option<&[StreamInfo]> {
        match &self.state {
            State::Connected(s) => Some(s),
            _ => None,
        }
    }

    /// Frames that were not sound messages, or came out of order, in all
    /// epochs (both rings).
    pub fn garbage(&self) -> u64 {
        self.garbage
    }

    /// The link's epoch.
    pub fn epoch(&self) -> u32 {
        self.link.epoch()
    }

    /// The client's data area (window offsets): where the `buffer` of OPEN
    /// and the ranges of READ and WRITE go.
    pub fn data_area(&self) -> DataRef {
        data_area(u32::try_from(self.window.size()).unwrap_or(u32::MAX))
    }

    /// The window offset of `len` bytes at window offset `offset`, if they
    /// lie in the data area.
    fn checked(&self, offset: u32, len: usize) -> Result<usize, ClientError> {
        let area = self.data_area();
        let end = u64::from(offset).checked_add(len as u64).ok_or(ClientError::OutOfArea)?;
        if offset < area.offset || end > u64::from(area.offset) + u64::from(area.len) {
            return Err(ClientError::OutOfArea);
        }
        usize::try_from(offset).map_err(|_| ClientError::OutOfArea)
    }

    /// Copies `bytes` (PCM) into the window at window offset `offset`,
    /// which must lie in the data area.
    pub fn write_pcm(&self, offset: u32, bytes: &[u8]) -> Result<(), ClientError> {
        let at = self.checked(offset, bytes.len())?;
        self.window.write(at, bytes);
        Ok(())
    }

    /// Copies `out.len()` bytes (captured PCM) out of the window at window
    /// offset `offset`, which must lie in the data area.
    pub fn read_pcm(&self, offset: u32, out: &mut [u8]) -> Result<(), ClientError> {
        let at = self.checked(offset, out.len())?;
        self.window.read(at, out);
        Ok(())
    }
}

/// A stream's buffer as a ring of period-sized slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slots {
    stream: StreamId,
    /// Window offset of slot 0.
    base: u32,
    period: u32,
    count: u32,
    next: u32,
}

impl Slots {
    fn open<W: Window + Clone>(
        client: &mut SoundClient<W>,
        port: &impl Port,
        stream: StreamId,
        params: PcmParams,
        buffer: DataRef,
        other: impl FnMut(Received),
    ) -> Result<Self, ClientError> {
        let count = params.buffer_bytes.checked_div(params.period_bytes).unwrap_or(0);
        if count == 0 || buffer.len < params.buffer_bytes {
            return Err(ClientError::Params);
        }
        client.checked(buffer.offset, buffer.len as usize)?;
        let r = client.call(port, stream, Operation::Open { params, buffer }, other)?;
        if r.status != Status::Ok {
            return Err(ClientError::Rejected(r.status));
        }
        Ok(Slots { stream, base: buffer.offset, period: params.period_bytes, count, next: 0 })
    }

    /// The next slot, `len` bytes of it.
    fn slot(&self, len: usize) -> Result<DataRef, ClientError> {
        let len = u32::try_from(len).ok().filter(|l| (1..=self.period).contains(l)).ok_or(ClientError::Period)?;
        // Inside the buffer, which `open` checked to lie in the data area.
        let offset = self
            .next
            .checked_mul(self.period)
            .and_then(|at| at.checked_add(self.base))
            .ok_or(ClientError::OutOfArea)?;
        Ok(DataRef { offset, len })
    }

    fn advance(&mut self) {
        self.next = self.next.wrapping_add(1).checked_rem(self.count).unwrap_or(0);
    }

    fn trigger<W: Window + Clone>(
        &self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        trigger: Trigger,
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        Ok(client.call(port, self.stream, Operation::Trigger(trigger), other)?.status)
    }

    fn close<W: Window + Clone>(
        &self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        Ok(client.call(port, self.stream, Operation::Close, other)?.status)
    }
}

/// A playback stream whose buffer is a ring of period-sized slots: each
/// period is written into the next slot and queued with one WRITE (the
/// backend copies it into the stream's FIFO at once, so a slot is free
/// again as soon as its WRITE is answered). Gone with the epoch it was
/// opened in: after [`ClientError::Restarted`] or `Connected`, open again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Playback {
    slots: Slots,
}

impl Playback {
    /// Opens `stream` with `params` on `buffer` (window offsets, in the
    /// data area, at least `params.buffer_bytes` long), and nothing else
    /// (start it with [`Playback::trigger`]). A refusal is
    /// [`ClientError::Rejected`]; what else arrives meanwhile goes to
    /// `other`.
    pub fn open<W: Window + Clone>(
        client: &mut SoundClient<W>,
        port: &impl Port,
        stream: StreamId,
        params: PcmParams,
        buffer: DataRef,
        other: impl FnMut(Received),
    ) -> Result<Self, ClientError> {
        Slots::open(client, port, stream, params, buffer, other).map(|slots| Self { slots })
    }

    /// The stream.
    pub fn stream(&self) -> StreamId {
        self.slots.stream
    }

    /// Writes `pcm` (at most one period, whole frames) into the next slot
    /// and queues it; the backend's answer. `Busy`: the backend's FIFO is
    /// full, nothing was queued: try the same PCM again after a position
    /// event. Any other status but `Ok` queued nothing either. The slot
    /// moves on only on `Ok`.
    pub fn queue_period<W: Window + Clone>(
        &mut self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        pcm: &[u8],
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        let data = self.slots.slot(pcm.len())?;
        client.write_pcm(data.offset, pcm)?;
        let status = client.call(port, self.slots.stream, Operation::Write { data }, other)?.status;
        if status == Status::Ok {
            self.slots.advance();
        }
        Ok(status)
    }

    /// Starts, pauses, resumes or stops the stream; the backend's answer
    /// (`Busy`: not in a state for it).
    pub fn trigger<W: Window + Clone>(
        &self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        trigger: Trigger,
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        self.slots.trigger(client, port, trigger, other)
    }

    /// Closes the stream; the backend's answer.
    pub fn close<W: Window + Clone>(
        self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        self.slots.close(client, port, other)
    }
}

/// A capture stream whose buffer is a ring of period-sized slots: each
/// READ asks the backend to fill the next slot, which is then copied out.
/// Gone with the epoch it was opened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capture {
    slots: Slots,
}

impl Capture {
    /// Opens `stream` with `params` on `buffer`, as [`Playback::open`].
    pub fn open<W: Window + Clone>(
        client: &mut SoundClient<W>,
        port: &impl Port,
        stream: StreamId,
        params: PcmParams,
        buffer: DataRef,
        other: impl FnMut(Received),
    ) -> Result<Self, ClientError> {
        Slots::open(client, port, stream, params, buffer, other).map(|slots| Self { slots })
    }

    /// The stream.
    pub fn stream(&self) -> StreamId {
        self.slots.stream
    }

    /// Asks for `out.len()` captured bytes (at most one period) into the
    /// next slot and, on `Ok`, copies them into `out`; the backend's
    /// answer. `Busy`: not that much captured yet (try after a position
    /// event); `out` is untouched unless the answer is `Ok`.
    pub fn read_period<W: Window + Clone>(
        &mut self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        out: &mut [u8],
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        let data = self.slots.slot(out.len())?;
        client.checked(data.offset, out.len())?;
        let status = client.call(port, self.slots.stream, Operation::Read { data }, other)?.status;
        if status == Status::Ok {
            client.read_pcm(data.offset, out)?;
            self.slots.advance();
        }
        Ok(status)
    }

    /// Starts, pauses, resumes or stops the stream; the backend's answer.
    pub fn trigger<W: Window + Clone>(
        &self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        trigger: Trigger,
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        self.slots.trigger(client, port, trigger, other)
    }

    /// Closes the stream; the backend's answer.
    pub fn close<W: Window + Clone>(
        self,
        client: &mut SoundClient<W>,
        port: &impl Port,
        other: impl FnMut(Received),
    ) -> Result<Status, ClientError> {
        self.slots.close(client, port, other)
    }
}
