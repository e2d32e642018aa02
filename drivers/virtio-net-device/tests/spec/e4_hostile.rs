// SPDX-License-Identifier: MIT
//! E4: hostile chains and frames never panic and are counted: transmit
//! chains with a header asking for checksum or GSO (or any flag), a runt or
//! oversize frame, fewer than 12 readable bytes (a zero-length chain
//! too), or a device-writable buffer are completed with length 0 and
//! skipped; receive chains with a device-readable buffer or too small are
//! used with length 0 and nothing of the frame is visible; a frame out of
//! bounds takes no chain; no buffer is NoBuffer; an `out` too short takes
//! nothing.
//!
//! Owns that evidence; must not test ordering (e5 does).

use bulkhead_virtio_net_device::{MAX_FRAME, RECEIVEQ, RxDrops, RxError, TRANSMITQ, TxDrops, VirtioNet};

use crate::rig::{Rig, Seg, frame, tx_header};

fn hdr(flags: u8, gso: u8) -> Vec<u8> {
    let mut h = tx_header();
    h[0] = flags;
    h[1] = gso;
    h
}

#[test]
fn bad_transmit_chains_are_dropped_and_counted() {
    let mut r = Rig::up();
    let f = frame(60, 0);
    let bad: Vec<Vec<Seg>> = vec![
        vec![Seg::R(hdr(1, 0)), Seg::R(f.clone())],    // NEEDS_CSUM
        vec![Seg::R(hdr(2, 0)), Seg::R(f.clone())],    // DATA_VALID
        vec![Seg::R(hdr(0, 1)), Seg::R(f.clone())],    // GSO_TCPV4
        vec![Seg::R(hdr(0, 0x80)), Seg::R(f.clone())], // GSO ECN bit
        vec![Seg::R(tx_header()), Seg::R(frame(13, 0))],
        vec![Seg::R(tx_header()), Seg::R(frame(MAX_FRAME + 1, 0))],
        vec![Seg::R(tx_header())],
        vec![Seg::R(vec![])],
        vec![Seg::R(tx_header()[..11].to_vec())],
        vec![Seg::R(tx_header()), Seg::R(f.clone()), Seg::W(64)],
        vec![Seg::W(100)],
    ];
    let n = bad.len();
    for segs in &bad {
        r.post(TRANSMITQ, segs);
    }
    let good = r.post_tx(&f, true);
    r.kick(TRANSMITQ);
    assert_eq!(r.take(), Some(f), "the good frame after the bad ones");
    assert_eq!(r.take(), None);
    let used = r.used(TRANSMITQ);
    assert_eq!(used.len(), n + 1);
    assert!(used.iter().all(|u| u.len == 0));
    assert!(used.iter().all(|u| u.whole.iter().all(|&b| b == 0xEE)), "writable buffers untouched");
    assert_eq!(used.last().unwrap().head, good);
    let s = r.dev.device().stats();
    assert_eq!(s.tx_drops, TxDrops { layout: 4, offload: 4, length: 3, memory: 0 });
    assert_eq!(s.tx_frames, 1);
}

#[test]
fn out_too_short_takes_nothing() {
    let mut r = Rig::up();
    let f = frame(60, 0);
    r.post_tx(&f, false);
    let mut out = vec![0u8; MAX_FRAME - 1];
    let (net, queues) = r.dev.device_and_queues();
    assert_eq!(net.take_tx(queues, &mut r.mem, &mut out), None);
    assert!(r.used(TRANSMITQ).is_empty());
    assert_eq!(r.take(), Some(f));
}

#[test]
fn bad_receive_chains_and_frames() {
    let mut r = Rig::up();
    let f = frame(200, 9);
    assert_eq!(r.deliver(&f), Err(RxError::NoBuffer));
    r.post(RECEIVEQ, &[Seg::R(vec![0; 12]), Seg::W(1530)]);
    assert_eq!(r.deliver(&f), Err(RxError::Readable));
    r.post(RECEIVEQ, &[Seg::W(211)]);
    assert_eq!(r.deliver(&f), Err(RxError::TooSmall));
    r.post(RECEIVEQ, &[Seg::W(0)]);
    assert_eq!(r.deliver(&f), Err(RxError::TooSmall));
    let used = r.used(RECEIVEQ);
    assert_eq!(used.len(), 3);
    for u in &used {
        assert_eq!(u.len, 0);
        assert!(u.whole.iter().all(|&b| b == 0xEE), "nothing of the frame visible");
    }
    r.post_rx();
    assert_eq!(r.deliver(&frame(13, 0)), Err(RxError::Length));
    assert_eq!(r.deliver(&vec![0; MAX_FRAME + 1]), Err(RxError::Length));
    assert_eq!(r.deliver(&[]), Err(RxError::Length));
    assert!(r.used(RECEIVEQ).is_empty(), "no chain taken for a bad length");
    assert!(r.can_deliver());
    r.deliver(&f).unwrap();
    let s = r.dev.device().stats();
    assert_eq!(s.rx_drops, RxDrops { length: 3, no_buffer: 1, readable: 1, too_small: 2, queue: 0 });
    assert_eq!(s.rx_frames, 1);
}

#[test]
fn no_queues_no_panic() {
    let mut r = Rig::new();
    assert_eq!(r.deliver(&frame(60, 0)), Err(RxError::NoBuffer));
    assert!(!r.can_deliver());
    assert_eq!(r.take(), None);
    let mut net = VirtioNet::new([2, 0, 0, 0, 0, 1]);
    let mut queues = bulkhead_virtio_device::Queues::new();
    let mut out = [0u8; MAX_FRAME];
    assert_eq!(net.take_tx(&mut queues, &mut r.mem, &mut out), None);
}

#[test]
fn broken_receive_queue() {
    let mut r = Rig::up();
    // A readable buffer after a writable one breaks the queue (the core).
    r.post(RECEIVEQ, &[Seg::W(1530), Seg::R(vec![0; 4])]);
    assert_eq!(r.deliver(&frame(60, 0)), Err(RxError::Queue));
    assert!(!r.can_deliver());
    assert_eq!(r.deliver(&frame(60, 0)), Err(RxError::Queue));
    assert_eq!(r.dev.device().stats().rx_drops.queue, 2);
}
