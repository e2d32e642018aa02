// SPDX-License-Identifier: MIT
//! The virtio-sound output stream, through `virtio-drivers`: set up once
//! at the device's rate and format (S16LE stereo, 48 kHz, the mixer's),
//! then fed one period at a time, with [`IN_FLIGHT`] periods queued so
//! that the device never waits for the mixer. QEMU returns a period's
//! buffer when its audio back-end has taken all of it, so completions
//! come at the playback rate: each one is the cue to mix the next period.
//!
//! Owns the device and its queued periods; must not mix or decide policy.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use bulkhead_sound_core::{DEVICE_FRAME, DEVICE_RATE};
use bulkhead_virtio_hal::IdentityHal;
use virtio_drivers::device::sound::{PcmFeatures, PcmFormat, PcmRate, VirtIOSound};
use virtio_drivers::transport::mmio::MmioTransport;

/// Device frames per period: 10 ms at 48 kHz.
pub const PERIOD_FRAMES: usize = 480;
/// Bytes per period.
pub const PERIOD_BYTES: usize = PERIOD_FRAMES * DEVICE_FRAME;
/// Periods queued on the device at once (30 ms of output latency).
pub const IN_FLIGHT: usize = 3;

const _: () = assert!(DEVICE_RATE == 48_000, "PcmRate below says 48 kHz");

/// Why the output could not be set up or fed.
#[derive(Debug)]
pub enum OutputError {
    /// The device offers no output stream.
    NoOutputStream,
    /// The driver or the device refused.
    Device(#[allow(dead_code, reason = "read through Debug, in the domain's error lines")] virtio_drivers::Error),
}

impl From<virtio_drivers::Error> for OutputError {
    fn from(e: virtio_drivers::Error) -> Self {
        OutputError::Device(e)
    }
}

/// The device's output stream.
pub struct Output {
    /// Boxed: the driver's state is kilobytes, too much for the domain's
    /// 16 KiB stack to carry around (an overflow there corrupts the heap
    /// below it).
    device: Box<VirtIOSound<IdentityHal, MmioTransport<'static>>>,
    stream: u32,
    queued: VecDeque<u16>,
}

impl Output {
    /// Resets and sets up the device (a new life starts from a reset
    /// device), configures its first output stream, and starts it.
    pub fn new(transport: MmioTransport<'static>) -> Result<Self, OutputError> {
        let mut device = Box::new(VirtIOSound::new(transport)?);
        let stream = *device.output_streams()?.first().ok_or(OutputError::NoOutputStream)?;
        let bytes = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        device.pcm_set_params(
            stream,
            bytes(PERIOD_BYTES * IN_FLIGHT),
            bytes(PERIOD_BYTES),
            PcmFeatures::empty(),
            2,
            PcmFormat::S16,
            PcmRate::Rate48000,
        )?;
        device.pcm_prepare(stream)?;
        device.pcm_start(stream)?;
        Ok(Output { device, stream, queued: VecDeque::new() })
    }

    /// After a restart: QEMU's virtio-sound keeps the periods queued
    /// before the device reset (its reset leaves the stream's buffers to
    /// the audio back-end) and returns them later into whatever queues the
    /// driver set up since, where they are used entries nobody submitted
    /// (`virtio-drivers` answers `WrongToken`; QEMU says "Virtqueue size
    /// exceeded"). So a new life first runs the stream once for `ms`
    /// milliseconds with nothing submitted, letting QEMU hand the stale
    /// periods back into queues that are then thrown away, and only then
    /// sets the device up for real (another reset, fresh queues).
    pub fn drain_stale(transport: MmioTransport<'static>, ms: u64) -> Result<(), OutputError> {
        let mut stale = Output::new(transport)?;
        let until = domain_rt::timer::counter() + ms * domain_rt::timer::frequency() / 1000;
        while domain_rt::timer::counter() < until {
            core::hint::spin_loop();
        }
        let _ = stale.device.pcm_stop(stale.stream);
        let _ = stale.device.pcm_release(stale.stream);
        Ok(())
    }

    /// The device's stream id.
    pub fn stream(&self) -> u32 {
        self.stream
    }

    /// Periods queued on the device.
    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Queues one period (exactly [`PERIOD_BYTES`]).
    pub fn submit(&mut self, period: &[u8]) -> Result<(), OutputError> {
        if period.len() != PERIOD_BYTES {
            return Err(OutputError::Device(virtio_drivers::Error::InvalidParam));
        }
        let token = self.device.pcm_xfer_nb(self.stream, period)?;
        self.queued.push_back(token);
        Ok(())
    }

    /// Takes the periods the device has finished playing, in order;
    /// returns how many.
    pub fn reap(&mut self) -> Result<usize, OutputError> {
        let mut done = 0;
        while let Some(&token) = self.queued.front() {
            match self.device.pcm_xfer_ok(token) {
                Ok(()) => {
                    self.queued.pop_front();
                    done += 1;
                }
                Err(virtio_drivers::Error::NotReady) => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(done)
    }

    /// Acknowledges the device's interrupt.
    pub fn ack(&mut self) {
        let _ = self.device.ack_interrupt();
    }
}
