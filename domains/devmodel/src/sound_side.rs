// SPDX-License-Identifier: MIT
//! The device model as a client of the sound domain: the PCM periods the
//! target's driver queues on the emulated virtio-snd device's transmit
//! queue are played through the sound domain on one playback stream.
//!
//! When Linux STARTs its stream (the device `running()`), the first
//! playback stream the sound domain offers is OPENed with the format the
//! device accepts (S16_LE, 48000 Hz, 2 channels) and STARTed; its period
//! is Linux's (`params().period_bytes`), at most [`MAX_SLOT`] bytes (a
//! longer Linux period goes over in pieces of that size), and its buffer
//! (the sound domain's FIFO of this stream) is [`SLOTS`] periods in the
//! channel's data area. When Linux stops or releases its stream (or the
//! device is reset), the stream is CLOSEd; a later START opens it again
//! with the parameters of then.
//!
//! Pacing, virtio-snd's only flow control: the device keeps Linux's
//! buffers in flight and lets us read only the oldest. Its PCM is copied
//! into a slot and WRITTEN, one request at a time; the buffer is completed
//! when the sound domain has taken the last of it into the FIFO. A full
//! FIFO answers BUSY, and nothing is written again before a position
//! event says the sound domain consumed a period: so completions follow
//! the sound domain's clock, never more than [`SLOTS`] periods ahead of
//! what it has played (Linux's next buffer can only be read once the
//! oldest is completed, so completing on consumption alone would starve
//! the FIFO between buffers).
//!
//! A restart of the sound domain (a new epoch of the channel): the client
//! reconnects (the sound domain's greeting rings us), and when connected
//! opens and starts the stream again; the part of the oldest buffer not
//! yet written goes on from where it was. While the sound domain is away
//! (or refused our stream), Linux's buffers are completed unplayed, their
//! PCM dropped, at the nominal rate (192000 bytes a second, measured with
//! the virtual counter from when the sound domain went away) on each wake
//! of the device model: the device model has no timer of its own, so
//! between wakes (Linux's register accesses, a doorbell) nothing is
//! completed, and Linux waits no longer than the reconnection.
//!
//! The interrupt line: completions here come at the sound domain's pace,
//! not in answer to one of the target's accesses, so two guards keep the
//! target hearing them. The line is lowered at the start of each pump if
//! the target acknowledged the interrupt in this wake (the main loop sets
//! the line once after the backends, so an acknowledgement and a new
//! completion in one wake would leave it high without a new edge, and the
//! kernel pends an emulated line on its rising edge); and an interrupt
//! left pending unacknowledged for [`STUCK_MS`] is raised again (seen
//! under load even with the first guard; a raise the target did hear
//! costs it one spurious interrupt). The sound domain's position and
//! underrun events wake us every period while Linux plays, so the second
//! guard gets its chance.
//!
//! Prints `devmodel: sound: playing <rate> Hz <ch> ch, period <n> bytes`
//! when the stream starts (`n`: Linux's period), `devmodel: sound: <n>
//! periods played, <m> dropped, interrupt raised again <k> times` every
//! 100 periods, the restarts, and the first few errors.
//!
//! Owns the sound channel, its client session and the staged PCM; must
//! not touch other devices, nor the virtio-snd device but through its
//! domain-side API (`next_buffer_len`, `read_buffer`, `complete_buffer`)
//! and its line (`Emulated::drive_line`).

use crate::emulated::{Emulated, Model};
use crate::guest::Guest;
use alloc::boxed::Box;
use alloc::vec;
use bulkhead_ring_hal::SharedWindow;
use bulkhead_sound::{DataRef, Direction, Event, Format, Operation, PcmParams, Status, StreamId, Trigger};
use bulkhead_sound_client::{ClientError, Received, SoundClient};
use bulkhead_virtio_device::Queues;
use bulkhead_virtio_snd_device::{MAX_PERIOD, VirtioSnd};
use core::fmt::Write;
use domain_rt::caps::ChannelEnd;
use domain_rt::{Console, timer};

