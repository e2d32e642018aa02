// SPDX-License-Identifier: MIT
//! The two ends of a ring.

use crate::layout::{CONSUMER_INDEX, FRAME_HEADER, LayoutError, PRODUCER_INDEX, RingLayout};
use crate::window::Window;

/// How the peer broke the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// The peer's index is more than a ring's capacity away from ours.
    IndexOutOfRange {
        /// Our index.
        ours: u32,
        /// The peer's index as read.
        theirs: u32,
    },
    /// A frame length larger than the bytes published or than the ring.
    LengthOutOfRange {
        /// The length as read.
        length: u32,
        /// Bytes the producer had published.
        available: u32,
    },
}

/// Why a ring operation did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RingError {
    /// No room for the frame now (back-pressure: retry later).
    Full,
    /// No frame to take now.
    Empty,
    /// The frame can never fit in this ring.
    TooLarge,
    /// The caller's buffer is smaller than the frame (the frame stays).
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// The peer corrupted the ring; it stays broken until reconnected.
    Broken(Corruption),
}

/// The frame header's size, as a ring index step.
const HEADER_STEP: u32 = 4;
const _: () = assert!(HEADER_STEP as usize == FRAME_HEADER);

/// Frame bytes including header and padding, for a payload already checked
/// against the ring's capacity (so this cannot overflow).
fn frame_span(payload: u32) -> u32 {
    (HEADER_STEP + payload + 3) & !3
}

/// Window offset of the frame header at free-running position `at`. A
/// header never wraps: positions are 4-aligned and the capacity is a power
/// of two of at least 64, so 4 bytes always fit before the end.
fn header_offset(layout: &RingLayout, at: u32) -> usize {
    layout.data() + ((at as usize) & (layout.capacity as usize - 1))
}

/// Copies `data` into the ring's data area at free-running position `at`,
/// wrapping at the end.
fn write_wrapped<W: Window>(w: &W, layout: &RingLayout, at: u32, data: &[u8]) {
    let cap = layout.capacity as usize;
    let start = (at as usize) & (cap - 1);
    let first = data.len().min(cap - start);
    let (head, tail) = data.split_at(first);
    w.write(layout.data() + start, head);
    if !tail.is_empty() {
        w.write(layout.data(), tail);
    }
}

fn read_wrapped<W: Window>(w: &W, layout: &RingLayout, at: u32, out: &mut [u8]) {
    let cap = layout.capacity as usize;
    let start = (at as usize) & (cap - 1);
    let first = out.len().min(cap - start);
    let (head, tail) = out.split_at_mut(first);
    w.read(layout.data() + start, head);
    if !tail.is_empty() {
        w.read(layout.data(), tail);
    }
}

/// The producing end.
pub struct Producer<W: Window> {
    window: W,
    layout: RingLayout,
    next: u32,
    broken: Option<Corruption>,
}

impl<W: Window> Producer<W> {
    /// Attaches to the ring at `layout` and publishes index 0 (a fresh
    /// connection: the consumer starts at 0 too).
    pub fn new(window: W, layout: RingLayout) -> Result<Self, LayoutError> {
        layout.check(window.size())?;
        window.store_release(layout.base + PRODUCER_INDEX, 0);
        Ok(Self { window, layout, next: 0, broken: None })
    }

    /// The peer's index, validated.
    fn consumed(&mut self) -> Result<u32, RingError> {
        if let Some(c) = self.broken {
            return Err(RingError::Broken(c));
        }
        let theirs = self.window.load_acquire(self.layout.base + CONSUMER_INDEX);
        let in_flight = self.next.wrapping_sub(theirs);
        if in_flight > self.layout.capacity || !in_flight.is_multiple_of(4) {
            let c = Corruption::IndexOutOfRange { ours: self.next, theirs };
            self.broken = Some(c);
            return Err(RingError::Broken(c));
        }
        Ok(theirs)
    }

    /// Bytes free for frames now.
    pub fn free(&mut self) -> Result<usize, RingError> {
        let consumed = self.consumed()?;
        Ok((self.layout.capacity - self.next.wrapping_sub(consumed)) as usize)
    }

    /// Appends one frame. `Full` leaves the ring unchanged.
    pub fn push(&mut self, payload: &[u8]) -> Result<(), RingError> {
        let length = u32::try_from(payload.len()).map_err(|_| RingError::TooLarge)?;
        if payload.len() > self.layout.max_payload() {
            return Err(RingError::TooLarge);
        }
        let span = frame_span(length);
        if self.free()? < span as usize {
            return Err(RingError::Full);
        }
        self.window.write(header_offset(&self.layout, self.next), &length.to_le_bytes());
        write_wrapped(&self.window, &self.layout, self.next.wrapping_add(HEADER_STEP), payload);
        self.next = self.next.wrapping_add(span);
        self.window.store_release(self.layout.base + PRODUCER_INDEX, self.next);
        Ok(())
    }

    /// Whether the consumer has taken every frame pushed so far (its
    /// index, validated, equals ours).
    pub fn is_drained(&mut self) -> Result<bool, RingError> {
        Ok(self.consumed()? == self.next)
    }

    /// The ring is broken (the peer corrupted it).
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// The window (for the data area next to the ring).
    pub fn window(&self) -> &W {
        &self.window
    }
}

/// The consuming end.
pub struct Consumer<W: Window> {
    window: W,
    layout: RingLayout,
    next: u32,
    broken: Option<Corruption>,
}

impl<W: Window> Consumer<W> {
    /// Attaches to the ring at `layout` and publishes index 0.
    pub fn new(window: W, layout: RingLayout) -> Result<Self, LayoutError> {
        layout.check(window.size())?;
        window.store_release(layout.base + CONSUMER_INDEX, 0);
        Ok(Self { window, layout, next: 0, broken: None })
    }

    fn fail(&mut self, c: Corruption) -> RingError {
        self.broken = Some(c);
        RingError::Broken(c)
    }

    /// Bytes published and not yet taken, validated.
    fn available(&mut self) -> Result<u32, RingError> {
        if let Some(c) = self.broken {
            return Err(RingError::Broken(c));
        }
        let theirs = self.window.load_acquire(self.layout.base + PRODUCER_INDEX);
        let available = theirs.wrapping_sub(self.next);
        if available > self.layout.capacity || !available.is_multiple_of(4) {
            return Err(self.fail(Corruption::IndexOutOfRange { ours: self.next, theirs }));
        }
        Ok(available)
    }

    /// Takes the next frame into `buf` and returns its payload. On
    /// `BufferTooSmall` the frame stays in the ring.
    pub fn pop<'b>(&mut self, buf: &'b mut [u8]) -> Result<&'b [u8], RingError> {
        let available = self.available()?;
        if available == 0 {
            return Err(RingError::Empty);
        }
        let mut header = [0u8; FRAME_HEADER];
        self.window.read(header_offset(&self.layout, self.next), &mut header);
        let length = u32::from_le_bytes(header);
        if length as usize > self.layout.max_payload() || frame_span(length) > available {
            return Err(self.fail(Corruption::LengthOutOfRange { length, available }));
        }
        let out = buf.get_mut(..length as usize).ok_or(RingError::BufferTooSmall { needed: length as usize })?;
        read_wrapped(&self.window, &self.layout, self.next.wrapping_add(HEADER_STEP), out);
        self.next = self.next.wrapping_add(frame_span(length));
        self.window.store_release(self.layout.base + CONSUMER_INDEX, self.next);
        Ok(out)
    }

    /// The ring is broken (the peer corrupted it).
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }

    /// The window (for the data area next to the ring).
    pub fn window(&self) -> &W {
        &self.window
    }
}
