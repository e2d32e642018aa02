// SPDX-License-Identifier: MIT
//! The input driver domain's logic, independent of `virtio-drivers` and of
//! hardware, so that all of it runs on the host against simulated devices
//! and clients (`tests/harness`).
//!
//! The domain (`domains/input`) owns the virtio keyboard, tablet and
//! multi-touch devices. For each device it probes the configuration space
//! into a [`DeviceConfig`], and for each `virtio_input_event` it reads it
//! calls [`Backend::device_event`]; on a doorbell it calls
//! [`Backend::poll`] with each channel's epoch (follow, serve, flush), and
//! rings the doorbells the backend names. Everything in between lives
//! here:
//!
//! - [`evdev`]: Linux evdev events as virtio-input delivers them, translated
//!   per device kind into `bulkhead_input` events (multi-touch protocol B,
//!   frame by frame);
//! - [`device`]: a device's capabilities, probed from its virtio config;
//! - [`focus`]: the board's focus policy, which client gets each event;
//! - [`grant`]: what a client may receive (negotiated features);
//! - [`queue`]: each client's bounded queue (oldest-drop, coalescing);
//! - [`backend`]: devices in, clients out over `bulkhead_ring::Link`s.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod backend;
pub mod device;
pub mod evdev;
pub mod focus;
pub mod grant;
pub mod queue;

pub use backend::{Backend, BackendError, ClientStats, Doorbells, MAX_DEVICES, MAX_MESSAGE};
pub use device::{DeviceConfig, DeviceKind, TouchConfig};
pub use evdev::{Class, RawEvent, Translator};
pub use focus::{FocusConfig, FocusError, FocusPolicy, FocusSwitch, KeyRoute, Route};
pub use queue::EventQueue;