/// The largest period of our stream (a longer Linux period is written in
/// pieces of this size).
pub const MAX_SLOT: u32 = 16 * 1024;
/// Periods in our stream's buffer: the sound domain's FIFO for it.
pub const SLOTS: u32 = 2;
/// The only rate the device offers.
const RATE: u32 = 48_000;
/// The only channel count the device offers.
const CHANNELS: u8 = 2;
/// Bytes per second of S16_LE stereo at 48 kHz.
const BYTES_PER_SECOND: u128 = RATE as u128 * 4;
/// A count line every this many periods.
const REPORT_EVERY: u64 = 100;
/// An interrupt pending this long unacknowledged is raised again.
const STUCK_MS: u64 = 20;
/// Errors printed at most.
const MAX_COMPLAINTS: u32 = 3;

/// The request waiting for its answer (one at a time).
#[derive(Clone, Copy)]
enum Asked {
    Open,
    Start,
    Write(usize),
    Close,
}

/// Our stream while open.
#[derive(Clone, Copy)]
struct Open {
    /// Its period (slot) in bytes.
    slot: u32,
    /// Linux's period in bytes.
    linux_period: u32,
    /// STARTed.
    started: bool,
}

/// The sound channel's client and the oldest buffer's staged PCM.
pub struct SoundSide {
    end: ChannelEnd,
    client: SoundClient<&'static SharedWindow>,
    /// The playback stream offered in this epoch (None: not connected).
    stream: Option<StreamId>,
    /// The sound domain refused our stream in this epoch.
    refused: bool,
    open: Option<Open>,
    asked: Option<(u16, Asked)>,
    /// A WRITE was BUSY: wait for a position event.
    wait_room: bool,
    /// The oldest buffer's PCM, `staged` bytes of it, `sent` taken.
    pcm: Box<[u8]>,
    staged: usize,
    sent: usize,
    next_slot: u32,
    played: u64,
    dropped: u64,
    /// Dropping unplayed: since this counter value, this many bytes.
    away: Option<(u64, u128)>,
    complaints: u32,
    /// Since when (counter) the device's interrupt has been pending.
    pending_since: Option<u64>,
    /// Times the line was raised again.
    reraised: u64,
}

impl SoundSide {
    /// Connects over `end`.
    pub fn connect(end: ChannelEnd) -> Option<Self> {
        let (window, side) = crate::backend::window_of(&end);
        let client = SoundClient::connect(window, side, end.epoch()).ok()?;
        end.notify();
        Some(Self {
            end,
            client,
            stream: None,
            refused: false,
            open: None,
            asked: None,
            wait_room: false,
            pcm: vec![0; MAX_PERIOD as usize].into_boxed_slice(),
            staged: 0,
            sent: 0,
            next_slot: 0,
            played: 0,
            dropped: 0,
            away: None,
            complaints: 0,
            pending_since: None,
            reraised: 0,
        })
    }

    fn complain(&mut self, what: core::fmt::Arguments<'_>) {
        if self.complaints < MAX_COMPLAINTS {
            self.complaints += 1;
            let _ = writeln!(Console, "devmodel: sound: {what}");
        }
    }

    /// Plays what the sound device of `devices` queued.
    pub fn pump(&mut self, devices: &mut [Emulated], guest: &mut Guest) {
        let Some(d) = devices.iter_mut().find(|d| matches!(d.model, Model::Sound(_))) else { return };
        // Lower the line now if the target acknowledged the interrupt in
        // this wake: the main loop sets it once after the backends, so an
        // acknowledgement and a new completion in the same wake would
        // leave it high with no new edge, and the target would never hear
        // of the completion (the kernel pends a line on its rising edge).
        d.drive_line(false);
        self.watch_line(d);
        let Model::Sound(dev) = &mut d.model else { return };
        let (snd, queues) = dev.device_and_queues();
        let epoch = self.end.epoch();
        match self.client.follow(epoch) {
            Ok(true) => {
                self.stream = None;
                self.refused = false;
                self.open = None;
                self.asked = None;
                self.wait_room = false;
                let _ = writeln!(Console, "devmodel: sound domain restarted: reconnecting in epoch {epoch}");
            }
            Ok(false) => {}
            Err(e) => self.complain(format_args!("reconnecting failed: {e:?}")),
        }
        if snd.in_flight() == 0 {
            // Flushed (RELEASE, PREPARE, reset): nothing staged is current.
            self.staged = 0;
            self.sent = 0;
        }
        self.receive(snd, queues, guest);
        while let Ok(Some(event)) = self.client.next_event() {
            if let Event::Position { .. } = event {
                self.wait_room = false;
            }
        }
        self.act(snd, queues, guest);
        self.drop_while_away(snd, queues, guest);
        if self.client.take_doorbell() {
            self.end.notify();
        }
    }

