// SPDX-License-Identifier: MIT
//! The backing store: a FAT32 volume on a block device, through
//! `embedded-sdmmc`, reached by path. Every operation opens the directory
//! chain it needs from the root, does its work and closes every handle
//! again, so no handle outlives a request: two fids on one file never
//! collide with the crate's "one open handle per file" rule, and a
//! request's effects are on the device when it returns.
//!
//! Owns the volume and its handles; must not decide who may do what (the
//! server's exports and rights do) nor know 9P.
//!
//! **Why `embedded-sdmmc`** (0.10): the only kept `no_std` FAT crate that
//! builds on stable for `aarch64-unknown-none`; `fatfs` 0.3 needs
//! `core_io`, which needs a nightly compiler, in `no_std`. What it cannot
//! do, and what this store therefore does or refuses:
//! - **8.3 names only for new entries**: a file or directory is created
//!   only under a name that is a valid short name (`LOG.TXT`; lower case is
//!   stored upper case); others are `ENAMETOOLONG`. Existing long names
//!   (written by the host's `mtools`) are found and listed by their long
//!   name.
//! - **No rename**: a file is renamed by copying it under the new name and
//!   then deleting the old one (not atomic: a crash in between leaves both,
//!   never neither); a directory rename is `EXDEV`, on which `mv` copies.
//! - **No truncation to a non-zero size**: truncating to 0 and growing
//!   (zero-filled) work; shrinking to another size is `EOPNOTSUPP`.
//! - **No permissions, owners or settable times**: see the server's
//!   attribute mapping.
//! - **One handle per file at a time**, and no deleting an open file:
//!   harmless here, because no handle outlives a request.
//! - Files up to 4 GiB - 1 (FAT's limit) and an MBR-partitioned device
//!   (the volume is the first partition).

use embedded_sdmmc::{
    BlockDevice, Error, LfnBuffer, Mode, RawDirectory, RawVolume, ShortFileName, TimeSource, Timestamp, VolumeIdx,
    VolumeManager,
};
use heapless::Vec;

/// The deepest path below the volume's root.
pub const MAX_DEPTH: usize = 16;
/// Directories open at once (a rename's two chains, one step each).
const MAX_DIRS: usize = 4;
/// Files open at once (a rename copies from one into another).
const MAX_FILES: usize = 2;
/// Bytes moved per step of a copy or a zero fill.
const CHUNK: usize = 512;
/// [`CHUNK`] as a `u32`.
const CHUNK_U32: u32 = 512;
/// The longest name (FAT's long-name limit, in UTF-8 bytes of BMP text).
pub const NAME_MAX: usize = 255;

/// A block device the store can also flush: the device's volatile write
/// cache goes to stable storage (virtio-blk's `VIRTIO_BLK_T_FLUSH`).
pub trait Disk: BlockDevice {
    /// Makes every completed write durable.
    fn flush(&self) -> Result<(), Self::Error>;
}

/// A path from the volume's root: the short name of each step.
pub type Path = Vec<ShortFileName, MAX_DEPTH>;

/// The time written into the entries the store changes. The domains have
/// no calendar clock, so every change is stamped 2026-01-01 00:00.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock;

impl TimeSource for FixedClock {
    fn get_timestamp(&self) -> Timestamp {
        Timestamp { year_since_1970: 56, zero_indexed_month: 0, zero_indexed_day: 0, hours: 0, minutes: 0, seconds: 0 }
    }
}

/// Why a store operation failed, in the terms the server maps to errnos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// No such file or directory.
    NotFound,
    /// The name exists already.
    Exists,
    /// A directory where a file was needed.
    IsDir,
    /// A file where a directory was needed.
    NotDir,
    /// The directory is not empty.
    NotEmpty,
    /// The name cannot be stored (not a valid short name for a new entry).
    NameTooLong,
    /// The volume is full.
    NoSpace,
    /// The entry has FAT's read-only attribute.
    ReadOnly,
    /// The file would pass FAT's 4 GiB limit.
    TooBig,
    /// The path is deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The store cannot do this (see the module docs).
    Unsupported,
    /// A directory rename (see the module docs).
    CrossDevice,
    /// The device failed, or the volume is damaged.
    Io,
}

