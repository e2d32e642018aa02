// SPDX-License-Identifier: MIT
//! S3: PCM_SET_PARAMS accepts only 2 channels, S16, 48000 Hz, no
//! features, and a period of whole 4-byte frames, at most MAX_PERIOD, no
//! larger than the buffer, which is whole periods; unsupported values are
//! NOT_SUPP, inconsistent sizes, a wrong stream id or a short request
//! BAD_MSG; a refusal changes neither the state nor the parameters.
//!
//! Owns that evidence; must not test the lifecycle order (s4).

use bulkhead_virtio_snd_device::wire::{self, PCM_FMT_S16 as S16, PCM_RATE_48000 as R48};
use bulkhead_virtio_snd_device::{MAX_PERIOD, PcmParams, StreamState};

use crate::rig::{Rig, set_params, words};

#[test]
fn acceptance_table() {
    const OK: u32 = wire::S_OK;
    const BAD: u32 = wire::S_BAD_MSG;
    const NS: u32 = wire::S_NOT_SUPP;
    #[rustfmt::skip]
    let table: &[(u32, u32, u32, u8, u8, u8, u32)] = &[
        // buffer, period, features, channels, format, rate, status
        (7680, 1920, 0, 2, S16, R48, OK),
        (32768, 16384, 0, 2, S16, R48, OK),
        (MAX_PERIOD, MAX_PERIOD, 0, 2, S16, R48, OK),
        (4, 4, 0, 2, S16, R48, OK),
        (2 * MAX_PERIOD + 8, MAX_PERIOD + 4, 0, 2, S16, R48, NS),
        (7680, 1920, 1 << 2, 2, S16, R48, NS),
        (7680, 1920, 0, 1, S16, R48, NS),
        (7680, 1920, 0, 6, S16, R48, NS),
        (7680, 1920, 0, 2, 6, R48, NS),
        (7680, 1920, 0, 2, 3, R48, NS),
        (7680, 1920, 0, 2, S16, 6, NS),
        (7680, 1920, 0, 2, S16, 200, NS),
        (7680, 0, 0, 2, S16, R48, BAD),
        (0, 0, 0, 2, S16, R48, BAD),
        (7680, 1922, 0, 2, S16, R48, BAD),
        (1920, 3840, 0, 2, S16, R48, BAD),
        (7000, 1920, 0, 2, S16, R48, BAD),
        (0, 1920, 0, 2, S16, R48, BAD),
    ];
    for &(buffer, period, features, ch, fmt, rate, want) in table {
        let mut r = Rig::up();
        let got = r.control(&set_params(buffer, period, features, ch, fmt, rate));
        assert_eq!(got, want, "{buffer} {period} {features} {ch} {fmt} {rate}");
        let dev = r.dev.device();
        if want == OK {
            assert_eq!(dev.state(), StreamState::ParamsSet);
            assert_eq!(dev.params(), Some(PcmParams { buffer_bytes: buffer, period_bytes: period }));
        } else {
            assert_eq!(dev.state(), StreamState::Idle);
            assert_eq!(dev.params(), None);
        }
    }
}

#[test]
fn refusal_keeps_previous_params() {
    let mut r = Rig::up();
    assert_eq!(r.control(&set_params(7680, 1920, 0, 2, S16, R48)), wire::S_OK);
    assert_eq!(r.control(&set_params(7680, 1920, 0, 1, S16, R48)), wire::S_NOT_SUPP);
    assert_eq!(r.dev.device().params(), Some(PcmParams { buffer_bytes: 7680, period_bytes: 1920 }));
    assert_eq!(r.dev.device().state(), StreamState::ParamsSet);
}

#[test]
fn stream_id_and_length() {
    let mut r = Rig::up();
    let mut req = set_params(7680, 1920, 0, 2, S16, R48);
    req[4] = 1;
    assert_eq!(r.control(&req), wire::S_BAD_MSG, "stream 1 does not exist");
    let req = set_params(7680, 1920, 0, 2, S16, R48);
    assert_eq!(r.control(&req[..23]), wire::S_BAD_MSG, "short");
    assert_eq!(r.control(&words(&[wire::R_PCM_SET_PARAMS, 0])), wire::S_BAD_MSG);
    let mut long = req.clone();
    long.extend([0xAB; 8]);
    assert_eq!(r.control(&long), wire::S_OK, "trailing bytes are ignored");
}
