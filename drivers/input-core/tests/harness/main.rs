// SPDX-License-Identifier: MIT
//! The input domain's test harness: its certification evidence.
//!
//! The backend's logic (`bulkhead-input-core`) runs against simulated
//! virtio-input devices (a configuration space and scripted evdev
//! sequences, delivered as `virtio_input_event` bytes) and simulated
//! client domains (the real `bulkhead-input-client` library over real
//! rings in shared windows, with epochs and handshakes). Each module
//! checks one requirement of `drivers/input-core/README.md` (R1..R10); the
//! golden tests compare what a client receives with an explicit list of
//! protocol events.

mod device;
mod rig;

mod r10_client_library;
mod r1_keyboard;
mod r2_pointer;
mod r3_tablet;
mod r4_multi_touch;
mod r5_focus;
mod r6_connect;
mod r7_slow_client;
mod r8_restart;
mod r9_hostile_client;
