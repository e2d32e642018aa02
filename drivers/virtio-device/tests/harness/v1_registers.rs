// SPDX-License-Identifier: MIT
//! V1: the register file answers Linux's `virtio_mmio` probe and
//! `virtio_input` setup, access by access, with the values Linux checks.
//!
//! Owns the golden probe sequence and the register file's edge cases; must
//! not test queue contents (V3, V4).

use crate::rig::{BASE, INPUT_ID, Layout, RAM, Rig};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::regs::{self, *};

/// One access of the golden sequence: a read with the value it must give,
/// or a write.
enum A {
    R(u64, u32),
    W(u64, u32),
}

#[test]
fn v1_linux_probe_golden_sequence() {
    let mut rig = Rig::new();
    let l0 = Layout::at(0, 64);
    let l1 = Layout::at(1, 64);
    let offered = DEVICE_FEATURES_OFFERED;
    let mut seq = vec![
        // virtio_mmio_probe: magic, version (2: no legacy), device id (0 would be no device), vendor.
        A::R(MAGIC_VALUE, 0x7472_6976),
        A::R(VERSION, 2),
        A::R(DEVICE_ID, INPUT_ID),
        A::R(VENDOR_ID, VENDOR),
        // register_virtio_device: virtio_reset_device, then ACKNOWLEDGE (add_status reads first).
        A::W(STATUS, 0),
        A::R(STATUS, 0),
        A::W(STATUS, 1),
        // virtio_dev_probe: DRIVER, then vm_get_features (high word first).
        A::R(STATUS, 1),
        A::W(STATUS, 3),
        A::W(DEVICE_FEATURES_SEL, 1),
        A::R(DEVICE_FEATURES, (offered >> 32) as u32),
        A::W(DEVICE_FEATURES_SEL, 0),
        A::R(DEVICE_FEATURES, offered as u32),
        // vm_finalize_features: high word then low word; virtio_features_ok: FEATURES_OK read back.
        A::W(DRIVER_FEATURES_SEL, 1),
        A::W(DRIVER_FEATURES, 1),
        A::W(DRIVER_FEATURES_SEL, 0),
        A::W(DRIVER_FEATURES, 1 << 28),
        A::R(STATUS, 3),
        A::W(STATUS, 0xb),
        A::R(STATUS, 0xb),
        // virtio_cread around config reads: ConfigGeneration before and after.
        A::R(CONFIG_GENERATION, 0),
        A::R(CONFIG_GENERATION, 0),
    ];
    // find_vqs: vm_setup_vq for the event and status queues.
    for (q, l) in [(0u32, l0), (1, l1)] {
        seq.extend([
            A::W(QUEUE_SEL, q),
            A::R(QUEUE_READY, 0),
            A::R(QUEUE_NUM_MAX, 64),
            A::W(QUEUE_NUM, 64),
            A::W(QUEUE_DESC_LOW, l.desc as u32),
            A::W(QUEUE_DESC_HIGH, (l.desc >> 32) as u32),
            A::W(QUEUE_DRIVER_LOW, l.avail as u32),
            A::W(QUEUE_DRIVER_HIGH, (l.avail >> 32) as u32),
            A::W(QUEUE_DEVICE_LOW, l.used as u32),
            A::W(QUEUE_DEVICE_HIGH, (l.used >> 32) as u32),
            A::W(QUEUE_READY, 1),
            A::R(QUEUE_READY, 1),
        ]);
    }
    // virtio_device_ready: DRIVER_OK; a third queue does not exist.
    seq.extend([
        A::R(STATUS, 0xb),
        A::W(STATUS, 0xf),
        A::R(STATUS, 0xf),
        A::W(QUEUE_SEL, 2),
        A::R(QUEUE_NUM_MAX, 0),
        A::R(QUEUE_READY, 0),
        // vm_interrupt with nothing pending.
        A::R(INTERRUPT_STATUS, 0),
    ]);
    for (i, a) in seq.iter().enumerate() {
        match *a {
            A::R(off, want) => assert_eq!(rig.r(off), want, "access {i}: read of {off:#x}"),
            A::W(off, v) => rig.w(off, v),
        }
    }
    assert_eq!(rig.dev.driver_features(), VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC);
    assert!(rig.dev.queues().info(0).is_some() && rig.dev.queues().info(1).is_some());
    // virtinput_cfg_select: byte writes then byte reads of the config space.
    rig.dev.write(CONFIG, 1, 0x21, &mut rig.mem);
    rig.dev.write(CONFIG + 1, 1, 0x05, &mut rig.mem);
    assert_eq!(rig.dev.read(CONFIG, 1), 0x21);
    assert_eq!(rig.dev.read(CONFIG + 1, 1), 0x05);
    assert_eq!(rig.dev.read(CONFIG + 2, 1), 2);
    assert_eq!(rig.dev.read(CONFIG + 2, 2), 0x0302);
    assert_eq!(rig.dev.read(CONFIG + 4, 4), 0x0706_0504);
    assert_eq!(rig.dev.read(CONFIG + 8, 8), 0x0f0e_0d0c_0b0a_0908);
}

