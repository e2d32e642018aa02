// SPDX-License-Identifier: MIT
//! One client's session with a driver domain's backend, over the client's
//! channel: the link and its epochs, the greeting, the client's requests
//! handed to the backend, and what the backend has to tell the client
//! (replies on the reply ring; events on their own ring where the protocol
//! has one, as sndif does), queued while a ring is full.
//!
//! Every driver domain (display, sound, 9pfs, PV Calls) serves its clients
//! through this crate; what differs is the [`Service`] (the backend) and
//! the [`Layout`] (where the protocol's rings sit in the window).
//!
//! Owns the session state; must not decide anything a protocol decides.
//! Nothing is dropped silently:
//! - a full reply outbox stops the session from reading requests (the
//!   client is slow: it is throttled, not lost), so every request taken
//!   gets its reply;
//! - [`Session::post`] says when an event could not be queued;
//! - a frame that cannot be decoded is answered with the service's
//!   [`Service::undecodable`] reply and counted;
//! - a frame larger than [`MAX_FRAME`] stays in the ring, and the session
//!   reports it ([`Served::oversize`]) on every call: only that client
//!   stalls, by its own doing.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

/// Why a session could not be connected (the link's set-up error).
pub use bulkhead_ring::SetupError;
use bulkhead_ring::{Checked, ClientWindow, Hello, Link, LinkError, Producer, RingError, RingLayout, Window, decode};
use heapless::Deque;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A client, by its index in the domain's client list.
pub type ClientId = u8;
/// Replies waiting for room on a client's reply ring.
pub const OUTBOX: usize = 32;
/// Events waiting for room on a client's event ring.
pub const EVENT_BACKLOG: usize = 64;
/// The largest frame a session reads or writes.
pub const MAX_FRAME: usize = 256;

/// A backend, as its sessions see it.
pub trait Service {
    /// A client's request.
    type Request: DeserializeOwned;
    /// What goes on the reply ring: replies and the greeting (and events,
    /// for a protocol without an event ring).
    type Reply: Serialize;
    /// What goes on the event ring.
    type Event: Serialize;

    /// Client `client`'s channel is up in a new epoch (or for the first
    /// time) with a `window_len`-byte window: forget whatever the client
    /// had (its streams, buffers, fids).
    fn connect(&mut self, client: ClientId, window_len: usize);
    /// The greeting of `client`, in order; sent before anything else in
    /// each epoch.
    fn greet(&self, client: ClientId, out: &mut dyn FnMut(Self::Reply));
    /// Handles one request; `window` is the client's window, checked.
    fn request(&mut self, client: ClientId, window: &mut dyn ClientWindow, request: &Self::Request) -> Self::Reply;
    /// The reply to a frame that could not be decoded as a request.
    fn undecodable(&self) -> Self::Reply;
    /// An event as a reply, for a protocol whose events share the reply
    /// ring (a [`Layout`] without an event ring). `None`: cannot be sent.
    fn event_as_reply(event: Self::Event) -> Option<Self::Reply>;
}

/// Where a protocol's rings sit in a channel window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The link handshake.
    pub hello: Hello,
    /// Backend to client: replies (and events, without `events`).
    pub to_client: RingLayout,
    /// Client to backend: requests.
    pub to_backend: RingLayout,
    /// Backend to client: events, where the protocol gives them a ring.
    pub events: Option<RingLayout>,
}

/// What one call of [`Session::serve`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// The session (re)connected in a new epoch.
    pub reconnected: bool,
    /// Requests handled.
    pub requests: u32,
    /// Messages put on the client's rings: ring its doorbell.
    pub sent: bool,
    /// Frames that could not be decoded (each answered with
    /// [`Service::undecodable`]).
    pub undecodable: u32,
    /// The next frame is larger than [`MAX_FRAME`]: it stays, and the
    /// client's requests stall behind it.
    pub oversize: bool,
}

/// One client's session.
pub struct Session<S: Service, W: Window + Clone> {
    client: ClientId,
    layout: Layout,
    link: Link<W>,
    events: Option<Producer<W>>,
    greeted: bool,
    outbox: Deque<S::Reply, OUTBOX>,
    backlog: Deque<S::Event, EVENT_BACKLOG>,
}

fn event_ring<W: Window + Clone>(window: &W, layout: &Layout) -> Result<Option<Producer<W>>, SetupError> {
    layout.events.map(|ring| Producer::new(window.clone(), ring).map_err(SetupError::Layout)).transpose()
}

