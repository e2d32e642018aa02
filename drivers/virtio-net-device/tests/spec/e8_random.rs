// SPDX-License-Identifier: MIT
//! E8: random interleavings (256 cases, up to 200 operations) of good and
//! hostile transmit and receive chains, kicks, takes, deliveries of frames
//! of any length (0..1600), link changes and resets never panic; every
//! chain is used at most once; every used transmit chain is a frame handed
//! over or a counted drop, every used receive chain a frame delivered
//! (header, `num_buffers` = 1, the frame, length 12 + its length) or a
//! counted drop with length 0; every `deliver` is a frame or a drop; and
//! after draining, every transmit chain posted since the last reset has
//! been used.
//!
//! Owns that evidence; must not test single behaviours (e1..e7 do).

use bulkhead_virtio_net_device::{HDR_LEN, RECEIVEQ, TRANSMITQ};
use proptest::prelude::*;

use crate::rig::{CHAINS, Rig, Seg, frame, tx_header};

#[derive(Clone, Debug)]
enum Op {
    /// A transmit chain: variant 0..3 good (split or not), 4 flags, 5 GSO,
    /// 6 short header, 7 a writable buffer, 8 zero length; frame length.
    Tx(u8, usize),
    /// A receive chain: variant 0..3 one buffer, 4 split, 5 readable first;
    /// writable length.
    Rx(u8, u32),
    Kick(u16),
    Take,
    Deliver(usize),
    Link(bool),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..9, 0usize..1600).prop_map(|(v, l)| Op::Tx(v, l)),
        4 => (0u8..6, 0u32..1700).prop_map(|(v, l)| Op::Rx(v, l)),
        1 => (0u16..3).prop_map(Op::Kick),
        3 => Just(Op::Take),
        3 => (0usize..1600).prop_map(Op::Deliver),
        1 => any::<bool>().prop_map(Op::Link),
        1 => prop::bool::weighted(0.1).prop_map(|b| if b { Op::Reset } else { Op::Take }),
    ]
}

const HEADER: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];

/// The frame the test sends or delivers with length `len`.
fn f(len: usize) -> Vec<u8> {
    frame(len, len as u8)
}

fn check(r: &mut Rig, delivers: u64) {
    for u in r.used(TRANSMITQ) {
        assert_eq!(u.len, 0);
    }
    for u in r.used(RECEIVEQ) {
        if u.len != 0 {
            let len = u.len as usize - HDR_LEN;
            assert_eq!(u.bytes[..HDR_LEN], HEADER);
            assert_eq!(u.bytes[HDR_LEN..], f(len));
        }
    }
    let s = r.dev.device().stats();
    assert_eq!(s.tx_frames + s.tx_drops.total(), r.total_used[1] as u64);
    assert_eq!(s.rx_frames + s.rx_drops.total(), delivers);
    assert_eq!(s.rx_frames + s.rx_drops.readable + s.rx_drops.too_small, r.total_used[0] as u64);
    assert_eq!(s.rx_drops.queue, 0);
}

fn run(ops: &[Op]) {
    let mut r = Rig::up();
    let mut delivers = 0u64;
    let mut taken = 0u64;
    for o in ops {
        match *o {
            Op::Tx(v, len) => {
                if r.outstanding(TRANSMITQ) >= usize::from(CHAINS) {
                    continue;
                }
                let mut h = tx_header();
                let body = f(len);
                let segs = match v {
                    0 | 1 => vec![Seg::R(h), Seg::R(body)],
                    4 => {
                        h[0] = 1;
                        vec![Seg::R([h, body].concat())]
                    }
                    5 => {
                        h[1] = 4;
                        vec![Seg::R([h, body].concat())]
                    }
                    6 => vec![Seg::R(h[..len % HDR_LEN].to_vec())],
                    7 => vec![Seg::R(h), Seg::R(body), Seg::W(16)],
                    8 => vec![Seg::R(vec![])],
                    _ => vec![Seg::R([h, body].concat())],
                };
                r.post(TRANSMITQ, &segs);
            }
            Op::Rx(v, len) => {
                if r.outstanding(RECEIVEQ) >= usize::from(CHAINS) {
                    continue;
                }
                let segs = match v {
                    4 => vec![Seg::W(len / 3), Seg::W(len - len / 3)],
                    5 => vec![Seg::R(vec![0; 12]), Seg::W(len)],
                    _ => vec![Seg::W(len)],
                };
                r.post(RECEIVEQ, &segs);
            }
            Op::Kick(q) => r.kick(q),
            Op::Take => {
                if let Some(frame) = r.take() {
                    assert_eq!(frame, f(frame.len()));
                    taken += 1;
                }
            }
            Op::Deliver(len) => {
                let _ = r.deliver(&f(len));
                delivers += 1;
            }
            Op::Link(up) => {
                if r.dev.device().set_link(up) {
                    r.dev.config_changed();
                }
            }
            Op::Reset => r.bring_up(),
        }
        check(&mut r, delivers);
        assert_eq!(r.dev.device().stats().tx_frames, taken);
    }
    while r.take().is_some() {
        taken += 1;
    }
    check(&mut r, delivers);
    assert_eq!(r.outstanding(TRANSMITQ), 0, "every transmit chain used");
    assert_eq!(r.dev.device().stats().tx_frames, taken);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_sequences(ops in prop::collection::vec(op(), 0..200)) {
        run(&ops);
    }
}
