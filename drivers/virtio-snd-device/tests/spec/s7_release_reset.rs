// SPDX-License-Identifier: MIT
//! S7: RELEASE completes every buffer in flight, in order, with status OK
//! (latency 0, length 8) before its own answer, as virtio 1.2 requires
//! ("the device MUST complete all pending I/O messages"); so do an
//! accepted SET_PARAMS or PREPARE (Linux never has buffers then). A
//! refused command completes nothing. A device reset forgets the stream,
//! its parameters, the buffers in flight and the counters.
//!
//! Owns that evidence; must not test single buffers (s5, s6).

use bulkhead_virtio_device::regs;
use bulkhead_virtio_snd_device::{Stats, StreamState, wire};

use crate::rig::{Rig, good_params, pcm, status_of};

#[test]
fn release_completes_all() {
    let mut r = Rig::up();
    r.start();
    let heads: Vec<u16> = (0..5).map(|i| r.play(&pcm(64, i))).collect();
    assert_eq!(r.cmd(wire::R_PCM_RELEASE), wire::S_BAD_MSG, "not while started");
    assert!(r.used(2).is_empty(), "a refused command completes nothing");
    assert_eq!(r.cmd(wire::R_PCM_STOP), wire::S_OK);
    assert!(r.used(2).is_empty());
    assert_eq!(r.cmd(wire::R_PCM_RELEASE), wire::S_OK);
    let u = r.used(2);
    assert_eq!(u.iter().map(|u| u.head).collect::<Vec<_>>(), heads);
    for u in &u {
        assert_eq!((u.len, status_of(&u.bytes)), (8, (wire::S_OK, 0)));
    }
    let d = r.dev.device();
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.next_buffer_len(), None);
    assert_eq!(d.stats().buffers_flushed, 5);
    assert_eq!(d.stats().buffers_played, 0);
}

#[test]
fn prepare_again_flushes() {
    let mut r = Rig::up();
    assert_eq!(r.control(&good_params()), wire::S_OK);
    assert_eq!(r.cmd(wire::R_PCM_PREPARE), wire::S_OK);
    r.play(&pcm(64, 0));
    assert_eq!(r.cmd(wire::R_PCM_PREPARE), wire::S_OK);
    assert_eq!(r.used(2).len(), 1);
    r.play(&pcm(64, 0));
    assert_eq!(r.control(&good_params()), wire::S_OK);
    assert_eq!(r.used(2).len(), 1);
    assert_eq!(r.dev.device().in_flight(), 0);
}

#[test]
fn reset_forgets_everything() {
    let mut r = Rig::up();
    r.start();
    r.play(&pcm(64, 0));
    r.play(&pcm(6, 0));
    assert!(r.dev.device().stats() != Stats::default());
    r.w(regs::STATUS, 0);
    let d = r.dev.device();
    assert_eq!(d.state(), StreamState::Idle);
    assert_eq!(d.params(), None);
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.stats(), Stats::default());
    assert!(!r.complete(), "the forgotten buffer is not completed");
    r.bring_up();
    assert_eq!(r.cmd(wire::R_PCM_PREPARE), wire::S_BAD_MSG, "parameters forgotten");
    r.start();
    r.play(&pcm(8, 1));
    assert_eq!(r.read(), Some(pcm(8, 1)));
}
