// SPDX-License-Identifier: MIT
//! The device model's virtio-9p transport (issue 21, the cockpit): the
//! virtio-mmio 9P device (device id 9) that an unmodified Linux mounts with
//! `mount -t 9p -o trans=virtio <tag> /mnt`, whose backend is Bulkhead's
//! 9pfs domain. [`Virtio9p`] answers the configuration space (the mount
//! tag), takes each chain of the request queue, checks the 9P2000.L
//! T-message in its device-readable part and keeps a copy of it, hands the
//! copies to the domain in order ([`Virtio9p::take_request`]) and writes
//! the backend's replies, matched by tag, into the chains' device-writable
//! parts ([`Virtio9p::complete`]), in any order. `no_std`, no `alloc`.
//!
//! Owns the virtio-9p semantics and the in-flight bookkeeping only; must
//! not touch registers, rings or guest memory except through
//! `bulkhead_virtio_device` (the core does), nor talk to the 9pfs domain's
//! ring (the device-model domain does), nor interpret 9P beyond the header,
//! Tversion's msize and Tflush's oldtag.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod config;
mod device;
mod table;
pub mod wire;

pub use config::{MAX_TAG_LEN, MountTag, TagError};
pub use device::{
    F_MOUNT_TAG, IN_FLIGHT, QUEUE_MAX, REQUESTQ, ReplyError, VIRTIO_9P_MOUNT_TAG, VIRTIO_ID_9P, Virtio9p,
};
pub use wire::MSIZE;
