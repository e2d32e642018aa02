// SPDX-License-Identifier: MIT
//! A driver domain's clients, as its main loop sees them: each client's
//! channel `<prefix>-<client>` found in the capability table, its
//! [`Session`] with the backend, and whose doorbell to ring after a pass.
//! The display and sound domains serve their clients through it; the
//! decisions stay in their backends (`bulkhead_session::Service`).
//!
//! Owns the channel ends and the sessions; must not decide anything a
//! backend decides. Needs the domain's heap (`domain-rt` feature `heap`):
//! each window is allocated once and lives as long as the domain.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use bulkhead_ring_hal::SharedWindow;
use bulkhead_session::{Layout, Service, Session, SetupError};
use core::fmt::Write;
use domain_rt::caps::ChannelEnd;

/// The longest channel name.
pub type ChannelName = heapless::String<40>;

/// Why the clients could not be connected or served.
#[derive(Debug)]
pub enum ClientsError {
    /// No channel of this name in the capability table.
    NoChannel(ChannelName),
    /// Client `n`'s channel could not be (re)connected.
    Setup(usize, SetupError),
}

/// Every client of one driver domain.
pub struct Clients<S: Service> {
    ends: Vec<ChannelEnd>,
    sessions: Vec<Session<S, &'static SharedWindow>>,
    /// Client `n` was sent something since the last [`Clients::ring`].
    sent: Vec<bool>,
}

impl<S: Service> Clients<S> {
    /// Finds `<prefix>-<client>` for each of `clients` (client `n` is the
    /// `n`th), connects a session on each in its current epoch, and rings
    /// each client's doorbell.
    pub fn connect<'a>(
        service: &mut S,
        prefix: &str,
        clients: impl IntoIterator<Item = &'a str>,
        layout: Layout,
    ) -> Result<Self, ClientsError> {
        let mut ends = Vec::new();
        for client in clients {
            let mut name = ChannelName::new();
            let _ = write!(name, "{prefix}-{client}");
            ends.push(ChannelEnd::find(&name).ok_or(ClientsError::NoChannel(name))?);
        }
        let mut sessions = Vec::new();
        for (n, end) in ends.iter().enumerate() {
            let window: &'static SharedWindow = Box::leak(Box::new(end.window()));
            let client = u8::try_from(n).unwrap_or(u8::MAX);
            let side = u8::try_from(end.info.end).unwrap_or(u8::MAX);
            let session = Session::connect(service, client, window, layout, side, end.epoch())
                .map_err(|e| ClientsError::Setup(n, e))?;
            sessions.push(session);
            end.notify();
        }
        let sent = alloc::vec![false; ends.len()];
        Ok(Clients { ends, sessions, sent })
    }

    /// How many clients.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Serves every client once: follows its channel's epoch, serves its
    /// requests, flushes what is queued for it.
    pub fn serve(&mut self, service: &mut S) -> Result<(), ClientsError> {
        for (n, (session, end)) in self.sessions.iter_mut().zip(self.ends.iter()).enumerate() {
            let served = session.serve(service, end.epoch()).map_err(|e| ClientsError::Setup(n, e))?;
            if let Some(sent) = self.sent.get_mut(n) {
                *sent |= served.sent;
            }
        }
        Ok(())
    }

    /// Queues `event` for client `client`; false if it could not be
    /// queued (no such client, or its backlog is full).
    pub fn post(&mut self, client: u8, event: S::Event) -> bool {
        self.sessions.get_mut(usize::from(client)).is_some_and(|s| s.post(event))
    }

    /// Marks client `client` for [`Clients::ring`]: the backend moved
    /// something the client should look at (bytes in a data ring).
    pub fn wake(&mut self, client: u8) {
        if let Some(sent) = self.sent.get_mut(usize::from(client)) {
            *sent = true;
        }
    }

    /// Rings the doorbell of every client sent something since the last
    /// call.
    pub fn ring(&mut self) {
        for (end, sent) in self.ends.iter().zip(self.sent.iter_mut()) {
            if core::mem::take(sent) {
                end.notify();
            }
        }
    }
}
