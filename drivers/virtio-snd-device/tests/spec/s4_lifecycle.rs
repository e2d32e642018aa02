// SPDX-License-Identifier: MIT
//! S4: the PCM command lifecycle (virtio 1.2, 5.14.6.6.1): SET_PARAMS
//! after reset, SET_PARAMS, PREPARE or RELEASE; PREPARE after SET_PARAMS,
//! PREPARE or RELEASE; START after PREPARE or STOP; STOP after START;
//! RELEASE after PREPARE or STOP. Every other command is BAD_MSG and
//! changes nothing; so is a command for a stream other than 0, or one
//! shorter than `virtio_snd_pcm_hdr`. Linux's sequences (set, prepare,
//! start, stop, release, prepare again; pause as STOP/START) pass.
//!
//! Owns that evidence; must not test buffers (s5..s7).

use bulkhead_virtio_snd_device::StreamState::{self, *};
use bulkhead_virtio_snd_device::wire::{self, R_PCM_PREPARE, R_PCM_RELEASE, R_PCM_START, R_PCM_STOP};

use crate::rig::{Rig, good_params, words};

/// Drives the device to `state` by a valid path.
fn reach(r: &mut Rig, state: StreamState) {
    let path: &[u32] = match state {
        Idle => &[],
        ParamsSet => &[0],
        Prepared => &[0, R_PCM_PREPARE],
        Started => &[0, R_PCM_PREPARE, R_PCM_START],
        Stopped => &[0, R_PCM_PREPARE, R_PCM_START, R_PCM_STOP],
        Released => &[0, R_PCM_PREPARE, R_PCM_RELEASE],
    };
    for &c in path {
        let s = if c == 0 { r.control(&good_params()) } else { r.cmd(c) };
        assert_eq!(s, wire::S_OK);
    }
    assert_eq!(r.dev.device().state(), state);
}

#[test]
fn transition_table() {
    let states = [Idle, ParamsSet, Prepared, Started, Stopped, Released];
    // (command, states it is valid in, state after)
    let table: [(u32, &[StreamState], StreamState); 5] = [
        (0, &[Idle, ParamsSet, Prepared, Released], ParamsSet),
        (R_PCM_PREPARE, &[ParamsSet, Prepared, Released], Prepared),
        (R_PCM_START, &[Prepared, Stopped], Started),
        (R_PCM_STOP, &[Started], Stopped),
        (R_PCM_RELEASE, &[Prepared, Stopped], Released),
    ];
    for (code, valid, after) in table {
        for from in states {
            let mut r = Rig::up();
            reach(&mut r, from);
            let s = if code == 0 { r.control(&good_params()) } else { r.cmd(code) };
            if valid.contains(&from) {
                assert_eq!(s, wire::S_OK, "{code:#x} from {from:?}");
                assert_eq!(r.dev.device().state(), after);
            } else {
                assert_eq!(s, wire::S_BAD_MSG, "{code:#x} from {from:?} is out of order");
                assert_eq!(r.dev.device().state(), from, "unchanged");
            }
            assert_eq!(r.dev.device().running(), r.dev.device().state() == Started);
        }
    }
}

#[test]
fn linux_sequences() {
    let mut r = Rig::up();
    // sox: hw_params may run several times, each followed by prepare.
    for _ in 0..3 {
        assert_eq!(r.control(&good_params()), wire::S_OK);
        assert_eq!(r.cmd(R_PCM_PREPARE), wire::S_OK);
    }
    for code in [R_PCM_START, R_PCM_STOP, R_PCM_START, R_PCM_STOP, R_PCM_RELEASE, R_PCM_PREPARE, R_PCM_START] {
        assert_eq!(r.cmd(code), wire::S_OK, "{code:#x}");
    }
    assert!(r.dev.device().running());
}

#[test]
fn wrong_stream_or_short() {
    let mut r = Rig::up();
    reach(&mut r, Prepared);
    assert_eq!(r.control(&words(&[R_PCM_START, 1])), wire::S_BAD_MSG);
    assert_eq!(r.control(&words(&[R_PCM_START])), wire::S_BAD_MSG);
    assert_eq!(r.control(&words(&[R_PCM_START, 0])[..7]), wire::S_BAD_MSG);
    assert_eq!(r.dev.device().state(), Prepared);
    assert_eq!(r.control(&words(&[R_PCM_START, 0, 0xdead])), wire::S_OK, "trailing bytes are ignored");
}
