// SPDX-License-Identifier: MIT
//! The 9P2000.L server: one request in, its reply out, for one client at
//! a time, against the store, inside that client's export.
//!
//! Owns the clients' sessions (msize, fids, usage against their quotas)
//! and every rule of the protocol and of the exports:
//! - **confinement**: a fid's path always starts with its export's root;
//!   `..` at the root, and any name that is empty or holds `/` or NUL, is
//!   refused (`EACCES`, `EINVAL`), so no walk leaves the export;
//! - **rights**: a read-only export refuses every change (`EROFS`);
//! - **quotas**: bytes and files per client (`EDQUOT`), counted from the
//!   disk when the server starts, so a restart does not forget them;
//! - **durability**: an `Rwrite` is sent after its data and the file's
//!   new size were written to the device; `Rfsync`, and the `Rclunk` of a
//!   fid opened for writing, after the device's write cache was flushed;
//! - **hostile input**: every request gets one reply; a frame that does
//!   not decode gets `Rlerror` (`EPROTO`; `EMSGSIZE` over msize;
//!   `EOPNOTSUPP` for a message type it does not carry) under
//!   its tag, or under `NOTAG` when not even the header is there.
//!
//! Requests are handled to completion one at a time, so a `Tflush` always
//! finds its request answered and gets `Rflush` at once. Must not touch
//! the rings (the transport does) or the device except through the store.

use crate::attrs;
use crate::exports::Export;
use crate::fids::{Fid, FidError, Fids, Open};
use crate::store::{Disk, MAX_DEPTH, Path, Store, StoreError};
use alloc::vec;
use alloc::vec::Vec;
use bulkhead_ninep::attr::{
    SETATTR_ATIME, SETATTR_ATIME_SET, SETATTR_GID, SETATTR_MODE, SETATTR_MTIME, SETATTR_MTIME_SET, SETATTR_SIZE,
    SETATTR_UID,
};
use bulkhead_ninep::errno::{
    EACCES, EBADF, EBUSY, EDQUOT, EEXIST, EFBIG, EINVAL, EIO, EISDIR, EMFILE, EMSGSIZE, ENAMETOOLONG, ENOENT, ENOSPC,
    ENOTDIR, ENOTEMPTY, EOPNOTSUPP, EPERM, EPROTO, EROFS, EXDEV,
};
use bulkhead_ninep::{
    AT_REMOVEDIR, Dirent, DirentWriter, Frame, Header, IOHDRSZ, MAX_MSIZE, Message, NOFID, NOTAG, Qid, StatFs,
    VERSION_9P2000L, VERSION_UNKNOWN, WalkQids, WireError,
};
use embedded_sdmmc::ShortFileName;

/// The smallest msize the server accepts (a Tversion asking for less is
/// refused): room for a header and a small message.
pub const MIN_MSIZE: u32 = 4096;
/// Linux's `O_ACCMODE`, `O_WRONLY`, `O_RDWR`, `O_TRUNC`.
const O_ACCMODE: u32 = 3;
const O_WRONLY: u32 = 1;
const O_RDWR: u32 = 2;
const O_TRUNC: u32 = 0o1000;
/// `V9FS_MAGIC`, as Rstatfs's type.
const V9FS_MAGIC: u32 = 0x0102_1997;

/// What a client's files use of its quotas.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Bytes in its files.
    pub bytes: u64,
    /// Files and directories below its root.
    pub files: u64,
}

/// What the server counted for one client.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Requests answered.
    pub requests: u64,
    /// Of them, answered with Rlerror.
    pub errors: u64,
    /// Of them, frames that did not decode.
    pub malformed: u64,
}

struct Client {
    export: Export,
    root: Path,
    msize: u32,
    fids: Fids,
    usage: Usage,
    counts: Counts,
}

/// Why the server could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartError {
    /// Client `n`'s export root is missing or not a directory.
    Root(usize, StoreError),
}

/// The 9P2000.L server of one volume and its clients.
pub struct Server<D: Disk> {
    store: Store<D>,
    clients: Vec<Client>,
    scratch: Vec<u8>,
}

