// SPDX-License-Identifier: MIT
//! The sound backend as a [`bulkhead_session::Service`]: what a client's
//! session hands it (requests, the greeting, a new epoch), and where the
//! sound protocol's rings sit ([`LAYOUT`]: events on their own ring, as
//! sndif's event channel). The session itself is `bulkhead_session`'s.
//!
//! Owns only the mapping from session to backend; must not mix.

use crate::backend::Backend;
use crate::policy::ClientId;
use bulkhead_ring::ClientWindow;
use bulkhead_session::{Layout, Service};
use bulkhead_sound::channel::{EVENTS, HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_sound::{
    Direction, Event, Hello, Payload, Request, Response, Status, StreamId, StreamInfo, ToClient, VERSION,
};

pub use bulkhead_session::Served;

/// One sound client's session.
pub type Session<W> = bulkhead_session::Session<Backend, W>;

/// Where the sound protocol's rings sit in a channel window.
pub const LAYOUT: Layout = Layout { hello: HELLO, to_client: TO_CLIENT, to_backend: TO_BACKEND, events: Some(EVENTS) };

/// The streams client `client` may open under `backend`'s policy: its
/// playback streams (even numbers on card 0, device 0), then its capture
/// stream (stream 1) if it receives capture and the device captures.
pub fn offered(backend: &Backend, client: ClientId) -> heapless::Vec<StreamInfo, 16> {
    let mut streams = heapless::Vec::new();
    let Some(rights) = backend.policy().client(client) else { return streams };
    let at = |stream: u8| StreamId { card: 0, device: 0, stream };
    for n in 0..rights.max_playback.min(15) {
        let _ = streams.push(StreamInfo { id: at(2 * n), direction: Direction::Playback });
    }
    if rights.capture && backend.captures() {
        let _ = streams.push(StreamInfo { id: at(1), direction: Direction::Capture });
    }
    streams
}

impl Service for Backend {
    type Request = Request;
    type Reply = ToClient;
    type Event = Event;

    fn connect(&mut self, client: ClientId, _window_len: usize) {
        self.disconnect(client);
    }

    fn greet(&self, client: ClientId, out: &mut dyn FnMut(ToClient)) {
        let streams = offered(self, client);
        let count = u8::try_from(streams.len()).unwrap_or(u8::MAX);
        out(ToClient::Hello(Hello::Connected { version: VERSION, streams: count }));
        for s in streams {
            out(ToClient::Stream(s));
        }
    }

    fn request(&mut self, client: ClientId, window: &mut dyn ClientWindow, request: &Request) -> ToClient {
        ToClient::Response(Backend::request(self, client, window, request))
    }

    fn undecodable(&self) -> ToClient {
        ToClient::Response(Response { id: u16::MAX, status: Status::InvalidArgument, payload: Payload::None })
    }

    fn event_as_reply(_: Event) -> Option<ToClient> {
        None
    }
}
