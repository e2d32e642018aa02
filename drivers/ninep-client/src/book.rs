// SPDX-License-Identifier: MIT
//! [`FidBook`]: what a client must remember to find its files again after
//! the server restarts. A new epoch means the server forgot every fid;
//! the book re-runs version, attach, the walks and the opens in the new
//! one ([`FidBook::restore`]).
//!
//! Owns: for each live fid its path from the attached root and its open
//! flags, and the attach's parameters, updated by the calls made through
//! the book (attach, walk, lopen, lcreate, clunk). Must not touch what a
//! fid is used for (read, write, readdir go straight to
//! [`NinepClient`]), nor guess at changes it did not see: a file renamed
//! or removed is restored by its old path, and that fid is lost.

use crate::client::NinepClient;
use crate::error::{BookError, ClientError};
use crate::flags::ONCE_ONLY;
use bulkhead_ninep::{MAXWELEM, Qid, WalkQids, errno};
use bulkhead_ring::{Port, Window};
use heapless::{String, Vec};

/// The longest path (from the root, names joined by '/') a book keeps.
pub const PATH_MAX: usize = 255;
/// The longest user or tree name a book keeps.
pub const NAME_MAX: usize = 64;

/// What `attach` was called with.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attach {
    fid: u32,
    uname: String<NAME_MAX>,
    aname: String<NAME_MAX>,
    n_uname: u32,
}

/// One live fid.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    fid: u32,
    /// From the root, names joined by '/' ("" for the root).
    path: String<PATH_MAX>,
    /// Open flags, without [`ONCE_ONLY`]; `None`: not open.
    open: Option<u32>,
}

/// What [`FidBook::restore`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored<const N: usize> {
    /// The msize negotiated in the new epoch.
    pub msize: u32,
    /// The root's qid.
    pub root: Qid,
    /// Fids the server would not walk to or open again, with its errno
    /// (`ENOENT` for a walk that stopped short); they are dropped from the
    /// book and do not exist on the server.
    pub lost: Vec<(u32, u32), N>,
}

/// The live fids of one attach, at most `N` of them (the root included
/// while it lives), to restore after a restart.
#[derive(Debug, Clone, Default)]
pub struct FidBook<const N: usize> {
    attach: Option<Attach>,
    fids: Vec<Entry, N>,
}

fn copy<const M: usize>(s: &str) -> Result<String<M>, BookError> {
    let mut out = String::new();
    out.push_str(s).map_err(|_| BookError::Full)?;
    Ok(out)
}

impl<const N: usize> FidBook<N> {
    /// An empty book.
    #[must_use]
    pub const fn new() -> Self {
        Self { attach: None, fids: Vec::new() }
    }

    /// The recorded fids in the order they were made: fid, path from the
    /// root, open flags (without [`ONCE_ONLY`]).
    pub fn fids(&self) -> impl Iterator<Item = (u32, &str, Option<u32>)> {
        self.fids.iter().map(|e| (e.fid, e.path.as_str(), e.open))
    }

    fn entry(&self, fid: u32) -> Result<&Entry, BookError> {
        self.fids.iter().find(|e| e.fid == fid).ok_or(BookError::UnknownFid)
    }

    fn root_fid(&self) -> Option<u32> {
        self.attach.as_ref().map(|a| a.fid)
    }

    /// Records `entry`, replacing the fid's old record.
    fn record(&mut self, entry: Entry) -> Result<(), BookError> {
        match self.fids.iter_mut().find(|e| e.fid == entry.fid) {
            Some(old) => *old = entry,
            None => self.fids.push(entry).map_err(|_| BookError::Full)?,
        }
        Ok(())
    }

    /// Whether a record for `fid` would fit.
    fn room_for(&self, fid: u32) -> Result<(), BookError> {
        if self.fids.is_full() && self.entry(fid).is_err() { Err(BookError::Full) } else { Ok(()) }
    }

