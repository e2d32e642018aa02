// SPDX-License-Identifier: MIT
//! S6: hostile tx and rx chains never panic and are completed at once,
//! never handed on: fewer than 8 writable bytes — used with length 0,
//! memory untouched; no or a short xfer header, a stream id other than
//! 0, no PCM, PCM not whole frames or above MAX_PERIOD — BAD_MSG; a
//! well-formed buffer while the stream is neither prepared nor started —
//! IO_ERR; each with length 8 and latency 0, counted as bad chains. Rx
//! chains (there is no capture stream) get BAD_MSG in the last 8 bytes of
//! their writable part. Good buffers around them are unaffected.
//!
//! Owns that evidence; must not test the good path (s5).

use bulkhead_virtio_snd_device::{MAX_PERIOD, StreamState, wire};

use crate::rig::{Rig, Seg, good_params, pcm, status_of, words};

fn one_used(r: &mut Rig, q: u16) -> (u32, Vec<u8>) {
    let u = r.used(q);
    assert_eq!(u.len(), 1);
    (u[0].len, u[0].bytes.clone())
}

#[test]
fn malformed_tx_chains() {
    let mut r = Rig::up();
    r.start();
    let good = pcm(64, 5);
    r.play(&good);
    let cases: Vec<Vec<Seg>> = vec![
        vec![Seg::W(8)],
        vec![Seg::R(vec![0, 0]), Seg::W(8)],
        vec![Seg::R(words(&[0])), Seg::W(8)],
        vec![Seg::R(words(&[1])), Seg::R(pcm(64, 0)), Seg::W(8)],
        vec![Seg::R(words(&[u32::MAX])), Seg::R(pcm(64, 0)), Seg::W(8)],
        vec![Seg::R(words(&[0])), Seg::R(pcm(63, 0)), Seg::W(8)],
        vec![Seg::R(words(&[0])), Seg::R(pcm(2, 0)), Seg::W(8)],
        vec![Seg::R(words(&[0])), Seg::R(pcm(MAX_PERIOD as usize + 4, 0)), Seg::W(8)],
    ];
    let n = cases.len() as u64;
    for segs in cases {
        r.post(2, &segs);
        r.kick(2);
        let (len, bytes) = one_used(&mut r, 2);
        assert_eq!(len, 8, "{segs:?}");
        assert_eq!(status_of(&bytes), (wire::S_BAD_MSG, 0), "{segs:?}");
    }
    for w in [0, 4, 7] {
        r.post(2, &[Seg::R(words(&[0])), Seg::R(pcm(64, 0)), Seg::W(w)]);
        r.kick(2);
        let (len, bytes) = one_used(&mut r, 2);
        assert_eq!(len, 0);
        assert!(bytes.iter().all(|&b| b == 0xEE), "untouched");
    }
    r.post(2, &[Seg::R(words(&[0])), Seg::R(pcm(MAX_PERIOD as usize, 0)), Seg::W(8)]);
    r.kick(2);
    assert!(r.used(2).is_empty(), "MAX_PERIOD itself is fine");
    assert_eq!(r.dev.device().in_flight(), 2);
    assert_eq!(r.read(), Some(good), "the good buffer is still first");
    assert_eq!(r.dev.device().stats().bad_chains, n + 3);
}

#[test]
fn not_prepared_is_io_err() {
    for (setup, state) in [
        (&[][..], StreamState::Idle),
        (&[0][..], StreamState::ParamsSet),
        (&[0, wire::R_PCM_PREPARE, wire::R_PCM_START, wire::R_PCM_STOP][..], StreamState::Stopped),
        (&[0, wire::R_PCM_PREPARE, wire::R_PCM_RELEASE][..], StreamState::Released),
    ] {
        let mut r = Rig::up();
        for &c in setup {
            let s = if c == 0 { r.control(&good_params()) } else { r.cmd(c) };
            assert_eq!(s, wire::S_OK);
        }
        assert_eq!(r.dev.device().state(), state);
        r.play(&pcm(64, 0));
        let (len, bytes) = one_used(&mut r, 2);
        assert_eq!((len, status_of(&bytes)), (8, (wire::S_IO_ERR, 0)), "{state:?}");
        assert_eq!(r.dev.device().in_flight(), 0);
    }
}

#[test]
fn rx_chains_are_refused() {
    let mut r = Rig::up();
    r.start();
    r.post(3, &[Seg::R(words(&[0])), Seg::W(64), Seg::W(8)]);
    r.post(3, &[Seg::R(words(&[0])), Seg::W(20)]);
    r.post(3, &[Seg::R(words(&[0])), Seg::W(6)]);
    r.kick(3);
    let u = r.used(3);
    assert_eq!(u.len(), 3);
    assert_eq!(u[0].len, 8);
    assert!(u[0].bytes[..64].iter().all(|&b| b == 0xEE));
    assert_eq!(status_of(&u[0].bytes[64..]), (wire::S_BAD_MSG, 0));
    assert_eq!(u[1].len, 8);
    assert_eq!(status_of(&u[1].bytes[12..]), (wire::S_BAD_MSG, 0));
    assert_eq!(u[2].len, 0);
    assert!(u[2].bytes.iter().all(|&b| b == 0xEE));
}
