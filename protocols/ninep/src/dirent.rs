// SPDX-License-Identifier: MIT
//! Directory entries, the payload of an Rreaddir: qid\[13\] offset\[8\]
//! type\[1\] name\[s\], packed back to back. [`DirentWriter`] packs them
//! into a buffer (a server filling a Treaddir's `count`); [`Dirents`]
//! walks a received payload.

use crate::codec::{Reader, Sink, Writer};
use crate::error::WireError;
use crate::qid::Qid;

/// One directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dirent<'a> {
    /// The entry's qid.
    pub qid: Qid,
    /// The Treaddir offset that continues after this entry.
    pub offset: u64,
    /// The entry's type, as `d_type` in Linux's `getdents` (`Dirent::DT_*`).
    pub kind: u8,
    /// The entry's name.
    pub name: &'a str,
}

impl Dirent<'_> {
    /// Bytes of an entry before its name's bytes.
    pub const FIXED_LEN: usize = Qid::LEN + 8 + 1 + 2;
    /// Unknown type.
    pub const DT_UNKNOWN: u8 = 0;
    /// Named pipe.
    pub const DT_FIFO: u8 = 1;
    /// Character device.
    pub const DT_CHR: u8 = 2;
    /// Directory.
    pub const DT_DIR: u8 = 4;
    /// Block device.
    pub const DT_BLK: u8 = 6;
    /// Regular file.
    pub const DT_REG: u8 = 8;
    /// Symbolic link.
    pub const DT_LNK: u8 = 10;
    /// Socket.
    pub const DT_SOCK: u8 = 12;

    /// Bytes the entry takes on the wire.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + self.name.len()
    }

    fn write<S: Sink>(&self, w: &mut S) -> Result<(), WireError> {
        w.qid(&self.qid)?;
        w.u64(self.offset)?;
        w.u8(self.kind)?;
        w.str(self.name)
    }
}

/// Packs entries into a caller's buffer, whole entries only.
pub struct DirentWriter<'b> {
    out: &'b mut [u8],
    len: usize,
}

impl<'b> DirentWriter<'b> {
    /// Packs into `out` (sized to the Treaddir's `count`, at most
    /// `msize - 11`).
    pub const fn new(out: &'b mut [u8]) -> Self {
        Self { out, len: 0 }
    }

    /// Appends `entry`. `BufferTooSmall` if it does not fit (nothing is
    /// written: the reply ends before it, and the client asks again from
    /// the last offset); `StringTooLong` if its name is over 65535 bytes.
    pub fn push(&mut self, entry: &Dirent<'_>) -> Result<(), WireError> {
        if entry.name.len() > usize::from(u16::MAX) {
            return Err(WireError::StringTooLong);
        }
        let end = self.len.checked_add(entry.encoded_len()).ok_or(WireError::BufferTooSmall)?;
        let dst = self.out.get_mut(self.len..end).ok_or(WireError::BufferTooSmall)?;
        entry.write(&mut Writer::new(dst))?;
        self.len = end;
        Ok(())
    }

    /// Bytes packed so far.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no entry has been packed.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The packed entries: an Rreaddir's `data`.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.out.get(..self.len).unwrap_or_default()
    }

    /// The packed entries, keeping the buffer's lifetime.
    #[must_use]
    pub fn into_bytes(self) -> &'b [u8] {
        let out: &'b [u8] = self.out;
        out.get(..self.len).unwrap_or_default()
    }
}

/// Walks the entries of an Rreaddir's `data`. Yields an error and stops at
/// a malformed entry: `Truncated` if the data ends inside one, `BadUtf8`.
pub struct Dirents<'a> {
    reader: Reader<'a>,
    failed: bool,
}

impl<'a> Dirents<'a> {
    /// Walks `data`.
    #[must_use]
    pub const fn new(data: &'a [u8]) -> Self {
        Self { reader: Reader::new(data), failed: false }
    }

    fn entry(&mut self) -> Result<Dirent<'a>, WireError> {
        let r = &mut self.reader;
        Ok(Dirent { qid: r.qid()?, offset: r.u64()?, kind: r.u8()?, name: r.str()? })
    }
}

impl<'a> Iterator for Dirents<'a> {
    type Item = Result<Dirent<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.reader.remaining() == 0 {
            return None;
        }
        let entry = self.entry().map_err(|e| if e == WireError::SizeMismatch { WireError::Truncated } else { e });
        self.failed = entry.is_err();
        Some(entry)
    }
}

impl core::iter::FusedIterator for Dirents<'_> {}
