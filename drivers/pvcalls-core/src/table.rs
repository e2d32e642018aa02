// SPDX-License-Identifier: MIT
//! One client's sockets: what each socket id is now (fresh, connecting,
//! connected with its data ring, listening with its backlog slots, or
//! dead after its client broke its ring), and what they cost against the
//! client's limits.
//!
//! Owns the per-client tables (a client can only ever name its own
//! sockets); must not drive smoltcp (the backend does).

use crate::rings::Rings;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use bulkhead_pvcalls::Event;
use bulkhead_pvcalls::stream::{Reader, Writer};
use bulkhead_ring::Window;
use smoltcp::iface::SocketHandle;

use crate::policy::ClientPolicy;

/// A connection's data ring, both ends as the backend holds them.
pub(crate) struct Connection<W: Window> {
    pub handle: SocketHandle,
    pub rings: Rings,
    /// The client's outbound stream: what goes to the network.
    pub to_net: Reader<W>,
    /// The client's inbound stream: what came from the network.
    pub to_client: Writer<W>,
    /// The client closed (or reset) its outbound stream and we acted on it.
    pub out_done: bool,
    /// The inbound stream's final state was published.
    pub in_done: bool,
    /// The peer sent FIN.
    pub saw_fin: bool,
}

/// A request waiting on a listener.
pub(crate) enum Pending {
    Accept { request: u16, new_socket: u64, rings: Rings },
    Poll { request: u16 },
}

pub(crate) struct Listener {
    pub port: u16,
    /// One listening smoltcp socket per backlog slot.
    pub slots: Vec<SocketHandle>,
    pub pending: Option<Pending>,
}

pub(crate) enum Entry<W: Window> {
    /// Created, maybe bound to a local port.
    Fresh {
        bound: Option<u16>,
    },
    Connecting {
        handle: SocketHandle,
        rings: Rings,
        request: u16,
        deadline: u64,
        bound: Option<u16>,
    },
    Connected(Connection<W>),
    Listening(Listener),
    /// Reset because the client broke its ring: only RELEASE is left.
    Dead,
}

impl<W: Window> Entry<W> {
    /// Sockets it counts toward `max_sockets`.
    pub fn weight(&self) -> usize {
        match self {
            Entry::Listening(l) => l.slots.len() + usize::from(matches!(l.pending, Some(Pending::Accept { .. }))),
            _ => 1,
        }
    }

    /// The data ring it holds (or has reserved).
    pub fn rings(&self) -> Option<&Rings> {
        match self {
            Entry::Connecting { rings, .. } => Some(rings),
            Entry::Connected(c) => Some(&c.rings),
            Entry::Listening(Listener { pending: Some(Pending::Accept { rings, .. }), .. }) => Some(rings),
            _ => None,
        }
    }
}

/// One client.
pub(crate) struct Client<W: Window> {
    pub policy: ClientPolicy,
    pub window: W,
    pub entries: BTreeMap<u64, Entry<W>>,
    pub events: VecDeque<Event>,
    /// Something moved on its rings since the last poll: ring its doorbell.
    pub ring: bool,
}

impl<W: Window> Client<W> {
    pub fn new(policy: ClientPolicy, window: W) -> Self {
        Self { policy, window, entries: BTreeMap::new(), events: VecDeque::new(), ring: false }
    }

    /// Sockets in use.
    pub fn sockets(&self) -> usize {
        self.entries.values().map(Entry::weight).sum()
    }

    /// Whether `extra` more sockets fit.
    pub fn room_for(&self, extra: usize) -> bool {
        self.sockets() + extra <= usize::from(self.policy.max_sockets)
    }

    /// The rings in use.
    pub fn rings(&self) -> impl Iterator<Item = &Rings> + Clone {
        self.entries.values().filter_map(Entry::rings)
    }

    pub fn complete(&mut self, request: u16, socket: u64, errno: bulkhead_pvcalls::Errno) {
        self.events.push_back(Event::Completed(bulkhead_pvcalls::Response { id: request, socket, errno }));
        self.ring = true;
    }
}
