// SPDX-License-Identifier: MIT
//! One client's fids: what each names (a path on the volume) and how it
//! is open, with a limit, so that a fid flood ends in `EMFILE` for that
//! client alone.
//!
//! Owns the table; must not touch the volume or decide rights.

use crate::store::Path;
use alloc::vec::Vec;

/// Fids one client may hold.
pub const MAX_FIDS: usize = 64;

/// How a fid is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Not open (walked to, attached).
    No,
    /// A directory, for Treaddir.
    Dir,
    /// A file, with the access asked for.
    File {
        /// Treads allowed.
        read: bool,
        /// Twrites allowed.
        write: bool,
    },
}

/// One fid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fid {
    /// Its path from the volume's root (the export's root included).
    pub path: Path,
    /// Whether it names a directory.
    pub is_dir: bool,
    /// How it is open.
    pub open: Open,
}

impl Fid {
    /// Whether Twrites went or may go through it (its clunk flushes).
    #[must_use]
    pub fn writes(&self) -> bool {
        matches!(self.open, Open::File { write: true, .. })
    }
}

/// Why a fid operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FidError {
    /// No such fid.
    Unknown,
    /// The fid is in use already.
    InUse,
    /// The client holds [`MAX_FIDS`].
    Full,
}

/// One client's fids.
#[derive(Debug, Default)]
pub struct Fids {
    table: Vec<(u32, Fid)>,
}

impl Fids {
    /// The fid `fid`.
    pub fn get(&self, fid: u32) -> Result<&Fid, FidError> {
        self.table.iter().find(|(n, _)| *n == fid).map(|(_, f)| f).ok_or(FidError::Unknown)
    }

    /// The fid `fid`, to change.
    pub fn get_mut(&mut self, fid: u32) -> Result<&mut Fid, FidError> {
        self.table.iter_mut().find(|(n, _)| *n == fid).map(|(_, f)| f).ok_or(FidError::Unknown)
    }

    /// Adds `fid`, which must be new.
    pub fn insert(&mut self, fid: u32, value: Fid) -> Result<(), FidError> {
        if self.get(fid).is_ok() {
            return Err(FidError::InUse);
        }
        if self.table.len() >= MAX_FIDS {
            return Err(FidError::Full);
        }
        self.table.push((fid, value));
        Ok(())
    }

    /// Sets `fid` (new, or replacing itself in a walk to the same fid).
    pub fn set(&mut self, fid: u32, value: Fid) -> Result<(), FidError> {
        match self.get_mut(fid) {
            Ok(slot) => {
                *slot = value;
                Ok(())
            }
            Err(_) => self.insert(fid, value),
        }
    }

    /// Removes `fid`, returning it.
    pub fn remove(&mut self, fid: u32) -> Result<Fid, FidError> {
        let at = self.table.iter().position(|(n, _)| *n == fid).ok_or(FidError::Unknown)?;
        Ok(self.table.swap_remove(at).1)
    }

    /// Forgets every fid.
    pub fn clear(&mut self) {
        self.table.clear();
    }

    /// How many fids.
    #[must_use]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Every fid.
    pub fn iter(&self) -> impl Iterator<Item = &Fid> {
        self.table.iter().map(|(_, f)| f)
    }

    /// Every fid, to change (a rename moves the fids on the old path).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Fid> {
        self.table.iter_mut().map(|(_, f)| f)
    }
}