fn fid_errno(e: FidError) -> u32 {
    match e {
        FidError::Unknown | FidError::InUse => EBADF,
        FidError::Full => EMFILE,
    }
}

/// The errno of a store error.
#[must_use]
pub fn store_errno(e: StoreError) -> u32 {
    match e {
        StoreError::NotFound => ENOENT,
        StoreError::Exists => EEXIST,
        StoreError::IsDir => EISDIR,
        StoreError::NotDir => ENOTDIR,
        StoreError::NotEmpty => ENOTEMPTY,
        StoreError::NameTooLong | StoreError::TooDeep => ENAMETOOLONG,
        StoreError::NoSpace => ENOSPC,
        StoreError::ReadOnly => EACCES,
        StoreError::TooBig => EFBIG,
        StoreError::Unsupported => EOPNOTSUPP,
        StoreError::CrossDevice => EXDEV,
        StoreError::Io => EIO,
    }
}

/// A name a client may use for one step: not empty, no `/` or NUL, not
/// `.` or `..` (which walks handle themselves).
fn check_name(name: &str) -> Result<(), u32> {
    if name.is_empty() || name.contains(['/', '\0']) || name == "." || name == ".." {
        return Err(EINVAL);
    }
    Ok(())
}

fn joined(path: &Path, name: ShortFileName) -> Result<Path, u32> {
    let mut p = path.clone();
    p.push(name).map_err(|_| ENAMETOOLONG)?;
    Ok(p)
}

/// Walks `names` from `path` inside `root`; the path reached, whether it
/// is a directory and a qid per step taken. Stops at the first failing
/// step: its errno comes back only when no step was taken.
fn walk<D: Disk>(
    store: &Store<D>,
    root: &Path,
    path: &Path,
    is_dir: bool,
    names: &[&str],
) -> Result<(Path, bool, WalkQids), u32> {
    let (mut path, mut is_dir, mut qids) = (path.clone(), is_dir, WalkQids::new());
    for name in names {
        let step = (|| {
            if !is_dir {
                return Err(ENOTDIR);
            }
            match *name {
                "." => Ok((path.clone(), store.node(&path).map_err(store_errno)?)),
                ".." if path.len() <= root.len() => Err(EACCES),
                ".." => {
                    let mut up = path.clone();
                    up.pop();
                    Ok((up.clone(), store.node(&up).map_err(store_errno)?))
                }
                _ => {
                    check_name(name)?;
                    let node = store.lookup(&path, name).map_err(store_errno)?;
                    Ok((joined(&path, node.name)?, node))
                }
            }
        })();
        match step {
            Ok((next, node)) => {
                path = next;
                is_dir = node.is_dir;
                let _ = qids.push(attrs::qid(&node));
            }
            Err(e) if qids.is_empty() => return Err(e),
            Err(_) => break,
        }
    }
    Ok((path, is_dir, qids))
}

/// Files and bytes below `root`.
fn measure<D: Disk>(store: &Store<D>, root: &Path) -> Result<Usage, StoreError> {
    let mut usage = Usage::default();
    let mut todo: Vec<Path> = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        let mut subdirs = Vec::new();
        store.list(&dir, |node, _| {
            usage.files += 1;
            usage.bytes += u64::from(node.size);
            if node.is_dir {
                subdirs.push(node.name);
            }
        })?;
        for sub in subdirs {
            if dir.len() < MAX_DEPTH {
                todo.push(joined(&dir, sub).map_err(|_| StoreError::TooDeep)?);
            }
        }
    }
    Ok(usage)
}

