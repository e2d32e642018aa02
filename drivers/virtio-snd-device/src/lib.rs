// SPDX-License-Identifier: MIT
//! The device model's virtio-snd device (virtio 1.2, 5.14; device id 25):
//! one playback stream (stream 0, S16LE stereo at 48 kHz) that an
//! unmodified Linux guest (`virtio_snd`) plays to. [`VirtioSnd`] answers
//! the configuration space and the control queue (PCM_INFO, CHMAP_INFO,
//! the PCM command lifecycle), takes and checks the chains of the tx
//! queue and keeps them in flight, oldest first, without copying their
//! PCM; the domain reads the oldest buffer's PCM from guest memory
//! ([`VirtioSnd::read_buffer`]) when the sound domain has room and then
//! completes it ([`VirtioSnd::complete_buffer`]), so playback runs at the
//! sound domain's pace. `no_std`, no `alloc`.
//!
//! Owns the virtio-snd semantics only; must not touch registers, rings or
//! guest memory except through `bulkhead_virtio_device` (the core does),
//! nor talk to the sound domain (the device-model domain does).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod bytes;
mod config;
mod control;
mod device;
mod params;
mod stream;
mod tx;
pub mod wire;

pub use config::CONFIG_LEN;
pub use device::{QUEUE_MAX, ReadError, Stats, VIRTIO_ID_SOUND, VirtioSnd};
pub use params::{MAX_PERIOD, PcmParams};
pub use stream::StreamState;
pub use tx::IN_FLIGHT;
