// SPDX-License-Identifier: MIT
//! The device model's virtio-gpu device (virtio 1.2, 5.7), 2D only,
//! presented to an unmodified Linux guest (`virtio-gpu` DRM driver).
//! [`GpuDevice`] answers the control queue's commands over checked guest
//! memory, keeps bounded resources (with their backing pages, never their
//! pixels) and scanouts, and hands the domain the flushed rectangles
//! ([`GpuDevice::take_flush`]) and their pixels read straight from the
//! guest's backing ([`GpuDevice::read_rect`]). `no_std`, no `alloc`.
//!
//! Owns the virtio-gpu semantics only; must not touch registers, rings or
//! guest memory except through `bulkhead_virtio_device`, nor talk to the
//! display domain (the device-model domain does).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod config;
mod device;
mod execute;
mod flush;
mod format;
mod pixels;
mod rect;
mod resource;
mod scanout;
mod state;
pub mod wire;

pub use config::{CONFIG_LEN, EVENT_DISPLAY};
pub use device::{CONTROLQ, CURSORQ, GpuDevice, QUEUE_MAX, REQUEST_MAX, VIRTIO_ID_GPU};
pub use flush::Flush;
pub use format::{BYTES_PER_PIXEL, Format};
pub use pixels::{ReadError, ScanoutSource};
pub use rect::Rect;
pub use resource::{MAX_DIM, MAX_ENTRIES, MAX_RESOURCES, MemEntry, ResourceInfo};
pub use scanout::{Display, MAX_SCANOUTS};
