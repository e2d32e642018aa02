// SPDX-License-Identifier: MIT
//! V3: split virtqueues. Chains come out in the order offered, with their
//! buffers and bytes; the used ring gets index, id and length; the
//! used-buffer interrupt bit is set (unless the driver asked for none) and
//! acknowledged; the 16-bit indices wrap; kicks before DRIVER_OK wait.
//!
//! Owns the honest driver's view; must not test hostile chains (V4).

use crate::rig::{BUFFERS, INDIRECT, NEXT, Rig, TestDevice, WRITE};
use bulkhead_virtio_device::features::*;
use bulkhead_virtio_device::regs::*;
use bulkhead_virtio_device::{GuestMemory, Segment};

#[test]
fn v3_chains_in_order_and_used_ring() {
    let mut rig = Rig::new();
    let l = rig.up(16, 0);
    // Chain A (head 3): 6 readable bytes, then 8 writable in two buffers.
    rig.mem.write(BUFFERS, b"hello!").unwrap();
    rig.desc(l.desc, 3, BUFFERS, 6, NEXT, 7);
    rig.desc(l.desc, 7, BUFFERS + 0x100, 3, NEXT | WRITE, 1);
    rig.desc(l.desc, 1, BUFFERS + 0x200, 5, WRITE, 0);
    // Chain B (head 0): one readable buffer; chain C (head 9): one writable buffer of 2.
    rig.mem.write(BUFFERS + 0x300, b"xyz").unwrap();
    rig.desc(l.desc, 0, BUFFERS + 0x300, 3, 0, 0);
    rig.desc(l.desc, 9, BUFFERS + 0x400, 2, WRITE, 0);
    rig.offer(l, &[3, 0, 9]);
    assert!(!rig.dev.interrupt_pending());
    rig.kick(0);

    let taken = rig.taken();
    assert_eq!(taken.len(), 3);
    let heads: Vec<u16> = taken.iter().map(|t| t.as_ref().unwrap().0.head()).collect();
    assert_eq!(heads, [3, 0, 9]);
    let (a, copy) = taken[0].as_ref().unwrap();
    assert_eq!(copy, b"hello!");
    assert_eq!((a.readable_len(), a.writable_len()), (6, 8));
    assert_eq!(
        a.segments(),
        [
            Segment { addr: BUFFERS, len: 6, writable: false },
            Segment { addr: BUFFERS + 0x100, len: 3, writable: true },
            Segment { addr: BUFFERS + 0x200, len: 5, writable: true },
        ]
    );
    // "reply" split over the two writable buffers; C got "re".
    let ram = |rig: &Rig, at: u64, n: usize| {
        let mut b = vec![0u8; n];
        rig.mem.read(at, &mut b).unwrap();
        b
    };
    assert_eq!(ram(&rig, BUFFERS + 0x100, 3), b"rep");
    assert_eq!(ram(&rig, BUFFERS + 0x200, 5), b"ly\0\0\0");
    assert_eq!(ram(&rig, BUFFERS + 0x400, 2), b"re");
    assert_eq!(rig.used_idx(l), 3);
    assert_eq!(rig.used_elem(l, 0), (3, 5));
    assert_eq!(rig.used_elem(l, 1), (0, 0));
    assert_eq!(rig.used_elem(l, 2), (9, 2));

    // The interrupt: bit 0, acknowledged by InterruptACK.
    assert!(rig.dev.interrupt_pending());
    assert_eq!(rig.r(INTERRUPT_STATUS), INTERRUPT_USED_BUFFER);
    rig.w(INTERRUPT_ACK, INTERRUPT_USED_BUFFER);
    assert_eq!(rig.r(INTERRUPT_STATUS), 0);
    assert!(!rig.dev.interrupt_pending());
    // Nothing new: a kick takes nothing.
    rig.kick(0);
    assert!(rig.taken().is_empty());
}

