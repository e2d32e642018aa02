// SPDX-License-Identifier: MIT
//! S5: playback — tx buffers queued after PREPARE (pre-buffering) and
//! after START are kept in flight in order; `next_buffer_len` and
//! `read_buffer` give exactly the oldest buffer's PCM (read from guest
//! memory, whatever its split into buffers); `complete_buffer` uses it
//! with status OK, latency 0 and length 8, raises the used-buffer
//! interrupt, counts it, and moves to the next; with nothing in flight it
//! does nothing. STOP keeps the buffers in flight.
//!
//! Owns that evidence; must not test refusals (s6) nor RELEASE (s7).

use bulkhead_virtio_device::features::INTERRUPT_USED_BUFFER;
use bulkhead_virtio_snd_device::{ReadError, wire};

use crate::rig::{Rig, Seg, good_params, pcm, status_of, words};

#[test]
fn buffers_in_order() {
    let mut r = Rig::up();
    assert_eq!(r.control(&good_params()), wire::S_OK);
    assert_eq!(r.cmd(wire::R_PCM_PREPARE), wire::S_OK);
    let a = pcm(1920, 1);
    let b = pcm(1920, 2);
    let c = pcm(4, 3);
    let ha = r.play(&a);
    let hb = r.play(&b);
    assert_eq!(r.dev.device().in_flight(), 2, "pre-buffered while prepared");
    assert_eq!(r.cmd(wire::R_PCM_START), wire::S_OK);
    let hc = r.play(&c);
    assert!(r.used(2).is_empty(), "nothing completed before the domain says so");
    r.irq();
    for (h, want) in [(ha, &a), (hb, &b), (hc, &c)] {
        assert_eq!(r.dev.device().next_buffer_len(), Some(want.len()));
        assert_eq!(r.read().as_ref(), Some(want));
        assert_eq!(r.read().as_ref(), Some(want), "reading does not consume");
        assert!(r.complete());
        let u = r.used(2);
        assert_eq!(u.len(), 1);
        assert_eq!((u[0].head, u[0].len), (h, 8));
        assert_eq!(status_of(&u[0].bytes), (wire::S_OK, 0));
        assert_eq!(r.irq() & INTERRUPT_USED_BUFFER, INTERRUPT_USED_BUFFER);
    }
    assert_eq!(r.dev.device().next_buffer_len(), None);
    assert!(r.read().is_none());
    assert!(!r.complete());
    let s = r.dev.device().stats();
    assert_eq!((s.buffers_played, s.bytes_played, s.bad_chains), (3, 1920 * 2 + 4, 0));
}

#[test]
fn split_pcm_and_shared_header() {
    let mut r = Rig::up();
    r.start();
    let p = pcm(4096, 9);
    // Header and the first PCM bytes share a buffer; the rest in two more.
    let mut first = words(&[0]);
    first.extend(&p[..100]);
    r.post(2, &[Seg::R(first), Seg::R(p[100..3000].to_vec()), Seg::R(p[3000..].to_vec()), Seg::W(8)]);
    r.kick(2);
    assert_eq!(r.read(), Some(p.clone()));
    // The status buffer may be longer than 8: the status goes first.
    let q = pcm(8, 4);
    r.post(2, &[Seg::R(words(&[0])), Seg::R(q.clone()), Seg::W(16)]);
    r.kick(2);
    assert!(r.complete());
    assert!(r.complete());
    let u = r.used(2);
    assert_eq!(u[1].len, 8);
    assert_eq!(status_of(&u[1].bytes), (wire::S_OK, 0));
    assert_eq!(&u[1].bytes[8..], &[0xEE; 8], "nothing written past the status");
}

#[test]
fn read_errors() {
    let mut r = Rig::up();
    r.start();
    let mut small = [0u8; 8];
    assert_eq!(r.dev.device().read_buffer(&r.mem, &mut small), Err(ReadError::Empty));
    r.play(&pcm(16, 0));
    assert_eq!(r.dev.device().read_buffer(&r.mem, &mut small), Err(ReadError::ShortOutput));
    let mut exact = [0u8; 16];
    assert_eq!(r.dev.device().read_buffer(&r.mem, &mut exact), Ok(16));
    assert_eq!(exact.to_vec(), pcm(16, 0));
}

#[test]
fn stop_keeps_buffers() {
    let mut r = Rig::up();
    r.start();
    r.play(&pcm(64, 1));
    r.play(&pcm(64, 2));
    assert_eq!(r.cmd(wire::R_PCM_STOP), wire::S_OK);
    assert!(!r.dev.device().running());
    assert!(r.used(2).is_empty());
    assert_eq!(r.dev.device().in_flight(), 2);
    assert_eq!(r.cmd(wire::R_PCM_START), wire::S_OK);
    assert_eq!(r.read(), Some(pcm(64, 1)));
    assert!(r.complete());
    assert_eq!(r.read(), Some(pcm(64, 2)));
}
