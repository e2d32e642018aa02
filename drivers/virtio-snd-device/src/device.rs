// SPDX-License-Identifier: MIT
//! [`VirtioSnd`]: the virtio-snd device behind the virtio core — the
//! `Device` impl (configuration space, the four queues, reset), the
//! control queue's chains, the tx queue's checks and in-flight buffers,
//! and the domain's side ([`VirtioSnd::next_buffer_len`],
//! [`VirtioSnd::read_buffer`], [`VirtioSnd::complete_buffer`]).
//!
//! Owns the queues' use; must not decide request answers (see `control`),
//! lifecycle order (see `stream`) nor the tx checks (see `tx`).

use bulkhead_virtio_device::{Chain, Device, GuestMemory, Queues};

use crate::bytes;
use crate::config::{self, CONFIG_LEN};
use crate::control::{self, REQUEST_MAX, RESPONSE_MAX};
use crate::params::PcmParams;
use crate::stream::{Stream, StreamState};
use crate::tx::{self, InFlight, Refusal};
use crate::wire::{CONTROLQ, HDR_LEN, RXQ, S_BAD_MSG, S_OK, TXQ, XFER_LEN, pcm_status};

/// The virtio device id of a sound device.
pub const VIRTIO_ID_SOUND: u32 = 25;
/// Every queue's largest size.
pub const QUEUE_MAX: u16 = 64;
/// The number of queues: controlq, eventq, txq, rxq.
const QUEUES: u16 = 4;

/// Counters since the last reset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Tx buffers completed by [`VirtioSnd::complete_buffer`].
    pub buffers_played: u64,
    /// Their PCM bytes.
    pub bytes_played: u64,
    /// Tx buffers completed unplayed by SET_PARAMS, PREPARE or RELEASE.
    pub buffers_flushed: u64,
    /// Tx and rx chains refused (completed at once, never handed on).
    pub bad_chains: u64,
    /// Control requests answered with a status other than OK.
    pub bad_requests: u64,
}

/// Why [`VirtioSnd::read_buffer`] copied nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// No buffer is in flight.
    Empty,
    /// `out` is shorter than the oldest buffer's PCM.
    ShortOutput,
    /// Guest memory could not be read (it was checked when the chain was
    /// taken; a domain whose guest RAM shrank sees this).
    Memory,
}

/// The virtio-snd device: one playback stream.
#[derive(Debug, Default)]
pub struct VirtioSnd {
    stream: Stream,
    in_flight: InFlight,
    stats: Stats,
}

impl VirtioSnd {
    /// A device after reset: stream 0 idle, nothing in flight.
    pub const fn new() -> Self {
        Self {
            stream: Stream { state: StreamState::Idle, params: None },
            in_flight: InFlight::new(),
            stats: Stats { buffers_played: 0, bytes_played: 0, buffers_flushed: 0, bad_chains: 0, bad_requests: 0 },
        }
    }

    /// Stream 0's lifecycle state.
    pub fn state(&self) -> StreamState {
        self.stream.state
    }

    /// Whether stream 0 is started (the domain plays only then).
    pub fn running(&self) -> bool {
        self.stream.state == StreamState::Started
    }

