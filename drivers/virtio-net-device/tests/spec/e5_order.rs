// SPDX-License-Identifier: MIT
//! E5: order: frames are handed over in the order the guest posted them,
//! across kicks and ring wrap-around, each chain used once; received
//! frames fill the receive buffers in the order they were posted.
//!
//! Owns that evidence; must not test single chains (e2..e4 do).

use bulkhead_virtio_net_device::{RECEIVEQ, TRANSMITQ};

use crate::rig::{CHAINS, Rig, SIZE, frame};

#[test]
fn transmit_in_order_across_wrap() {
    let mut r = Rig::up();
    let mut next = 0u32;
    let mut taken = 0u32;
    // Several times the queue size, in batches of up to CHAINS.
    let mut batch = 0u32;
    while next <= 3 * u32::from(SIZE) {
        let n = 1 + batch % u32::from(CHAINS);
        batch += 1;
        for _ in 0..n {
            r.post_tx(&frame(60 + (next % 100) as usize, next as u8), next.is_multiple_of(2));
            next += 1;
        }
        r.kick(TRANSMITQ);
        while let Some(f) = r.take() {
            assert_eq!(f, frame(60 + (taken % 100) as usize, taken as u8));
            taken += 1;
        }
        assert_eq!(r.used(TRANSMITQ).len(), n as usize);
    }
    assert_eq!(taken, next);
    assert!(taken > 3 * u32::from(SIZE));
    assert_eq!(r.dev.device().stats().tx_frames, u64::from(taken));
}

#[test]
fn receive_fills_buffers_in_posted_order() {
    let mut r = Rig::up();
    let heads: Vec<u16> = (0..CHAINS).map(|_| r.post_rx()).collect();
    for i in 0..CHAINS {
        r.deliver(&frame(60, i as u8)).unwrap();
    }
    assert!(!r.can_deliver());
    let used = r.used(RECEIVEQ);
    assert_eq!(used.iter().map(|u| u.head).collect::<Vec<_>>(), heads);
    for (i, u) in used.iter().enumerate() {
        assert_eq!(&u.bytes[12..], frame(60, i as u8).as_slice());
    }
}
