// SPDX-License-Identifier: MIT
//! [`NinepClient`]: the typed 9P2000.L calls. Each sends one T-message with
//! a fresh tag and waits for the R-message with that tag, following the
//! channel's epoch first; each checks that the reply answers its request.
//!
//! Owns: tags, the msize negotiation, and what each reply must look like
//! (its type, counts no larger than asked, qids no more than names).
//! Must not touch: the ring (that is [`crate::transport`]'s) or any
//! record of fids ([`crate::FidBook`] keeps one for a restart).

use crate::error::ClientError;
use crate::transport::{MIN_MSIZE, Transport};
use bulkhead_ninep::{
    Dirent, Dirents, Frame, IOHDRSZ, MAXWELEM, Message, NOFID, NOTAG, Qid, SetAttr, Stat, StatFs, VERSION_9P2000L,
    WalkNames, WalkQids,
};
use bulkhead_ring::{Port, Window};

/// A client of the 9pfs domain over one channel.
///
/// Buffers: there is no allocation, so the caller lends two message
/// buffers, one for the request being sent and one for the reply being
/// received (domains pass `&'static mut` arrays; never put them on a
/// domain's stack). Each bounds the msize the client offers: give each
/// [`MAX_MSIZE`](bulkhead_ninep::MAX_MSIZE) bytes for the largest
/// messages, at least [`MIN_MSIZE`].
pub struct NinepClient<'b, W: Window + Clone> {
    t: Transport<'b, W>,
    next_tag: u16,
    last_tag: u16,
}

impl<'b, W: Window + Clone> NinepClient<'b, W> {
    /// Connects end [`CLIENT_END`](crate::CLIENT_END) of the channel whose
    /// window is `window` in `epoch` (from the kernel), with `tx` and `rx`
    /// as message buffers. Ring the server's doorbell afterwards, then
    /// call [`version`](Self::version). [`ClientError::Buffers`] if either
    /// buffer is shorter than [`MIN_MSIZE`].
    pub fn connect(window: W, epoch: u32, tx: &'b mut [u8], rx: &'b mut [u8]) -> Result<Self, ClientError> {
        Ok(Self { t: Transport::connect(window, epoch, tx, rx)?, next_tag: 0, last_tag: NOTAG })
    }

    /// Follows the channel's epoch (from the kernel): in a new one the link
    /// reconnects and the msize is forgotten (call
    /// [`version`](Self::version) again). True if the epoch changed. Every
    /// call does this first, and reports a change as
    /// [`ClientError::Restarted`].
    pub fn follow(&mut self, epoch: u32) -> Result<bool, ClientError> {
        Ok(self.t.follow(epoch)?)
    }

    /// Whether the server is connected in our epoch: `Ok`, or
    /// [`ClientError::Down`] (or a link error).
    pub fn poll(&mut self) -> Result<(), ClientError> {
        self.t.poll()
    }

    /// Whether the server's doorbell should ring (we sent a request or
    /// took a reply since the last call); clears the flag. Calls ring it
    /// themselves through their [`Port`].
    pub fn take_doorbell(&mut self) -> bool {
        self.t.take_doorbell()
    }

    /// The link's epoch.
    pub fn epoch(&self) -> u32 {
        self.t.epoch()
    }

    /// The msize negotiated in this epoch, if any.
    pub fn msize(&self) -> Option<u32> {
        self.t.msize
    }

    /// The most bytes one read or write carries: msize - [`IOHDRSZ`]
    /// (0 before [`version`](Self::version)).
    pub fn max_io(&self) -> u32 {
        self.t.msize.map_or(0, |m| m.saturating_sub(IOHDRSZ))
    }

    /// The tag of the last request sent (for [`flush`](Self::flush) after a
    /// call gave up), [`NOTAG`] for a version.
    pub fn last_tag(&self) -> u16 {
        self.last_tag
    }

    /// Replies skipped because they answered no request we wait for (a
    /// late answer to a call that failed), in all epochs.
    pub fn stale(&self) -> u64 {
        self.t.stale
    }

    /// Negotiates the msize: offers `msize` (clamped to at least
    /// [`MIN_MSIZE`] and at most what the buffers hold) and 9P2000.L; the
    /// server's msize, which calls use from now on. A version other than
    /// 9P2000.L is [`ClientError::Version`]; an msize larger than offered
    /// or smaller than [`MIN_MSIZE`] is [`ClientError::Protocol`]. Either
    /// way no msize is in force. The server forgets every fid.
    pub fn version(&mut self, port: &impl Port, msize: u32) -> Result<u32, ClientError> {
        let offer = msize.min(self.t.buffer_limit()).max(MIN_MSIZE);
        self.t.msize = None;
        self.last_tag = NOTAG;
        let frame = Frame::new(NOTAG, Message::Tversion { msize: offer, version: VERSION_9P2000L });
        let len = self.t.exchange(port, &frame, offer)?;
        let (msize, ours) = match self.t.decode(len, offer)? {
            Message::Rversion { msize, version } => (msize, version == VERSION_9P2000L),
            _ => return Err(ClientError::Protocol),
        };
        if !ours {
            return Err(ClientError::Version);
        }
        if !(MIN_MSIZE..=offer).contains(&msize) {
            return Err(ClientError::Protocol);
        }
        self.t.msize = Some(msize);
        self.next_tag = 0;
        Ok(msize)
    }

