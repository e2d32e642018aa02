// SPDX-License-Identifier: MIT
//! A channel's connection: epochs, link-down detection and the
//! version-plus-features handshake, over one shared window holding a ring
//! each way.
//!
//! Owns: the two link blocks at the start of the window (end 0's at
//! offset 0, end 1's at offset 64; rings start at [`LINK_HEADER`] or
//! later) and the rule for when a ring may be touched. It must not decide
//! the epoch: that comes from the kernel (`ChannelEpoch`), the only party
//! both ends trust, and changes whenever a domain at either end stops.
//!
//! A link block is four little-endian words: status (epoch << 2 | state),
//! magic, version (major << 16 | minor), features. Connecting at epoch E:
//!
//! 1. status := (E, CONNECTING) — announced *before* anything else moves,
//!    so a peer that sees one of our ring indices jump also sees that we
//!    are reconnecting, and reports the link down, not the ring broken;
//! 2. both of our ring words (our producer index, our consumer index) := 0;
//! 3. magic, version, features;
//! 4. status := (E, READY), with release ordering.
//!
//! A side touches the rings only while the peer's status reads (E, READY)
//! with the same E, checked before every operation: whatever either side
//! wrote under another epoch, and whatever a stale peer still writes, is
//! never taken as a message. The handshake then compares versions (the
//! majors must be equal) and agrees on the features both offer.
//!
//! Epochs are compared modulo 2^30 (the status word keeps two bits for the
//! state): two lives of a channel 2^30 restarts apart would look alike.
//!
//! **A stop ends the epoch, a clean one too.** When a domain at either end
//! stops (power-off, reset or fault), the kernel moves the channel to a new
//! epoch, and the survivor reconnects to empty rings: what the stopping
//! side pushed and the survivor had not yet popped is never read, because
//! nothing of an old epoch is (a crashed peer's last frames cannot be told
//! from a clean one's). A side that needs its last frames read before it
//! stops (a "bye") waits until [`Link::flushed`] says the peer has taken
//! them, or for the peer's answer, and only then stops.

use crate::layout::{LayoutError, RingLayout};
use crate::ring::{Consumer, Producer, RingError};
use crate::window::Window;

/// Bytes at the start of a channel window taken by the two link blocks.
pub const LINK_HEADER: usize = 128;
/// Offset of end `end`'s link block (`end` is 0 or 1).
fn block(end: usize) -> usize {
    if end == 0 { 0 } else { 64 }
}
const STATUS: usize = 0;
const MAGIC_AT: usize = 4;
const VERSION_AT: usize = 8;
const FEATURES_AT: usize = 12;
/// "BLNK".
const MAGIC: u32 = 0x4B4E_4C42;
const CONNECTING: u32 = 1;
const READY: u32 = 2;

fn status(epoch: u32, state: u32) -> u32 {
    (epoch << 2) | state
}

/// A protocol version: ends with the same major interoperate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Incompatible changes.
    pub major: u16,
    /// Compatible additions.
    pub minor: u16,
}

impl Version {
    fn word(self) -> u32 {
        (u32::from(self.major) << 16) | u32::from(self.minor)
    }

    fn from_word(w: u32) -> Self {
        let [minor_lo, minor_hi, major_lo, major_hi] = w.to_le_bytes();
        Self { major: u16::from_le_bytes([major_lo, major_hi]), minor: u16::from_le_bytes([minor_lo, minor_hi]) }
    }
}

/// What one end offers in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hello {
    /// The protocol version it speaks.
    pub version: Version,
    /// Optional features it supports (bit set).
    pub features: u32,
}

/// What both ends agreed on for the current epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreed {
    /// The epoch they connected in.
    pub epoch: u32,
    /// The peer's version.
    pub peer: Version,
    /// Features both offered.
    pub features: u32,
}

/// Why the link cannot be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// The peer has not (yet) connected in our epoch: it is restarting,
    /// stopped, or has not noticed the new epoch. Wait for its doorbell.
    Down,
    /// The peer connected with a version we cannot speak.
    Incompatible {
        /// Ours.
        ours: Version,
        /// Theirs.
        theirs: Version,
    },
    /// The peer's link block is not a link block (wrong magic).
    BadPeerBlock,
    /// A ring operation failed in an established link.
    Ring(RingError),
}

impl From<RingError> for LinkError {
    fn from(e: RingError) -> Self {
        Self::Ring(e)
    }
}

/// Why a link cannot be set up at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupError {
    /// `end` is not 0 or 1.
    NoSuchEnd,
    /// A ring starts inside the link blocks (below `LINK_HEADER`).
    OverLinkBlocks,
    /// The two rings overlap.
    Overlap,
    /// A ring's own layout is unusable (capacity, alignment, or it does
    /// not fit in the window).
    Layout(LayoutError),
}

/// One end of a channel.
pub struct Link<W: Window + Clone> {
    window: W,
    end: usize,
    epoch: u32,
    hello: Hello,
    tx_layout: RingLayout,
    rx_layout: RingLayout,
    tx: Producer<W>,
    rx: Consumer<W>,
    agreed: Option<Agreed>,
}

