// SPDX-License-Identifier: MIT
//! The field primitives of the 9P wire format (little-endian integers,
//! len\[2\]-prefixed UTF-8 strings, qids): a bounds-checked [`Reader`] over
//! a received body, and [`Sink`]s that either count or write the bytes of
//! a message being encoded, so that one encoder serves both.

use crate::error::WireError;
use crate::qid::Qid;

/// Reads fields from a message body. Running out of body means the size
/// field announced fewer bytes than the fields need: `SizeMismatch`.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(body: &'a [u8]) -> Self {
        Self { rest: body }
    }

    /// Bytes left unread.
    pub(crate) const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// Ends the body: every byte must have been read.
    pub(crate) const fn finish(&self) -> Result<(), WireError> {
        if self.rest.is_empty() { Ok(()) } else { Err(WireError::TrailingBytes) }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let (head, rest) = self.rest.split_first_chunk::<N>().ok_or(WireError::SizeMismatch)?;
        self.rest = rest;
        Ok(*head)
    }

    pub(crate) fn bytes(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        let (head, rest) = self.rest.split_at_checked(len).ok_or(WireError::SizeMismatch)?;
        self.rest = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A string: len\[2\] then that many bytes of UTF-8.
    pub(crate) fn str(&mut self) -> Result<&'a str, WireError> {
        let len = self.u16()?;
        let bytes = self.bytes(usize::from(len))?;
        core::str::from_utf8(bytes).map_err(|_| WireError::BadUtf8)
    }

    /// Counted data: count\[4\] then that many bytes.
    pub(crate) fn data(&mut self) -> Result<&'a [u8], WireError> {
        let count = self.u32()?;
        let len = usize::try_from(count).map_err(|_| WireError::SizeMismatch)?;
        self.bytes(len)
    }

    pub(crate) fn qid(&mut self) -> Result<Qid, WireError> {
        Ok(Qid { kind: self.u8()?, version: self.u32()?, path: self.u64()? })
    }
}

/// Where encoded bytes go: a [`Counter`] to size a message, a [`Writer`]
/// to produce it.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]) -> Result<(), WireError>;

    fn u8(&mut self, v: u8) -> Result<(), WireError> {
        self.put(&v.to_le_bytes())
    }

    fn u16(&mut self, v: u16) -> Result<(), WireError> {
        self.put(&v.to_le_bytes())
    }

    fn u32(&mut self, v: u32) -> Result<(), WireError> {
        self.put(&v.to_le_bytes())
    }

    fn u64(&mut self, v: u64) -> Result<(), WireError> {
        self.put(&v.to_le_bytes())
    }

    fn str(&mut self, s: &str) -> Result<(), WireError> {
        let len = u16::try_from(s.len()).map_err(|_| WireError::StringTooLong)?;
        self.u16(len)?;
        self.put(s.as_bytes())
    }

    fn data(&mut self, data: &[u8]) -> Result<(), WireError> {
        let count = u32::try_from(data.len()).map_err(|_| WireError::TooLarge)?;
        self.u32(count)?;
        self.put(data)
    }

    fn qid(&mut self, qid: &Qid) -> Result<(), WireError> {
        self.u8(qid.kind)?;
        self.u32(qid.version)?;
        self.u64(qid.path)
    }
}

/// Counts the bytes an encoding would produce.
#[derive(Default)]
pub(crate) struct Counter {
    pub(crate) len: usize,
}

impl Sink for Counter {
    fn put(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        self.len = self.len.checked_add(bytes.len()).ok_or(WireError::TooLarge)?;
        Ok(())
    }
}

/// Writes into a caller's buffer.
pub(crate) struct Writer<'b> {
    out: &'b mut [u8],
    pub(crate) len: usize,
}

impl<'b> Writer<'b> {
    pub(crate) const fn new(out: &'b mut [u8]) -> Self {
        Self { out, len: 0 }
    }
}

impl Sink for Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        let end = self.len.checked_add(bytes.len()).ok_or(WireError::BufferTooSmall)?;
        let dst = self.out.get_mut(self.len..end).ok_or(WireError::BufferTooSmall)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}
