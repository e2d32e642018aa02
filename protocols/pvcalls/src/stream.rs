// SPDX-License-Identifier: MIT
//! A socket's byte stream in the client's data area: one producer, one
//! consumer, bytes (not frames), as Xen's `pvcalls_data_intf` `in`/`out`
//! halves. A socket's [`crate::DataRing`] is two of these.
//!
//! ```text
//! base + 0     producer index (u32, free-running byte count)
//! base + 4     producer state: 0 open, 1 closed (end of stream), 2 reset
//! base + 64    consumer index (u32), on its own cache line
//! base + 128   data: `capacity` bytes, a power of two of at least 64
//! ```
//!
//! Each side keeps its own index and only publishes it; the peer's index
//! is checked on every read (never more than `capacity` bytes in flight),
//! and a lie breaks the stream for good ([`Broken`]): no access ever
//! leaves the stream's range. The producer publishes its state after its
//! last index, so a consumer that reads the state first and sees `closed`
//! has already every byte before it.

use bulkhead_ring::{DataArea, DataRef, Window};

/// Bytes before the data.
pub const STREAM_HEADER: usize = 128;
/// [`STREAM_HEADER`] as a `u32` (128: no truncation).
#[allow(clippy::cast_possible_truncation, reason = "128 fits a u32")]
const STREAM_HEADER_U32: u32 = STREAM_HEADER as u32;
const PRODUCER: usize = 0;
const STATE: usize = 4;
const CONSUMER: usize = 64;

/// A stream's place in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLayout {
    /// Window offset of the header.
    pub base: usize,
    /// Data bytes.
    pub capacity: u32,
}

/// Why a client's [`DataRef`] is no stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadStream {
    /// Not inside the data area.
    OutsideArea,
    /// Not 64-byte aligned.
    Misaligned,
    /// Its data part is not a power of two of at least 64 bytes.
    BadCapacity,
}

/// The peer broke the stream: its index is more than `capacity` away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken {
    /// Our index.
    pub ours: u32,
    /// Theirs, as read.
    pub theirs: u32,
}

/// What the producer says of its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// Bytes may still come.
    Open,
    /// No byte after those published (FIN).
    Closed,
    /// The connection was reset; what was published may be incomplete.
    Reset,
}

impl StreamState {
    const fn word(self) -> u32 {
        match self {
            StreamState::Open => 0,
            StreamState::Closed => 1,
            StreamState::Reset => 2,
        }
    }

    /// An unknown word reads as a reset: the producer broke the stream.
    const fn from_word(w: u32) -> Self {
        match w {
            0 => StreamState::Open,
            1 => StreamState::Closed,
            _ => StreamState::Reset,
        }
    }
}

impl StreamLayout {
    /// The stream a client alleges at `r` (an offset into `area`).
    pub fn resolve(area: &DataArea, r: DataRef) -> Result<Self, BadStream> {
        let base = area.resolve(r).map_err(|_| BadStream::OutsideArea)?;
        if !base.is_multiple_of(64) {
            return Err(BadStream::Misaligned);
        }
        let capacity = r.len.checked_sub(STREAM_HEADER_U32).ok_or(BadStream::BadCapacity)?;
        if capacity < 64 || !capacity.is_power_of_two() {
            return Err(BadStream::BadCapacity);
        }
        Ok(Self { base, capacity })
    }

    /// The window bytes it occupies.
    #[must_use]
    pub fn span(&self) -> core::ops::Range<usize> {
        self.base..self.base + STREAM_HEADER + self.capacity as usize
    }

    /// Whether two streams share a byte.
    #[must_use]
    pub fn overlaps(&self, other: &StreamLayout) -> bool {
        let (a, b) = (self.span(), other.span());
        a.start < b.end && b.start < a.end
    }

    fn data(&self) -> usize {
        self.base + STREAM_HEADER
    }

    fn copy_in<W: Window>(&self, w: &W, at: u32, data: &[u8]) {
        let cap = self.capacity as usize;
        let start = (at as usize) & (cap - 1);
        let (head, tail) = data.split_at(data.len().min(cap - start));
        w.write(self.data() + start, head);
        if !tail.is_empty() {
            w.write(self.data(), tail);
        }
    }