impl<W: Window + Clone> Link<W> {
    /// Connects end `end` in `epoch` (from the kernel), sending on `tx` and
    /// receiving on `rx`; the peer uses the same layouts the other way
    /// round. Ring the peer's doorbell afterwards, so that it looks.
    pub fn connect(
        window: W,
        end: u8,
        epoch: u32,
        hello: Hello,
        tx: RingLayout,
        rx: RingLayout,
    ) -> Result<Self, SetupError> {
        let end = usize::from(end);
        if end > 1 {
            return Err(SetupError::NoSuchEnd);
        }
        for ring in [tx, rx] {
            if ring.base < LINK_HEADER {
                return Err(SetupError::OverLinkBlocks);
            }
        }
        let (low, high) = if tx.base <= rx.base { (tx, rx) } else { (rx, tx) };
        if low.base + low.footprint() > high.base {
            return Err(SetupError::Overlap);
        }
        let block = block(end);
        window.store_release(block + STATUS, status(epoch, CONNECTING));
        let tx_ring = Producer::new(window.clone(), tx).map_err(SetupError::Layout)?;
        let rx_ring = Consumer::new(window.clone(), rx).map_err(SetupError::Layout)?;
        window.store_release(block + MAGIC_AT, MAGIC);
        window.store_release(block + VERSION_AT, hello.version.word());
        window.store_release(block + FEATURES_AT, hello.features);
        window.store_release(block + STATUS, status(epoch, READY));
        Ok(Self { window, end, epoch, hello, tx_layout: tx, rx_layout: rx, tx: tx_ring, rx: rx_ring, agreed: None })
    }

    /// Connects again in a new epoch (the kernel's epoch changed: the peer
    /// stopped). Our rings start empty; nothing of the old epoch survives.
    pub fn reconnect(&mut self, epoch: u32) -> Result<(), SetupError> {
        let end = u8::from(self.end == 1);
        *self = Self::connect(self.window.clone(), end, epoch, self.hello, self.tx_layout, self.rx_layout)?;
        Ok(())
    }

    /// Reconnects if `kernel_epoch` differs from ours; true if it did.
    pub fn follow(&mut self, kernel_epoch: u32) -> Result<bool, SetupError> {
        if kernel_epoch == self.epoch {
            return Ok(false);
        }
        self.reconnect(kernel_epoch)?;
        Ok(true)
    }

    /// Our epoch.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    fn peer_block(&self) -> usize {
        block(1 - self.end)
    }

    /// Whether the peer is connected in our epoch; on the first success in
    /// an epoch, runs the handshake.
    pub fn poll(&mut self) -> Result<Agreed, LinkError> {
        let peer = self.peer_block();
        if self.window.load_acquire(peer + STATUS) != status(self.epoch, READY) {
            return Err(LinkError::Down);
        }
        if let Some(agreed) = self.agreed {
            return Ok(agreed);
        }
        if self.window.load_acquire(peer + MAGIC_AT) != MAGIC {
            return Err(LinkError::BadPeerBlock);
        }
        let theirs = Version::from_word(self.window.load_acquire(peer + VERSION_AT));
        if theirs.major != self.hello.version.major {
            return Err(LinkError::Incompatible { ours: self.hello.version, theirs });
        }
        let features = self.window.load_acquire(peer + FEATURES_AT) & self.hello.features;
        let agreed = Agreed { epoch: self.epoch, peer: theirs, features };
        self.agreed = Some(agreed);
        Ok(agreed)
    }

    /// A ring error, or `Down` if the peer is no longer in our epoch (a
    /// peer that reconnects resets its indices, which looks like
    /// corruption to a ring that has not heard of it).
    fn explain(&mut self, e: RingError) -> LinkError {
        if matches!(e, RingError::Broken(_)) && self.poll().is_err() {
            return LinkError::Down;
        }
        LinkError::Ring(e)
    }

    /// Pushes one frame to the peer.
    pub fn push(&mut self, payload: &[u8]) -> Result<(), LinkError> {
        self.poll()?;
        self.tx.push(payload).map_err(|e| self.explain(e))
    }

    /// Pops one frame from the peer into `buf`.
    pub fn pop<'b>(&mut self, buf: &'b mut [u8]) -> Result<&'b [u8], LinkError> {
        self.poll()?;
        match self.rx.pop(buf) {
            Ok(frame) => Ok(frame),
            Err(e) => Err(self.explain(e)),
        }
    }

    /// Pops one frame into `buf` from `ring`, another ring the peer
    /// produces on this channel (an event ring), under the link's rules:
    /// `Down` while the peer is not in our epoch, and a ring that looks
    /// broken because a reconnecting peer reset its index is `Down` too.
    pub fn pop_from<'b>(&mut self, ring: &mut Consumer<W>, buf: &'b mut [u8]) -> Result<&'b [u8], LinkError> {
        self.poll()?;
        match ring.pop(buf) {
            Ok(frame) => Ok(frame),
            Err(e) => Err(self.explain(e)),
        }
    }

    /// Whether the peer has popped every frame we pushed in this epoch.
    /// `Down` if the peer left our epoch (then it will never pop them).
    pub fn flushed(&mut self) -> Result<bool, LinkError> {
        self.poll()?;
        self.tx.is_drained().map_err(|e| self.explain(e))
    }

    /// The sending ring, for postcard `send` and bulk data (check
    /// [`Link::poll`] first).
    pub fn tx(&mut self) -> &mut Producer<W> {
        &mut self.tx
    }

    /// The receiving ring (check [`Link::poll`] first).
    pub fn rx(&mut self) -> &mut Consumer<W> {
        &mut self.rx
    }
}
