// SPDX-License-Identifier: MIT
//! The virtio device core's harness: one module per requirement of the
//! crate's README (V1 to V6), over a test device and a driver played by
//! hand in host memory (`rig`).
//!
//! Owns the evidence; must not reach into the crate's internals (only its
//! public API).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "tests: a failure is the test failing; casts pick register halves"
)]

mod rig;
mod v1_registers;
mod v2_features;
mod v3_split_queue;
mod v4_hostile;
mod v5_reset;
mod v6_random;
mod v7_restore;
