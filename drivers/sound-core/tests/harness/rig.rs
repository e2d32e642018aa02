// SPDX-License-Identifier: MIT
//! The harness's rig: client windows in host memory, the test policy, and
//! helpers that open, feed and mix streams.

use bulkhead_sound::channel::DATA_AREA;
use bulkhead_sound::{DataRef, Format, Operation, PcmParams, Request, Response, Status, StreamId, Trigger};
use bulkhead_sound_core::{Backend, ClientPolicy, ClientWindow, DEVICE_FRAME, Events, Policy};

pub const CLUSTER: u8 = 0;
pub const IVI: u8 = 1;
/// Playback streams are even, capture odd.
pub const PLAY: StreamId = StreamId { card: 0, device: 0, stream: 0 };
pub const PLAY2: StreamId = StreamId { card: 0, device: 0, stream: 2 };
pub const CAPTURE: StreamId = StreamId { card: 0, device: 0, stream: 1 };
pub const WINDOW: usize = 128 * 1024;
/// Where each stream's buffer is in its client's window.
pub const BUFFER: DataRef = DataRef { offset: DATA_AREA, len: 8192 };
pub const BUFFER2: DataRef = DataRef { offset: DATA_AREA + 16384, len: 8192 };
/// Duck: -12 dB over 4 device frames.
pub const DUCK_TENTHS: i32 = -120;
pub const RAMP: u32 = 4;

pub struct VecWindow(pub Vec<u8>);

impl ClientWindow for VecWindow {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> bool {
        let at = offset as usize;
        match self.0.get(at..at + out.len()) {
            Some(s) => {
                out.copy_from_slice(s);
                true
            }
            None => false,
        }
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        let at = offset as usize;
        match self.0.get_mut(at..at + data.len()) {
            Some(d) => {
                d.copy_from_slice(data);
                true
            }
            None => false,
        }
    }
}

pub fn policy() -> Policy {
    let mut clients = heapless::Vec::new();
    clients.push(ClientPolicy { priority: 10, default_volume: 0, max_playback: 2, capture: false }).unwrap();
    clients.push(ClientPolicy { priority: 1, default_volume: 0, max_playback: 2, capture: true }).unwrap();
    Policy { clients, duck_tenths_db: DUCK_TENTHS, ramp_frames: RAMP }
}

pub fn s16_stereo(period_frames: u32) -> PcmParams {
    PcmParams { format: Format::S16Le, rate: 48_000, channels: 2, buffer_bytes: 8192, period_bytes: period_frames * 4 }
}

pub struct Rig {
    pub backend: Backend,
    pub windows: [VecWindow; 2],
    next: u16,
}

impl Rig {
    pub fn new() -> Self {
        Rig {
            backend: Backend::new(policy()).unwrap(),
            windows: [VecWindow(vec![0; WINDOW]), VecWindow(vec![0; WINDOW])],
            next: 0,
        }
    }

    pub fn send(&mut self, client: u8, stream: StreamId, op: Operation) -> Response {
        self.next += 1;
        let r = self.backend.request(
            client,
            &mut self.windows[usize::from(client)],
            &Request { id: self.next, stream, op },
        );
        assert_eq!(r.id, self.next);
        r
    }

    pub fn ok(&mut self, client: u8, stream: StreamId, op: Operation) {
        let r = self.send(client, stream, op);
        assert_eq!(r.status, Status::Ok, "{op:?}: {r:?}");
    }

    /// Opens and starts a stream with `params` on `buffer`.
    pub fn start(&mut self, client: u8, stream: StreamId, params: PcmParams, buffer: DataRef) {
        self.ok(client, stream, Operation::Open { params, buffer });
        self.ok(client, stream, Operation::Trigger(Trigger::Start));
    }

    /// Writes S16 stereo `frames` (L, R) at the start of `buffer` and queues them.
    pub fn write_frames(&mut self, client: u8, stream: StreamId, buffer: DataRef, frames: &[[i16; 2]]) -> Status {
        let bytes: Vec<u8> = frames.iter().flat_map(|f| f.iter().flat_map(|s| s.to_le_bytes())).collect();
        let at = buffer.offset as usize;
        self.windows[usize::from(client)].0[at..at + bytes.len()].copy_from_slice(&bytes);
        let len = u32::try_from(bytes.len()).unwrap();
        self.send(client, stream, Operation::Write { data: DataRef { offset: buffer.offset, len } }).status
    }

    /// Mixes `frames` device frames: the samples and the events.
    pub fn mix(&mut self, frames: usize) -> (Vec<[i16; 2]>, Events) {
        let mut out = vec![0u8; frames * DEVICE_FRAME];
        let events = self.backend.mix(&mut out);
        let samples =
            out.chunks_exact(4).map(|f| [i16::from_le_bytes([f[0], f[1]]), i16::from_le_bytes([f[2], f[3]])]).collect();
        (samples, events)
    }
}

/// `n` frames of the constant `v` on both channels.
pub fn constant(v: i16, n: usize) -> Vec<[i16; 2]> {
    vec![[v, v]; n]
}
