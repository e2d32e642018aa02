// SPDX-License-Identifier: MIT
//! The network domain's test harness: its certification evidence.
//!
//! The backend (`bulkhead-pvcalls-core`) runs over a simulated cable
//! ([`wire`]) against a second smoltcp interface playing the host
//! ([`host`]: echo, sink, dialer), with clients played through real
//! sessions and shared windows ([`rig`]). Each module checks one
//! requirement of `drivers/pvcalls-core/README.md` (P1..P5; P4 has two:
//! the hostile cases by name, and random request sequences).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

mod host;
mod rig;
mod wire;

mod p1_operations;
mod p2_firewall;
mod p3_flow_control;
mod p4_hostile;
mod p4_random;
mod p5_reconnect;