impl<D: Disk> Server<D> {
    /// A server of `store` for `exports` (client `n` is the `n`th); each
    /// export's root must be a directory on the volume.
    pub fn new(store: Store<D>, exports: &[Export]) -> Result<Self, StartError> {
        let mut clients = Vec::new();
        for (n, export) in exports.iter().enumerate() {
            let mut root = Path::new();
            for step in &export.root {
                let node = store.lookup(&root, step).map_err(|e| StartError::Root(n, e))?;
                if !node.is_dir {
                    return Err(StartError::Root(n, StoreError::NotDir));
                }
                root = joined(&root, node.name).map_err(|_| StartError::Root(n, StoreError::TooDeep))?;
            }
            let usage = measure(&store, &root).map_err(|e| StartError::Root(n, e))?;
            clients.push(Client {
                export: export.clone(),
                root,
                msize: 0,
                fids: Fids::default(),
                usage,
                counts: Counts::default(),
            });
        }
        Ok(Self { store, clients, scratch: vec![0; MAX_MSIZE as usize] })
    }

    /// The store.
    pub fn store(&self) -> &Store<D> {
        &self.store
    }

    /// Client `client`'s usage.
    #[must_use]
    pub fn usage(&self, client: usize) -> Option<Usage> {
        self.clients.get(client).map(|c| c.usage)
    }

    /// What was counted for client `client`.
    #[must_use]
    pub fn counts(&self, client: usize) -> Option<Counts> {
        self.clients.get(client).map(|c| c.counts)
    }

    /// Fids client `client` holds.
    #[must_use]
    pub fn fid_count(&self, client: usize) -> usize {
        self.clients.get(client).map_or(0, |c| c.fids.len())
    }

    /// Client `client` is connected in a new epoch: it must negotiate
    /// again, and its fids are gone.
    pub fn reset(&mut self, client: usize) {
        if let Some(c) = self.clients.get_mut(client) {
            c.msize = 0;
            c.fids.clear();
        }
    }

    /// Client `client`'s msize (0 before its Tversion).
    #[must_use]
    pub fn msize(&self, client: usize) -> u32 {
        self.clients.get(client).map_or(0, |c| c.msize)
    }

    /// Handles `request` (one whole frame) from client `client` and writes
    /// its reply into `reply` (at least [`MAX_MSIZE`] bytes); the reply's
    /// length.
    pub fn handle(&mut self, client: usize, request: &[u8], reply: &mut [u8]) -> usize {
        let mut scratch = core::mem::take(&mut self.scratch);
        let limit = match self.clients.get(client).map(|c| c.msize) {
            Some(0) | None => MAX_MSIZE,
            Some(m) => m,
        };
        let (tag, answer, malformed) = match Frame::decode_with_msize(request, limit) {
            Ok((frame, used)) if used == request.len() => {
                let answer = self.dispatch(client, &frame.message, &mut scratch);
                (frame.tag, answer, false)
            }
            Ok((frame, _)) => (frame.tag, Err(EPROTO), true),
            Err(e) => {
                let tag = Header::parse(request).map_or(NOTAG, |h| h.tag);
                let ecode = match e {
                    WireError::TooLarge => EMSGSIZE,
                    // An operation this codec does not carry (Tsymlink,
                    // Tlock, ...): Linux's v9fs falls back on EOPNOTSUPP.
                    WireError::UnknownType(_) => EOPNOTSUPP,
                    _ => EPROTO,
                };
                (tag, Err(ecode), true)
            }
        };
        if let Some(c) = self.clients.get_mut(client) {
            c.counts.requests += 1;
            c.counts.errors += u64::from(answer.is_err());
            c.counts.malformed += u64::from(malformed);
        }
        let message = answer.unwrap_or_else(|ecode| Message::Rlerror { ecode });
        let len = Frame::new(tag, message)
            .encode(reply)
            .unwrap_or_else(|_| Frame::new(tag, Message::Rlerror { ecode: EIO }).encode(reply).unwrap_or(0));
        self.scratch = scratch;
        len
    }