    /// Raises the line again if the device's interrupt has been pending
    /// for [`STUCK_MS`] without the target acknowledging it: the target
    /// has not heard it (an edge was lost), and without its completions
    /// its playback stops for good. A raise the target did hear only costs
    /// it one more interrupt.
    fn watch_line(&mut self, d: &mut Emulated) {
        if !sound_pending(d) {
            self.pending_since = None;
            return;
        }
        let now = timer::counter();
        let since = *self.pending_since.get_or_insert(now);
        if now.saturating_sub(since) > STUCK_MS * timer::frequency() / 1000 {
            d.drive_line(true);
            self.pending_since = Some(now);
            self.reraised += 1;
        }
    }

    /// Takes the sound domain's greetings and answers.
    fn receive(&mut self, snd: &mut VirtioSnd, queues: &mut Queues, guest: &mut Guest) {
        loop {
            match self.client.next() {
                Ok(Some(Received::Connected { streams })) => {
                    self.stream = streams.iter().find(|s| s.direction == Direction::Playback).map(|s| s.id);
                    self.open = None;
                    self.asked = None;
                    self.wait_room = false;
                    if self.stream.is_none() {
                        self.complain(format_args!("the sound domain offers no playback stream"));
                    }
                }
                Ok(Some(Received::Refused { version })) => {
                    self.complain(format_args!("the sound domain speaks version {version}"));
                }
                Ok(Some(Received::Response(r))) => match self.asked {
                    Some((id, asked)) if id == r.id => {
                        self.asked = None;
                        self.answered(asked, r.status, snd, queues, guest);
                    }
                    _ => self.complain(format_args!("an answer to no request: {}", r.id)),
                },
                Ok(None) => break,
                Err(ClientError::Undecodable | ClientError::OutOfOrder) => {
                    self.complain(format_args!("a frame that is not a sound message"));
                }
                Err(e) => {
                    self.complain(format_args!("the channel failed: {e:?}"));
                    break;
                }
            }
        }
    }

    fn answered(&mut self, asked: Asked, status: Status, snd: &mut VirtioSnd, queues: &mut Queues, guest: &mut Guest) {
        match (asked, status) {
            (Asked::Open | Asked::Close, Status::Ok) => {}
            (Asked::Start, Status::Ok) => {
                if let Some(open) = self.open.as_mut() {
                    open.started = true;
                    self.away = None;
                    let _ = writeln!(
                        Console,
                        "devmodel: sound: playing {RATE} Hz {CHANNELS} ch, period {} bytes",
                        open.linux_period
                    );
                }
            }
            (Asked::Write(len), Status::Ok) => {
                self.sent = (self.sent + len).min(self.staged);
                if self.sent == self.staged && self.staged > 0 {
                    self.staged = 0;
                    self.sent = 0;
                    if snd.complete_buffer(queues, guest) {
                        self.played += 1;
                        if self.played.is_multiple_of(REPORT_EVERY) {
                            let (p, d, r) = (self.played, self.dropped, self.reraised);
                            let _ = writeln!(
                                Console,
                                "devmodel: sound: {p} periods played, {d} dropped, interrupt raised again {r} times"
                            );
                        }
                    }
                }
            }
            (Asked::Write(_), Status::Busy) => self.wait_room = true,
            (Asked::Write(_), status) => {
                self.complain(format_args!("a write was refused ({status:?}): the period is dropped"));
                self.drop_oldest(snd, queues, guest);
            }
            (Asked::Open | Asked::Start, status) => {
                self.complain(format_args!("the stream was refused ({status:?}): Linux's PCM is dropped"));
                self.open = None;
                self.refused = true;
            }
            (Asked::Close, _) => {}
        }
    }