    fn fresh_tag(&mut self) -> u16 {
        let tag = self.next_tag;
        self.next_tag = match tag.wrapping_add(1) {
            NOTAG => 0,
            next => next,
        };
        self.last_tag = tag;
        tag
    }

    /// Sends `message` with a fresh tag; its reply (never an Rlerror).
    fn request<'s>(&'s mut self, port: &impl Port, message: Message<'_>) -> Result<Message<'s>, ClientError> {
        let msize = self.t.msize.ok_or(ClientError::NotVersioned)?;
        let frame = Frame::new(self.fresh_tag(), message);
        let len = self.t.exchange(port, &frame, msize)?;
        self.t.decode(len, msize)
    }

    /// Attaches `fid` to the root of tree `aname` as user `uname` /
    /// `n_uname`, without authentication; the root's qid.
    pub fn attach(
        &mut self,
        port: &impl Port,
        fid: u32,
        uname: &str,
        aname: &str,
        n_uname: u32,
    ) -> Result<Qid, ClientError> {
        match self.request(port, Message::Tattach { fid, afid: NOFID, uname, aname, n_uname })? {
            Message::Rattach { qid } => Ok(qid),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Walks from `fid` along `names` (at most [`MAXWELEM`]; none: clone)
    /// to `newfid`; one qid per name walked. Fewer qids than names: the
    /// walk stopped there and `newfid` was not made.
    pub fn walk(&mut self, port: &impl Port, fid: u32, newfid: u32, names: &[&str]) -> Result<WalkQids, ClientError> {
        if names.len() > MAXWELEM {
            return Err(ClientError::TooLarge);
        }
        let names = WalkNames::from_slice(names).map_err(|_| ClientError::TooLarge)?;
        let asked = names.len();
        match self.request(port, Message::Twalk { fid, newfid, names })? {
            Message::Rwalk { qids } if qids.len() <= asked => Ok(qids),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Opens `fid` with Linux open `flags` ([`crate::flags`]); the file's
    /// qid and iounit (0: [`max_io`](Self::max_io)).
    pub fn lopen(&mut self, port: &impl Port, fid: u32, flags: u32) -> Result<(Qid, u32), ClientError> {
        match self.request(port, Message::Tlopen { fid, flags })? {
            Message::Rlopen { qid, iounit } => Ok((qid, iounit)),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Creates `name` in directory `fid` and opens it with `flags`; `fid`
    /// is now the new file. Its qid and iounit.
    pub fn lcreate(
        &mut self,
        port: &impl Port,
        fid: u32,
        name: &str,
        flags: u32,
        mode: u32,
        gid: u32,
    ) -> Result<(Qid, u32), ClientError> {
        match self.request(port, Message::Tlcreate { fid, name, flags, mode, gid })? {
            Message::Rlcreate { qid, iounit } => Ok((qid, iounit)),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Reads at `offset` of open `fid` into `buf`, at most
    /// [`max_io`](Self::max_io) bytes; how many (0: end of file). More
    /// than asked is [`ClientError::Protocol`].
    pub fn read(&mut self, port: &impl Port, fid: u32, offset: u64, buf: &mut [u8]) -> Result<usize, ClientError> {
        let count = u32::try_from(buf.len()).unwrap_or(u32::MAX).min(self.max_io());
        let data = match self.request(port, Message::Tread { fid, offset, count })? {
            Message::Rread { data } => data,
            _ => return Err(ClientError::Protocol),
        };
        if u32::try_from(data.len()).map_or(true, |n| n > count) {
            return Err(ClientError::Protocol);
        }
        buf.get_mut(..data.len()).ok_or(ClientError::Protocol)?.copy_from_slice(data);
        Ok(data.len())
    }

    /// Writes `data` at `offset` of open `fid`, at most
    /// [`max_io`](Self::max_io) bytes of it; how many the server took.
    pub fn write(&mut self, port: &impl Port, fid: u32, offset: u64, data: &[u8]) -> Result<u32, ClientError> {
        let max = usize::try_from(self.max_io()).unwrap_or(usize::MAX);
        let data = data.get(..data.len().min(max)).unwrap_or(data);
        let sent = u32::try_from(data.len()).map_err(|_| ClientError::TooLarge)?;
        match self.request(port, Message::Twrite { fid, offset, data })? {
            Message::Rwrite { count } if count <= sent => Ok(count),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Writes all of `data` at `offset`, in as many writes as it takes. A
    /// server that takes nothing of a non-empty write ends it with
    /// [`ClientError::Protocol`] (what was written before stays written).
    pub fn write_all(&mut self, port: &impl Port, fid: u32, offset: u64, data: &[u8]) -> Result<(), ClientError> {
        let mut done = 0usize;
        while let Some(rest) = data.get(done..).filter(|r| !r.is_empty()) {
            let at = offset.checked_add(done as u64).ok_or(ClientError::TooLarge)?;
            let n = self.write(port, fid, at, rest)?;
            if n == 0 {
                return Err(ClientError::Protocol);
            }
            done = done.saturating_add(usize::try_from(n).map_err(|_| ClientError::Protocol)?);
        }
        Ok(())
    }

    /// Forgets `fid` (the server forgets it even if it answers an error).
    pub fn clunk(&mut self, port: &impl Port, fid: u32) -> Result<(), ClientError> {
        match self.request(port, Message::Tclunk { fid })? {
            Message::Rclunk => Ok(()),
            _ => Err(ClientError::Protocol),
        }
    }

    /// `fid`'s attributes; `mask` says which are wanted
    /// (`bulkhead_ninep::attr::GETATTR_*`), the reply's `valid` which came.
    pub fn getattr(&mut self, port: &impl Port, fid: u32, mask: u64) -> Result<Stat, ClientError> {
        match self.request(port, Message::Tgetattr { fid, request_mask: mask })? {
            Message::Rgetattr(stat) => Ok(stat),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Sets `fid`'s attributes named in `attr.valid`.
    pub fn setattr(&mut self, port: &impl Port, fid: u32, attr: SetAttr) -> Result<(), ClientError> {
        match self.request(port, Message::Tsetattr { fid, attr })? {
            Message::Rsetattr => Ok(()),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Reads directory entries of open directory `fid` from `offset` (0:
    /// the start; else an entry's `offset`), at most `count` bytes of them
    /// (capped to [`max_io`](Self::max_io)), and hands each to `each`. The
    /// offset to continue from, `None` at the end of the directory. The
    /// whole reply is checked before the first entry is handed over: a
    /// malformed one is an error and `each` sees none.
    pub fn readdir(
        &mut self,
        port: &impl Port,
        fid: u32,
        offset: u64,
        count: u32,
        mut each: impl FnMut(Dirent<'_>),
    ) -> Result<Option<u64>, ClientError> {
        let count = count.min(self.max_io());
        let data = match self.request(port, Message::Treaddir { fid, offset, count })? {
            Message::Rreaddir { data } => data,
            _ => return Err(ClientError::Protocol),
        };
        if u32::try_from(data.len()).map_or(true, |n| n > count) {
            return Err(ClientError::Protocol);
        }
        let mut last = None;
        for entry in Dirents::new(data) {
            last = Some(entry?.offset);
        }
        Dirents::new(data).flatten().for_each(&mut each);
        Ok(last)
    }

    /// Makes directory `name` in directory `dfid`; its qid.
    pub fn mkdir(&mut self, port: &impl Port, dfid: u32, name: &str, mode: u32, gid: u32) -> Result<Qid, ClientError> {
        match self.request(port, Message::Tmkdir { dfid, name, mode, gid })? {
            Message::Rmkdir { qid } => Ok(qid),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Removes `name` from directory `dirfid` (`flags`:
    /// [`AT_REMOVEDIR`](bulkhead_ninep::AT_REMOVEDIR) for a directory).
    pub fn unlinkat(&mut self, port: &impl Port, dirfid: u32, name: &str, flags: u32) -> Result<(), ClientError> {
        match self.request(port, Message::Tunlinkat { dirfid, name, flags })? {
            Message::Runlinkat => Ok(()),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Renames `oldname` in `olddirfid` to `newname` in `newdirfid`.
    pub fn renameat(
        &mut self,
        port: &impl Port,
        olddirfid: u32,
        oldname: &str,
        newdirfid: u32,
        newname: &str,
    ) -> Result<(), ClientError> {
        match self.request(port, Message::Trenameat { olddirfid, oldname, newdirfid, newname })? {
            Message::Rrenameat => Ok(()),
            _ => Err(ClientError::Protocol),
        }
    }

    /// The file system's statistics, through any `fid` in it.
    pub fn statfs(&mut self, port: &impl Port, fid: u32) -> Result<StatFs, ClientError> {
        match self.request(port, Message::Tstatfs { fid })? {
            Message::Rstatfs(stat) => Ok(stat),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Makes what was written to open `fid` durable (`datasync`: its data
    /// only).
    pub fn fsync(&mut self, port: &impl Port, fid: u32, datasync: bool) -> Result<(), ClientError> {
        match self.request(port, Message::Tfsync { fid, datasync: u32::from(datasync) })? {
            Message::Rfsync => Ok(()),
            _ => Err(ClientError::Protocol),
        }
    }

    /// Aborts the request with tag `oldtag` (see
    /// [`last_tag`](Self::last_tag)); its reply, if it comes, is skipped.
    pub fn flush(&mut self, port: &impl Port, oldtag: u16) -> Result<(), ClientError> {
        match self.request(port, Message::Tflush { oldtag })? {
            Message::Rflush => Ok(()),
            _ => Err(ClientError::Protocol),
        }
    }
}