/// What the test device's offer must be: its bits, INDIRECT_DESC, VERSION_1.
const DEVICE_FEATURES_OFFERED: u64 = crate::rig::TEST_FEATURES | VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_VERSION_1;

#[test]
fn v1_odd_accesses_read_zero_and_are_ignored() {
    let mut rig = Rig::new();
    // Non-4-byte or misaligned accesses outside the config space.
    for size in [1u8, 2, 8, 3, 0] {
        assert_eq!(rig.dev.read(MAGIC_VALUE, size), 0, "size {size}");
        rig.dev.write(STATUS, size, 1, &mut rig.mem);
        assert_eq!(rig.r(STATUS), 0);
    }
    assert_eq!(rig.dev.read(MAGIC_VALUE + 1, 4), 0);
    // Unknown and write-only registers read 0; SHM regions do not exist (-1).
    for off in [0x018, 0x038, 0x050, 0x080, 0x0c0, 0x0f8] {
        assert_eq!(rig.r(off), 0, "{off:#x}");
    }
    for off in [regs::SHM_LEN_LOW, regs::SHM_LEN_HIGH] {
        assert_eq!(rig.r(off), u32::MAX);
    }
    // DeviceFeaturesSel beyond 1 reads 0.
    rig.w(DEVICE_FEATURES_SEL, 2);
    assert_eq!(rig.r(DEVICE_FEATURES), 0);
    // Config accesses beyond its 16 bytes, or of odd sizes: 0, ignored.
    assert_eq!(rig.dev.read(CONFIG + 15, 2), 0);
    assert_eq!(rig.dev.read(CONFIG + 16, 1), 0);
    assert_eq!(rig.dev.read(CONFIG + 12, 8), 0);
    assert_eq!(rig.dev.read(CONFIG, 3), 0);
    assert_eq!(rig.dev.read(u64::MAX, 4), 0);
    rig.dev.write(CONFIG + 15, 2, 0xffff, &mut rig.mem);
    rig.dev.write(u64::MAX - 1, 8, u64::MAX, &mut rig.mem);
    assert_eq!(rig.dev.device().config[15], 15);
}

#[test]
fn v1_queue_ready_only_for_a_valid_queue() {
    let mut rig = Rig::new();
    rig.negotiate(VIRTIO_F_VERSION_1);
    let good = Layout::at(0, 64);
    let top = BASE + RAM as u64;
    let bad = [
        Layout { size: 0, ..good },
        Layout { size: 48, ..good },              // not a power of two
        Layout { size: 128, ..good },             // above QueueNumMax
        Layout { desc: good.desc + 8, ..good },   // desc not 16-aligned
        Layout { avail: good.avail + 1, ..good }, // avail not 2-aligned
        Layout { used: good.used + 2, ..good },   // used not 4-aligned
        Layout { desc: top - 16 * 32, ..good },   // table runs out of RAM
        Layout { avail: top - 4, ..good },        // avail ring runs out
        Layout { used: BASE - 0x1000, ..good },   // used ring below RAM
        Layout { used: u64::MAX - 3, ..good },    // wraps
    ];
    for l in bad {
        assert!(!rig.setup_queue(0, l), "{l:?} was accepted");
        assert!(rig.dev.queues().info(0).is_none());
    }
    assert!(rig.setup_queue(0, good));
    // A ready queue ignores new setup writes; QueueReady 0 takes it down.
    rig.w(QUEUE_NUM, 16);
    assert_eq!(rig.dev.queues().info(0).unwrap().size, 64);
    rig.w(QUEUE_READY, 0);
    assert_eq!(rig.r(QUEUE_READY), 0);
    // Queue 5 does not exist: its registers are ignored.
    assert!(!rig.setup_queue(5, good));
}
