// SPDX-License-Identifier: MIT
//! The sound backend: every client's sndif requests in; one mixed device
//! period, position and underrun events out.
//!
//! Owns the streams (their parameters, state, FIFO of written PCM,
//! volume, mute, resampler, duck ramp, position). A WRITE copies the
//! client's bytes into the stream's FIFO at once (bounded by the stream's
//! buffer size: a flood is refused with `Busy`), so the mix never reads a
//! client's window. Each [`Backend::mix`] pulls one device period from
//! every running playback stream, resampled to the device rate, applies
//! its volume, mute and duck gain, and sums with saturation into S16LE
//! stereo. A running stream that runs dry contributes silence for the
//! rest of the period and is told (`Underrun`); nobody else hears a gap.
//! Must not touch the device or the rings.

extern crate alloc;

use crate::duck::Duck;
use crate::gain::{UNITY, apply, combine, q16_from_tenths_db, saturate};
use crate::pcm::{self, acceptable, frame_bytes};
use crate::policy::{ClientId, Policy, PolicyError};
use crate::resample::Resampler;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
pub use bulkhead_ring::ClientWindow;
use bulkhead_sound::channel::DATA_AREA;
use bulkhead_sound::{
    DataRef, Direction, Event, MAX_CHANNELS, Operation, Payload, PcmParams, Request, Response, Status, StreamId,
    Trigger,
};

/// The device's rate and channels (virtio-sound, S16LE stereo).
pub const DEVICE_RATE: u32 = 48_000;
/// Bytes of one device frame.
pub const DEVICE_FRAME: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Prepared,
    Running,
    Paused,
}

#[derive(Debug)]
struct Stream {
    client: ClientId,
    id: StreamId,
    direction: Direction,
    params: PcmParams,
    buffer: DataRef,
    state: State,
    fifo: VecDeque<u8>,
    /// Per channel, tenths of a dB.
    volume: [i32; 2],
    muted: bool,
    resampler: Resampler,
    duck: Duck,
    /// Bytes taken from the FIFO since the stream started.
    consumed: u64,
    /// The last position event's bytes.
    reported: u64,
    /// Whether it had PCM at the start of the last period (a stream that
    /// plays is one that sounds, not one that is merely started).
    sounding: bool,
}

impl Stream {
    fn gains(&self) -> [u32; 2] {
        if self.muted { [0; 2] } else { self.volume.map(q16_from_tenths_db) }
    }
}

/// What a period produced besides the samples.
pub type Events = Vec<(ClientId, Event)>;

/// The backend.
#[derive(Debug)]
pub struct Backend {
    policy: Policy,
    /// Whether the device captures (a capture OPEN is `NoDevice` without).
    capture: bool,
    ducked: u32,
    streams: Vec<Stream>,
}

fn reply(id: u16, status: Status) -> Response {
    Response { id, status, payload: Payload::None }
}

fn inside(outer: DataRef, inner: DataRef) -> bool {
    let end = |r: DataRef| u64::from(r.offset) + u64::from(r.len);
    inner.offset >= outer.offset && end(inner) <= end(outer)
}

impl Backend {
    /// A backend enforcing `policy` (validated first).
    pub fn new(policy: Policy) -> Result<Self, PolicyError> {
        policy.validate()?;
        let ducked = q16_from_tenths_db(policy.duck_tenths_db);
        Ok(Backend { policy, capture: true, ducked, streams: Vec::new() })
    }

    /// Says whether the device can capture: without, no capture stream is
    /// offered and a capture OPEN is answered `NoDevice` (never served
    /// with invented silence).
    pub fn set_capture(&mut self, available: bool) {
        self.capture = available;
    }

    /// Whether the device can capture.
    pub fn captures(&self) -> bool {
        self.capture
    }

    /// The policy it enforces.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Client `client` is gone (or reconnects in a new epoch): its streams
    /// close.
    pub fn disconnect(&mut self, client: ClientId) {
        self.streams.retain(|s| s.client != client);
    }

    fn stream(&mut self, client: ClientId, id: StreamId) -> Option<&mut Stream> {
        self.streams.iter_mut().find(|s| s.client == client && s.id == id)
    }

