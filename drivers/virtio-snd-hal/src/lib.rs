// SPDX-License-Identifier: MIT
//! virtio-sound (virtio 1.2, 5.14) with playback and capture, on
//! `virtio-drivers`' public transport and virtqueue.
//!
//! `virtio-drivers` 0.13's `VirtIOSound` plays only: it has no receive
//! path for input streams, and its queues are private, so capture cannot
//! be added beside it. This crate drives the device itself: PCM_INFO,
//! SET_PARAMS, PREPARE, START, STOP and RELEASE on the control queue, and
//! period transfers on the TX (playback) and RX (capture) queues, several
//! in flight, completed in order. No jacks, no channel maps, no events
//! (the event queue is set up and left empty).
//!
//! **Why `unsafe`, and why a `-hal` crate:** a transfer in flight lends
//! the device its buffers, which `VirtQueue::add` and `pop_used` leave to
//! the caller to keep alive and untouched (`unsafe` functions). Every
//! transfer's buffers live in one boxed [`Transfer`] that the driver owns
//! from `add` until `pop_used` succeeds, and nothing reads or writes them
//! meanwhile; those two calls are the only `unsafe` here.
//!
//! **Transfer buffers come from the DMA pool, in the same order in every
//! life, and are reused.** QEMU 10.0's virtio-sound keeps the transfers
//! queued before a device reset and completes them later (see
//! `domains/sound`): for capture that means it *writes* into buffers of a
//! driver that is gone. The domain's DMA pool hands out the same addresses
//! in the same order in each life (provided each life sets the device up
//! the same way), so such a late write lands in a transfer buffer of the
//! next life, never in its rings or other data.
#![no_std]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::ptr::NonNull;
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::Transport;
use virtio_drivers::{BufferDirection, Hal, PAGE_SIZE};

const CONTROL: u16 = 0;
const EVENT: u16 = 1;
const TX: u16 = 2;
const RX: u16 = 3;
const QUEUE_SIZE: usize = 32;

/// Control request codes and the OK status (virtio 1.2, 5.14.6).
mod code {
    pub const PCM_INFO: u32 = 0x0100;
    pub const PCM_SET_PARAMS: u32 = 0x0101;
    pub const PCM_PREPARE: u32 = 0x0102;
    pub const PCM_RELEASE: u32 = 0x0103;
    pub const PCM_START: u32 = 0x0104;
    pub const PCM_STOP: u32 = 0x0105;
    pub const OK: u32 = 0x8000;
}
/// `virtio_snd_pcm_info`'s size.
const PCM_INFO_SIZE: usize = 32;
/// Format S16 and rate 48 kHz (virtio's enumerations).
const FORMAT_S16: u8 = 5;
const RATE_48000: u8 = 7;

bitflags::bitflags! {
    /// The features this driver accepts (none of the device's own).
    #[derive(Copy, Clone, Debug, Default, Eq, PartialEq)]
    struct Features: u64 {
        /// VIRTIO_F_VERSION_1.
        const VERSION_1 = 1 << 32;
    }
}

/// A stream's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Playback.
    Output,
    /// Capture.
    Input,
}

/// What failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SndError {
    /// The transport or a queue failed.
    Virtio(virtio_drivers::Error),
    /// The device answered a control request with this status.
    Refused {
        /// The request's code.
        request: u32,
        /// The device's status.
        status: u32,
    },
    /// A reply or a transfer was shorter than its structure.
    Short,
    /// A period of the wrong size, or no stream of that kind.
    BadArgument,
    /// A transfer completed with a failure status.
    Transfer(u32),
}

impl From<virtio_drivers::Error> for SndError {
    fn from(e: virtio_drivers::Error) -> Self {
        SndError::Virtio(e)
    }
}

/// One transfer's buffers, owned by the driver while the device has them:
/// the stream id, the PCM (read by the device for playback, written for
/// capture) and the status the device writes.
pub struct Transfer {
    header: [u8; 4],
    pcm: DmaBuffer,
    status: [u8; 8],
}

/// Pages of the DMA pool holding PCM (the capture buffers' stable
/// addresses, see the crate docs).
struct DmaBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

