// SPDX-License-Identifier: MIT
//! The virtio-net device's harness (E1..E8): one module per requirement of
//! the crate's README, driving `MmioDevice<VirtioNet>` as Linux's
//! `virtio_mmio` and `virtio_net` do, over host memory (`rig`), with the
//! domain's side through the crate's API.
//!
//! Owns the evidence; must not reach into the crate's internals (only its
//! public API).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "tests: a failure is the test failing; casts pick register halves"
)]

mod e1_config;
mod e2_bringup;
mod e3_receive;
mod e4_hostile;
mod e5_order;
mod e6_reset;
mod e8_random;
mod rig;
