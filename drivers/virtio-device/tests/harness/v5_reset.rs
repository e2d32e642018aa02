// SPDX-License-Identifier: MIT
//! V5: reset and DEVICE_NEEDS_RESET. Writing 0 to Status forgets the
//! queues, the interrupt status, the features and resets the device; a
//! backend restart sets DEVICE_NEEDS_RESET with a configuration-change
//! interrupt; a configuration change bumps ConfigGeneration.
//!
//! Owns the device's life cycle; must not test negotiation details (V2).

use crate::rig::{BUFFERS, Rig, WRITE};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::regs::*;

#[test]
fn v5_reset_forgets_everything() {
    let mut rig = Rig::new();
    let l = rig.up(8, VIRTIO_F_RING_INDIRECT_DESC);
    rig.desc(l.desc, 0, BUFFERS, 4, WRITE, 0);
    rig.offer(l, &[0]);
    rig.kick(0);
    assert!(rig.dev.interrupt_pending());
    assert_eq!(rig.dev.device().resets, 1); // the `up` reset
    rig.w(STATUS, 0);
    assert_eq!(rig.r(STATUS), 0);
    assert_eq!(rig.r(INTERRUPT_STATUS), 0);
    assert!(!rig.dev.interrupt_pending());
    assert_eq!(rig.dev.driver_features(), 0);
    assert_eq!(rig.dev.device().resets, 2);
    for q in 0..2 {
        rig.w(QUEUE_SEL, q);
        assert_eq!(rig.r(QUEUE_READY), 0);
    }
    // A kick after the reset takes nothing; a fresh bring-up starts at index 0.
    rig.kick(0);
    assert_eq!(rig.dev.device().notified.len(), 1);
    for b in &mut rig.mem.bytes_mut()[..0x1_0000] {
        *b = 0;
    }
    let l = rig.up(8, 0);
    rig.desc(l.desc, 2, BUFFERS, 4, WRITE, 0);
    rig.offer(l, &[2]);
    rig.kick(0);
    assert_eq!(rig.used_idx(l), 1);
    assert_eq!(rig.used_elem(l, 0), (2, 4));
}

#[test]
fn v5_needs_reset_and_config_change() {
    let mut rig = Rig::new();
    let l = rig.up(8, 0);
    // A configuration change: generation bumps, bit 1, acknowledged.
    assert_eq!(rig.r(CONFIG_GENERATION), 0);
    rig.dev.config_changed();
    assert_eq!(rig.r(CONFIG_GENERATION), 1);
    assert_eq!(rig.r(INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE);
    assert!(rig.dev.interrupt_pending());
    rig.w(INTERRUPT_ACK, INTERRUPT_CONFIG_CHANGE);
    assert!(!rig.dev.interrupt_pending());
    // The backend restarted: DEVICE_NEEDS_RESET, interrupt, kicks ignored.
    rig.dev.needs_reset();
    assert_eq!(rig.dev.status(), 0xf | STATUS_DEVICE_NEEDS_RESET);
    assert_eq!(rig.r(STATUS), 0xf | STATUS_DEVICE_NEEDS_RESET);
    assert_eq!(rig.r(INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE);
    rig.desc(l.desc, 0, BUFFERS, 4, WRITE, 0);
    rig.offer(l, &[0]);
    rig.kick(0);
    assert!(rig.dev.device().notified.is_empty());
    // The driver resets: all clear, and it works again.
    rig.w(STATUS, 0);
    assert_eq!(rig.r(STATUS), 0);
    assert!(!rig.dev.interrupt_pending());
    let l = rig.up(8, 0);
    rig.desc(l.desc, 0, BUFFERS, 4, WRITE, 0);
    rig.offer(l, &[0]);
    rig.kick(0);
    assert_eq!(rig.dev.device().notified, [0]);
}