    fn copy_out<W: Window>(&self, w: &W, at: u32, out: &mut [u8]) {
        let cap = self.capacity as usize;
        let start = (at as usize) & (cap - 1);
        let first = out.len().min(cap - start);
        let (head, tail) = out.split_at_mut(first);
        w.read(self.data() + start, head);
        if !tail.is_empty() {
            w.read(self.data(), tail);
        }
    }
}

/// Zeroes a stream's header: both indices 0, state open. The client does
/// this for both streams of a data ring before it hands the ring over.
pub fn reset<W: Window>(w: &W, layout: &StreamLayout) {
    w.store_release(layout.base + PRODUCER, 0);
    w.store_release(layout.base + STATE, 0);
    w.store_release(layout.base + CONSUMER, 0);
}

/// The producing end.
pub struct Writer<W: Window> {
    window: W,
    layout: StreamLayout,
    next: u32,
    broken: Option<Broken>,
}

impl<W: Window> Writer<W> {
    /// Takes the producing end of a stream whose header was [`reset`].
    pub fn new(window: W, layout: StreamLayout) -> Self {
        Self { window, layout, next: 0, broken: None }
    }

    /// The stream.
    pub fn layout(&self) -> StreamLayout {
        self.layout
    }

    fn in_flight(&mut self) -> Result<u32, Broken> {
        if let Some(b) = self.broken {
            return Err(b);
        }
        let theirs = self.window.load_acquire(self.layout.base + CONSUMER);
        let in_flight = self.next.wrapping_sub(theirs);
        if in_flight > self.layout.capacity {
            let b = Broken { ours: self.next, theirs };
            self.broken = Some(b);
            return Err(b);
        }
        Ok(in_flight)
    }

    /// Bytes that fit now.
    pub fn free(&mut self) -> Result<usize, Broken> {
        Ok((self.layout.capacity - self.in_flight()?) as usize)
    }

    /// Whether the consumer has taken every byte.
    pub fn drained(&mut self) -> Result<bool, Broken> {
        Ok(self.in_flight()? == 0)
    }

    /// Copies as much of `data` as fits and publishes it; the bytes
    /// written (0 when the stream is full).
    pub fn write(&mut self, data: &[u8]) -> Result<usize, Broken> {
        let n = data.len().min(self.free()?);
        let Some(part) = data.get(..n) else { return Ok(0) };
        self.layout.copy_in(&self.window, self.next, part);
        #[allow(clippy::cast_possible_truncation, reason = "n <= capacity, a u32")]
        let step = n as u32;
        self.next = self.next.wrapping_add(step);
        self.window.store_release(self.layout.base + PRODUCER, self.next);
        Ok(n)
    }

    /// Publishes the stream's state (after every byte written so far).
    pub fn set_state(&mut self, state: StreamState) {
        self.window.store_release(self.layout.base + STATE, state.word());
    }

    /// Whether the consumer broke the stream.
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }
}

/// The consuming end.
pub struct Reader<W: Window> {
    window: W,
    layout: StreamLayout,
    next: u32,
    broken: Option<Broken>,
}

/// What a [`Reader`] sees now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Bytes ready to read.
    pub available: usize,
    /// The producer's state, read before `available`: if it is
    /// [`StreamState::Closed`], `available` is all there will ever be.
    pub state: StreamState,
}

impl<W: Window> Reader<W> {
    /// Takes the consuming end of a stream whose header was [`reset`].
    pub fn new(window: W, layout: StreamLayout) -> Self {
        Self { window, layout, next: 0, broken: None }
    }

    /// The stream.
    pub fn layout(&self) -> StreamLayout {
        self.layout
    }

    /// What is there now.
    pub fn seen(&mut self) -> Result<Seen, Broken> {
        if let Some(b) = self.broken {
            return Err(b);
        }
        let state = StreamState::from_word(self.window.load_acquire(self.layout.base + STATE));
        let theirs = self.window.load_acquire(self.layout.base + PRODUCER);
        let available = theirs.wrapping_sub(self.next);
        if available > self.layout.capacity {
            let b = Broken { ours: self.next, theirs };
            self.broken = Some(b);
            return Err(b);
        }
        Ok(Seen { available: available as usize, state })
    }