    /// Sends the next request, if none is waiting.
    fn act(&mut self, snd: &mut VirtioSnd, queues: &mut Queues, guest: &mut Guest) {
        if self.asked.is_some() || self.refused {
            return;
        }
        let Some(stream) = self.stream else { return };
        let running = snd.running();
        // What `open` becomes once the request is sent.
        let mut then = self.open;
        let (op, asked) = match self.open {
            None => {
                let Some(params) = snd.params().filter(|_| running) else { return };
                let slot = params.period_bytes.min(MAX_SLOT) & !3;
                let area = self.client.data_area();
                let len = slot * SLOTS;
                if slot == 0 || area.len < len {
                    self.complain(format_args!("no room for periods of {slot} bytes"));
                    self.refused = true;
                    return;
                }
                let buffer = DataRef { offset: area.offset, len };
                let pcm = PcmParams {
                    format: Format::S16Le,
                    rate: RATE,
                    channels: CHANNELS,
                    buffer_bytes: len,
                    period_bytes: slot,
                };
                then = Some(Open { slot, linux_period: params.period_bytes, started: false });
                (Operation::Open { params: pcm, buffer }, Asked::Open)
            }
            Some(_) if !running => {
                then = None;
                (Operation::Close, Asked::Close)
            }
            Some(open) if !open.started => (Operation::Trigger(Trigger::Start), Asked::Start),
            Some(open) => {
                if self.wait_room {
                    return;
                }
                if self.staged == 0 {
                    let Some(_) = snd.next_buffer_len() else { return };
                    match snd.read_buffer(&*guest, &mut self.pcm) {
                        Ok(n) => {
                            self.staged = n;
                            self.sent = 0;
                        }
                        Err(e) => {
                            self.complain(format_args!("Linux's buffer could not be read ({e:?}): dropped"));
                            self.drop_oldest(snd, queues, guest);
                            return;
                        }
                    }
                }
                let len = (self.staged - self.sent).min(open.slot as usize);
                let area = self.client.data_area();
                let offset = area.offset + self.next_slot * open.slot;
                let piece = self.pcm.get(self.sent..self.sent + len).unwrap_or_default();
                if let Err(e) = self.client.write_pcm(offset, piece) {
                    self.complain(format_args!("the slot is outside the data area: {e:?}"));
                    return;
                }
                self.next_slot = (self.next_slot + 1) % SLOTS;
                let data = DataRef { offset, len: u32::try_from(len).unwrap_or(0) };
                (Operation::Write { data }, Asked::Write(len))
            }
        };
        match self.client.send(stream, op) {
            Ok(id) => {
                self.asked = Some((id, asked));
                if matches!(asked, Asked::Open | Asked::Close) {
                    self.open = then;
                    self.next_slot = 0;
                    self.wait_room = false;
                }
            }
            // Down or full: the sound domain's doorbell brings us back, and
            // the same request is made again.
            Err(ClientError::Down | ClientError::Full) => {}
            Err(e) => self.complain(format_args!("a request could not be sent: {e:?}")),
        }
    }

    /// Completes the oldest buffer unplayed.
    fn drop_oldest(&mut self, snd: &mut VirtioSnd, queues: &mut Queues, guest: &mut Guest) -> Option<usize> {
        let len = snd.next_buffer_len()?;
        self.staged = 0;
        self.sent = 0;
        snd.complete_buffer(queues, guest).then(|| {
            self.dropped += 1;
            len
        })
    }

    /// While the sound domain is away (or refused us) and Linux plays:
    /// completes Linux's buffers unplayed at the nominal rate.
    fn drop_while_away(&mut self, snd: &mut VirtioSnd, queues: &mut Queues, guest: &mut Guest) {
        let connected = self.stream.is_some() && !self.refused;
        if !snd.running() || connected {
            self.away = None;
            return;
        }
        let now = timer::counter();
        let (since, mut done) = *self.away.get_or_insert((now, 0));
        let freq = u128::from(timer::frequency().max(1));
        let due = u128::from(now.saturating_sub(since)) * BYTES_PER_SECOND / freq;
        while let Some(len) = snd.next_buffer_len() {
            if done + len as u128 > due {
                break;
            }
            if self.drop_oldest(snd, queues, guest).is_none() {
                break;
            }
            done += len as u128;
        }
        self.away = Some((since, done));
    }
}

/// Whether the sound device `d` has its interrupt pending.
fn sound_pending(d: &Emulated) -> bool {
    match &d.model {
        Model::Sound(s) => s.interrupt_pending(),
        _ => false,
    }
}
