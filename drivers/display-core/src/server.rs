// SPDX-License-Identifier: MIT
//! The display backend as a [`bulkhead_session::Service`]: what a
//! client's session hands it (requests, the greeting, a new epoch) and
//! how the display protocol's rings sit in the channel ([`LAYOUT`]: its
//! events share the reply ring). The session itself (epochs, outbox,
//! throttling a slow client) is `bulkhead_session`'s, shared by every
//! driver domain.
//!
//! Owns only the mapping from session to backend; must not decide anything
//! about pixels.

use crate::backend::Backend;
use crate::buffers::WindowSpan;
use crate::policy::ClientId;
use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT, backend_area};
use bulkhead_display::{ConnectorInfo, Event, Payload, Request, Response, Status, ToClient, VERSION};
use bulkhead_ring::ClientWindow;
use bulkhead_session::{Layout, Service};

pub use bulkhead_session::Served;

/// One display client's session.
pub type Session<W> = bulkhead_session::Session<Backend, W>;

/// Where the display protocol's rings sit in a channel window.
pub const LAYOUT: Layout = Layout { hello: HELLO, to_client: TO_CLIENT, to_backend: TO_BACKEND, events: None };

impl Service for Backend {
    type Request = Request;
    type Reply = ToClient;
    type Event = Event;

    fn connect(&mut self, client: ClientId, window_len: usize) {
        Backend::connect(self, client, span(window_len));
    }

    /// The protocol version, then each connector the client may show on.
    fn greet(&self, client: ClientId, out: &mut dyn FnMut(ToClient)) {
        let connectors = &self.policy().connectors;
        let mine = || connectors.iter().enumerate().filter(|(_, c)| c.placements.iter().any(|p| p.client == client));
        let count = u8::try_from(mine().count()).unwrap_or(u8::MAX);
        out(ToClient::Hello { version: VERSION, connectors: count });
        for (n, c) in mine() {
            let connector = u8::try_from(n).unwrap_or(u8::MAX);
            out(ToClient::Connector(ConnectorInfo { connector, width: c.width, height: c.height }));
        }
    }

    fn request(&mut self, client: ClientId, window: &mut dyn ClientWindow, request: &Request) -> ToClient {
        ToClient::Response(Backend::request(self, client, window, request))
    }

    fn undecodable(&self) -> ToClient {
        ToClient::Response(Response { id: u16::MAX, status: Status::InvalidArgument, payload: Payload::None })
    }

    fn event_as_reply(event: Event) -> Option<ToClient> {
        Some(ToClient::Event(event))
    }
}

fn span(len: usize) -> WindowSpan {
    let len32 = u32::try_from(len).unwrap_or(u32::MAX);
    WindowSpan { len: len as u64, backend_area: backend_area(len32) }
}