impl DmaBuffer {
    fn new<H: Hal>(len: usize) -> Self {
        let pages = len.div_ceil(PAGE_SIZE).max(1);
        let (_, ptr) = H::dma_alloc(pages, BufferDirection::Both);
        DmaBuffer { ptr, len }
    }
    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` is `len` bytes of zeroed DMA-pool memory handed to
        // this buffer alone by `dma_alloc` (the pool never hands a page out
        // twice), valid for the domain's life; the device touches it only
        // while the transfer is in flight, when no reference exists.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

/// One direction's transfers in flight, oldest first.
struct InFlight {
    queue_index: u16,
    direction: Direction,
    pending: VecDeque<(u16, Box<Transfer>)>,
    /// Transfers not in flight, for reuse (their DMA pages stay theirs).
    #[allow(
        clippy::vec_box,
        reason = "a transfer in flight must not move: it is boxed once and stays boxed for reuse"
    )]
    spare: Vec<Box<Transfer>>,
}

/// The device.
///
/// Each queue is boxed: a `VirtQueue` is about a kilobyte, and a domain's
/// stack is bounded (128 KiB in `domain-rt`; an overflow faults at its
/// guard page).
pub struct Snd<H: Hal, T: Transport> {
    transport: T,
    control: Box<VirtQueue<H, QUEUE_SIZE>>,
    _event: Box<VirtQueue<H, QUEUE_SIZE>>,
    tx: Box<VirtQueue<H, QUEUE_SIZE>>,
    rx: Box<VirtQueue<H, QUEUE_SIZE>>,
    directions: Vec<Direction>,
    period: usize,
    out: InFlight,
    input: InFlight,
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

impl<H: Hal, T: Transport> Snd<H, T> {
    /// Resets and initialises the device behind `transport` and reads its
    /// streams' directions.
    pub fn new(mut transport: T) -> Result<Self, SndError> {
        transport.begin_init(Features::VERSION_1);
        // Config space: jacks, streams, chmaps (u32 each).
        let streams: u32 = transport.read_config_space(4)?;
        let control = Box::new(VirtQueue::new(&mut transport, CONTROL, false, false)?);
        let event = Box::new(VirtQueue::new(&mut transport, EVENT, false, false)?);
        let tx = Box::new(VirtQueue::new(&mut transport, TX, false, false)?);
        let rx = Box::new(VirtQueue::new(&mut transport, RX, false, false)?);
        transport.finish_init();
        let flight =
            |queue_index, direction| InFlight { queue_index, direction, pending: VecDeque::new(), spare: Vec::new() };
        let mut snd = Snd {
            transport,
            control,
            _event: event,
            tx,
            rx,
            directions: Vec::new(),
            period: 0,
            out: flight(TX, Direction::Output),
            input: flight(RX, Direction::Input),
        };
        snd.directions = snd.pcm_info(streams.min(16))?;
        Ok(snd)
    }

    fn request(&mut self, send: &[u8], receive: &mut [u8]) -> Result<(), SndError> {
        self.control.add_notify_wait_pop(&[send], &mut [receive], &mut self.transport)?;
        Ok(())
    }

    fn simple(&mut self, request: u32, stream: u32) -> Result<(), SndError> {
        let mut send = [0u8; 8];
        send[..4].copy_from_slice(&request.to_le_bytes());
        send[4..].copy_from_slice(&stream.to_le_bytes());
        let mut status = [0u8; 4];
        self.request(&send, &mut status)?;
        match u32::from_le_bytes(status) {
            code::OK => Ok(()),
            status => Err(SndError::Refused { request, status }),
        }
    }

    fn pcm_info(&mut self, count: u32) -> Result<Vec<Direction>, SndError> {
        let mut send = [0u8; 16];
        let size = u32::try_from(PCM_INFO_SIZE).unwrap_or(u32::MAX);
        for (word, v) in send.chunks_exact_mut(4).zip([code::PCM_INFO, 0, count, size]) {
            word.copy_from_slice(&v.to_le_bytes());
        }
        let mut reply = alloc::vec![0u8; 4 + PCM_INFO_SIZE * count as usize];
        self.request(&send, &mut reply)?;
        let status = le32(&reply, 0).ok_or(SndError::Short)?;
        if status != code::OK {
            return Err(SndError::Refused { request: code::PCM_INFO, status });
        }
        // Each info: hda_fn_nid, features (u32), formats, rates (u64),
        // direction (u8) at offset 24.
        (0..count as usize)
            .map(|i| match reply.get(4 + i * PCM_INFO_SIZE + 24) {
                Some(0) => Ok(Direction::Output),
                Some(_) => Ok(Direction::Input),
                None => Err(SndError::Short),
            })
            .collect()
    }

    /// The first stream of `direction`.
    pub fn stream(&self, direction: Direction) -> Option<u32> {
        self.directions.iter().position(|d| *d == direction).and_then(|i| u32::try_from(i).ok())
    }

    /// Sets stream `stream` up for S16LE stereo at 48 kHz with `periods`
    /// periods of `period` bytes, prepares and starts it.
    pub fn start(&mut self, stream: u32, period: usize, periods: usize) -> Result<(), SndError> {
        let period32 = u32::try_from(period).map_err(|_| SndError::BadArgument)?;
        let buffer32 = u32::try_from(period * periods).map_err(|_| SndError::BadArgument)?;
        let mut send = [0u8; 24];
        send[..4].copy_from_slice(&code::PCM_SET_PARAMS.to_le_bytes());
        send[4..8].copy_from_slice(&stream.to_le_bytes());
        send[8..12].copy_from_slice(&buffer32.to_le_bytes());
        send[12..16].copy_from_slice(&period32.to_le_bytes());
        // features 0; channels, format, rate, padding.
        send[20..24].copy_from_slice(&[2, FORMAT_S16, RATE_48000, 0]);
        let mut status = [0u8; 4];
        self.request(&send, &mut status)?;
        if u32::from_le_bytes(status) != code::OK {
            return Err(SndError::Refused { request: code::PCM_SET_PARAMS, status: u32::from_le_bytes(status) });
        }
        self.period = period;
        self.simple(code::PCM_PREPARE, stream)?;
        self.simple(code::PCM_START, stream)
    }

    /// Stops and releases stream `stream`.
    pub fn stop(&mut self, stream: u32) -> Result<(), SndError> {
        self.simple(code::PCM_STOP, stream)?;
        self.simple(code::PCM_RELEASE, stream)
    }

    fn flight(&mut self, direction: Direction) -> (&mut VirtQueue<H, QUEUE_SIZE>, &mut InFlight) {
        match direction {
            Direction::Output => (&mut self.tx, &mut self.out),
            Direction::Input => (&mut self.rx, &mut self.input),
        }
    }

    /// Queues one period of `stream` for playback (`pcm` is exactly one
    /// period) or, with `pcm` `None`, one period of capture.
    fn queue(&mut self, stream: u32, direction: Direction, pcm: Option<&[u8]>) -> Result<(), SndError> {
        let period = self.period;
        if period == 0 || pcm.is_some_and(|p| p.len() != period) {
            return Err(SndError::BadArgument);
        }
        let (queue, flight) = self.flight(direction);
        let mut t = flight
            .spare
            .pop()
            .unwrap_or_else(|| Box::new(Transfer { header: [0; 4], pcm: DmaBuffer::new::<H>(period), status: [0; 8] }));
        t.header = stream.to_le_bytes();
        t.status = [0; 8];
        if let Some(pcm) = pcm {
            t.pcm.bytes_mut().copy_from_slice(pcm);
        }
        let token = {
            let Transfer { header, pcm: buffer, status } = &mut *t;
            // The buffers are the boxed transfer's, which the driver keeps
            // in `pending` untouched until `pop_used` with this token
            // succeeds (`reap`), or forever if it never does.
            match direction {
                // SAFETY: see above.
                Direction::Output => unsafe { queue.add(&[header, buffer.bytes()], &mut [status])? },
                // SAFETY: see above.
                Direction::Input => unsafe { queue.add(&[header], &mut [buffer.bytes_mut(), status])? },
            }
        };
        flight.pending.push_back((token, t));
        if queue.should_notify() {
            let index = flight.queue_index;
            self.transport.notify(index);
        }
        Ok(())
    }

    /// Queues one period of playback.
    pub fn play(&mut self, stream: u32, pcm: &[u8]) -> Result<(), SndError> {
        self.queue(stream, Direction::Output, Some(pcm))
    }

    /// Queues one period of capture.
    pub fn capture(&mut self, stream: u32) -> Result<(), SndError> {
        self.queue(stream, Direction::Input, None)
    }

    /// Transfers of `direction` in flight.
    pub fn in_flight(&self, direction: Direction) -> usize {
        match direction {
            Direction::Output => self.out.pending.len(),
            Direction::Input => self.input.pending.len(),
        }
    }

    /// Takes the transfers of `direction` the device has completed, in
    /// order, giving each captured period to `done` (playback: an empty
    /// slice); returns how many.
    pub fn reap(&mut self, direction: Direction, mut done: impl FnMut(&[u8])) -> Result<usize, SndError> {
        let (queue, flight) = self.flight(direction);
        let mut count = 0;
        while let Some((token, _)) = flight.pending.front() {
            let token = *token;
            if queue.peek_used() != Some(token) {
                break;
            }
            let Some((_, mut t)) = flight.pending.pop_front() else { break };
            let popped = {
                let Transfer { header, pcm: buffer, status } = &mut *t;
                match flight.direction {
                    // SAFETY: the same buffers `queue` added with this token.
                    Direction::Output => unsafe { queue.pop_used(token, &[header, buffer.bytes()], &mut [status]) },
                    // SAFETY: the same buffers `queue` added with this token.
                    Direction::Input => unsafe { queue.pop_used(token, &[header], &mut [buffer.bytes_mut(), status]) },
                }
            };
            if let Err(e) = popped {
                // Still the device's: keep it in flight, never reuse it.
                flight.pending.push_front((token, t));
                return Err(e.into());
            }
            let status = le32(&t.status, 0).unwrap_or(0);
            match flight.direction {
                Direction::Input => done(t.pcm.bytes()),
                Direction::Output => done(&[]),
            }
            flight.spare.push(t);
            count += 1;
            if status != code::OK {
                return Err(SndError::Transfer(status));
            }
        }
        Ok(count)
    }

    /// Acknowledges the device's interrupt.
    pub fn ack_interrupt(&mut self) {
        let _ = self.transport.ack_interrupt();
    }
}
