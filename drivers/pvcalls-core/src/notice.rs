// SPDX-License-Identifier: MIT
//! What the backend has to tell the domain's log: firewall refusals (once
//! per rule and client), address changes, clients that broke a data ring.
//! Both the queue and the memory of refusals already told are bounded, so
//! a client that tries every address cannot grow the backend.
//!
//! Owns the notices and their de-duplication; must not decide anything.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bulkhead_pvcalls::Address;
use smoltcp::wire::Ipv4Cidr;

/// Notices waiting for the domain; later ones are dropped (and counted).
pub const MAX_QUEUED: usize = 128;
/// Refusals remembered for de-duplication; past this, refusals are no
/// longer told (the log cannot be flooded).
pub const MAX_REMEMBERED: usize = 256;

/// What the firewall refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A CONNECT to this peer.
    Connect(Address),
    /// A LISTEN on this port.
    Listen(u16),
    /// A BIND to this local address.
    Bind(Address),
}

/// Something the domain prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Client `client` asked for something its policy does not allow.
    Refused {
        /// The client.
        client: u8,
        /// What.
        what: Refusal,
    },
    /// The interface has this address now (static, or from DHCP).
    Address(Ipv4Cidr),
    /// The DHCP lease was lost: no address until the server answers again.
    AddressLost,
    /// Client `client` broke the data ring of its socket `socket` (its
    /// indices lied): that socket was reset, nothing else.
    BrokeRing {
        /// The client.
        client: u8,
        /// Its socket id.
        socket: u64,
    },
}

impl core::fmt::Display for Refusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Refusal::Connect(a) => write!(f, "connect to {a}"),
            Refusal::Listen(port) => write!(f, "listen on port {port}"),
            Refusal::Bind(a) => write!(f, "bind to {a}"),
        }
    }
}

/// The queue.
#[derive(Default)]
pub(crate) struct Notices {
    queue: VecDeque<Notice>,
    told: Vec<(u8, Refusal)>,
    dropped: u64,
}

impl Notices {
    pub(crate) fn push(&mut self, notice: Notice) {
        if self.queue.len() >= MAX_QUEUED {
            self.dropped += 1;
            return;
        }
        self.queue.push_back(notice);
    }

    /// Tells a refusal unless it was told before.
    pub(crate) fn refused(&mut self, client: u8, what: Refusal) {
        if self.told.contains(&(client, what)) || self.told.len() >= MAX_REMEMBERED {
            return;
        }
        self.told.push((client, what));
        self.push(Notice::Refused { client, what });
    }

    pub(crate) fn pop(&mut self) -> Option<Notice> {
        self.queue.pop_front()
    }
}
