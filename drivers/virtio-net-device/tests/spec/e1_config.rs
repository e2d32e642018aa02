// SPDX-License-Identifier: MIT
//! E1: the probe as `virtnet_probe` does it — device id 1, exactly the MAC
//! and STATUS features (with the core's RING_INDIRECT_DESC and VERSION_1),
//! `mac` read byte-wise and le16 `status` at 6, 0 beyond 8 bytes, two
//! queues of at most 256 — configuration writes ignored, and a link change
//! seen through `MmioDevice::config_changed`.
//!
//! Owns that evidence; must not test the queues (e2..e8 do).

use bulkhead_virtio_device::features::INTERRUPT_CONFIG_CHANGE;
use bulkhead_virtio_device::regs;
use bulkhead_virtio_net_device::{CONFIG_LEN, F_MAC, F_STATUS, VIRTIO_NET_S_LINK_UP};

use crate::rig::{MAC, Rig};

#[test]
fn probe_reads_features_mac_and_status() {
    let mut r = Rig::new();
    assert_eq!(r.r(regs::DEVICE_ID), 1);
    r.w(regs::DEVICE_FEATURES_SEL, 0);
    assert_eq!(u64::from(r.r(regs::DEVICE_FEATURES)), F_MAC | F_STATUS | 1 << 28);
    assert_eq!(F_MAC | F_STATUS, 1 << 5 | 1 << 16);
    r.w(regs::DEVICE_FEATURES_SEL, 1);
    assert_eq!(r.r(regs::DEVICE_FEATURES), 1, "VERSION_1 only");
    r.bring_up();
    let mac: Vec<u8> = (0..6).map(|i| r.dev.read(regs::CONFIG + i, 1) as u8).collect();
    assert_eq!(mac, MAC);
    assert_eq!(r.dev.read(regs::CONFIG + 6, 2), u64::from(VIRTIO_NET_S_LINK_UP));
    assert_eq!(r.dev.read(regs::CONFIG + 4, 4), 0x5634 | 1 << 16);
    assert_eq!(CONFIG_LEN, 8);
    assert_eq!(r.dev.read(regs::CONFIG + 8, 2), 0, "no max_virtqueue_pairs");
    r.w(regs::QUEUE_SEL, 2);
    assert_eq!(r.r(regs::QUEUE_NUM_MAX), 0, "two queues");
}

#[test]
fn config_writes_are_ignored() {
    let mut r = Rig::up();
    r.dev.write(regs::CONFIG, 1, 0x41, &mut r.mem);
    r.dev.write(regs::CONFIG + 6, 2, 0, &mut r.mem);
    assert_eq!(r.dev.read(regs::CONFIG, 1), u64::from(MAC[0]));
    assert_eq!(r.dev.read(regs::CONFIG + 6, 2), 1);
    assert_eq!(r.dev.device().mac(), MAC);
}

#[test]
fn link_changes_raise_config_interrupt() {
    let mut r = Rig::up();
    r.irq();
    let generation = r.r(regs::CONFIG_GENERATION);
    assert!(!r.dev.device().set_link(true), "already up");
    assert!(r.dev.device().set_link(false));
    r.dev.config_changed();
    assert_eq!(r.irq(), INTERRUPT_CONFIG_CHANGE);
    assert_ne!(r.r(regs::CONFIG_GENERATION), generation);
    assert_eq!(r.dev.read(regs::CONFIG + 6, 2), 0, "link down");
    assert!(r.dev.device().set_link(true));
    assert_eq!(r.dev.read(regs::CONFIG + 6, 2), 1);
}
