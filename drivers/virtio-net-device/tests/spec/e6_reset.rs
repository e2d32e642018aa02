// SPDX-License-Identifier: MIT
//! E6: a device reset (Status 0) forgets the queues (the core's) and the
//! kicks, keeps the MAC, the link status and the counters; the device works
//! again after a new bring-up, frames posted before the reset are gone.
//!
//! Owns that evidence; must not test traffic rules (e2..e5 do).

use bulkhead_virtio_device::regs;
use bulkhead_virtio_net_device::{Kicks, RECEIVEQ, RxError, TRANSMITQ};

use crate::rig::{MAC, Rig, frame};

#[test]
fn reset_keeps_mac_link_and_counters() {
    let mut r = Rig::up();
    r.post_rx();
    r.deliver(&frame(60, 0)).unwrap();
    r.post_tx(&frame(70, 0), false);
    r.post_tx(&frame(71, 0), false);
    r.kick(TRANSMITQ);
    assert_eq!(r.take().map(|f| f.len()), Some(70));
    r.post_rx();
    r.kick(RECEIVEQ);
    assert_eq!(r.deliver(&frame(5, 0)), Err(RxError::Length));
    r.dev.device().set_link(false);
    let before = r.dev.device().stats();

    r.w(regs::STATUS, 0);
    assert_eq!(r.dev.device().take_kicks(), Kicks::default());
    assert_eq!(r.take(), None, "the posted frame is gone with the queue");
    assert!(!r.can_deliver());
    assert_eq!(r.deliver(&frame(60, 0)), Err(RxError::NoBuffer));
    assert_eq!(r.dev.device().mac(), MAC);
    assert!(!r.dev.device().link_up());
    let after = r.dev.device().stats();
    assert_eq!(after.tx_frames, before.tx_frames);
    assert_eq!(after.rx_frames, before.rx_frames);
    assert_eq!(after.rx_drops.length, before.rx_drops.length);

    r.bring_up();
    assert_eq!(r.dev.read(regs::CONFIG + 6, 2), 0, "link still down");
    r.post_rx();
    r.deliver(&frame(60, 1)).unwrap();
    assert_eq!(r.used(RECEIVEQ)[0].len, 72);
    r.post_tx(&frame(80, 1), true);
    assert_eq!(r.take(), Some(frame(80, 1)));
    assert_eq!(r.dev.device().stats().tx_frames, 2);
    assert_eq!(r.dev.device().stats().rx_frames, 2);
}
