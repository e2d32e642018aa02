// SPDX-License-Identifier: MIT
//! S8: random interleavings (256 cases, up to 120 operations) of control
//! requests (good and bad parameters, lifecycle commands in any order,
//! queries, garbage), good and hostile tx chains, rx and event buffers,
//! the domain's reads and completions, and device resets never panic;
//! buffers are in flight only while the stream is prepared, started or
//! stopped, never more than IN_FLIGHT; `read_buffer` always gives the
//! oldest accepted buffer's PCM; every used tx entry carries a status
//! (OK, BAD_MSG, IO_ERR) with length 8, or length 0; and once the domain
//! has completed everything, every posted control, tx and rx chain has
//! been used exactly once.
//!
//! Owns that evidence; must not test single behaviours (s1..s7).

use std::collections::VecDeque;

use bulkhead_virtio_snd_device::{IN_FLIGHT, MAX_PERIOD, wire};
use proptest::prelude::*;

use crate::rig::{Rig, SLOTS, Seg, good_params, pcm, set_params, status_of, words};

#[derive(Clone, Debug)]
enum Op {
    /// A control request: 0 good params, 1 bad params, 2..=5 prepare,
    /// start, stop, release, 6 PCM_INFO, 7 garbage.
    Control(u8),
    /// A tx chain: 0..=4 good with `frames` frames, 5 wrong stream, 6
    /// odd length, 7 no status room, 8 oversize.
    Play(u8, u16),
    Rx,
    Event,
    Read,
    Complete,
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..8).prop_map(Op::Control),
        5 => (0u8..9, 1u16..64).prop_map(|(v, f)| Op::Play(v, f)),
        1 => Just(Op::Rx),
        1 => Just(Op::Event),
        3 => Just(Op::Read),
        4 => Just(Op::Complete),
        1 => Just(Op::Reset),
    ]
}

/// Checks the tx used entries; the heads used.
fn tx_used(r: &mut Rig) -> Vec<u16> {
    r.used(2)
        .into_iter()
        .map(|u| {
            if u.len != 0 {
                assert_eq!(u.len, 8);
                let (status, latency) = status_of(&u.bytes);
                assert!([wire::S_OK, wire::S_BAD_MSG, wire::S_IO_ERR].contains(&status));
                assert_eq!(latency, 0);
            }
            u.head
        })
        .collect()
}

fn control(r: &mut Rig, v: u8) -> u32 {
    let req = match v {
        0 => good_params(),
        1 => set_params(100, 3, 0, 2, wire::PCM_FMT_S16, wire::PCM_RATE_48000),
        2 => words(&[wire::R_PCM_PREPARE, 0]),
        3 => words(&[wire::R_PCM_START, 0]),
        4 => words(&[wire::R_PCM_STOP, 0]),
        5 => words(&[wire::R_PCM_RELEASE, 0]),
        6 => words(&[wire::R_PCM_INFO, 0, 1, 32]),
        _ => vec![0xff, 0x01, 0x00],
    };
    let u = r.control_room(&req, 64);
    assert!(u.len >= 4);
    u32::from_le_bytes(u.bytes[..4].try_into().unwrap())
}

fn run(ops: &[Op]) {
    let mut r = Rig::up();
    // The accepted buffers, oldest first: (head, pcm).
    let mut model: VecDeque<(u16, Vec<u8>)> = VecDeque::new();
    for o in ops {
        match *o {
            Op::Control(v) => {
                let before: Vec<u16> = model.iter().map(|(h, _)| *h).collect();
                let status = control(&mut r, v);
                let used = tx_used(&mut r);
                if used.is_empty() {
                    assert!(r.dev.device().in_flight() == model.len());
                } else {
                    assert_eq!(status, wire::S_OK, "only an accepted command completes buffers");
                    assert_eq!(used, before, "all of them, in order");
                    model.clear();
                }
            }
            Op::Play(v, frames) => {
                if r.outstanding(2) >= usize::from(SLOTS) {
                    continue;
                }
                let p = pcm(usize::from(frames) * 4, frames as u8);
                let segs = match v {
                    5 => vec![Seg::R(words(&[3])), Seg::R(p.clone()), Seg::W(8)],
                    6 => vec![Seg::R(words(&[0])), Seg::R(p[1..].to_vec()), Seg::W(8)],
                    7 => vec![Seg::R(words(&[0])), Seg::R(p.clone()), Seg::W(4)],
                    8 => vec![Seg::R(words(&[0])), Seg::R(pcm(MAX_PERIOD as usize + 4, 0)), Seg::W(8)],
                    _ => vec![Seg::R(words(&[0])), Seg::R(p.clone()), Seg::W(8)],
                };
                let head = r.post(2, &segs);
                r.kick(2);
                let used = tx_used(&mut r);
                if used.is_empty() {
                    assert!(v < 5, "a hostile chain is never kept");
                    model.push_back((head, p));
                } else {
                    assert_eq!(used, [head], "refused at once");
                }
            }
            Op::Rx => {
                if r.outstanding(3) < usize::from(SLOTS) {
                    r.post(3, &[Seg::R(words(&[0])), Seg::W(32)]);
                    r.kick(3);
                    assert_eq!(r.used(3).len(), 1);
                }
            }
            Op::Event => {
                if r.outstanding(1) < usize::from(SLOTS) {
                    r.post(1, &[Seg::W(8)]);
                    r.kick(1);
                    assert!(r.used(1).is_empty());
                }
            }
            Op::Read => assert_eq!(r.read(), model.front().map(|(_, p)| p.clone())),
            Op::Complete => {
                let done = r.complete();
                assert_eq!(done, !model.is_empty());
                if let Some((head, _)) = model.pop_front() {
                    assert_eq!(tx_used(&mut r), [head]);
                }
            }
            Op::Reset => {
                r.bring_up();
                model.clear();
            }
        }
        let d = r.dev.device();
        assert_eq!(d.in_flight(), model.len());
        assert!(d.in_flight() <= IN_FLIGHT);
        assert!(d.in_flight() == 0 || d.state().holds_buffers(), "{:?}", d.state());
        assert_eq!(d.next_buffer_len(), model.front().map(|(_, p)| p.len()));
    }
    while r.complete() {}
    tx_used(&mut r);
    for q in [0, 2, 3] {
        assert_eq!(r.outstanding(q), 0, "queue {q}: every posted chain used");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn random_sequences(ops in prop::collection::vec(op(), 0..120)) {
        run(&ops);
    }
}
