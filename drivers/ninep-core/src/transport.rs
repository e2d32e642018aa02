// SPDX-License-Identifier: MIT
//! One client's connection: its channel's link and epochs, one 9P message
//! per ring frame (`bulkhead_ninep::channel`), each request handed to the
//! server and its reply pushed back.
//!
//! Owns the link and the one reply that may wait for room; must not decide
//! anything about files. Nothing is dropped:
//! - a reply that does not fit in the client's ring waits, and no further
//!   request is taken until it is sent (a slow client throttles itself);
//! - the request buffer holds the ring's largest frame, so every frame is
//!   read and answered (one over msize with `EMSGSIZE`);
//! - a ring whose indices lie is broken for this epoch: that client stops
//!   until its next epoch, and the other clients carry on;
//! - at most [`BATCH`] requests are served per call, so one busy client
//!   cannot keep the others waiting.

use crate::server::Server;
use crate::store::Disk;
use alloc::vec;
use alloc::vec::Vec;
use bulkhead_ninep::MAX_MSIZE;
use bulkhead_ninep::channel::{HELLO, RING_CAPACITY, TO_BACKEND, TO_CLIENT};
use bulkhead_ring::{Link, LinkError, RingError, SetupError, Window};

/// Requests served per call of [`Connection::serve`].
pub const BATCH: u32 = 8;

/// What one call of [`Connection::serve`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// The connection followed a new epoch.
    pub reconnected: bool,
    /// Requests answered.
    pub requests: u32,
    /// Replies pushed: ring the client's doorbell.
    pub sent: bool,
    /// The client's ring is broken (it lied about an index) until its
    /// next epoch.
    pub broken: bool,
}

/// The backend's end of one client's channel.
pub struct Connection<W: Window + Clone> {
    client: usize,
    link: Link<W>,
    request: Vec<u8>,
    reply: Vec<u8>,
    /// Bytes of `reply` waiting for room in the client's ring.
    pending: usize,
}

impl<W: Window + Clone> Connection<W> {
    /// Connects the backend's end `end` of client `client`'s channel in
    /// `epoch`, and resets the client's session on `server`.
    pub fn connect<D: Disk>(
        server: &mut Server<D>,
        client: usize,
        window: W,
        end: u8,
        epoch: u32,
    ) -> Result<Self, SetupError> {
        let link = Link::connect(window, end, epoch, HELLO, TO_CLIENT, TO_BACKEND)?;
        server.reset(client);
        Ok(Self {
            client,
            link,
            request: vec![0; RING_CAPACITY as usize],
            reply: vec![0; MAX_MSIZE as usize],
            pending: 0,
        })
    }

    /// The client.
    #[must_use]
    pub fn client(&self) -> usize {
        self.client
    }

    /// A reply waits for room in the client's ring. The client may take
    /// the replies before it without ringing our doorbell, so a domain
    /// that sleeps must wake up again by itself (a timer) while this is
    /// true.
    #[must_use]
    pub fn waiting(&self) -> bool {
        self.pending > 0
    }

    fn push_pending(&mut self, served: &mut Served) -> bool {
        if self.pending == 0 {
            return true;
        }
        let Some(bytes) = self.reply.get(..self.pending) else { return false };
        if self.link.push(bytes).is_err() {
            return false;
        }
        self.pending = 0;
        served.sent = true;
        true
    }

    /// Follows the channel's `epoch`, then serves up to [`BATCH`] requests.
    pub fn serve<D: Disk>(&mut self, server: &mut Server<D>, epoch: u32) -> Result<Served, SetupError> {
        let mut served = Served::default();
        if epoch != self.link.epoch() {
            self.link.follow(epoch)?;
            server.reset(self.client);
            self.pending = 0;
            served.reconnected = true;
        }
        if self.link.poll().is_err() {
            return Ok(served);
        }
        while served.requests < BATCH && self.push_pending(&mut served) {
            let len = match self.link.pop(&mut self.request) {
                Ok(frame) => frame.len(),
                Err(LinkError::Ring(RingError::Broken(_))) => {
                    served.broken = true;
                    break;
                }
                Err(_) => break,
            };
            let frame = self.request.get(..len).unwrap_or(&[]);
            self.pending = server.handle(self.client, frame, &mut self.reply);
            served.requests += 1;
        }
        served.broken |= self.link.rx().is_broken();
        Ok(served)
    }
}