    /// Handles one request of client `client`, whose window is `window`.
    pub fn request(&mut self, client: ClientId, window: &mut dyn ClientWindow, req: &Request) -> Response {
        let id = req.id;
        let Some(rights) = self.policy.client(client).copied() else { return reply(id, Status::Io) };
        match req.op {
            Operation::HwParamQuery(asked) => match pcm::query(&asked) {
                Some(hw) => Response { id, status: Status::Ok, payload: Payload::HwParams(hw) },
                None => reply(id, Status::InvalidArgument),
            },
            Operation::Open { params, buffer } => {
                if self.streams.iter().any(|s| s.client == client && s.id == req.stream) {
                    return reply(id, Status::Busy);
                }
                let end = u64::from(buffer.offset) + u64::from(buffer.len);
                // The buffer must be in the data area: never over the
                // rings, which capture would overwrite.
                let in_data_area = buffer.offset >= DATA_AREA && end <= window.len();
                if !acceptable(&params) || buffer.len < params.buffer_bytes || !in_data_area {
                    return reply(id, Status::InvalidArgument);
                }
                // Even stream numbers play, odd ones capture (sndif leaves
                // the naming to the backend's configuration).
                let direction =
                    if req.stream.stream.is_multiple_of(2) { Direction::Playback } else { Direction::Capture };
                let open = self.streams.iter().filter(|s| s.client == client && s.direction == Direction::Playback);
                if direction == Direction::Capture && !self.capture {
                    return reply(id, Status::NoDevice);
                }
                let allowed = match direction {
                    Direction::Playback => open.count() < usize::from(rights.max_playback),
                    Direction::Capture => rights.capture,
                };
                if !allowed {
                    return reply(id, Status::PermissionDenied);
                }
                self.streams.push(Stream {
                    client,
                    id: req.stream,
                    direction,
                    params,
                    buffer,
                    state: State::Prepared,
                    fifo: VecDeque::new(),
                    volume: [rights.default_volume; 2],
                    muted: false,
                    resampler: Resampler::new(params.rate, DEVICE_RATE),
                    duck: Duck::new(self.ducked, self.policy.ramp_frames),
                    consumed: 0,
                    reported: 0,
                    sounding: false,
                });
                reply(id, Status::Ok)
            }
            Operation::Close => {
                let before = self.streams.len();
                self.streams.retain(|s| !(s.client == client && s.id == req.stream));
                reply(id, if self.streams.len() < before { Status::Ok } else { Status::NoDevice })
            }
            op => {
                let Some(s) = self.stream(client, req.stream) else { return reply(id, Status::NoDevice) };
                stream_op(s, window, id, op)
            }
        }
    }

    /// Mixes one device period into `out` (S16LE stereo, whole frames) and
    /// returns the position and underrun events it caused.
    pub fn mix(&mut self, out: &mut [u8]) -> Events {
        let frames = out.len() / DEVICE_FRAME;
        let mut sum = alloc::vec![[0i32; 2]; frames];
        let mut events = Events::new();
        // Who is heard: running playback streams with PCM waiting.
        for s in &mut self.streams {
            s.sounding = s.state == State::Running && s.direction == Direction::Playback && !s.fifo.is_empty();
        }
        let loudest = self
            .streams
            .iter()
            .filter(|s| s.sounding)
            .filter_map(|s| self.policy.client(s.client))
            .map(|c| c.priority)
            .max();
        for s in &mut self.streams {
            let priority = self.policy.client(s.client).map_or(0, |c| c.priority);
            s.duck.aim(if loudest.is_some_and(|top| priority < top) { self.ducked } else { UNITY });
            if s.state != State::Running || s.direction != Direction::Playback {
                continue;
            }
            let gains = s.gains();
            let frame = frame_bytes(&s.params) as usize;
            let mut missing = 0u32;
            // Frames are read in place (the FIFO made one slice once per
            // period) and taken out of it once, at the end of the period.
            let Stream { fifo, params, resampler, duck, consumed, .. } = s;
            let queued = fifo.make_contiguous();
            let mut cursor = 0usize;
            for acc in sum.iter_mut() {
                let duck = duck.advance();
                let mut pull = || {
                    let bytes = queued.get(cursor..cursor + frame)?;
                    cursor += frame;
                    Some(pcm::decode(params, bytes))
                };
                match resampler.next_frame(&mut pull) {
                    Some(f) => {
                        for ((a, v), g) in acc.iter_mut().zip(f).zip(gains) {
                            *a += apply(v, combine(g, duck));
                        }
                    }
                    None => missing += 1,
                }
            }
            fifo.drain(..cursor);
            *consumed += cursor as u64;
            if missing > 0 {
                events.push((s.client, Event::Underrun { stream: s.id, frames: missing }));
            }
            let period = u64::from(s.params.period_bytes);
            if s.consumed / period > s.reported / period {
                s.reported = s.consumed;
                events.push((s.client, Event::Position { stream: s.id, position_bytes: s.consumed }));
            }
        }
        for (frame, acc) in out.chunks_exact_mut(DEVICE_FRAME).zip(sum) {
            let [l, r] = acc.map(saturate);
            let [l0, l1] = l.to_le_bytes();
            let [r0, r1] = r.to_le_bytes();
            frame.copy_from_slice(&[l0, l1, r0, r1]);
        }
        events
    }

