// SPDX-License-Identifier: MIT
//! S2: Linux's probe on the control queue — PCM_INFO (start 0, count 1,
//! size 32) and CHMAP_INFO (size 24) answered byte for byte; queries
//! for jacks, past the one item, of count 0, with a `size` below the
//! structure, or whose answer does not fit are BAD_MSG; a larger `size`
//! pads each item with zeros; unknown codes are NOT_SUPP; short requests
//! BAD_MSG; a response buffer under 4 bytes is used with length 0; the
//! event queue's buffers stay available.
//!
//! Owns that evidence; must not test the PCM lifecycle (s3, s4).

use bulkhead_virtio_snd_device::wire;

use crate::rig::{Rig, Seg, rings, words};

fn status(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[..4].try_into().unwrap())
}

#[test]
fn pcm_info_golden() {
    let mut r = Rig::up();
    let u = r.control_room(&words(&[wire::R_PCM_INFO, 0, 1, 32]), 4 + 32);
    assert_eq!(u.len, 36);
    #[rustfmt::skip]
    let want: [u8; 36] = [
        0x00, 0x80, 0, 0,           // VIRTIO_SND_S_OK
        0, 0, 0, 0,                 // hda_fn_nid
        0, 0, 0, 0,                 // features
        0x20, 0, 0, 0, 0, 0, 0, 0,  // formats: 1 << S16 (5)
        0x80, 0, 0, 0, 0, 0, 0, 0,  // rates: 1 << 48000 (7)
        0, 2, 2,                    // OUTPUT, channels 2..=2
        0, 0, 0, 0, 0,              // padding
    ];
    assert_eq!(u.bytes, want);
}

#[test]
fn chmap_info_golden() {
    let mut r = Rig::up();
    let u = r.control_room(&words(&[wire::R_CHMAP_INFO, 0, 1, 24]), 4 + 24);
    assert_eq!(u.len, 28);
    let mut want = vec![0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4];
    want.resize(28, 0);
    assert_eq!(u.bytes, want, "OUTPUT, 2 channels, FL FR, 16 positions unused");
}

#[test]
fn bad_queries() {
    let mut r = Rig::up();
    for (req, room) in [
        (words(&[wire::R_JACK_INFO, 0, 1, 24]), 64),
        (words(&[wire::R_JACK_INFO, 0, 0, 24]), 64),
        (words(&[wire::R_PCM_INFO, 0, 2, 32]), 128),
        (words(&[wire::R_PCM_INFO, 1, 1, 32]), 64),
        (words(&[wire::R_PCM_INFO, u32::MAX, 2, 32]), 64),
        (words(&[wire::R_PCM_INFO, 0, 0, 32]), 64),
        (words(&[wire::R_PCM_INFO, 0, 1, 31]), 64),
        (words(&[wire::R_PCM_INFO, 0, 1, 1 << 20]), 64),
        (words(&[wire::R_PCM_INFO, 0, 1, 32]), 35),
        (words(&[wire::R_CHMAP_INFO, 0, 1, 23]), 64),
        (words(&[wire::R_CHMAP_INFO, 1, 1, 24]), 64),
        (words(&[wire::R_PCM_INFO, 0, 1]), 64),
        (words(&[wire::R_JACK_REMAP, 0, 0, 0]), 64),
        (vec![0x00, 0x01], 64),
        (vec![], 64),
    ] {
        let u = r.control_room(&req, room);
        assert_eq!((u.len, status(&u.bytes)), (4, wire::S_BAD_MSG), "{req:?} room {room}");
    }
    assert_eq!(r.dev.device().stats().bad_requests, 15);
}

#[test]
fn larger_size_pads_and_unknown_codes() {
    let mut r = Rig::up();
    let u = r.control_room(&words(&[wire::R_PCM_INFO, 0, 1, 40]), 64);
    assert_eq!(u.len, 44);
    assert_eq!(&u.bytes[..4], &[0, 0x80, 0, 0]);
    assert_eq!(u.bytes[4 + 24..4 + 27], [0, 2, 2]);
    assert_eq!(&u.bytes[36..], &[0; 8]);
    for code in [0, 3, 0x106, 0x201, 0x1000, 0x8000, u32::MAX] {
        let u = r.control_room(&words(&[code, 0, 0, 0, 0, 0]), 64);
        assert_eq!((u.len, status(&u.bytes)), (4, wire::S_NOT_SUPP), "code {code:#x}");
    }
}

#[test]
fn no_room_and_eventq() {
    let mut r = Rig::up();
    let u = r.control_room(&words(&[wire::R_PCM_INFO, 0, 1, 32]), 3);
    assert_eq!(u.len, 0);
    assert_eq!(u.bytes, [] as [u8; 0]);
    let (_, _, used) = rings(0);
    r.post(0, &[Seg::R(words(&[wire::R_PCM_INFO, 0, 1, 32]))]);
    r.kick(0);
    assert_eq!(r.used(0).len(), 1, "no writable part: used with 0");
    assert_eq!(r.u16_at(used + 2), 2);
    for _ in 0..8 {
        r.post(1, &[Seg::W(8)]);
    }
    r.kick(1);
    assert!(r.used(1).is_empty(), "event buffers are never used");
    assert_eq!(r.outstanding(1), 8);
}
