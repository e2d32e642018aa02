// SPDX-License-Identifier: MIT
//! The device model's virtio-input devices (virtio 1.x, 5.8): a keyboard, an
//! absolute tablet and a multi-touch screen presented to an unmodified Linux
//! guest, fed by Bulkhead input events. [`InputDevice`] answers the
//! configuration space (`select`/`subsel` queries), turns
//! [`bulkhead_input::Event`]s into evdev events held in a bounded queue, and
//! writes them one per buffer into the event queue. `no_std`, no `alloc`.
//!
//! Owns the virtio-input semantics only; must not touch registers, rings or
//! guest memory except through `bulkhead_virtio_device` (the core does), nor
//! talk to the input backend (the device-model domain does).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod config;
mod device;
pub mod evdev;
mod profile;
mod translate;

pub use config::{CONFIG_LEN, select};
pub use device::{EVENTQ, InputDevice, PENDING_MAX, QUEUE_MAX, STATUSQ, VIRTIO_ID_INPUT};
pub use profile::{BUS_VIRTUAL, Kind, VENDOR};