    /// Copies up to `out.len()` bytes out and frees their room; the bytes
    /// read.
    pub fn read(&mut self, out: &mut [u8]) -> Result<usize, Broken> {
        let n = out.len().min(self.seen()?.available);
        let Some(part) = out.get_mut(..n) else { return Ok(0) };
        self.layout.copy_out(&self.window, self.next, part);
        #[allow(clippy::cast_possible_truncation, reason = "n <= capacity, a u32")]
        let step = n as u32;
        self.next = self.next.wrapping_add(step);
        self.window.store_release(self.layout.base + CONSUMER, self.next);
        Ok(n)
    }

    /// Whether the producer broke the stream.
    pub fn is_broken(&self) -> bool {
        self.broken.is_some()
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "tests: a panic is a failure, the pattern wraps on purpose"
)]
mod tests {
    extern crate std;
    use super::*;
    use bulkhead_ring::TestWindow;
    use std::vec::Vec;

    fn pair(cap: u32) -> (TestWindow, Writer<TestWindow>, Reader<TestWindow>) {
        let w = TestWindow::new(8192);
        let area = DataArea { base: 1024, size: 4096 };
        let l = StreamLayout::resolve(&area, DataRef { offset: 0, len: 128 + cap }).unwrap();
        reset(&w, &l);
        (w.clone(), Writer::new(w.clone(), l), Reader::new(w, l))
    }

    #[test]
    fn bytes_arrive_in_order_across_the_wrap() {
        let (_, mut tx, mut rx) = pair(256);
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 3) as u8).collect();
        let (mut sent, mut got) = (0, Vec::new());
        let mut buf = [0u8; 100];
        while got.len() < data.len() {
            sent += tx.write(&data[sent..]).unwrap();
            let n = rx.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, data);
    }

    #[test]
    fn a_full_stream_takes_nothing_more_and_loses_nothing() {
        let (_, mut tx, mut rx) = pair(64);
        assert_eq!(tx.write(&[1; 100]).unwrap(), 64);
        assert_eq!(tx.write(&[2; 10]).unwrap(), 0);
        let mut buf = [0u8; 128];
        assert_eq!(rx.read(&mut buf).unwrap(), 64);
        assert!(buf[..64].iter().all(|b| *b == 1));
        assert!(tx.drained().unwrap());
    }

    #[test]
    fn closed_is_seen_after_the_last_byte() {
        let (_, mut tx, mut rx) = pair(64);
        tx.write(b"bye").unwrap();
        tx.set_state(StreamState::Closed);
        let seen = rx.seen().unwrap();
        assert_eq!((seen.available, seen.state), (3, StreamState::Closed));
    }

    #[test]
    fn lying_indices_break_the_stream_for_good() {
        let (w, mut tx, mut rx) = pair(64);
        let base = tx.layout().base;
        w.scribble(base + PRODUCER, 65);
        assert!(rx.read(&mut [0; 8]).is_err());
        w.scribble(base + PRODUCER, 0);
        assert!(rx.read(&mut [0; 8]).is_err(), "sticky");
        w.scribble(base + CONSUMER, 0xffff_0000);
        assert!(tx.write(b"x").is_err());
        assert!(tx.is_broken() && rx.is_broken());
    }

    #[test]
    fn alleged_streams_are_checked() {
        let area = DataArea { base: 1024, size: 4096 };
        let at = |offset, len| StreamLayout::resolve(&area, DataRef { offset, len });
        assert_eq!(at(4096 - 128, 256), Err(BadStream::OutsideArea));
        assert_eq!(at(u32::MAX, 256), Err(BadStream::OutsideArea));
        assert_eq!(at(4, 256), Err(BadStream::Misaligned));
        assert_eq!(at(0, 128 + 100), Err(BadStream::BadCapacity));
        assert_eq!(at(0, 100), Err(BadStream::BadCapacity));
        let a = at(0, 128 + 256).unwrap();
        let b = at(384, 128 + 64).unwrap();
        let c = at(256, 128 + 64).unwrap();
        assert!(!a.overlaps(&b) && a.overlaps(&c) && c.overlaps(&a));
    }
}
