// SPDX-License-Identifier: MIT
//! [`Transport`]: one 9P message out, the reply with its tag back, over
//! the channel's [`Link`], through the shared wait loops of
//! [`RequestClient`].
//!
//! Owns: the link (end [`CLIENT_END`], pushing on
//! [`TO_BACKEND`](bulkhead_ninep::channel::TO_BACKEND), popping from
//! [`TO_CLIENT`](bulkhead_ninep::channel::TO_CLIENT)), the caller's two
//! message buffers, the negotiated msize of the current epoch, the tag
//! awaited and the doorbell flag. Must not know what the messages mean:
//! encoding requests and checking replies is [`crate::NinepClient`]'s.

use crate::error::ClientError;
use bulkhead_ninep::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_ninep::{Frame, Header, MAX_MSIZE, Message, WireError};
use bulkhead_ring::{Answer, Link, LinkError, Port, RequestClient, RingError, SetupError, Window};

/// The channel end a 9pfs client connects (the server is end 0).
pub const CLIENT_END: u8 = 1;

/// The smallest msize the client offers or accepts: room for every reply
/// but the largest reads, writes and directory listings.
pub const MIN_MSIZE: u32 = 256;

/// A reply frame in the receive buffer: its tag and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reply {
    tag: u16,
    len: usize,
}

impl Answer for Reply {
    type Response = usize;
    fn response_to(self, id: u16) -> Result<usize, Self> {
        if self.tag == id { Ok(self.len) } else { Err(self) }
    }
}

/// The message layer's transport.
pub(crate) struct Transport<'b, W: Window + Clone> {
    link: Link<W>,
    tx: &'b mut [u8],
    rx: &'b mut [u8],
    /// Bytes of the request in `tx`.
    tx_len: usize,
    /// The msize negotiated in this epoch.
    pub(crate) msize: Option<u32>,
    /// The tag of the request sent and not yet answered (`None` before
    /// it is pushed: any reply then is taken, and dropped).
    awaiting: Option<u16>,
    doorbell: bool,
    /// Replies skipped because their tag was not awaited, in all epochs.
    pub(crate) stale: u64,
}

impl<'b, W: Window + Clone> Transport<'b, W> {
    pub(crate) fn connect(window: W, epoch: u32, tx: &'b mut [u8], rx: &'b mut [u8]) -> Result<Self, ClientError> {
        let transport = Self {
            link: Link::connect(window, CLIENT_END, epoch, HELLO, TO_BACKEND, TO_CLIENT)?,
            tx,
            rx,
            tx_len: 0,
            msize: None,
            awaiting: None,
            doorbell: true,
            stale: 0,
        };
        if transport.buffer_limit() < MIN_MSIZE {
            return Err(ClientError::Buffers);
        }
        Ok(transport)
    }

    /// The largest msize both buffers hold (at most [`MAX_MSIZE`]).
    pub(crate) fn buffer_limit(&self) -> u32 {
        let bytes = self.tx.len().min(self.rx.len());
        u32::try_from(bytes).unwrap_or(u32::MAX).min(MAX_MSIZE)
    }

    pub(crate) fn epoch(&self) -> u32 {
        self.link.epoch()
    }

    pub(crate) fn poll(&mut self) -> Result<(), ClientError> {
        self.link.poll().map(|_| ()).map_err(ClientError::from)
    }

    /// Follows the kernel's epoch: in a new one the link reconnects and
    /// the msize is forgotten. True if the epoch changed.
    pub(crate) fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        if !self.link.follow(epoch)? {
            return Ok(false);
        }
        self.msize = None;
        self.awaiting = None;
        self.doorbell = true;
        Ok(true)
    }

    pub(crate) fn take_doorbell(&mut self) -> bool {
        core::mem::take(&mut self.doorbell)
    }

    /// Encodes `frame` (within `limit`), sends it and waits for the reply
    /// with its tag; the reply's length in the receive buffer.
    pub(crate) fn exchange(&mut self, port: &impl Port, frame: &Frame<'_>, limit: u32) -> Result<usize, ClientError> {
        self.tx_len = frame.encode_with_msize(self.tx, limit).map_err(|e| match e {
            WireError::TooLarge | WireError::BufferTooSmall => ClientError::TooLarge,
            e => ClientError::Wire(e),
        })?;
        self.call(port, frame.tag, (), |_| {})
    }

    /// Decodes the reply of `len` bytes in the receive buffer (within
    /// `limit`); an Rlerror is [`ClientError::Remote`].
    pub(crate) fn decode(&self, len: usize, limit: u32) -> Result<Message<'_>, ClientError> {
        let bytes = self.rx.get(..len).ok_or(ClientError::Protocol)?;
        let (frame, used) = Frame::decode_with_msize(bytes, limit)?;
        if used != len {
            return Err(ClientError::Protocol);
        }
        match frame.message {
            Message::Rlerror { ecode } => Err(ClientError::Remote(ecode)),
            message => Ok(message),
        }
    }
}

/// `call` and `wait_for` come from [`RequestClient`]: the target is the
/// tag, the request is the one encoded in the send buffer.
impl<W: Window + Clone> RequestClient for Transport<'_, W> {
    type Target = u16;
    type Op = ();
    type Received = Reply;
    type Error = ClientError;

    fn follow(&mut self, epoch: u32) -> Result<bool, SetupError> {
        Transport::follow(self, epoch)
    }

    /// The next reply, or `None` for nothing now. One that does not even
    /// hold a 9P header, or whose length is not its size field, is an
    /// error; one whose tag is not awaited is [`ClientError::Stale`]
    /// (skipped by the loops). Either way it is consumed.
    fn next_received(&mut self) -> Result<Option<Reply>, ClientError> {
        let len = match self.link.pop(self.rx) {
            Ok(frame) => frame.len(),
            Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // We made room in the server's ring.
        self.doorbell = true;
        let header = Header::parse(self.rx.get(..len).ok_or(ClientError::Protocol)?)?;
        if self.awaiting.is_some_and(|tag| tag != header.tag) {
            self.stale = self.stale.wrapping_add(1);
            return Err(ClientError::Stale);
        }
        if header.frame_len() != len {
            return Err(ClientError::Protocol);
        }
        Ok(Some(Reply { tag: header.tag, len }))
    }

    fn send_request(&mut self, tag: u16, (): ()) -> Result<u16, ClientError> {
        self.awaiting = None;
        let request = self.tx.get(..self.tx_len).ok_or(ClientError::TooLarge)?;
        self.link.push(request)?;
        self.awaiting = Some(tag);
        self.doorbell = true;
        Ok(tag)
    }

    fn take_doorbell(&mut self) -> bool {
        Transport::take_doorbell(self)
    }
}
