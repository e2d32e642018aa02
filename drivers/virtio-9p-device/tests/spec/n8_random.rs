// SPDX-License-Identifier: MIT
//! N8: random interleavings (256 cases, up to 200 operations) of good and
//! hostile requests, kicks, takes, good and bad replies (some for unknown
//! tags), pumps and backend losses never panic; at most IN_FLIGHT chains
//! are in flight; every used entry carries a whole 9P message of its
//! length (or length 0); and once the backend is lost and the ring pumped
//! until nothing is in flight, every posted chain has been used exactly
//! once.
//!
//! Owns that evidence; must not test single behaviours (n1..n7 do).

use bulkhead_ninep::Message;
use bulkhead_virtio_9p_device::IN_FLIGHT;
use proptest::prelude::*;

use crate::rig::{CHAINS, Rig, Seg, msg};

#[derive(Clone, Debug)]
enum Op {
    /// A request with a tag; variant 0..4 good, 5 size lie, 6 short, 7 no
    /// writable part.
    Send(u16, u8),
    Kick,
    Take,
    /// A reply for a tag: variant 0 good, 1 Rlerror, 2 bad size, 3 wrong type.
    Reply(u16, u8),
    Lost,
    Pump,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u16..12, 0u8..8).prop_map(|(t, v)| Op::Send(t, v)),
        1 => Just(Op::Kick),
        3 => Just(Op::Take),
        3 => (0u16..12, 0u8..4).prop_map(|(t, v)| Op::Reply(t, v)),
        1 => Just(Op::Lost),
        1 => Just(Op::Pump),
    ]
}

fn check_used(r: &mut Rig) {
    for (_, len, bytes) in r.used() {
        if len > 0 {
            assert!(len >= 7);
            assert_eq!(u32::from_le_bytes(bytes[..4].try_into().unwrap()), len);
            assert_eq!(bytes[4] % 2, 1, "an R-message");
        }
    }
}

fn run(ops: &[Op]) {
    let mut r = Rig::up();
    for o in ops {
        match *o {
            Op::Send(tag, v) => {
                if r.outstanding() >= usize::from(CHAINS) {
                    continue;
                }
                let mut m = msg(tag, Message::Tclunk { fid: 1 });
                let segs = match v {
                    5 => {
                        m[0] = 50;
                        vec![Seg::R(m), Seg::W(64)]
                    }
                    6 => vec![Seg::R(m[..4].to_vec()), Seg::W(64)],
                    7 => vec![Seg::R(m)],
                    _ => vec![Seg::R(m), Seg::W(64)],
                };
                r.post(&segs);
            }
            Op::Kick => r.kick(),
            Op::Take => {
                let _ = r.take();
            }
            Op::Reply(tag, v) => {
                let mut m = match v {
                    1 => msg(tag, Message::Rlerror { ecode: 2 }),
                    3 => msg(tag, Message::Rwrite { count: 0 }),
                    _ => msg(tag, Message::Rclunk),
                };
                if v == 2 {
                    m.push(0);
                }
                let _ = r.complete(&m);
            }
            Op::Lost => {
                r.lost();
            }
            Op::Pump => r.pump(),
        }
        assert!(r.dev.device().in_flight() <= IN_FLIGHT);
        assert!(r.dev.device().waiting() <= r.dev.device().in_flight());
        check_used(&mut r);
    }
    for _ in 0..=usize::from(CHAINS) {
        r.pump();
        if r.dev.device().in_flight() == 0 {
            break;
        }
        r.lost();
        check_used(&mut r);
    }
    check_used(&mut r);
    assert_eq!(r.dev.device().in_flight(), 0);
    assert_eq!(r.outstanding(), 0, "every posted chain used");
    assert_eq!(r.total_used, r.total_posted, "and used exactly once");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_sequences(ops in prop::collection::vec(op(), 0..200)) {
        run(&ops);
    }
}
