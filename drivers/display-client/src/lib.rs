// SPDX-License-Identifier: MIT
//! The client side of the display protocol, for a bare-metal guest
//! (`no_std`, no allocation): connects to the display domain over a
//! channel [`Link`], learns the connectors it may show on, sends requests
//! (display buffers, framebuffers, configurations, flips), receives their
//! responses, flip-done and protected-region events, writes pixels into its
//! buffers in the channel's window, and follows the channel's epochs.
//!
//! Owns: the client's session (the handshake's state, request ids, the
//! doorbell flag) and the bounds of its buffer area
//! ([`bulkhead_display::channel::client_area`]). Must not touch: the
//! kernel: the domain passes the channel's epoch to
//! [`DisplayClient::follow`] and rings the backend's doorbell when
//! [`DisplayClient::take_doorbell`] says so (or lets
//! [`RequestClient::call`] do both through a [`Port`]).
//!
//! In a new epoch everything the backend held for us is gone (buffers,
//! framebuffers, what we showed): [`Received::Connected`] comes again and
//! the application sends its whole configuration again. A loop:
//!
//! ```text
//! loop {
//!     client.follow(end.epoch())?;
//!     loop {
//!         match client.next() {
//!             Ok(Some(Received::Connected { connectors })) => configure(&mut client, &connectors),
//!             Ok(Some(Received::FlipDone { fb, .. })) => swap(fb),
//!             Ok(Some(Received::Response(r))) => check(r),
//!             Ok(Some(_)) => {}
//!             Ok(None) => break,
//!             Err(e) => report(e), // the frame is consumed: go on
//!         }
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

use bulkhead_display::channel::client_area;
use bulkhead_display::{
    ConnectorInfo, DataRef, Event, MAX_MESSAGE, Operation, Rect, Request, Response, ToClient, VERSION,
};
use bulkhead_ring::{Answer, ClientFailure};
use bulkhead_ring::{Link, LinkError, RingError, SetupError, Window};
pub use bulkhead_ring::{Port, RequestClient};
use heapless::Vec;

/// The most connectors a client keeps (more in a `Hello` are an error).
pub const MAX_CONNECTORS: usize = 4;

/// The connectors the backend offers this client.
pub type Connectors = Vec<ConnectorInfo, MAX_CONNECTORS>;

/// What the client got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The backend is up in this epoch, and these are the connectors we
    /// may show on. Nothing of an earlier epoch survives: send the whole
    /// configuration (again).
    Connected {
        /// The connectors, in the order the backend sent them.
        connectors: Connectors,
    },
    /// The backend speaks another protocol version: nothing can be sent in
    /// this epoch.
    Refused {
        /// The backend's version.
        version: u16,
    },
    /// The answer to the request with id `Response::id`.
    Response(Response),
    /// Framebuffer `fb`, flipped on `connector`, has reached the screen.
    FlipDone {
        /// The connector.
        connector: u8,
        /// The framebuffer.
        fb: u64,
    },
    /// The scanout of our protected region `region` does not show what we
    /// submitted (CRC-32 of its B, G, R bytes).
    Mismatch {
        /// The connector.
        connector: u8,
        /// The region's index in the board file.
        region: u8,
        /// CRC of what we submitted.
        expected: u32,
        /// CRC of what the scanout holds.
        found: u32,
    },
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
    /// The backend sent a frame that is not a display message (it is
    /// consumed and counted; the next call goes on).
    Undecodable,
    /// The backend sent a valid message out of order (a connector before
    /// `Hello`, more connectors than announced or than
    /// [`MAX_CONNECTORS`]); ignored.
    OutOfOrder,
    /// The channel's epoch changed while [`RequestClient::call`] waited:
    /// the request is lost with the old epoch; `Connected` follows.
    Restarted,
    /// A byte range is not inside the client's buffer area (or a rectangle
    /// is not inside its buffer).
    OutOfArea,
    /// The link is broken or the peer is not a display backend.
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
impl<W: Window + Clone> RequestClient for DisplayClient<W> {
    type Target = u8;
    type Op = Operation;
    type Received = Received;
    type Error = ClientError;
    fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        DisplayClient::follow(self, epoch)
    }
    fn next_received(&mut self) -> Result<Option<Received>, ClientError> {
        self.next()
    }
    fn send_request(&mut self, target: u8, op: Operation) -> Result<u16, ClientError> {
        self.send(target, op)
    }
    fn take_doorbell(&mut self) -> bool {
        DisplayClient::take_doorbell(self)
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
    /// `Hello` said `expected` connectors; `got` so far.
    Gathering { expected: u8, got: Connectors },
    /// Connected.
    Connected(Connectors),
    /// Refused in this epoch.
    Refused,
}

