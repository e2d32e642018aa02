// SPDX-License-Identifier: MIT
//! Benchmark mode (`bench=1`, benchmark boards only). Before it serves
//! anyone, the domain counts with the virtual counter (one tick per
//! instruction under `-icount shift=0`) what mixing one device period
//! (480 frames, 10 ms) costs, on a backend of its own with host-memory
//! windows, against `copy_from_slice` of the same bytes:
//!
//! - `sound_mix_4x_insns`: four running S16LE stereo 48 kHz streams at
//!   unity gain mixed into one period (`Backend::mix`: the FIFO, decoding,
//!   the resampler's pass-through, volume, mute and duck gains,
//!   saturation, encoding);
//! - `sound_memcpy_4x_insns`: copying those four streams' bytes
//!   (4 x 1,920);
//! - `sound_mix_1x_insns`, `sound_mix_8x_insns`: one and eight streams, from
//!   which the build tool derives how many streams fit in a period's
//!   virtual time (`sound_max_streams`);
//! - `sound_period_ticks`: a period's length in counter ticks.
//!
//! Each is the median of [`ROUNDS`]; every mix's output is checked (the
//! streams carry constant samples, so the mix is their sum), so nothing is
//! optimised away or wrong. While serving, the domain also reports when it
//! submits each period in which client 0 sounds (`main.rs`), for
//! `sound_period_latency_insns`.

use crate::output::{PERIOD_BYTES, PERIOD_FRAMES};
use alloc::vec;
use alloc::vec::Vec;
use bulkhead_ring::ClientWindow;
use bulkhead_sound::channel::DATA_AREA;
use bulkhead_sound::{DataRef, Format, Operation, PcmParams, Request, Status, StreamId, Trigger};
use bulkhead_sound_core::{Backend, ClientPolicy, DEVICE_RATE, Policy};
use core::hint::black_box;
use domain_benchkit::{median, report};
use domain_rt::timer;

const ROUNDS: usize = 5;
/// Each stream's constant sample.
const LEVEL: i16 = 1000;

/// A client window in the domain's heap.
struct HeapWindow(Vec<u8>);

impl ClientWindow for HeapWindow {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> bool {
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        match self.0.get(at..at.saturating_add(out.len())) {
            Some(s) => {
                out.copy_from_slice(s);
                true
            }
            None => false,
        }
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        match self.0.get_mut(at..at.saturating_add(data.len())) {
            Some(d) => {
                d.copy_from_slice(data);
                true
            }
            None => false,
        }
    }
}

fn counted(f: impl FnOnce()) -> u64 {
    let before = timer::counter();
    f();
    timer::counter() - before
}

fn ok(backend: &mut Backend, window: &mut HeapWindow, stream: u8, op: Operation) {
    let stream = StreamId { card: 0, device: 0, stream };
    let status = backend.request(0, window, &Request { id: 0, stream, op }).status;
    assert_eq!(status, Status::Ok, "bench request {op:?}");
}

/// Mixes one period of `streams` running streams; median instructions.
fn mix_cost(streams: u8) -> u64 {
    let mut clients = heapless::Vec::new();
    let rights = ClientPolicy { priority: 1, default_volume: 0, max_playback: streams, capture: false };
    let _ = clients.push(rights);
    let Ok(mut backend) = Backend::new(Policy { clients, duck_tenths_db: -120, ramp_frames: 480 }) else {
        panic!("bench policy")
    };
    let bytes = u32::try_from(PERIOD_BYTES).unwrap_or(u32::MAX);
    let mut window = HeapWindow(vec![0u8; DATA_AREA as usize + usize::from(streams) * PERIOD_BYTES]);
    let pcm: Vec<u8> = core::iter::repeat_n(LEVEL.to_le_bytes(), PERIOD_FRAMES * 2).flatten().collect();
    let params =
        PcmParams { format: Format::S16Le, rate: DEVICE_RATE, channels: 2, buffer_bytes: bytes, period_bytes: bytes };
    let buffer = |n: u8| DataRef { offset: DATA_AREA + u32::from(n) * bytes, len: bytes };
    for n in 0..streams {
        assert!(window.write(u64::from(buffer(n).offset), &pcm), "bench buffer");
        ok(&mut backend, &mut window, 2 * n, Operation::Open { params, buffer: buffer(n) });
        ok(&mut backend, &mut window, 2 * n, Operation::Trigger(Trigger::Start));
    }
    let mut out = vec![0u8; PERIOD_BYTES];
    let mut samples = [0u64; ROUNDS];
    for s in samples.iter_mut() {
        for n in 0..streams {
            ok(&mut backend, &mut window, 2 * n, Operation::Write { data: buffer(n) });
        }
        *s = counted(|| {
            let _ = black_box(backend.mix(black_box(&mut out[..])));
        });
        let expected = (i32::from(LEVEL) * i32::from(streams)).clamp(i32::from(i16::MIN), i32::from(i16::MAX));
        let first = i16::from_le_bytes([out[0], out[1]]);
        let last = i16::from_le_bytes([out[PERIOD_BYTES - 2], out[PERIOD_BYTES - 1]]);
        assert!(i32::from(first) == expected && i32::from(last) == expected, "mix of {streams}: {first}..{last}");
    }
    median(&mut samples)
}

/// Measures and prints the mixing figures.
pub fn mix_against_memcpy() {
    report("sound_mix_1x_insns", mix_cost(1));
    report("sound_mix_4x_insns", mix_cost(4));
    report("sound_mix_8x_insns", mix_cost(8));
    let source = vec![0x5au8; 4 * PERIOD_BYTES];
    let mut target = vec![0u8; 4 * PERIOD_BYTES];
    let mut samples = [0u64; ROUNDS];
    for s in samples.iter_mut() {
        target.fill(0);
        *s = counted(|| black_box(&mut target[..]).copy_from_slice(black_box(&source[..])));
        assert!(target == source, "memcpy copied wrong");
    }
    report("sound_memcpy_4x_insns", median(&mut samples));
    let period = PERIOD_FRAMES as u64 * timer::frequency() / u64::from(DEVICE_RATE);
    report("sound_period_ticks", period);
}