    /// The parameters of the last accepted SET_PARAMS (None after reset).
    pub fn params(&self) -> Option<PcmParams> {
        self.stream.params
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Tx buffers in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The PCM bytes of the oldest tx buffer in flight.
    pub fn next_buffer_len(&self) -> Option<usize> {
        self.in_flight.front().and_then(|(_, n)| usize::try_from(*n).ok())
    }

    /// Copies the oldest tx buffer's PCM (S16LE stereo frames, read from
    /// guest memory now, after its 4-byte header) into `out`; its length.
    /// The buffer stays in flight. An `out` of [`crate::MAX_PERIOD`] bytes
    /// always holds it.
    pub fn read_buffer(&self, mem: &dyn GuestMemory, out: &mut [u8]) -> Result<usize, ReadError> {
        let len = self.next_buffer_len().ok_or(ReadError::Empty)?;
        let (chain, _) = self.in_flight.front().ok_or(ReadError::Empty)?;
        let dst = out.get_mut(..len).ok_or(ReadError::ShortOutput)?;
        match bytes::read_from(chain, mem, XFER_LEN, dst) {
            Ok(n) if n == len => Ok(len),
            _ => Err(ReadError::Memory),
        }
    }

    /// Completes the oldest tx buffer as played: status OK, latency 0,
    /// used length 8. Whether one was in flight. Then takes waiting
    /// chains from the tx queue.
    pub fn complete_buffer(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) -> bool {
        let Some((chain, pcm)) = self.in_flight.pop() else {
            return false;
        };
        finish(&chain, TXQ, S_OK, queues, mem);
        self.stats.buffers_played = self.stats.buffers_played.saturating_add(1);
        self.stats.bytes_played = self.stats.bytes_played.saturating_add(u64::from(pcm));
        self.pump_tx(queues, mem);
        true
    }

    /// Takes tx chains while there is room in flight, completing refused
    /// ones at once. Stops at the first queue error (the core then
    /// reports DEVICE_NEEDS_RESET).
    pub fn pump_tx(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while self.in_flight.has_room() {
            let Ok(Some(chain)) = queues.pop(TXQ, mem) else {
                return;
            };
            match tx::check(&chain, mem, self.stream.state) {
                Ok(pcm) => {
                    if let Some(chain) = self.in_flight.push(chain, pcm) {
                        // Unreachable: room was checked.
                        self.refuse(&chain, S_BAD_MSG, queues, mem);
                    }
                }
                Err(Refusal::NoRoom) => {
                    self.count_bad();
                    let _ = queues.push_used(TXQ, &chain, 0, mem);
                }
                Err(Refusal::Status(status)) => self.refuse(&chain, status, queues, mem),
            }
        }
    }

    /// Completes a refused tx chain with `status`.
    fn refuse(&mut self, chain: &Chain, status: u32, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        self.count_bad();
        finish(chain, TXQ, status, queues, mem);
    }

    fn count_bad(&mut self) {
        self.stats.bad_chains = self.stats.bad_chains.saturating_add(1);
    }

    /// Completes every tx buffer in flight with status OK (unplayed).
    fn flush(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while let Some((chain, _)) = self.in_flight.pop() {
            finish(&chain, TXQ, S_OK, queues, mem);
            self.stats.buffers_flushed = self.stats.buffers_flushed.saturating_add(1);
        }
    }

    /// Answers every available control request.
    fn control(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while let Ok(Some(chain)) = queues.pop(CONTROLQ, mem) {
            let room = usize::try_from(chain.writable_len()).unwrap_or(usize::MAX);
            if room < HDR_LEN {
                self.stats.bad_requests = self.stats.bad_requests.saturating_add(1);
                let _ = queues.push_used(CONTROLQ, &chain, 0, mem);
                continue;
            }
            let mut req = [0u8; REQUEST_MAX];
            let n = chain.read_all(mem, &mut req).unwrap_or(0);
            let mut resp = [0u8; RESPONSE_MAX];
            let out = control::handle(req.get(..n).unwrap_or_default(), room, &mut self.stream, &mut resp);
            if out.flush {
                // RELEASE: "the device MUST complete all pending I/O
                // messages" before answering; SET_PARAMS and PREPARE
                // start afresh too.
                self.flush(queues, mem);
            }
            if out.status != S_OK {
                self.stats.bad_requests = self.stats.bad_requests.saturating_add(1);
            }
            let written = chain.write_all(mem, resp.get(..out.len).unwrap_or_default()).unwrap_or(0);
            let _ = queues.push_used(CONTROLQ, &chain, u32::try_from(written).unwrap_or(0), mem);
        }
    }

    /// Refuses every available rx chain: there is no capture stream, so
    /// each is completed with BAD_MSG in the last 8 bytes of its writable
    /// part (where `virtio_snd_pcm_status` follows the PCM room), used
    /// length 8; a chain without 8 writable bytes is used with length 0.
    fn rx(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while let Ok(Some(chain)) = queues.pop(RXQ, mem) {
            self.count_bad();
            let written = match bytes::write_tail(&chain, mem, &pcm_status(S_BAD_MSG)) {
                Ok(true) => 8,
                _ => 0,
            };
            let _ = queues.push_used(RXQ, &chain, written, mem);
        }
    }
}

/// Writes a `virtio_snd_pcm_status` with `status` and latency 0 at the
/// start of `chain`'s writable part and uses it with the bytes written.
fn finish(chain: &Chain, queue: u16, status: u32, queues: &mut Queues, mem: &mut dyn GuestMemory) {
    let written = chain.write_all(mem, &pcm_status(status)).unwrap_or(0);
    let _ = queues.push_used(queue, chain, u32::try_from(written).unwrap_or(0), mem);
}

impl Device for VirtioSnd {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_SOUND
    }

    /// No device-specific feature bits.
    fn features(&self) -> u64 {
        0
    }

    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue < QUEUES).then_some(QUEUE_MAX)
    }

    fn config_len(&self) -> u32 {
        CONFIG_LEN
    }

    fn read_config(&self, offset: u32, out: &mut [u8]) {
        config::read(offset, out);
    }

    /// The configuration space is read-only: writes are ignored.
    fn write_config(&mut self, _offset: u32, _data: &[u8]) {}

    /// Forgets everything: the stream, its parameters, the buffers in
    /// flight (the core has reset the queues) and the counters.
    fn reset(&mut self) {
        // Field by field: the in-flight table is too large to rebuild on
        // the stack.
        self.stream = Stream::default();
        self.in_flight.clear();
        self.stats = Stats::default();
    }

    /// controlq: answer every request; eventq: its buffers stay available
    /// (no events are ever sent); txq: take buffers; rxq: refuse them.
    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        match queue {
            CONTROLQ => self.control(queues, mem),
            TXQ => self.pump_tx(queues, mem),
            RXQ => self.rx(queues, mem),
            _ => {}
        }
    }
}
