// SPDX-License-Identifier: MIT
//! What a client library needs from the domain to wait on its channel:
//! the kernel's epoch, the peer's doorbell and a way to sleep. One trait
//! for every protocol's client; the domain runtime implements it for a
//! channel end (`domain_rt::caps::ChannelEnd`), host tests for a fake.
//!
//! Owns nothing; must not be implemented with a busy loop that never
//! sleeps in a product domain.

/// A client's channel end, as a blocking call waits on it.
pub trait Port {
    /// The channel's epoch, from the kernel.
    fn epoch(&self) -> u32;
    /// Rings the backend's doorbell.
    fn notify(&self);
    /// Waits until something may have happened (a doorbell, an epoch).
    fn wait(&self);
}
