// SPDX-License-Identifier: MIT
//! The device model's end of a backend's channel: the window, kept for the
//! domain's whole life, this domain's end of it, and the link a client of
//! that backend connects with (every `*_side` module starts here).
//!
//! Owns nothing but that set-up; must not speak any backend's protocol.

use alloc::boxed::Box;
use bulkhead_ring::{Hello, Link, RingLayout};
use bulkhead_ring_hal::SharedWindow;
use domain_rt::caps::ChannelEnd;

/// The channel's window (leaked: it lives as long as the domain) and this
/// domain's end of it.
pub fn window_of(end: &ChannelEnd) -> (&'static SharedWindow, u8) {
    let window: &'static SharedWindow = Box::leak(Box::new(end.window()));
    (window, u8::try_from(end.info.end).unwrap_or(u8::MAX))
}

/// A client's link to the backend on `end`: `hello`, sending on
/// `to_backend`, taking from `to_client`. None if the window cannot hold
/// the rings.
pub fn link(
    end: &ChannelEnd,
    hello: Hello,
    to_backend: RingLayout,
    to_client: RingLayout,
) -> Option<(Link<&'static SharedWindow>, &'static SharedWindow)> {
    let (window, side) = window_of(end);
    let link = Link::connect(window, side, end.epoch(), hello, to_backend, to_client).ok()?;
    Some((link, window))
}
