// SPDX-License-Identifier: MIT
//! The device model's virtio-net device (virtio 1.2, 5.1): the virtio-mmio
//! network device (device id 1) that an unmodified Linux (`virtio_net`)
//! drives, whose frames the device-model domain carries to and from
//! Bulkhead's network domain. [`VirtioNet`] answers the configuration space
//! (the MAC and the link status), hands the guest's frames from the
//! transmit queue to the domain in order ([`VirtioNet::take_tx`]) and
//! writes the domain's frames into the guest's receive buffers
//! ([`VirtioNet::deliver`]), counting every frame it drops ([`Stats`]).
//! The network domain's check of a guest's frames (its own MAC, the
//! board's ethertypes) is `bulkhead_netif::rule`, not here.
//! `no_std`, no `alloc`.
//!
//! Owns the virtio-net semantics only; must not touch registers, rings or
//! guest memory except through `bulkhead_virtio_device` (the core does),
//! raise interrupts (the domain reads `MmioDevice::interrupt_pending`), nor
//! talk to the network domain (the device-model domain does).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod config;
mod copy;
mod device;
pub mod header;
mod rx;
mod stats;
mod tx;

pub use config::{CONFIG_LEN, VIRTIO_NET_S_LINK_UP};
pub use device::{
    F_MAC, F_STATUS, Kicks, QUEUE_MAX, RECEIVEQ, TRANSMITQ, VIRTIO_ID_NET, VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS,
    VirtioNet,
};
pub use header::{HDR_LEN, MAX_FRAME, MIN_FRAME};
pub use rx::RxError;
pub use stats::{RxDrops, Stats, TxDrops};
pub use tx::TxDrop;