#[test]
fn v3_no_interrupt_flag_and_written_clamped() {
    let mut rig = Rig::new();
    let l = rig.up(4, 0);
    rig.set_u16(l.avail, 1); // VIRTQ_AVAIL_F_NO_INTERRUPT
    rig.desc(l.desc, 0, BUFFERS, 4, WRITE, 0);
    rig.offer(l, &[0]);
    rig.dev.device().complete = false;
    rig.kick(0);
    let (chain, _) = rig.taken().remove(0).unwrap();
    let (_, queues) = rig.dev.device_and_queues();
    // Completed later (outside the notification), claiming more than the buffer.
    queues.push_used(0, &chain, 1000, &mut rig.mem).unwrap();
    assert_eq!(rig.used_elem(l, 0), (0, 4));
    assert!(!rig.dev.interrupt_pending());
    // A chain is only completed on its own queue.
    let (_, queues) = rig.dev.device_and_queues();
    assert!(queues.push_used(1, &chain, 0, &mut rig.mem).is_err());
}

#[test]
fn v3_indices_wrap() {
    let mut rig = Rig::new();
    let l = rig.up(2, 0);
    rig.desc(l.desc, 0, BUFFERS, 1, 0, 0);
    rig.desc(l.desc, 1, BUFFERS + 8, 1, WRITE, 0);
    // Start near the wrap, as a long-running driver would be: both indices at 65530.
    let mut n: u16 = 0;
    for _ in 0..65530u32 / 2 {
        rig.offer(l, &[0, 1]);
        rig.kick(0);
        n = n.wrapping_add(2);
    }
    rig.taken();
    for _ in 0..8 {
        rig.offer(l, &[1, 0]);
        rig.kick(0);
        n = n.wrapping_add(2);
        assert_eq!(rig.used_idx(l), n);
        assert_eq!(rig.used_elem(l, n.wrapping_sub(2)), (1, 1));
        assert_eq!(rig.used_elem(l, n.wrapping_sub(1)), (0, 0));
        let heads: Vec<u16> = rig.taken().iter().map(|t| t.as_ref().unwrap().0.head()).collect();
        assert_eq!(heads, [1, 0]);
    }
    assert!(n < 100, "the index wrapped: {n}");
}

#[test]
fn v3_indirect_chain_and_deferred_kick() {
    let mut rig = Rig::new();
    rig.negotiate(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC);
    let l = crate::rig::Layout::at(0, 8);
    assert!(rig.setup_queue(0, l));
    let table = BUFFERS + 0x1000;
    rig.mem.write(BUFFERS, b"ab").unwrap();
    rig.desc(table, 0, BUFFERS, 2, NEXT, 2);
    rig.desc(table, 2, BUFFERS + 0x10, 8, WRITE, 0);
    rig.desc(l.desc, 5, table, 48, INDIRECT | WRITE, 0);
    rig.offer(l, &[5]);
    // A kick before DRIVER_OK is held until DRIVER_OK.
    rig.kick(0);
    assert!(rig.taken().is_empty());
    rig.w(STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    let (chain, copy) = rig.taken().remove(0).unwrap();
    assert_eq!(copy, b"ab");
    assert_eq!((chain.head(), chain.readable_len(), chain.writable_len()), (5, 2, 8));
    assert_eq!(rig.used_elem(l, 0), (5, 5));
}

#[test]
fn v3_queue_one_independent() {
    let mut rig = Rig::with(TestDevice::default());
    let l0 = rig.up(4, 0);
    let l1 = crate::rig::Layout::at(1, 4);
    // Queue 1 set up after DRIVER_OK (as virtio-input's status queue may be).
    assert!(rig.setup_queue(1, l1));
    rig.desc(l1.desc, 2, BUFFERS, 4, WRITE, 0);
    rig.offer(l1, &[2]);
    rig.kick(1);
    assert_eq!(rig.dev.device().notified, [1]);
    assert_eq!(rig.used_idx(l1), 1);
    assert_eq!(rig.used_idx(l0), 0);
}
