// SPDX-License-Identifier: MIT
//! The display domain's test harness: its certification evidence.
//!
//! The backend's logic (`bulkhead-display-core`) runs against simulated
//! clients whose windows live in host memory, on the test board of
//! [`rig::policy`] (a cluster screen with a protected tell-tale strip and
//! a centre display). Each module checks one requirement of
//! `drivers/display-core/README.md` (D1..D9); the composition goldens are
//! PNGs in `tests/golden/`, compared pixel for pixel.

mod rig;

mod d1_composition;
mod d2_protected;
mod d3_selfcheck;
mod d4_flips;
mod d5_dirty;
mod d6_hostile;
mod d7_budget;
mod d8_reconnect;
mod d9_buffers_and_edid;