impl<E: core::error::Error> From<Error<E>> for StoreError {
    fn from(e: Error<E>) -> Self {
        match e {
            Error::NotFound => Self::NotFound,
            Error::FileAlreadyExists | Error::DirAlreadyExists => Self::Exists,
            Error::OpenedDirAsFile => Self::IsDir,
            Error::OpenedFileAsDir => Self::NotDir,
            Error::DeleteNonEmptyDir => Self::NotEmpty,
            Error::FilenameError(_) => Self::NameTooLong,
            Error::DiskFull | Error::NotEnoughSpace => Self::NoSpace,
            Error::ReadOnly => Self::ReadOnly,
            Error::Unsupported => Self::Unsupported,
            _ => Self::Io,
        }
    }
}

/// What the store knows of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Its short name (the root's is empty).
    pub name: ShortFileName,
    /// A directory.
    pub is_dir: bool,
    /// Bytes (0 for a directory).
    pub size: u32,
    /// FAT's read-only attribute.
    pub read_only: bool,
    /// Last modification, as FAT stores it (2-second resolution).
    pub mtime: Timestamp,
    /// Unique while the entry exists: where its directory entry lies (the
    /// root is 0).
    pub id: u64,
}

type Fat<D> = VolumeManager<D, FixedClock, MAX_DIRS, MAX_FILES, 1>;

/// A FAT volume, reached by path.
pub struct Store<D: Disk> {
    fat: Fat<D>,
    volume: RawVolume,
}

fn node_of(entry: &embedded_sdmmc::DirEntry) -> Node {
    Node {
        name: entry.name,
        is_dir: entry.attributes.is_directory(),
        size: entry.size,
        read_only: entry.attributes.is_read_only(),
        mtime: entry.mtime,
        id: (u64::from(entry.entry_block.0) << 4 | u64::from(entry.entry_offset / 32)) + 1,
    }
}

/// Whether `name` names `entry`: its long name exactly, or its short name
/// in any case.
fn names(entry: &embedded_sdmmc::DirEntry, long: Option<&str>, name: &str) -> bool {
    long == Some(name) || ShortFileName::create_from_str(name).is_ok_and(|short| short == entry.name)
}

impl<D: Disk> Store<D> {
    /// Opens the first partition of `disk` as a FAT volume.
    pub fn mount(disk: D) -> Result<Self, StoreError> {
        let fat = Fat::new_with_limits(disk, FixedClock, 1);
        let volume = fat.open_raw_volume(VolumeIdx(0))?;
        Ok(Self { fat, volume })
    }

    /// Runs `f` on the device (for its statistics, in tests).
    pub fn device<R>(&self, f: impl FnOnce(&mut D) -> R) -> R {
        self.fat.device(f)
    }

    /// Opens directory `path`, runs `f` on it, closes it.
    fn in_dir<R>(
        &self,
        path: &[ShortFileName],
        f: impl FnOnce(RawDirectory) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut dir = self.fat.open_root_dir(self.volume)?;
        for step in path {
            let next = self.fat.open_dir(dir, step);
            self.fat.close_dir(dir)?;
            dir = next?;
        }
        let result = f(dir);
        let closed = self.fat.close_dir(dir);
        let value = result?;
        closed?;
        Ok(value)
    }

    /// The entry called `name` in directory `dir` (its long name, or its
    /// short name in any case); `.` and `..` are not looked up here.
    pub fn lookup(&self, dir: &[ShortFileName], name: &str) -> Result<Node, StoreError> {
        let mut storage = [0u8; NAME_MAX + 1];
        self.in_dir(dir, |d| {
            let mut found = None;
            let mut lfn = LfnBuffer::new(&mut storage);
            self.fat.iterate_dir_lfn(d, &mut lfn, |entry, long| {
                if !entry.attributes.is_volume() && names(entry, long, name) {
                    found = Some(node_of(entry));
                    core::ops::ControlFlow::Break(())
                } else {
                    core::ops::ControlFlow::Continue(())
                }
            })?;
            found.ok_or(StoreError::NotFound)
        })
    }

