// SPDX-License-Identifier: MIT
//! The virtio-sound device, through `bulkhead_virtio_snd_hal`: its first
//! output stream set up at the mixer's rate and format (S16LE stereo,
//! 48 kHz), fed one period at a time with [`IN_FLIGHT`] periods queued so
//! that the device never waits for the mixer; and its first input stream,
//! if it has one, kept capturing [`IN_FLIGHT`] periods ahead. QEMU returns
//! a period's buffer when its audio back-end has taken (or filled) all of
//! it, so completions come at the playback rate: each one is the cue to
//! mix the next period, or to hand a captured one to the backend.
//!
//! Owns the device and its queued periods; must not mix or decide policy.

use alloc::boxed::Box;
use bulkhead_sound_core::{DEVICE_FRAME, DEVICE_RATE};
use bulkhead_virtio_hal::IdentityHal;
use bulkhead_virtio_snd_hal::{Direction, Snd, SndError};
use virtio_drivers::transport::mmio::MmioTransport;

/// Device frames per period: 10 ms at 48 kHz.
pub const PERIOD_FRAMES: usize = 480;
/// Bytes per period.
pub const PERIOD_BYTES: usize = PERIOD_FRAMES * DEVICE_FRAME;
/// Periods queued on the device at once, each way (30 ms of latency).
pub const IN_FLIGHT: usize = 3;

const _: () = assert!(DEVICE_RATE == 48_000, "the driver sets 48 kHz");

/// Why the device could not be set up or fed.
#[derive(Debug)]
pub enum OutputError {
    /// The device offers no output stream.
    NoOutputStream,
    /// The driver or the device refused.
    Device(#[allow(dead_code, reason = "read through Debug, in the domain's error lines")] SndError),
}

impl From<SndError> for OutputError {
    fn from(e: SndError) -> Self {
        OutputError::Device(e)
    }
}

/// The device's output stream, and its input stream if it has one.
pub struct Output {
    /// Boxed: the driver's state is kilobytes, too much for the domain's
    /// stack to carry around (128 KiB, an overflow faults at its guard
    /// page).
    device: Box<Snd<IdentityHal, MmioTransport<'static>>>,
    stream: u32,
    input: Option<u32>,
}

impl Output {
    /// Resets and sets up the device (a new life starts from a reset
    /// device), configures and starts its first output stream and, if it
    /// has one, its first input stream (a device that refuses to start
    /// its input captures nothing: [`Output::captures`] says so).
    pub fn new(transport: MmioTransport<'static>) -> Result<Self, OutputError> {
        let mut device = Box::new(Snd::new(transport)?);
        let stream = device.stream(Direction::Output).ok_or(OutputError::NoOutputStream)?;
        device.start(stream, PERIOD_BYTES, IN_FLIGHT)?;
        let input = device.stream(Direction::Input).filter(|&s| device.start(s, PERIOD_BYTES, IN_FLIGHT).is_ok());
        Ok(Output { device, stream, input })
    }

    /// QEMU's virtio-sound keeps the periods queued before a device reset
    /// (its reset leaves the streams' buffers to the audio back-end) and
    /// returns them later into whatever queues the driver set up since,
    /// where they are used entries nobody submitted. So every life first
    /// runs the streams for `ms` milliseconds with nothing submitted,
    /// letting QEMU hand the stale periods back into queues that are then
    /// thrown away, and only then sets the device up for real (another
    /// reset, fresh queues). Every life does it, the first too, so that
    /// each life's DMA pages are laid out alike (see
    /// `bulkhead_virtio_snd_hal`: a stale capture lands in a capture
    /// buffer).
    pub fn drain_stale(transport: MmioTransport<'static>, ms: u64) -> Result<(), OutputError> {
        let mut stale = Output::new(transport)?;
        let until = domain_rt::timer::counter() + ms * domain_rt::timer::frequency() / 1000;
        while domain_rt::timer::counter() < until {
            core::hint::spin_loop();
        }
        let _ = stale.device.stop(stale.stream);
        if let Some(input) = stale.input {
            let _ = stale.device.stop(input);
        }
        Ok(())
    }

    /// The device's output stream id.
    pub fn stream(&self) -> u32 {
        self.stream
    }

    /// Whether the device captures.
    pub fn captures(&self) -> bool {
        self.input.is_some()
    }

    /// Periods queued for playback.
    pub fn queued(&self) -> usize {
        self.device.in_flight(Direction::Output)
    }

    /// Queues one period (exactly [`PERIOD_BYTES`]) for playback.
    pub fn submit(&mut self, period: &[u8]) -> Result<(), OutputError> {
        Ok(self.device.play(self.stream, period)?)
    }

    /// Takes the periods the device has finished playing, in order;
    /// returns how many.
    pub fn reap(&mut self) -> Result<usize, OutputError> {
        Ok(self.device.reap(Direction::Output, |_| {})?)
    }

    /// Hands each captured period to `take`, in order, and keeps
    /// [`IN_FLIGHT`] capture periods queued.
    pub fn capture(&mut self, take: impl FnMut(&[u8])) -> Result<(), OutputError> {
        let Some(input) = self.input else { return Ok(()) };
        self.device.reap(Direction::Input, take)?;
        while self.device.in_flight(Direction::Input) < IN_FLIGHT {
            self.device.capture(input)?;
        }
        Ok(())
    }

    /// Acknowledges the device's interrupt.
    pub fn ack(&mut self) {
        self.device.ack_interrupt();
    }
}