    /// Drops the record of `fid` without telling the server.
    pub fn forget(&mut self, fid: u32) {
        self.fids.retain(|e| e.fid != fid);
    }

    /// [`NinepClient::attach`], recorded: the book now restores this root
    /// (and forgets the fids of an earlier one).
    pub fn attach<W: Window + Clone>(
        &mut self,
        client: &mut NinepClient<'_, W>,
        port: &impl Port,
        fid: u32,
        uname: &str,
        aname: &str,
        n_uname: u32,
    ) -> Result<Qid, ClientError> {
        let attach = Attach { fid, uname: copy(uname)?, aname: copy(aname)?, n_uname };
        let qid = client.attach(port, fid, uname, aname, n_uname)?;
        self.fids.clear();
        self.attach = Some(attach);
        self.record(Entry { fid, path: String::new(), open: None })?;
        Ok(qid)
    }

    /// [`NinepClient::walk`] from a recorded fid, recorded when it walked
    /// every name. Names must be non-empty and free of '/'; `newfid` must
    /// not be the root's fid unless the walk is a clone of it.
    pub fn walk<W: Window + Clone>(
        &mut self,
        client: &mut NinepClient<'_, W>,
        port: &impl Port,
        fid: u32,
        newfid: u32,
        names: &[&str],
    ) -> Result<WalkQids, ClientError> {
        let mut path = self.entry(fid)?.path.clone();
        for name in names {
            push_name(&mut path, name)?;
        }
        if self.root_fid() == Some(newfid) && !names.is_empty() {
            return Err(BookError::Root.into());
        }
        self.room_for(newfid)?;
        let qids = client.walk(port, fid, newfid, names)?;
        if qids.len() == names.len() {
            self.record(Entry { fid: newfid, path, open: None })?;
        }
        Ok(qids)
    }

    /// [`NinepClient::lopen`] of a recorded fid, recorded.
    pub fn lopen<W: Window + Clone>(
        &mut self,
        client: &mut NinepClient<'_, W>,
        port: &impl Port,
        fid: u32,
        flags: u32,
    ) -> Result<(Qid, u32), ClientError> {
        self.entry(fid)?;
        let opened = client.lopen(port, fid, flags)?;
        if let Some(e) = self.fids.iter_mut().find(|e| e.fid == fid) {
            e.open = Some(flags & !ONCE_ONLY);
        }
        Ok(opened)
    }

    /// [`NinepClient::lcreate`] in a recorded directory fid (not the
    /// root's), recorded: the fid is now the new file, open.
    #[allow(clippy::too_many_arguments, reason = "Tlcreate's fields, the book, the client and the port")]
    pub fn lcreate<W: Window + Clone>(
        &mut self,
        client: &mut NinepClient<'_, W>,
        port: &impl Port,
        fid: u32,
        name: &str,
        flags: u32,
        mode: u32,
        gid: u32,
    ) -> Result<(Qid, u32), ClientError> {
        if self.root_fid() == Some(fid) {
            return Err(BookError::Root.into());
        }
        let mut path = self.entry(fid)?.path.clone();
        push_name(&mut path, name)?;
        let created = client.lcreate(port, fid, name, flags, mode, gid)?;
        self.record(Entry { fid, path, open: Some(flags & !ONCE_ONLY) })?;
        Ok(created)
    }

    /// [`NinepClient::clunk`], and the record goes (also when the server
    /// answers an error: it forgets the fid either way).
    pub fn clunk<W: Window + Clone>(
        &mut self,
        client: &mut NinepClient<'_, W>,
        port: &impl Port,
        fid: u32,
    ) -> Result<(), ClientError> {
        let result = client.clunk(port, fid);
        if matches!(result, Ok(()) | Err(ClientError::Remote(_))) {
            self.forget(fid);
        }
        result
    }

