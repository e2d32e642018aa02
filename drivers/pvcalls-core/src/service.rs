// SPDX-License-Identifier: MIT
//! The backend as its sessions see it ([`bulkhead_session::Service`]),
//! and where PV Calls' rings sit in a channel window ([`LAYOUT`]: events
//! on their own ring).
//!
//! Owns the mapping between the session and the backend; must not decide
//! anything about sockets (`ops` does).

use crate::backend::Backend;
use bulkhead_pvcalls::{Errno, Event, Hello, Request, Response, ToClient, VERSION, channel};
use bulkhead_ring::{ClientWindow, Window};
use bulkhead_session::{ClientId, Layout, Service};
use smoltcp::phy::Device;

/// PV Calls in a channel window.
pub const LAYOUT: Layout = Layout {
    hello: channel::HELLO,
    to_client: channel::TO_CLIENT,
    to_backend: channel::TO_BACKEND,
    events: Some(channel::EVENTS),
};

impl<D: Device, W: Window + Clone> Service for Backend<D, W> {
    type Request = Request;
    type Reply = ToClient;
    type Event = Event;

    fn connect(&mut self, client: ClientId, _window_len: usize) {
        self.forget(client);
    }

    fn greet(&self, client: ClientId, out: &mut dyn FnMut(ToClient)) {
        let (max_sockets, max_ring_bytes) =
            self.clients.get(usize::from(client)).map_or((0, 0), |c| (c.policy.max_sockets, c.policy.max_ring_bytes));
        out(ToClient::Hello(Hello { version: VERSION, max_sockets, max_ring_bytes }));
    }

    /// The client's window is the backend's own `W` for that client (the
    /// same memory): the checked view is not needed.
    fn request(&mut self, client: ClientId, _window: &mut dyn ClientWindow, request: &Request) -> ToClient {
        ToClient::Response(self.handle(client, request))
    }

    fn undecodable(&self) -> ToClient {
        ToClient::Response(Response { id: 0, socket: 0, errno: Errno::Inval })
    }

    fn event_as_reply(_event: Event) -> Option<ToClient> {
        None
    }
}
