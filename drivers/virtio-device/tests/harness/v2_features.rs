// SPDX-License-Identifier: MIT
//! V2: feature negotiation. The offer is the device's bits plus VERSION_1
//! and RING_INDIRECT_DESC, never EVENT_IDX or the packed ring;
//! ACCESS_PLATFORM only if the device asks; FEATURES_OK reads back clear
//! for a driver without VERSION_1 or with a feature not offered.
//!
//! Owns negotiation; must not test queues beyond the indirect switch.

use crate::rig::{INDIRECT, Rig, TEST_FEATURES, TestDevice, WRITE};
use bulkhead_virtio_device::ChainError;
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::regs::*;

fn offer_of(rig: &mut Rig) -> u64 {
    rig.w(DEVICE_FEATURES_SEL, 1);
    let high = u64::from(rig.r(DEVICE_FEATURES));
    rig.w(DEVICE_FEATURES_SEL, 0);
    (high << 32) | u64::from(rig.r(DEVICE_FEATURES))
}

#[test]
fn v2_offer() {
    let mut rig = Rig::new();
    assert_eq!(offer_of(&mut rig), TEST_FEATURES | VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_VERSION_1);
    // A device asking for EVENT_IDX, the packed ring, reserved bits and ACCESS_PLATFORM
    // gets only ACCESS_PLATFORM of those.
    let greedy = TestDevice {
        features: VIRTIO_F_RING_EVENT_IDX | VIRTIO_F_RING_PACKED | VIRTIO_F_ACCESS_PLATFORM | (1 << 25) | (1 << 40) | 1,
        ..TestDevice::default()
    };
    let mut rig = Rig::with(greedy);
    assert_eq!(offer_of(&mut rig), 1 | VIRTIO_F_ACCESS_PLATFORM | VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_VERSION_1);
}

#[test]
fn v2_refusals() {
    let mut rig = Rig::new();
    let base = STATUS_ACKNOWLEDGE | STATUS_DRIVER;
    // Without VERSION_1 (a legacy driver): FEATURES_OK stays clear, and DRIVER_OK cannot follow.
    assert_eq!(rig.negotiate(TEST_FEATURES), base);
    rig.w(STATUS, base | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    assert_eq!(rig.r(STATUS) & (STATUS_FEATURES_OK | STATUS_DRIVER_OK), 0);
    // Features not offered: EVENT_IDX, a device bit the device lacks, ACCESS_PLATFORM, bit 63.
    for extra in [VIRTIO_F_RING_EVENT_IDX, 1 << 1, VIRTIO_F_ACCESS_PLATFORM, VIRTIO_F_RING_PACKED, 1 << 63] {
        assert_eq!(rig.negotiate(VIRTIO_F_VERSION_1 | extra), base, "{extra:#x} accepted");
    }
    // After a reset a correct driver gets FEATURES_OK, and its features are frozen.
    assert_eq!(rig.negotiate(VIRTIO_F_VERSION_1 | 1), base | STATUS_FEATURES_OK);
    rig.w(DRIVER_FEATURES_SEL, 0);
    rig.w(DRIVER_FEATURES, u32::MAX);
    assert_eq!(rig.dev.driver_features(), VIRTIO_F_VERSION_1 | 1);
    // A driver cannot clear bits except by writing 0, nor set DEVICE_NEEDS_RESET.
    rig.w(STATUS, STATUS_ACKNOWLEDGE | STATUS_DEVICE_NEEDS_RESET);
    assert_eq!(rig.r(STATUS), base | STATUS_FEATURES_OK);
}

#[test]
fn v2_indirect_only_if_negotiated() {
    for negotiated in [false, true] {
        let mut rig = Rig::new();
        let extra = if negotiated { VIRTIO_F_RING_INDIRECT_DESC } else { 0 };
        let l = rig.up(8, extra);
        let table = crate::rig::BUFFERS;
        rig.desc(table, 0, table + 0x100, 4, WRITE, 0);
        rig.desc(l.desc, 0, table, 16, INDIRECT, 0);
        rig.offer(l, &[0]);
        rig.kick(0);
        let taken = rig.taken();
        if negotiated {
            let (chain, _) = taken[0].as_ref().unwrap();
            assert_eq!(chain.writable_len(), 4);
        } else {
            assert_eq!(taken[0].as_ref().unwrap_err(), &ChainError::BadIndirect);
        }
    }
}
