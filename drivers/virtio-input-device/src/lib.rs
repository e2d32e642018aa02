// SPDX-License-Identifier: MIT
//! The device model's virtio-input devices (skeleton: being written).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]