impl<S: Service, W: Window + Clone> Session<S, W> {
    /// Connects the backend's end `end` of client `client`'s channel in
    /// `epoch`, and tells `service` the client is there. Ring the client's
    /// doorbell afterwards.
    pub fn connect(
        service: &mut S,
        client: ClientId,
        window: W,
        layout: Layout,
        end: u8,
        epoch: u32,
    ) -> Result<Self, SetupError> {
        // The event ring is reset before the link says READY, so a client
        // that sees us in this epoch sees an empty event ring.
        let events = event_ring(&window, &layout)?;
        let len = window.size();
        let link = Link::connect(window, end, epoch, layout.hello, layout.to_client, layout.to_backend)?;
        service.connect(client, len);
        Ok(Session { client, layout, link, events, greeted: false, outbox: Deque::new(), backlog: Deque::new() })
    }

    /// The client.
    pub fn client(&self) -> ClientId {
        self.client
    }

    /// Queues `event` for the client; false if it could not be queued
    /// (the client has not read its events for a long time).
    pub fn post(&mut self, event: S::Event) -> bool {
        if self.events.is_some() {
            return self.backlog.push_back(event).is_ok();
        }
        match S::event_as_reply(event) {
            Some(reply) => self.outbox.push_back(reply).is_ok(),
            None => false,
        }
    }

    /// Events and replies waiting for room.
    pub fn waiting(&self) -> usize {
        self.outbox.len() + self.backlog.len()
    }

    /// Follows the channel's `epoch`, greets, serves requests and flushes
    /// what is queued.
    pub fn serve(&mut self, service: &mut S, epoch: u32) -> Result<Served, SetupError> {
        let mut served = Served::default();
        if epoch != self.link.epoch() {
            let window = self.link.tx().window().clone();
            self.events = event_ring(&window, &self.layout)?;
            self.link.follow(epoch)?;
            service.connect(self.client, window.size());
            self.greeted = false;
            self.outbox.clear();
            self.backlog.clear();
            served.reconnected = true;
        }
        if self.link.poll().is_err() {
            return Ok(served);
        }
        if !self.greeted {
            self.greet(service);
        }
        self.flush(&mut served);
        let mut buf = [0u8; MAX_FRAME];
        // Leave room for the reply of every request taken.
        while self.outbox.is_empty() {
            let frame = match self.link.pop(&mut buf) {
                Ok(frame) => frame,
                Err(LinkError::Ring(RingError::BufferTooSmall { .. })) => {
                    served.oversize = true;
                    break;
                }
                Err(_) => break,
            };
            let reply = match decode::<S::Request>(frame) {
                Ok(request) => {
                    served.requests += 1;
                    let mut window = Checked(self.link.rx().window());
                    service.request(self.client, &mut window, &request)
                }
                Err(_) => {
                    served.undecodable += 1;
                    service.undecodable()
                }
            };
            let _ = self.outbox.push_back(reply);
            self.flush(&mut served);
        }
        Ok(served)
    }

    fn greet(&mut self, service: &S) {
        // The greeting goes before anything already queued.
        let mut greeting: Deque<S::Reply, OUTBOX> = Deque::new();
        service.greet(self.client, &mut |m| {
            let _ = greeting.push_back(m);
        });
        while let Some(m) = self.outbox.pop_front() {
            if greeting.push_back(m).is_err() {
                break;
            }
        }
        self.outbox = greeting;
        self.greeted = true;
    }

    fn flush(&mut self, served: &mut Served) {
        let mut scratch = [0u8; MAX_FRAME];
        while let Some(message) = self.outbox.front() {
            let Ok(bytes) = postcard::to_slice(message, &mut scratch) else {
                self.outbox.pop_front();
                continue;
            };
            if self.link.push(bytes).is_err() {
                break;
            }
            self.outbox.pop_front();
            served.sent = true;
        }
        let Some(ring) = self.events.as_mut() else { return };
        while let Some(event) = self.backlog.front() {
            let Ok(bytes) = postcard::to_slice(event, &mut scratch) else {
                self.backlog.pop_front();
                continue;
            };
            if ring.push(bytes).is_err() {
                break;
            }
            self.backlog.pop_front();
            served.sent = true;
        }
    }
}
