// SPDX-License-Identifier: MIT
//! Bulk data (PCM, pixels, file and socket data) lives in a data area of
//! the same window and is referenced from messages by (offset, length); it
//! is never copied through postcard. A reference comes from the peer, so it
//! is checked against the area before any byte moves.

use crate::ring::RingError;
use crate::window::Window;
use serde::{Deserialize, Serialize};

/// A reference to bytes in a data area, as carried in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRef {
    /// Offset from the start of the data area.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

/// A data area: `size` bytes at `base` in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataArea {
    /// Offset of the area in the window.
    pub base: usize,
    /// Its size.
    pub size: usize,
}

/// A reference outside the data area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfArea;

impl From<OutOfArea> for RingError {
    fn from(_: OutOfArea) -> Self {
        RingError::TooLarge
    }
}

impl DataArea {
    /// The window offset of `r`, if `r` lies entirely inside the area.
    pub fn resolve(&self, r: DataRef) -> Result<usize, OutOfArea> {
        let end = (r.offset as usize).checked_add(r.len as usize).ok_or(OutOfArea)?;
        if end > self.size {
            return Err(OutOfArea);
        }
        self.base.checked_add(r.offset as usize).ok_or(OutOfArea)
    }

    /// Copies `data` into the area at `r` (`r.len` must equal its length).
    pub fn put<W: Window>(&self, w: &W, r: DataRef, data: &[u8]) -> Result<(), OutOfArea> {
        if data.len() != r.len as usize {
            return Err(OutOfArea);
        }
        w.write(self.resolve(r)?, data);
        Ok(())
    }

    /// Copies the bytes at `r` out of the area into `out` (which must be
    /// `r.len` long).
    pub fn get<W: Window>(&self, w: &W, r: DataRef, out: &mut [u8]) -> Result<(), OutOfArea> {
        if out.len() != r.len as usize {
            return Err(OutOfArea);
        }
        w.read(self.resolve(r)?, out);
        Ok(())
    }
}