/// One client of the display domain.
pub struct DisplayClient<W: Window + Clone> {
    link: Link<W>,
    window: W,
    state: State,
    next_id: u16,
    doorbell: bool,
    garbage: u64,
}

impl<W: Window + Clone> DisplayClient<W> {
    /// A client on `link` (connected in the current epoch with
    /// `tx = TO_BACKEND`, `rx = TO_CLIENT`) over `window`, the channel's
    /// window (where its buffers live).
    pub fn new(link: Link<W>, window: W) -> Self {
        Self { link, window, state: State::Waiting, next_id: 0, doorbell: true, garbage: 0 }
    }

    /// Follows the channel's epoch (from the kernel): in a new epoch the
    /// link reconnects and the client waits for `Hello` again (the backend
    /// restarted, or we did). True if the epoch changed.
    pub fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        let changed = self.link.follow(epoch)?;
        if changed {
            self.state = State::Waiting;
            self.doorbell = true;
        }
        Ok(changed)
    }

    /// The next thing the backend sent, or `None` for nothing now (the
    /// link is down or the ring is empty). An undecodable or out-of-order
    /// frame is an error, consumed: the next call goes on with the next.
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
                    bulkhead_display::decode::<ToClient>(frame)
                }
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let Ok(message) = message else {
                self.garbage += 1;
                return Err(ClientError::Undecodable);
            };
            let received = match message {
                ToClient::Hello { version, .. } if version != VERSION => {
                    self.state = State::Refused;
                    Received::Refused { version }
                }
                ToClient::Hello { connectors, .. } if usize::from(connectors) > MAX_CONNECTORS => {
                    self.state = State::Refused;
                    self.garbage += 1;
                    return Err(ClientError::OutOfOrder);
                }
                ToClient::Hello { connectors: 0, .. } => self.connected(Vec::new()),
                ToClient::Hello { connectors, .. } => {
                    self.state = State::Gathering { expected: connectors, got: Vec::new() };
                    continue;
                }
                ToClient::Connector(info) => {
                    let State::Gathering { expected, got } = &mut self.state else {
                        self.garbage += 1;
                        return Err(ClientError::OutOfOrder);
                    };
                    // Cannot overflow: `expected` <= MAX_CONNECTORS.
                    let _ = got.push(info);
                    if got.len() < usize::from(*expected) {
                        continue;
                    }
                    let got = core::mem::take(got);
                    self.connected(got)
                }
                ToClient::Response(r) => Received::Response(r),
                ToClient::Event(Event::FlipDone { connector, fb }) => Received::FlipDone { connector, fb },
                ToClient::Event(Event::ProtectedRegionMismatch { connector, region, expected, found }) => {
                    Received::Mismatch { connector, region, expected, found }
                }
            };
            return Ok(Some(received));
        }
    }

    fn connected(&mut self, connectors: Connectors) -> Received {
        self.state = State::Connected(connectors.clone());
        Received::Connected { connectors }
    }

    /// Sends `op` about `connector`; the request's id, which its
    /// [`Received::Response`] carries.
    pub fn send(&mut self, connector: u8, op: Operation) -> Result<u16, ClientError> {
        if !self.is_connected() {
            return Err(ClientError::NotConnected);
        }
        let id = self.next_id.wrapping_add(1);
        let mut scratch = [0u8; MAX_MESSAGE];
        // Every request encodes into MAX_MESSAGE (the protocol's tests pin it).
        let bytes =
            postcard::to_slice(&Request { id, connector, op }, &mut scratch).map_err(|_| ClientError::OutOfArea)?;
        self.link.push(bytes)?;
        self.next_id = id;
        self.doorbell = true;
        Ok(id)
    }

    /// Whether the backend's doorbell should ring (we sent a request or
    /// made room in its ring since the last call); clears the flag.
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

    /// The connectors we may show on (when connected).
    pub fn connectors(&self) -> Option<&[ConnectorInfo]> {
        match &self.state {
            State::Connected(c) => Some(c),
            _ => None,
        }
    }

    /// Frames that were not display messages, in all epochs.
    pub fn garbage(&self) -> u64 {
        self.garbage
    }

    /// The link's epoch.
    pub fn epoch(&self) -> u32 {
        self.link.epoch()
    }

    /// The client's buffer area: where `BufferSource::Client` ranges go
    /// (window offsets).
    pub fn area(&self) -> DataRef {
        client_area(u32::try_from(self.window.size()).unwrap_or(u32::MAX))
    }

    /// The window offset of `len` bytes at window offset `offset`, if they
    /// lie in the buffer area.
    fn checked(&self, offset: u64, len: usize) -> Result<usize, ClientError> {
        let area = self.area();
        let end = offset.checked_add(len as u64).ok_or(ClientError::OutOfArea)?;
        if offset < u64::from(area.offset) || end > u64::from(area.offset) + u64::from(area.len) {
            return Err(ClientError::OutOfArea);
        }
        usize::try_from(offset).map_err(|_| ClientError::OutOfArea)
    }

    /// Copies `bytes` into the window at window offset `offset`, which
    /// must lie in the buffer area.
    pub fn write(&self, offset: u32, bytes: &[u8]) -> Result<(), ClientError> {
        let at = self.checked(u64::from(offset), bytes.len())?;
        self.window.write(at, bytes);
        Ok(())
    }

    /// CRC-32 (ISO-HDLC) of the B, G, R bytes, row by row, of rectangle
    /// `rect` of the XRGB8888 buffer at window offset `base` with rows of
    /// `stride` bytes: what the display domain's self-check and the QEMU
    /// tests compute of the same pixels on screen.
    pub fn shown_crc(&self, base: u32, stride: u32, rect: Rect) -> Result<u32, ClientError> {
        const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
        let mut digest = CRC32.digest();
        let mut row = [0u8; 4 * 256];
        for y in rect.y..rect.y.saturating_add(rect.height) {
            let mut x = rect.x;
            let end = rect.x.saturating_add(rect.width);
            while x < end {
                let n = (end - x).min(256);
                let at = u64::from(base) + u64::from(y) * u64::from(stride) + u64::from(x) * 4;
                let len = n as usize * 4;
                let at = self.checked(at, len)?;
                let chunk = row.get_mut(..len).ok_or(ClientError::OutOfArea)?;
                self.window.read(at, chunk);
                for px in chunk.chunks_exact(4) {
                    digest.update(px.get(..3).unwrap_or_default());
                }
                x += n;
            }
        }
        Ok(digest.finalize())
    }

    /// Copies rectangle `rect` of a local picture `src` (rows of `stride`
    /// bytes, `bpp` bytes per pixel, the same layout as the buffer) into
    /// display buffer `buffer` (a buffer-area range): one copy per row.
    pub fn put_rect(&self, buffer: DataRef, stride: u32, bpp: u32, rect: Rect, src: &[u8]) -> Result<(), ClientError> {
        if rect.is_empty() {
            return Ok(());
        }
        let row_len = u64::from(rect.width) * u64::from(bpp);
        let first = u64::from(rect.x) * u64::from(bpp);
        let last = (rect.bottom() - 1) * u64::from(stride) + first + row_len;
        if first + row_len > u64::from(stride) || last > u64::from(buffer.len) || last > src.len() as u64 {
            return Err(ClientError::OutOfArea);
        }
        self.checked(u64::from(buffer.offset), buffer.len as usize)?;
        for y in rect.y..rect.y + rect.height {
            let at = u64::from(y) * u64::from(stride) + first;
            // In range: checked against `last` above.
            let (from, to) = (
                usize::try_from(at).map_err(|_| ClientError::OutOfArea)?,
                usize::try_from(at + row_len).map_err(|_| ClientError::OutOfArea)?,
            );
            let row = src.get(from..to).ok_or(ClientError::OutOfArea)?;
            self.window.write(usize::try_from(u64::from(buffer.offset) + at).map_err(|_| ClientError::OutOfArea)?, row);
        }
        Ok(())
    }
}
