// SPDX-License-Identifier: MIT
//! S1: the probe's transport view — device id 25, no device-specific
//! features, four queues of at most 64 and no fifth, the 12-byte
//! configuration space (jacks 0, streams 1, chmaps 1) read whole or
//! byte-wise, 0 beyond it, writes ignored.
//!
//! Owns that evidence; must not test the queues' contents (s2..s8 do).

use bulkhead_virtio_device::regs;
use bulkhead_virtio_snd_device::{CONFIG_LEN, QUEUE_MAX};

use crate::rig::Rig;

#[test]
fn identity_features_queues() {
    let mut r = Rig::up();
    assert_eq!(r.r(regs::DEVICE_ID), 25);
    r.w(regs::DEVICE_FEATURES_SEL, 0);
    assert_eq!(r.r(regs::DEVICE_FEATURES), 1 << 28, "only RING_INDIRECT_DESC in the low word");
    r.w(regs::DEVICE_FEATURES_SEL, 1);
    assert_eq!(r.r(regs::DEVICE_FEATURES), 1, "VERSION_1");
    assert_eq!(QUEUE_MAX, 64);
    for q in 0..4 {
        r.w(regs::QUEUE_SEL, q);
        assert_eq!(r.r(regs::QUEUE_NUM_MAX), 64);
    }
    r.w(regs::QUEUE_SEL, 4);
    assert_eq!(r.r(regs::QUEUE_NUM_MAX), 0, "four queues");
}

#[test]
fn config_space() {
    let mut r = Rig::up();
    assert_eq!(CONFIG_LEN, 12);
    assert_eq!(r.dev.read(regs::CONFIG, 4), 0, "jacks");
    assert_eq!(r.dev.read(regs::CONFIG + 4, 4), 1, "streams");
    assert_eq!(r.dev.read(regs::CONFIG + 8, 4), 1, "chmaps");
    let bytes: Vec<u64> = (0..16).map(|i| r.dev.read(regs::CONFIG + i, 1)).collect();
    assert_eq!(bytes, [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    r.dev.write(regs::CONFIG, 4, 7, &mut r.mem);
    r.dev.write(regs::CONFIG + 4, 1, 9, &mut r.mem);
    assert_eq!(r.dev.read(regs::CONFIG, 4), 0);
    assert_eq!(r.dev.read(regs::CONFIG + 4, 4), 1, "writes are ignored");
}
