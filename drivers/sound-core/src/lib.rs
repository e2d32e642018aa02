// SPDX-License-Identifier: MIT
//! The sound driver domain's logic, independent of `virtio-drivers` and
//! of hardware, so that all of it runs on the host (`tests/harness`).
//!
//! The domain (to come) owns the virtio-sound device; for each client
//! request it calls [`Backend::request`], and for each device period
//! [`Backend::mix`] (playback) and [`Backend::capture`], sending the
//! events they return. Everything in between lives here:
//!
//! - [`pcm`]: formats, rates and channels, parameter checks, decoding;
//! - [`gain`]: decibels to integer gains, saturation (sample-exact);
//! - [`duck`]: the ducking ramp;
//! - [`resample`]: 44.1 kHz streams to the device's 48 kHz;
//! - [`policy`]: priorities, default volumes, ducking, the capture client;
//! - [`params`]: the policy as the board file's `params` carry it;
//! - [`backend`]: streams, requests, the mixer, underruns and positions;
//! - [`server`]: the backend as a `bulkhead_session::Service`, and the
//!   protocol's ring layout.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod backend;
pub mod duck;
pub mod gain;
pub mod params;
pub mod pcm;
pub mod policy;
pub mod resample;
pub mod server;

pub use backend::{Backend, ClientWindow, DEVICE_FRAME, DEVICE_RATE, Events};
pub use params::{Params, ParamsError};
pub use policy::{ClientId, ClientPolicy, Policy, PolicyError};
pub use server::{LAYOUT, Served, Session, offered};
