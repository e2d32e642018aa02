// SPDX-License-Identifier: MIT
//! The device model's virtio-9p transport (issue 21, the cockpit). See the
//! README.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