    /// The entry at `path` (the root for an empty path).
    pub fn node(&self, path: &[ShortFileName]) -> Result<Node, StoreError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(Node {
                name: ShortFileName::this_dir(),
                is_dir: true,
                size: 0,
                read_only: false,
                mtime: FixedClock.get_timestamp(),
                id: 0,
            });
        };
        let mut name: heapless::String<12> = heapless::String::new();
        let _ = core::fmt::write(&mut name, format_args!("{last}"));
        self.lookup(parent, &name)
    }

    /// Calls `f` with each entry of directory `dir` and its long name, if
    /// it has one; `.`, `..`, the volume label and long-name slots are
    /// left out.
    pub fn list(&self, dir: &[ShortFileName], mut f: impl FnMut(&Node, Option<&str>)) -> Result<(), StoreError> {
        let mut storage = [0u8; NAME_MAX + 1];
        self.in_dir(dir, |d| {
            let mut lfn = LfnBuffer::new(&mut storage);
            self.fat.iterate_dir_lfn(d, &mut lfn, |entry, long| {
                let dot = entry.name == ShortFileName::this_dir() || entry.name == ShortFileName::parent_dir();
                if !dot && !entry.attributes.is_volume() && !entry.attributes.is_lfn() {
                    f(&node_of(entry), long);
                }
                core::ops::ControlFlow::Continue(())
            })?;
            Ok(())
        })
    }

    /// Opens file `path` in `mode`, runs `f` on it, closes it (which writes
    /// its directory entry if it changed).
    fn in_file<R>(
        &self,
        path: &[ShortFileName],
        mode: Mode,
        f: impl FnOnce(embedded_sdmmc::RawFile) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let (name, parent) = path.split_last().ok_or(StoreError::IsDir)?;
        self.in_dir(parent, |d| {
            let file = self.fat.open_file_in_dir(d, name, mode)?;
            let result = f(file);
            let closed = self.fat.close_file(file);
            let value = result?;
            closed?;
            Ok(value)
        })
    }

    /// Reads from file `path` at `offset` into `buf`; the bytes read (0 at
    /// or past the end).
    pub fn read(&self, path: &[ShortFileName], offset: u64, buf: &mut [u8]) -> Result<usize, StoreError> {
        self.in_file(path, Mode::ReadOnly, |file| {
            let len = self.fat.file_length(file)?;
            let Ok(offset) = u32::try_from(offset) else { return Ok(0) };
            if offset >= len {
                return Ok(0);
            }
            self.fat.file_seek_from_start(file, offset)?;
            Ok(self.fat.read(file, buf)?)
        })
    }

    /// Writes `data` into file `path` at `offset`, filling any gap after
    /// the current end with zeros. When it returns, the data and the
    /// file's new size are on the device (not yet flushed from its cache).
    pub fn write(&self, path: &[ShortFileName], offset: u64, data: &[u8]) -> Result<(), StoreError> {
        let end = offset.checked_add(data.len() as u64).ok_or(StoreError::TooBig)?;
        let offset = u32::try_from(offset).map_err(|_| StoreError::TooBig)?;
        if end > u64::from(u32::MAX) {
            return Err(StoreError::TooBig);
        }
        self.in_file(path, Mode::ReadWriteAppend, |file| {
            let len = self.fat.file_length(file)?;
            if offset > len {
                let zeros = [0u8; CHUNK];
                let mut gap = offset - len;
                while gap > 0 {
                    let n = gap.min(CHUNK_U32);
                    self.fat.write(file, zeros.get(..usize::try_from(n).unwrap_or(CHUNK)).unwrap_or(&[]))?;
                    gap -= n;
                }
            } else {
                self.fat.file_seek_from_start(file, offset)?;
            }
            Ok(self.fat.write(file, data)?)
        })
    }

    /// Sets file `path`'s size: 0, or larger (zero-filled).
    pub fn truncate(&self, path: &[ShortFileName], size: u64) -> Result<(), StoreError> {
        let node = self.node(path)?;
        if node.is_dir {
            return Err(StoreError::IsDir);
        }
        match size {
            0 => self.in_file(path, Mode::ReadWriteTruncate, |_| Ok(())),
            s if s == u64::from(node.size) => Ok(()),
            s if s > u64::from(node.size) => self.write(path, s, &[]),
            _ => Err(StoreError::Unsupported),
        }
    }

    fn short_name(name: &str) -> Result<ShortFileName, StoreError> {
        ShortFileName::create_from_str(name).map_err(|_| StoreError::NameTooLong)
    }

    /// Creates an empty file `name` in directory `dir`.
    pub fn create(&self, dir: &[ShortFileName], name: &str) -> Result<Node, StoreError> {
        let short = Self::short_name(name)?;
        if self.lookup(dir, name).is_ok() {
            return Err(StoreError::Exists);
        }
        self.in_dir(dir, |d| {
            let file = self.fat.open_file_in_dir(d, short, Mode::ReadWriteCreate)?;
            Ok(self.fat.close_file(file)?)
        })?;
        self.lookup(dir, name)
    }

    /// Creates directory `name` in directory `dir`.
    pub fn mkdir(&self, dir: &[ShortFileName], name: &str) -> Result<Node, StoreError> {
        let short = Self::short_name(name)?;
        if self.lookup(dir, name).is_ok() {
            return Err(StoreError::Exists);
        }
        self.in_dir(dir, |d| Ok(self.fat.make_dir_in_dir(d, short)?))?;
        self.lookup(dir, name)
    }

    /// Removes entry `name` (a file, or an empty directory) from `dir`.
    pub fn remove(&self, dir: &[ShortFileName], name: &ShortFileName) -> Result<(), StoreError> {
        self.in_dir(dir, |d| Ok(self.fat.delete_entry_in_dir(d, name)?))
    }

    /// Renames file `old` in `old_dir` to `new_name` in `new_dir` (copy,
    /// then delete: see the module docs), replacing an existing file of
    /// that name.
    pub fn rename(
        &self,
        old_dir: &[ShortFileName],
        old: &Node,
        new_dir: &[ShortFileName],
        new_name: &str,
    ) -> Result<(), StoreError> {
        if old.is_dir {
            return Err(StoreError::CrossDevice);
        }
        let short = Self::short_name(new_name)?;
        let mut from: Path = old_dir.iter().cloned().collect();
        from.push(old.name).map_err(|_| StoreError::TooDeep)?;
        let mut to: Path = new_dir.iter().cloned().collect();
        to.push(short).map_err(|_| StoreError::TooDeep)?;
        if from == to {
            return Ok(());
        }
        match self.lookup(new_dir, new_name) {
            Ok(existing) if existing.is_dir => return Err(StoreError::IsDir),
            Ok(existing) => self.remove(new_dir, &existing.name)?,
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
        self.create(new_dir, new_name)?;
        let mut buf = [0u8; CHUNK];
        let mut at = 0u64;
        loop {
            let n = self.read(&from, at, &mut buf)?;
            if n == 0 {
                break;
            }
            self.write(&to, at, buf.get(..n).unwrap_or(&[]))?;
            at += n as u64;
        }
        self.remove(old_dir, &old.name)
    }

    /// Makes every write so far durable (flushes the device's cache).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.fat.device(|d| d.flush()).map_err(|_| StoreError::Io)
    }

    /// Blocks of 512 bytes on the device.
    pub fn blocks(&self) -> u64 {
        self.fat.device(|d| d.num_blocks().map(|c| u64::from(c.0)).unwrap_or(0))
    }
}
