// SPDX-License-Identifier: MIT
//! V7: a device model's next life. The transport state saved by one
//! `MmioDevice` (`save`, encoded as alternate records) is restored into a
//! fresh one (`restore`), which serves the driver's queues on from the
//! used ring's index in guest memory, with no reset the driver could see;
//! a record torn or corrupted, or a state no driver could have written, is
//! refused and leaves the device reset.
//!
//! Owns the restart requirement; must not test negotiation (V2) or the
//! rings themselves (V3).

use crate::rig::{BUFFERS, Rig, TestDevice, WRITE};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::regs::*;
use bulkhead_virtio_device::saved::{self, RECORD_BYTES, RecordError, SavedTransport};
use bulkhead_virtio_device::{MmioDevice, RestoreError};

/// A rig whose queue 0 took and completed `n` chains, and its layout.
fn served(n: u16) -> (Rig, crate::rig::Layout) {
    let mut rig = Rig::new();
    let l = rig.up(8, VIRTIO_F_RING_INDIRECT_DESC);
    for i in 0..n {
        rig.desc(l.desc, i % 8, BUFFERS + u64::from(i % 8) * 16, 16, WRITE, 0);
        rig.offer(l, &[i % 8]);
        rig.kick(0);
    }
    assert_eq!(rig.used_idx(l), n);
    (rig, l)
}

#[test]
fn v7_a_restored_device_serves_the_same_queues_on() {
    let (mut rig, l) = served(11);
    let state = rig.dev.save();
    // The device model dies; its next life restores what it saved.
    let record = saved::encode(&state, 7);
    let (seq, back) = saved::decode(&record).unwrap();
    assert_eq!((seq, back), (7, state));
    rig.dev = MmioDevice::new(TestDevice::default());
    rig.dev.restore(&back, &rig.mem).unwrap();
    // No reset is visible: status, features, queue configuration.
    assert_eq!(rig.r(STATUS), STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    assert_eq!(rig.dev.driver_features(), VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC);
    rig.w(QUEUE_SEL, 0);
    assert_eq!(rig.r(QUEUE_READY), 1);
    // A used-buffer interrupt in case the former life died before its own.
    assert_eq!(rig.r(INTERRUPT_STATUS), INTERRUPT_USED_BUFFER);
    // The next chain is taken from where the used ring stands, and lands
    // in the next used slot.
    rig.desc(l.desc, 3, BUFFERS + 0x800, 16, WRITE, 0);
    rig.offer(l, &[3]);
    rig.kick(0);
    assert_eq!(rig.used_idx(l), 12);
    assert_eq!(rig.used_elem(l, 11), (3, 5));
    assert_eq!(rig.taken().len(), 1);
}

#[test]
fn v7_a_state_saved_mid_probe_resumes_the_probe() {
    let mut rig = Rig::new();
    let st = rig.negotiate(VIRTIO_F_VERSION_1);
    assert_ne!(st & STATUS_FEATURES_OK, 0);
    rig.w(QUEUE_SEL, 1);
    rig.w(QUEUE_NUM, 8);
    let state = rig.dev.save();
    rig.dev = MmioDevice::new(TestDevice::default());
    rig.dev.restore(&state, &rig.mem).unwrap();
    // The driver goes on with queue 1, where it was.
    let l = crate::rig::Layout::at(1, 8);
    for (lo, addr) in [(QUEUE_DESC_LOW, l.desc), (QUEUE_DRIVER_LOW, l.avail), (QUEUE_DEVICE_LOW, l.used)] {
        rig.w(lo, addr as u32);
        rig.w(lo + 4, (addr >> 32) as u32);
    }
    rig.w(QUEUE_READY, 1);
    assert_eq!(rig.r(QUEUE_READY), 1);
    rig.w(QUEUE_SEL, 0);
    assert_eq!(rig.r(QUEUE_READY), 0);
}

#[test]
fn v7_states_no_driver_could_write_are_refused_and_leave_the_device_reset() {
    let (rig, _) = served(3);
    let good = rig.dev.save();
    let mut cases: Vec<(SavedTransport, RestoreError)> = Vec::new();
    let mut s = good;
    s.status |= STATUS_FAILED;
    cases.push((s, RestoreError::Status));
    let mut s = good;
    s.status |= 0x100;
    cases.push((s, RestoreError::Status));
    let mut s = good;
    s.driver_features = 1 << 40; // not offered, no VERSION_1
    cases.push((s, RestoreError::Features));
    let mut s = good;
    s.status &= !STATUS_FEATURES_OK; // DRIVER_OK without FEATURES_OK
    cases.push((s, RestoreError::Features));
    let mut s = good;
    s.queues[0].desc = 0x10; // outside guest RAM
    cases.push((s, RestoreError::Queue(0)));
    let mut s = good;
    s.queues[0].num = 6; // not a power of two
    cases.push((s, RestoreError::Queue(0)));
    let mut s = good;
    s.queues[0].device += 2; // misaligned used ring
    cases.push((s, RestoreError::Queue(0)));
    let mut s = good;
    s.queues[5] = s.queues[0]; // a queue the device does not have
    cases.push((s, RestoreError::Queue(5)));
    for (state, expected) in cases {
        let mut fresh = Rig::new();
        fresh.mem = rig.mem.clone();
        assert_eq!(fresh.dev.restore(&state, &fresh.mem), Err(expected), "{state:?}");
        assert_eq!(fresh.r(STATUS), 0);
        assert_eq!(fresh.r(INTERRUPT_STATUS), 0);
        assert_eq!(fresh.dev.driver_features(), 0);
        fresh.w(QUEUE_SEL, 0);
        assert_eq!(fresh.r(QUEUE_READY), 0);
    }
}

#[test]
fn v7_torn_or_corrupt_records_are_not_believed_and_the_newer_record_wins() {
    let (rig, _) = served(2);
    let state = rig.dev.save();
    let old = saved::encode(&SavedTransport::default(), u32::MAX);
    let new = saved::encode(&state, 0); // the sequence wrapped
    assert_eq!(saved::newest(&old, &new), Ok((0, state)));
    assert_eq!(saved::newest(&new, &old), Ok((0, state)));
    // Never written.
    assert_eq!(saved::decode(&[0; RECORD_BYTES]), Err(RecordError::Empty));
    // Every single flipped byte of the header and body is caught.
    let len = 10 + usize::from(u16::from_le_bytes([new[8], new[9]])) + 4;
    for at in 4..len {
        let mut torn = new;
        torn[at] ^= 0x20;
        assert!(saved::decode(&torn).is_err(), "byte {at}");
        // The other record is still there.
        assert_eq!(saved::newest(&torn, &old), Ok((u32::MAX, SavedTransport::default())));
    }
    // A length beyond the record.
    let mut long = new;
    long[8..10].copy_from_slice(&600u16.to_le_bytes());
    assert_eq!(saved::decode(&long), Err(RecordError::Corrupt));
    // Neither valid: the first one's error.
    assert_eq!(saved::newest(&[0; RECORD_BYTES], &long), Err(RecordError::Empty));
}
