// SPDX-License-Identifier: MIT
//! E2: Linux's bring-up and first traffic: receive buffers posted and
//! kicked (`try_fill_recv`), a frame sent with its header in a descriptor
//! of its own and one with the header pushed in front of the data (one
//! descriptor), both handed over byte for byte, their chains used with
//! length 0 and the used-buffer interrupt; a frame delivered into a posted
//! buffer.
//!
//! Owns that evidence; must not test exact receive bytes (e3 does).

use bulkhead_virtio_device::features::INTERRUPT_USED_BUFFER;
use bulkhead_virtio_net_device::{Kicks, RECEIVEQ, TRANSMITQ};

use crate::rig::{Rig, frame};

#[test]
fn linux_bring_up_and_first_frames() {
    let mut r = Rig::up();
    assert!(!r.can_deliver());
    for _ in 0..8 {
        r.post_rx();
    }
    assert_eq!(r.dev.device().take_kicks(), Kicks::default(), "nothing kicked yet");
    r.kick(RECEIVEQ);
    assert_eq!(r.dev.device().take_kicks(), Kicks { rx: true, tx: false });
    assert!(r.can_deliver());

    let arp = frame(42, 1);
    let ping = frame(98, 2);
    let split = r.post_tx(&arp, true);
    let pushed = r.post_tx(&ping, false);
    r.kick(TRANSMITQ);
    assert_eq!(r.dev.device().take_kicks(), Kicks { rx: false, tx: true });
    assert_eq!(r.take(), Some(arp));
    assert_eq!(r.take(), Some(ping));
    assert_eq!(r.take(), None);
    let used = r.used(TRANSMITQ);
    assert_eq!(used.iter().map(|u| (u.head, u.len)).collect::<Vec<_>>(), vec![(split, 0), (pushed, 0)]);
    assert_eq!(r.irq(), INTERRUPT_USED_BUFFER);

    let reply = frame(60, 3);
    r.deliver(&reply).unwrap();
    let used = r.used(RECEIVEQ);
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].len, 12 + 60);
    assert_eq!(&used[0].bytes[12..], reply.as_slice());
    assert_eq!(r.irq(), INTERRUPT_USED_BUFFER);
    let s = r.dev.device().stats();
    assert_eq!((s.tx_frames, s.tx_bytes, s.rx_frames, s.rx_bytes), (2, 140, 1, 60));
}
