// SPDX-License-Identifier: MIT
//! [`ClientError`]: why a 9P call failed, and how the shared wait loops of
//! [`bulkhead_ring::RequestClient`] read it.
//!
//! Owns the error type only; it must not decide what a caller does about
//! an error (the README says what each one means for a restart).

use bulkhead_ninep::WireError;
use bulkhead_ring::{ClientFailure, LinkError, RingError, SetupError};
use core::fmt;

/// Why a [`FidBook`](crate::FidBook) refused to record (nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookError {
    /// No room for another fid, or a path or name is longer than the book
    /// keeps ([`PATH_MAX`](crate::PATH_MAX), [`NAME_MAX`](crate::NAME_MAX)).
    Full,
    /// The fid is not in the book (walk from, open or clunk an unrecorded
    /// fid), or nothing was attached through the book.
    UnknownFid,
    /// A walk name is empty or contains '/', which a recorded path cannot
    /// replay.
    BadName,
    /// The call would turn the root's fid into another file (a walk with
    /// names to it, an lcreate in it): the book restores every fid from
    /// the root, so the root's fid must stay the root.
    Root,
}

/// Why a call failed. Nothing a server sends makes the client panic: every
/// malformed or unexpected reply ends in one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientError {
    /// The server answered Rlerror with this Linux errno
    /// ([`bulkhead_ninep::errno`]).
    Remote(u32),
    /// The channel's epoch changed: the server restarted (or we did) and
    /// forgot every fid and the negotiated msize. Call
    /// [`NinepClient::version`](crate::NinepClient::version) again, then
    /// attach and walk again ([`FidBook::restore`](crate::FidBook::restore)).
    Restarted,
    /// No msize negotiated in this epoch: call
    /// [`NinepClient::version`](crate::NinepClient::version) first.
    NotVersioned,
    /// The server speaks no 9P2000.L (its Rversion named another version).
    Version,
    /// The server is not connected in our epoch (a call waits this out;
    /// only [`NinepClient::poll`](crate::NinepClient::poll) returns it).
    Down,
    /// The request ring is full (a call waits this out).
    Full,
    /// The link is broken, or the peer is not a 9pfs server.
    Link(LinkError),
    /// The link could not be set up (again, in a new epoch).
    Setup(SetupError),
    /// A reply frame with our tag did not decode (or one did not even hold
    /// a 9P header).
    Wire(WireError),
    /// A reply decoded but is not an answer to the request: the wrong
    /// R-message type, a count or qid list larger than asked for, an
    /// msize larger than offered or too small, a frame whose length is
    /// not its size field.
    Protocol,
    /// The request would exceed the negotiated msize (or more walk names
    /// than [`MAXWELEM`](bulkhead_ninep::MAXWELEM)); nothing was sent.
    TooLarge,
    /// The message buffers given to
    /// [`NinepClient::connect`](crate::NinepClient::connect) are smaller
    /// than [`MIN_MSIZE`](crate::MIN_MSIZE).
    Buffers,
    /// A [`FidBook`](crate::FidBook) refused to record; nothing was sent.
    Book(BookError),
    /// Internal: a reply whose tag is not the one awaited (stale, e.g. the
    /// answer to a call that failed earlier). Consumed, counted and skipped
    /// by the wait loop; never returned by a call.
    Stale,
}

impl From<LinkError> for ClientError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::Down => Self::Down,
            LinkError::Ring(RingError::Full) => Self::Full,
            e => Self::Link(e),
        }
    }
}

impl From<SetupError> for ClientError {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}

impl From<WireError> for ClientError {
    fn from(e: WireError) -> Self {
        Self::Wire(e)
    }
}

impl From<BookError> for ClientError {
    fn from(e: BookError) -> Self {
        Self::Book(e)
    }
}

impl ClientFailure for ClientError {
    fn restarted() -> Self {
        Self::Restarted
    }
    fn is_full(&self) -> bool {
        *self == Self::Full
    }
    fn is_down(&self) -> bool {
        *self == Self::Down
    }
    fn is_skippable(&self) -> bool {
        *self == Self::Stale
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Remote(e) => match bulkhead_ninep::errno::name(*e) {
                Some(name) => write!(f, "server error {name} ({e})"),
                None => write!(f, "server error {e}"),
            },
            Self::Restarted => f.write_str("the 9pfs server restarted (new epoch)"),
            Self::NotVersioned => f.write_str("no msize negotiated in this epoch"),
            Self::Version => f.write_str("the server does not speak 9P2000.L"),
            Self::Down => f.write_str("the 9pfs server is not connected"),
            Self::Full => f.write_str("the request ring is full"),
            Self::Link(e) => write!(f, "link: {e:?}"),
            Self::Setup(e) => write!(f, "link setup: {e:?}"),
            Self::Wire(e) => write!(f, "reply: {e}"),
            Self::Protocol => f.write_str("reply does not answer the request"),
            Self::TooLarge => f.write_str("request larger than msize"),
            Self::Buffers => f.write_str("message buffers smaller than MIN_MSIZE"),
            Self::Book(e) => write!(f, "fid book: {e:?}"),
            Self::Stale => f.write_str("stale reply"),
        }
    }
}

impl core::error::Error for ClientError {}
