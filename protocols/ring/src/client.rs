// SPDX-License-Identifier: MIT
//! What every protocol's client library does the same way once it can
//! send a request and take the next message: wait (through a [`Port`])
//! for something it wants, and call (send, then wait for the response
//! with that id), following the channel's epoch.
//!
//! Owns only those two loops; each client library owns its messages, its
//! greeting and its errors, and implements [`RequestClient`].

use crate::link::SetupError;
use crate::port::Port;

/// How a client library's error reads to the shared loops.
pub trait ClientFailure: From<SetupError> {
    /// The error for "the channel's epoch changed while waiting".
    fn restarted() -> Self;
    /// The request ring is full (wait for the backend, send again).
    fn is_full(&self) -> bool;
    /// The backend is not in our epoch (it left it; the kernel's move
    /// comes next: wait, then follow).
    fn is_down(&self) -> bool;
    /// A frame that was consumed and counted (undecodable, out of order):
    /// waiting goes on.
    fn is_skippable(&self) -> bool;
}

/// A received message that may be the response to a request.
pub trait Answer: Sized {
    /// The response.
    type Response;
    /// The response if this is the one to request `id`; else itself.
    fn response_to(self, id: u16) -> Result<Self::Response, Self>;
}

/// A protocol client: sends requests about a target (a connector, a
/// stream), takes what the backend sends, follows epochs.
pub trait RequestClient {
    /// What a request is about.
    type Target: Copy;
    /// A request's operation.
    type Op: Copy;
    /// What the client takes from the backend.
    type Received: Answer;
    /// Its errors.
    type Error: ClientFailure;

    /// Follows the channel's epoch; true if it changed.
    fn follow(&mut self, epoch: u32) -> Result<bool, SetupError>;
    /// The next message, or `None` for nothing now.
    fn next_received(&mut self) -> Result<Option<Self::Received>, Self::Error>;
    /// Sends `op` about `target`; the request's id.
    fn send_request(&mut self, target: Self::Target, op: Self::Op) -> Result<u16, Self::Error>;
    /// Whether the backend's doorbell should ring; clears the flag.
    fn take_doorbell(&mut self) -> bool;

    /// Waits (through `port`) until `pick` takes something received;
    /// everything it does not take is dropped. Follows the epoch: a new
    /// one is [`ClientFailure::restarted`]. Skippable frames are skipped.
    fn wait_for<T>(
        &mut self,
        port: &impl Port,
        mut pick: impl FnMut(Self::Received) -> Option<T>,
    ) -> Result<T, Self::Error> {
        loop {
            if self.follow(port.epoch())? {
                return Err(Self::Error::restarted());
            }
            loop {
                match self.next_received() {
                    Ok(Some(r)) => {
                        if let Some(t) = pick(r) {
                            return Ok(t);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if e.is_skippable() => {}
                    Err(e) => return Err(e),
                }
            }
            if self.take_doorbell() {
                port.notify();
            }
            port.wait();
        }
    }

    /// Sends `op` about `target` and waits for its response; whatever else
    /// arrives meanwhile goes to `other`. A full ring, or a backend that
    /// left our epoch, is waited out; a new epoch (before or after
    /// sending) is [`ClientFailure::restarted`].
    fn call(
        &mut self,
        port: &impl Port,
        target: Self::Target,
        op: Self::Op,
        mut other: impl FnMut(Self::Received),
    ) -> Result<<Self::Received as Answer>::Response, Self::Error> {
        let id = loop {
            if self.follow(port.epoch())? {
                return Err(Self::Error::restarted());
            }
            match self.send_request(target, op) {
                Ok(id) => break id,
                Err(e) if e.is_down() => {
                    if self.take_doorbell() {
                        port.notify();
                    }
                    port.wait();
                }
                Err(e) if e.is_full() => {
                    // The backend answers what it takes: wait for one message.
                    self.wait_for(port, |r| {
                        other(r);
                        Some(())
                    })?;
                }
                Err(e) => return Err(e),
            }
        };
        self.wait_for(port, |r| match r.response_to(id) {
            Ok(response) => Some(response),
            Err(r) => {
                other(r);
                None
            }
        })
    }
}
