// SPDX-License-Identifier: MIT
//! The virtio-gpu device's evidence: one module per requirement of the
//! crate's README (G1 to G7), driving `MmioDevice<GpuDevice>` as Linux's
//! `virtio_mmio` and `virtio-gpu` DRM driver do, over host memory (`rig`).
//!
//! Owns the evidence; must not reach into the crate's internals (only its
//! public API).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "tests: a failure is the test failing; casts pick register halves and pattern bytes"
)]

mod cmds;
mod fb;
mod g1_probe;
mod g2_framebuffer;
mod g3_commands;
mod g4_backing;
mod g5_buffers_fences;
mod g6_lifecycle;
mod g7_random;
mod rig;