    fn dispatch<'s>(
        &mut self,
        client: usize,
        message: &Message<'_>,
        scratch: &'s mut [u8],
    ) -> Result<Message<'s>, u32> {
        let store = &self.store;
        let c = self.clients.get_mut(client).ok_or(EPROTO)?;
        if let Message::Tversion { msize, version } = *message {
            c.fids.clear();
            if !version.starts_with(VERSION_9P2000L) {
                c.msize = 0;
                return Ok(Message::Rversion { msize: msize.min(MAX_MSIZE), version: VERSION_UNKNOWN });
            }
            if msize < MIN_MSIZE {
                c.msize = 0;
                return Err(EINVAL);
            }
            c.msize = msize.min(MAX_MSIZE);
            return Ok(Message::Rversion { msize: c.msize, version: VERSION_9P2000L });
        }
        if c.msize == 0 {
            return Err(EPROTO);
        }
        let iounit = c.msize - IOHDRSZ;
        let writable = c.export.writable;
        match *message {
            Message::Tattach { fid, afid, aname, .. } => {
                if afid != NOFID {
                    return Err(EOPNOTSUPP);
                }
                if !(aname.is_empty() || aname == "/") {
                    return Err(ENOENT);
                }
                let node = store.node(&c.root).map_err(store_errno)?;
                c.fids.insert(fid, Fid { path: c.root.clone(), is_dir: true, open: Open::No }).map_err(fid_errno)?;
                Ok(Message::Rattach { qid: attrs::qid(&node) })
            }
            Message::Twalk { fid, newfid, ref names } => {
                let from = c.fids.get(fid).map_err(fid_errno)?.clone();
                if newfid != fid && c.fids.get(newfid).is_ok() {
                    return Err(EBADF);
                }
                let (path, is_dir, qids) = walk(store, &c.root, &from.path, from.is_dir, names)?;
                if qids.len() == names.len() {
                    c.fids.set(newfid, Fid { path, is_dir, open: Open::No }).map_err(fid_errno)?;
                }
                Ok(Message::Rwalk { qids })
            }
            Message::Tlopen { fid, flags } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                if f.open != Open::No {
                    return Err(EBADF);
                }
                let node = store.node(&f.path).map_err(store_errno)?;
                let access = flags & O_ACCMODE;
                let (read, write) = (access != O_WRONLY, access == O_WRONLY || access == O_RDWR);
                let open = if node.is_dir {
                    if write {
                        return Err(EISDIR);
                    }
                    Open::Dir
                } else {
                    if write && !writable {
                        return Err(EROFS);
                    }
                    if write && node.read_only {
                        return Err(EACCES);
                    }
                    if write && flags & O_TRUNC != 0 && node.size > 0 {
                        store.truncate(&f.path, 0).map_err(store_errno)?;
                        c.usage.bytes = c.usage.bytes.saturating_sub(u64::from(node.size));
                    }
                    Open::File { read, write }
                };
                c.fids.get_mut(fid).map_err(fid_errno)?.open = open;
                Ok(Message::Rlopen { qid: attrs::qid(&node), iounit })
            }
            Message::Tlcreate { fid, name, flags, .. } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                if !f.is_dir || f.open != Open::No {
                    return Err(if f.is_dir { EBADF } else { ENOTDIR });
                }
                check_name(name)?;
                if !writable {
                    return Err(EROFS);
                }
                if c.usage.files >= c.export.max_files {
                    return Err(EDQUOT);
                }
                let node = store.create(&f.path, name).map_err(store_errno)?;
                c.usage.files += 1;
                let path = joined(&f.path, node.name)?;
                let access = flags & O_ACCMODE;
                let open = Open::File { read: access != O_WRONLY, write: true };
                *c.fids.get_mut(fid).map_err(fid_errno)? = Fid { path, is_dir: false, open };
                Ok(Message::Rlcreate { qid: attrs::qid(&node), iounit })
            }
            Message::Tread { fid, offset, count } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                match f.open {
                    Open::File { read: true, .. } => {}
                    Open::Dir => return Err(EISDIR),
                    _ => return Err(EBADF),
                }
                let want = usize::try_from(count.min(iounit)).unwrap_or(0);
                let buf = scratch.get_mut(..want).ok_or(EIO)?;
                let n = store.read(&f.path, offset, buf).map_err(store_errno)?;
                Ok(Message::Rread { data: scratch.get(..n).ok_or(EIO)? })
            }
            Message::Twrite { fid, offset, data } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                if !f.writes() {
                    return Err(EBADF);
                }
                if !writable {
                    return Err(EROFS);
                }
                let node = store.node(&f.path).map_err(store_errno)?;
                let end = offset.checked_add(data.len() as u64).ok_or(EFBIG)?;
                let growth = end.saturating_sub(u64::from(node.size));
                if c.usage.bytes.saturating_add(growth) > c.export.max_bytes {
                    return Err(EDQUOT);
                }
                store.write(&f.path, offset, data).map_err(store_errno)?;
                c.usage.bytes += growth;
                Ok(Message::Rwrite { count: u32::try_from(data.len()).map_err(|_| EINVAL)? })
            }
            Message::Tclunk { fid } => {
                let f = c.fids.remove(fid).map_err(fid_errno)?;
                if f.writes() {
                    store.flush().map_err(store_errno)?;
                }
                Ok(Message::Rclunk)
            }
            Message::Tgetattr { fid, .. } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                let node = store.node(&f.path).map_err(store_errno)?;
                Ok(Message::Rgetattr(attrs::stat(&node, writable)))
            }
            Message::Tsetattr { fid, ref attr } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                let node = store.node(&f.path).map_err(store_errno)?;
                let changes = SETATTR_MODE | SETATTR_UID | SETATTR_GID | SETATTR_SIZE | SETATTR_ATIME | SETATTR_MTIME;
                if attr.valid & changes != 0 && !writable {
                    return Err(EROFS);
                }
                if attr.valid & SETATTR_MODE != 0 && attr.mode & 0o7777 != attrs::mode(&node, writable) & 0o7777 {
                    return Err(EPERM);
                }
                if attr.valid & (SETATTR_UID | SETATTR_GID) != 0 && (attr.uid != 0 || attr.gid != 0) {
                    return Err(EPERM);
                }
                if attr.valid & (SETATTR_ATIME_SET | SETATTR_MTIME_SET) != 0 {
                    return Err(EPERM);
                }
                if attr.valid & SETATTR_SIZE != 0 {
                    let growth = attr.size.saturating_sub(u64::from(node.size));
                    if c.usage.bytes.saturating_add(growth) > c.export.max_bytes {
                        return Err(EDQUOT);
                    }
                    store.truncate(&f.path, attr.size).map_err(store_errno)?;
                    c.usage.bytes =
                        (c.usage.bytes + growth).saturating_sub(u64::from(node.size).saturating_sub(attr.size));
                }
                Ok(Message::Rsetattr)
            }
            Message::Treaddir { fid, offset, count } => {
                let f = c.fids.get(fid).map_err(fid_errno)?;
                if f.open != Open::Dir {
                    return Err(if f.is_dir { EBADF } else { ENOTDIR });
                }
                let want = usize::try_from(count.min(iounit - 4)).unwrap_or(0);
                let mut writer = DirentWriter::new(scratch.get_mut(..want).ok_or(EIO)?);
                let here = store.node(&f.path).map_err(store_errno)?;
                let mut index = 0u64;
                let mut full = false;
                let mut emit = |qid: Qid, kind: u8, name: &str| {
                    index += 1;
                    if index > offset && !full {
                        full = writer.push(&Dirent { qid, offset: index, kind, name }).is_err();
                    }
                };
                emit(attrs::qid(&here), Dirent::DT_DIR, ".");
                emit(attrs::qid(&here), Dirent::DT_DIR, "..");
                store
                    .list(&f.path, |node, long| {
                        let mut short: heapless::String<12> = heapless::String::new();
                        let _ = core::fmt::write(&mut short, format_args!("{}", node.name));
                        let kind = if node.is_dir { Dirent::DT_DIR } else { Dirent::DT_REG };
                        emit(attrs::qid(node), kind, long.unwrap_or(&short));
                    })
                    .map_err(store_errno)?;
                Ok(Message::Rreaddir { data: writer.into_bytes() })
            }
            Message::Tmkdir { dfid, name, .. } => {
                let f = c.fids.get(dfid).map_err(fid_errno)?;
                if !f.is_dir {
                    return Err(ENOTDIR);
                }
                check_name(name)?;
                if !writable {
                    return Err(EROFS);
                }
                if c.usage.files >= c.export.max_files {
                    return Err(EDQUOT);
                }
                let node = store.mkdir(&f.path, name).map_err(store_errno)?;
                c.usage.files += 1;
                Ok(Message::Rmkdir { qid: attrs::qid(&node) })
            }
            Message::Tunlinkat { dirfid, name, flags } => {
                let f = c.fids.get(dirfid).map_err(fid_errno)?;
                if !f.is_dir {
                    return Err(ENOTDIR);
                }
                check_name(name)?;
                if !writable {
                    return Err(EROFS);
                }
                let node = store.lookup(&f.path, name).map_err(store_errno)?;
                match (flags & AT_REMOVEDIR != 0, node.is_dir) {
                    (true, false) => return Err(ENOTDIR),
                    (false, true) => return Err(EISDIR),
                    _ => {}
                }
                let path = joined(&f.path, node.name)?;
                if c.fids.iter().any(|other| other.path == path && other.open != Open::No) {
                    return Err(EBUSY);
                }
                store.remove(&f.path, &node.name).map_err(store_errno)?;
                c.usage.files = c.usage.files.saturating_sub(1);
                c.usage.bytes = c.usage.bytes.saturating_sub(u64::from(node.size));
                Ok(Message::Runlinkat)
            }
            Message::Trenameat { olddirfid, oldname, newdirfid, newname } => {
                let old_dir = c.fids.get(olddirfid).map_err(fid_errno)?.clone();
                let new_dir = c.fids.get(newdirfid).map_err(fid_errno)?.clone();
                if !old_dir.is_dir || !new_dir.is_dir {
                    return Err(ENOTDIR);
                }
                check_name(oldname)?;
                check_name(newname)?;
                if !writable {
                    return Err(EROFS);
                }
                let node = store.lookup(&old_dir.path, oldname).map_err(store_errno)?;
                let replaced = match store.lookup(&new_dir.path, newname) {
                    Ok(n) if n.id == node.id => return Ok(Message::Rrenameat),
                    Ok(n) => Some(n),
                    Err(StoreError::NotFound) => None,
                    Err(e) => return Err(store_errno(e)),
                };
                let from = joined(&old_dir.path, node.name)?;
                store.rename(&old_dir.path, &node, &new_dir.path, newname).map_err(store_errno)?;
                if let Some(r) = replaced {
                    c.usage.files = c.usage.files.saturating_sub(1);
                    c.usage.bytes = c.usage.bytes.saturating_sub(u64::from(r.size));
                }
                let moved = store.lookup(&new_dir.path, newname).map_err(store_errno)?;
                let to = joined(&new_dir.path, moved.name)?;
                for other in c.fids.iter_mut().filter(|o| o.path == from) {
                    other.path = to.clone();
                }
                Ok(Message::Rrenameat)
            }
            Message::Tstatfs { fid } => {
                c.fids.get(fid).map_err(fid_errno)?;
                let blocks = if c.export.max_bytes == u64::MAX { store.blocks() } else { c.export.max_bytes / 512 };
                let free = blocks.saturating_sub(c.usage.bytes.div_ceil(512));
                let files = if c.export.max_files == u64::MAX { u64::from(u32::MAX) } else { c.export.max_files };
                Ok(Message::Rstatfs(StatFs {
                    fs_type: V9FS_MAGIC,
                    bsize: 512,
                    blocks,
                    bfree: free,
                    bavail: free,
                    files,
                    ffree: files.saturating_sub(c.usage.files),
                    fsid: client as u64,
                    namelen: 255,
                }))
            }
            Message::Tfsync { fid, .. } => {
                c.fids.get(fid).map_err(fid_errno)?;
                store.flush().map_err(store_errno)?;
                Ok(Message::Rfsync)
            }
            Message::Txattrwalk { fid, .. } => {
                c.fids.get(fid).map_err(fid_errno)?;
                Err(EOPNOTSUPP)
            }
            Message::Tflush { .. } => Ok(Message::Rflush),
            _ => Err(EOPNOTSUPP),
        }
    }
}
