// SPDX-License-Identifier: MIT
//! [`Frame`]: a tagged message as it travels, and the entry points that
//! turn bytes into frames and back, enforcing the message size limit.

use crate::codec::{Counter, Reader, Sink, Writer};
use crate::consts::{HEADER_LEN, MAX_MSIZE};
use crate::error::WireError;
use crate::header::Header;
use crate::message::Message;

/// A message with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Chosen by the client, echoed in the response
    /// ([`NOTAG`](crate::NOTAG) for version).
    pub tag: u16,
    /// The message.
    pub message: Message<'a>,
}

impl<'a> Frame<'a> {
    /// A frame.
    #[must_use]
    pub const fn new(tag: u16, message: Message<'a>) -> Self {
        Self { tag, message }
    }

    /// Decodes the frame at the start of `buf`, whose size may be at most
    /// [`MAX_MSIZE`]. Returns the frame and the bytes it took (its size
    /// field); bytes after it in `buf` are left alone.
    pub fn decode(buf: &'a [u8]) -> Result<(Self, usize), WireError> {
        Self::decode_with_msize(buf, MAX_MSIZE)
    }

    /// As [`decode`](Self::decode), with a (negotiated) msize; the limit is
    /// the smaller of `msize` and [`MAX_MSIZE`].
    ///
    /// Errors, in the order checked: `Truncated` (fewer than 7 bytes),
    /// `SizeMismatch` (size under 7), `TooLarge` (size over the limit),
    /// `Truncated` (fewer bytes than size), `UnknownType`, then the body's
    /// own (`SizeMismatch` if its fields need more bytes than size leaves,
    /// `BadUtf8`, `TooManyWalkNames`), and `TrailingBytes` if they need
    /// fewer.
    pub fn decode_with_msize(buf: &'a [u8], msize: u32) -> Result<(Self, usize), WireError> {
        let header = Header::parse(buf)?;
        if header.size > msize.min(MAX_MSIZE) {
            return Err(WireError::TooLarge);
        }
        let len = header.frame_len();
        let frame = buf.get(..len).ok_or(WireError::Truncated)?;
        let body = frame.get(HEADER_LEN..).ok_or(WireError::SizeMismatch)?;
        let mut reader = Reader::new(body);
        let message = Message::decode_body(header.id, &mut reader)?;
        reader.finish()?;
        Ok((Self { tag: header.tag, message }, len))
    }

    /// Bytes the encoded frame takes, header included.
    pub fn encoded_len(&self) -> Result<usize, WireError> {
        let mut counter = Counter { len: HEADER_LEN };
        self.message.encode_body(&mut counter)?;
        Ok(counter.len)
    }

    /// Encodes the frame at the start of `out` and returns its length.
    /// `TooLarge` if it would exceed [`MAX_MSIZE`], `BufferTooSmall` if it
    /// does not fit in `out` (which is then left untouched).
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, WireError> {
        self.encode_with_msize(out, MAX_MSIZE)
    }

    /// As [`encode`](Self::encode), with a (negotiated) msize; the limit is
    /// the smaller of `msize` and [`MAX_MSIZE`].
    pub fn encode_with_msize(&self, out: &mut [u8], msize: u32) -> Result<usize, WireError> {
        let len = self.encoded_len()?;
        let size = u32::try_from(len).map_err(|_| WireError::TooLarge)?;
        if size > msize.min(MAX_MSIZE) {
            return Err(WireError::TooLarge);
        }
        let out = out.get_mut(..len).ok_or(WireError::BufferTooSmall)?;
        let mut writer = Writer::new(out);
        writer.put(&Header { size, id: self.message.kind(), tag: self.tag }.to_bytes())?;
        self.message.encode_body(&mut writer)?;
        Ok(writer.len)
    }
}

/// Decodes the frame at the start of `buf`: [`Frame::decode`].
pub fn decode(buf: &[u8]) -> Result<(Frame<'_>, usize), WireError> {
    Frame::decode(buf)
}
