// SPDX-License-Identifier: MIT
//! One client's session over its channel: the link and its epochs, the
//! greeting (protocol version and the connectors the client may use), its
//! requests handed to the [`Backend`], and everything the backend has to
//! tell it (responses, flip-done events, self-check reports), queued while
//! its ring is full.
//!
//! Owns the session state; must not decide anything about pixels. A full
//! outbox drops nothing silently: the oldest message waits, and requests
//! are not read while a response could not be queued (the client is slow:
//! it is throttled, not lost).

use crate::backend::{Backend, ClientWindow};
use crate::buffers::WindowSpan;
use crate::policy::ClientId;
use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT, backend_area};
use bulkhead_display::{ConnectorInfo, Event, MAX_MESSAGE, Request, Response, Status, ToClient, VERSION, decode};
use bulkhead_ring::{Link, LinkError, RingError, SetupError, Window};
use heapless::Deque;

/// Messages waiting for room on a client's ring.
pub const OUTBOX: usize = 32;

/// A window as the backend sees it.
struct View<'a, W: Window>(&'a W);

impl<W: Window> ClientWindow for View<'_, W> {
    fn len(&self) -> u64 {
        self.0.size() as u64
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> bool {
        let Ok(at) = usize::try_from(offset) else { return false };
        if at.checked_add(out.len()).is_none_or(|end| end > self.0.size()) {
            return false;
        }
        self.0.read(at, out);
        true
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        let Ok(at) = usize::try_from(offset) else { return false };
        if at.checked_add(data.len()).is_none_or(|end| end > self.0.size()) {
            return false;
        }
        self.0.write(at, data);
        true
    }
}

/// What one call of [`Session::serve`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// The session (re)connected in a new epoch.
    pub reconnected: bool,
    /// Requests handled.
    pub requests: u32,
    /// Messages put on the client's ring: ring its doorbell.
    pub sent: bool,
    /// Frames that could not be decoded (each answered with `InvalidArgument`
    /// when an id could be read, else dropped and counted here).
    pub undecodable: u32,
}

/// One client's session.
pub struct Session<W: Window + Clone> {
    client: ClientId,
    link: Link<W>,
    greeted: bool,
    outbox: Deque<ToClient, OUTBOX>,
}

impl<W: Window + Clone> Session<W> {
    /// Connects the backend's end `end` of client `client`'s channel in
    /// `epoch`, and registers the client with `backend`.
    pub fn connect(
        backend: &mut Backend,
        client: ClientId,
        window: W,
        end: u8,
        epoch: u32,
    ) -> Result<Self, SetupError> {
        let len = window.size();
        let link = Link::connect(window, end, epoch, HELLO, TO_CLIENT, TO_BACKEND)?;
        backend.connect(client, span(len));
        Ok(Session { client, link, greeted: false, outbox: Deque::new() })
    }

    /// Queues `event` for the client.
    pub fn post(&mut self, event: Event) -> bool {
        self.outbox.push_back(ToClient::Event(event)).is_ok()
    }

    /// Follows the channel's `epoch`, greets, serves requests and flushes
    /// the outbox.
    pub fn serve(&mut self, backend: &mut Backend, epoch: u32) -> Result<Served, SetupError> {
        let mut served = Served::default();
        if self.link.follow(epoch)? {
            backend.connect(self.client, span(self.link.tx().window().size()));
            self.greeted = false;
            self.outbox.clear();
            served.reconnected = true;
        }
        if self.link.poll().is_err() {
            return Ok(served);
        }
        if !self.greeted {
            self.greet(backend);
        }
        self.flush(&mut served);
        let mut buf = [0u8; MAX_MESSAGE];
        // Leave room for the answer of every request taken.
        while self.outbox.is_empty() {
            let frame = match self.link.pop(&mut buf) {
                Ok(frame) => frame,
                Err(LinkError::Ring(RingError::Empty)) | Err(_) => break,
            };
            let response = match decode::<Request>(frame) {
                Ok(request) => {
                    served.requests += 1;
                    let mut view = View(self.link.rx().window());
                    backend.request(self.client, &mut view, &request)
                }
                Err(_) => {
                    served.undecodable += 1;
                    Response { id: u16::MAX, status: Status::InvalidArgument, payload: bulkhead_display::Payload::None }
                }
            };
            let _ = self.outbox.push_back(ToClient::Response(response));
            self.flush(&mut served);
        }
        Ok(served)
    }

    fn greet(&mut self, backend: &Backend) {
        let mut mine: heapless::Vec<ConnectorInfo, { crate::policy::MAX_CONNECTORS }> = heapless::Vec::new();
        for (n, c) in backend.policy().connectors.iter().enumerate() {
            if c.placements.iter().any(|p| p.client == self.client) {
                let connector = u8::try_from(n).unwrap_or(u8::MAX);
                let _ = mine.push(ConnectorInfo { connector, width: c.width, height: c.height });
            }
        }
        let count = u8::try_from(mine.len()).unwrap_or(u8::MAX);
        // The greeting goes before anything already queued.
        let mut greeting: Deque<ToClient, OUTBOX> = Deque::new();
        let _ = greeting.push_back(ToClient::Hello { version: VERSION, connectors: count });
        for info in &mine {
            let _ = greeting.push_back(ToClient::Connector(*info));
        }
        while let Some(m) = self.outbox.pop_front() {
            if greeting.push_back(m).is_err() {
                break;
            }
        }
        self.outbox = greeting;
        self.greeted = true;
    }

    fn flush(&mut self, served: &mut Served) {
        let mut scratch = [0u8; MAX_MESSAGE];
        while let Some(message) = self.outbox.front() {
            let Ok(bytes) = postcard::to_slice(message, &mut scratch) else {
                self.outbox.pop_front();
                continue;
            };
            match self.link.push(bytes) {
                Ok(()) => {
                    self.outbox.pop_front();
                    served.sent = true;
                }
                Err(_) => break,
            }
        }
    }
}

fn span(len: usize) -> WindowSpan {
    let len32 = u32::try_from(len).unwrap_or(u32::MAX);
    WindowSpan { len: len as u64, backend_area: backend_area(len32) }
}