    /// After [`ClientError::Restarted`] (or on noticing a new epoch: it
    /// follows the port's epoch first): negotiates `msize` again, attaches
    /// the root again, walks every recorded fid from it again (in the
    /// order they were made), then opens again those that were open (in
    /// the same order; never with [`ONCE_ONLY`] flags), and clunks the
    /// root if it had been clunked. A fid the server will not restore is
    /// reported in [`Restored::lost`] and dropped. Any other error (a
    /// restart during the restore, a broken link, a refused attach) stops
    /// it: the book is as it was, call again.
    pub fn restore<W: Window + Clone>(
        &mut self,
        client: &mut NinepClient<'_, W>,
        port: &impl Port,
        msize: u32,
    ) -> Result<Restored<N>, ClientError> {
        let attach = self.attach.as_ref().ok_or(BookError::UnknownFid)?;
        let root_fid = attach.fid;
        client.follow(port.epoch())?;
        let msize = client.version(port, msize)?;
        let root = client.attach(port, root_fid, &attach.uname, &attach.aname, attach.n_uname)?;
        let mut lost: Vec<(u32, u32), N> = Vec::new();
        for e in self.fids.iter().filter(|e| e.fid != root_fid) {
            if let Some(ecode) = rewalk(client, port, root_fid, e)? {
                // At most one per entry, and there are at most N.
                let _ = lost.push((e.fid, ecode));
            }
        }
        for e in &self.fids {
            let Some(flags) = e.open else { continue };
            if lost.iter().any(|(fid, _)| *fid == e.fid) {
                continue;
            }
            match client.lopen(port, e.fid, flags) {
                Ok(_) => {}
                Err(ClientError::Remote(ecode)) => {
                    // The fid exists unopened: let it go on the server too.
                    if e.fid != root_fid {
                        forgive(client.clunk(port, e.fid))?;
                    }
                    let _ = lost.push((e.fid, ecode));
                }
                Err(err) => return Err(err),
            }
        }
        if self.entry(root_fid).is_err() {
            forgive(client.clunk(port, root_fid))?;
        }
        self.fids.retain(|e| !lost.iter().any(|(fid, _)| *fid == e.fid));
        Ok(Restored { msize, root, lost })
    }
}

/// Appends `name` to `path`.
fn push_name(path: &mut String<PATH_MAX>, name: &str) -> Result<(), BookError> {
    if name.is_empty() || name.contains('/') {
        return Err(BookError::BadName);
    }
    if !path.is_empty() {
        path.push('/').map_err(|_| BookError::Full)?;
    }
    path.push_str(name).map_err(|_| BookError::Full)
}

/// A server error is an answer; anything else stops the restore.
fn forgive(result: Result<(), ClientError>) -> Result<(), ClientError> {
    match result {
        Ok(()) | Err(ClientError::Remote(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Walks `entry.fid` from the root along its path, [`MAXWELEM`] names at a
/// time; the errno if the server would not (the fid then does not exist).
fn rewalk<W: Window + Clone>(
    client: &mut NinepClient<'_, W>,
    port: &impl Port,
    root: u32,
    entry: &Entry,
) -> Result<Option<u32>, ClientError> {
    let mut names = entry.path.split('/').filter(|n| !n.is_empty()).peekable();
    let mut from = root;
    loop {
        let chunk: Vec<&str, MAXWELEM> = names.by_ref().take(MAXWELEM).collect();
        let walked = match client.walk(port, from, entry.fid, &chunk) {
            Ok(qids) if qids.len() == chunk.len() => None,
            Ok(_) => Some(errno::ENOENT),
            Err(ClientError::Remote(ecode)) => Some(ecode),
            Err(e) => return Err(e),
        };
        if let Some(ecode) = walked {
            if from != root {
                // The fid exists half-way: let it go.
                forgive(client.clunk(port, entry.fid))?;
            }
            return Ok(Some(ecode));
        }
        if names.peek().is_none() {
            return Ok(None);
        }
        from = entry.fid;
    }
}
