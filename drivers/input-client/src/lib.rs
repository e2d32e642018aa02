// SPDX-License-Identifier: MIT
//! The client side of the input protocol, for a bare-metal guest
//! (`no_std`, no allocation): connects to the input domain over a channel
//! [`Link`], receives the grant and the devices' capabilities, then events
//! and drop reports, and follows the channel's epochs.
//!
//! Owns: the client's session (connect request, reply, counters). Must not
//! touch: the kernel: the domain passes the channel's epoch to
//! [`InputClient::follow`] and rings the backend's doorbell when
//! [`InputClient::take_doorbell`] says so. A loop:
//!
//! ```text
//! loop {
//!     client.follow(end.epoch())?;
//!     while let Some(received) = client.next_event()? {
//!         match received {
//!             Received::Event(e) => handle(e),
//!             Received::Dropped { .. } => release_everything_held(),
//!             Received::Connected { .. } | Received::Refused { .. } => {}
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

use bulkhead_input::{Capabilities, Event, Features, Message, Request, VERSION, decode_message};
use bulkhead_ring::{Link, LinkError, RingError, SetupError, Window};

/// The largest message the backend sends.
pub const MAX_MESSAGE: usize = 256;

/// What the client got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// The backend accepted the connection (in this epoch).
    Connected {
        /// What the client may receive.
        granted: Features,
        /// What the devices report: keys, axis ranges, touch contacts.
        capabilities: Capabilities,
    },
    /// The backend speaks another protocol version.
    Refused {
        /// The backend's version.
        version: u16,
    },
    /// An input event.
    Event(Event),
    /// The backend dropped this many of our oldest events (we were slow):
    /// whatever the client believes is held down may have been released.
    Dropped {
        /// How many.
        count: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `Connect` still to be sent in this epoch.
    Connecting,
    /// `Connect` sent, no answer yet.
    Waiting,
    /// Connected.
    Connected { granted: Features, capabilities: Capabilities },
    /// Refused in this epoch.
    Refused,
}

/// One client of the input domain.
pub struct InputClient<W: Window + Clone> {
    link: Link<W>,
    wanted: Features,
    state: State,
    doorbell: bool,
    dropped: u64,
    garbage: u64,
}

impl<W: Window + Clone> InputClient<W> {
    /// A client on `link` (already connected in the current epoch) that
    /// wants `wanted`.
    pub fn new(link: Link<W>, wanted: Features) -> Self {
        Self { link, wanted, state: State::Connecting, doorbell: true, dropped: 0, garbage: 0 }
    }

    /// Follows the channel's epoch (from the kernel): in a new epoch the
    /// link reconnects and the client connects again (the backend
    /// restarted, or we did). True if the epoch changed.
    pub fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        let changed = self.link.follow(epoch)?;
        if changed {
            self.state = State::Connecting;
            self.doorbell = true;
        }
        Ok(changed)
    }

    /// The next thing the backend sent, or `None` for nothing now (the
    /// link is down, we are waiting for the reply, or the ring is empty).
    /// Sends `Connect` first when due. Frames that are not messages are
    /// skipped and counted. Errors: the ring is broken or the peer is not
    /// an input backend of our version family.
    pub fn next_event(&mut self) -> Result<Option<Received>, LinkError> {
        if self.state == State::Connecting && !self.send_connect()? {
            return Ok(None);
        }
        let mut buf = [0u8; MAX_MESSAGE];
        loop {
            let message = match self.link.pop(&mut buf) {
                Ok(frame) => {
                    self.doorbell = true;
                    decode_message(frame)
                }
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
                Err(e) => return Err(e),
            };
            let received = match message {
                Ok(Message::Connected { granted, capabilities, .. }) => {
                    self.state = State::Connected { granted, capabilities };
                    Received::Connected { granted, capabilities }
                }
                Ok(Message::Refused { version }) => {
                    self.state = State::Refused;
                    Received::Refused { version }
                }
                Ok(Message::Event(e)) => Received::Event(e),
                Ok(Message::Dropped { count }) => {
                    self.dropped += u64::from(count);
                    Received::Dropped { count }
                }
                Err(_) => {
                    self.garbage += 1;
                    continue;
                }
            };
            return Ok(Some(received));
        }
    }

    /// Sends `Connect`; false if it cannot go now (link down, ring full).
    fn send_connect(&mut self) -> Result<bool, LinkError> {
        let request = Request::Connect { version: VERSION, wanted: self.wanted };
        let mut scratch = [0u8; 64];
        let Ok(bytes) = postcard::to_slice(&request, &mut scratch) else { return Ok(false) };
        match self.link.push(bytes) {
            Ok(()) => {
                self.state = State::Waiting;
                self.doorbell = true;
                Ok(true)
            }
            Err(LinkError::Down | LinkError::Ring(RingError::Full)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Whether the backend's doorbell should ring (we sent `Connect` or
    /// made room in our ring since the last call); clears the flag.
    pub fn take_doorbell(&mut self) -> bool {
        core::mem::take(&mut self.doorbell)
    }

    /// Whether the backend accepted us in this epoch.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected { .. })
    }

    /// Whether the backend refused us in this epoch.
    pub fn is_refused(&self) -> bool {
        self.state == State::Refused
    }

    /// What we were granted (when connected).
    pub fn granted(&self) -> Option<Features> {
        match self.state {
            State::Connected { granted, .. } => Some(granted),
            _ => None,
        }
    }

    /// The devices' capabilities (when connected).
    pub fn capabilities(&self) -> Option<Capabilities> {
        match self.state {
            State::Connected { capabilities, .. } => Some(capabilities),
            _ => None,
        }
    }

    /// Events the backend reported dropped, in all epochs.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Frames that were not messages, in all epochs.
    pub fn garbage(&self) -> u64 {
        self.garbage
    }

    /// The link's epoch.
    pub fn epoch(&self) -> u32 {
        self.link.epoch()
    }
}
