// SPDX-License-Identifier: MIT
//! The virtio-input device's evidence: one module per requirement of the
//! crate's README (I1 to I6), driving `MmioDevice<InputDevice>` as Linux's
//! `virtio_mmio` and `virtio_input` do, over host memory (`rig`).
//!
//! Owns the evidence; must not reach into the crate's internals (only its
//! public API).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "tests: a failure is the test failing; casts pick register halves"
)]

mod i1_config;
mod i2_keys;
mod i3_pointer_touch;
mod i4_flow;
mod i5_status_reset;
mod i6_random;
mod rig;