    /// One device period of capture (S16LE stereo) for the capture
    /// client's running capture streams, kept up to their buffer size.
    pub fn capture(&mut self, input: &[u8]) -> Events {
        let mut events = Events::new();
        for s in self.streams.iter_mut().filter(|s| s.direction == Direction::Capture && s.state == State::Running) {
            let room = (s.params.buffer_bytes as usize).saturating_sub(s.fifo.len());
            // Capture is delivered as S16LE stereo at the device rate.
            s.fifo.extend(input.iter().take(room));
            s.consumed += input.len().min(room) as u64;
            let period = u64::from(s.params.period_bytes);
            if s.consumed / period > s.reported / period {
                s.reported = s.consumed;
                events.push((s.client, Event::Position { stream: s.id, position_bytes: s.consumed }));
            }
        }
        events
    }

    /// Whether a stream of `client` was heard in the last period (it was
    /// running and had PCM at the period's start).
    pub fn sounding(&self, client: ClientId) -> bool {
        self.streams.iter().any(|s| s.client == client && s.sounding)
    }

    /// Bytes waiting in a stream's FIFO (for tests and the domain's stats).
    pub fn queued(&self, client: ClientId, stream: StreamId) -> Option<usize> {
        self.streams.iter().find(|s| s.client == client && s.id == stream).map(|s| s.fifo.len())
    }
}

/// The operations on an open stream.
fn stream_op(s: &mut Stream, window: &mut dyn ClientWindow, id: u16, op: Operation) -> Response {
    match op {
        Operation::Write { data } => {
            let frame = frame_bytes(&s.params);
            if s.direction != Direction::Playback || !inside(s.buffer, data) || data.len % frame != 0 {
                return reply(id, Status::InvalidArgument);
            }
            if s.fifo.len() + data.len as usize > s.params.buffer_bytes as usize {
                return reply(id, Status::Busy);
            }
            let mut bytes = alloc::vec![0u8; data.len as usize];
            if !window.read(u64::from(data.offset), &mut bytes) {
                return reply(id, Status::InvalidArgument);
            }
            s.fifo.extend(bytes);
            reply(id, Status::Ok)
        }
        Operation::Read { data } => {
            if s.direction != Direction::Capture || !inside(s.buffer, data) {
                return reply(id, Status::InvalidArgument);
            }
            if s.fifo.len() < data.len as usize {
                return reply(id, Status::Busy);
            }
            let bytes: Vec<u8> = s.fifo.drain(..data.len as usize).collect();
            if !window.write(u64::from(data.offset), &bytes) {
                return reply(id, Status::InvalidArgument);
            }
            reply(id, Status::Ok)
        }
        Operation::SetVolume { channels, levels } => {
            if channels == 0 || usize::from(channels) > 2 {
                return reply(id, Status::InvalidArgument);
            }
            // Milli-dB to tenths, clamped by the gain scale.
            let left = levels[0] / 100;
            let right = if channels == 2 { levels[1] / 100 } else { left };
            s.volume = [left, right];
            reply(id, Status::Ok)
        }
        Operation::GetVolume => {
            let mut levels = [0i32; MAX_CHANNELS];
            levels[0] = s.volume[0] * 100;
            levels[1] = s.volume[1] * 100;
            Response { id, status: Status::Ok, payload: Payload::Volume { channels: 2, levels } }
        }
        Operation::Mute => {
            s.muted = true;
            reply(id, Status::Ok)
        }
        Operation::Unmute => {
            s.muted = false;
            reply(id, Status::Ok)
        }
        Operation::Trigger(t) => {
            let next = match (s.state, t) {
                (State::Prepared, Trigger::Start) => State::Running,
                (State::Running, Trigger::Pause) => State::Paused,
                (State::Paused, Trigger::Resume) => State::Running,
                (_, Trigger::Stop) => {
                    s.fifo.clear();
                    s.consumed = 0;
                    s.reported = 0;
                    s.resampler = Resampler::new(s.params.rate, DEVICE_RATE);
                    State::Prepared
                }
                _ => return reply(id, Status::Busy),
            };
            s.state = next;
            reply(id, Status::Ok)
        }
        Operation::Open { .. } | Operation::Close | Operation::HwParamQuery(_) => reply(id, Status::Busy),
    }
}
