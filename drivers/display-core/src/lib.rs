// SPDX-License-Identifier: MIT
//! The display driver domain's logic, independent of `virtio-drivers` and
//! of hardware, so that all of it runs on the host (`tests/harness`).
//!
//! The domain (`domains/display`, to come) owns the virtio-gpu and its
//! scanouts; for each client request it calls [`Backend::request`], and
//! for each connector with damage [`Backend::compose`], transfers and
//! flushes the damaged rectangle, then [`Backend::frame_shown`] gives the
//! flip-done events. Everything in between lives here:
//!
//! - [`pixel`]: the pixel formats and checked surfaces;
//! - [`buffers`]: one client's display buffers and framebuffers;
//! - [`policy`]: the board's composition policy and protected regions;
//! - [`compose`]: layers onto a scanout, inside the damage only;
//! - [`selfcheck`]: the protected regions' CRC self-check;
//! - [`edid`]: GET_EDID's synthesised block;
//! - [`params`]: the policy as the board file's `params` carry it;
//! - [`backend`]: requests in, frames and events out;
//! - [`server`]: one client's session over its channel (link, epochs,
//!   greeting, outbox).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod backend;
pub mod buffers;
pub mod compose;
pub mod edid;
pub mod params;
pub mod pixel;
pub mod policy;
pub mod selfcheck;
pub mod server;

pub use backend::{Backend, ClientWindow, FLIP_BUDGET, Frame, FrameError};
pub use buffers::WindowSpan;
pub use compose::{Layer, Scanout};
pub use params::{Params, ParamsError};
pub use policy::{ClientId, ConnectorPolicy, Placement, Policy, PolicyError, Protected};
pub use server::{LAYOUT, Served, Session};
