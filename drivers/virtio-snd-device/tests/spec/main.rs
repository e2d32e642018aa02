// SPDX-License-Identifier: MIT
//! The virtio-snd device's harness (S1..S8): one module per requirement
//! of the crate's README, driving `MmioDevice<VirtioSnd>` as Linux's
//! `virtio_mmio` and `virtio_snd` do, over host memory (`rig`), with the
//! domain's side (`read_buffer`, `complete_buffer`) played by the tests.
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
mod s1_config;
mod s2_probe;
mod s3_params;
mod s4_lifecycle;
mod s5_tx;
mod s6_hostile;
mod s7_release_reset;
mod s8_random;
