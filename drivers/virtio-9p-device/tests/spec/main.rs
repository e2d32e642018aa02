// SPDX-License-Identifier: MIT
//! The virtio-9p transport's harness (N1..N8): one module per requirement
//! of the crate's README, driving `MmioDevice<Virtio9p>` as Linux's
//! `virtio_mmio` and `trans_virtio` do, over host memory (`rig`), with a
//! fake 9pfs backend answering through the domain's API.
//!
//! Owns the evidence; must not reach into the crate's internals (only its
//! public API).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "tests: a failure is the test failing; casts pick register halves"
)]

mod n1_config;
mod n2_golden;
mod n3_hostile;
mod n4_replies;
mod n5_flow;
mod n6_flush;
mod n7_lost;
mod n8_random;
mod rig;
