// SPDX-License-Identifier: MIT
//! The network driver domain's logic: PV Calls sockets over smoltcp, the
//! board's firewall by capability, per-client limits, data rings and flow
//! control. `no_std` with `alloc`, independent of the NIC (any
//! `smoltcp::phy::Device`) and of the window's memory (any
//! `bulkhead_ring::Window`), so all of it runs on the host.
//!
//! Owns the backend's decisions; must not touch hardware (the domain
//! passes a device) nor the session machinery (`bulkhead-session`).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

extern crate alloc;

mod backend;
pub mod netcfg;
mod notice;
mod ops;
pub mod policy;
mod pump;
mod rings;
mod service;
mod table;

pub use backend::{Backend, CLOSE_TIMEOUT_MS, CONNECT_TIMEOUT_MS, MAX_SLEEP_MS, Pumped, TCP_BUFFER};
pub use notice::{Notice, Refusal};
pub use ops::MAX_BACKLOG;
pub use service::LAYOUT;
