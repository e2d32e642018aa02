// SPDX-License-Identifier: MIT
//! Encoding a message body, field by field, into any [`Sink`] (a counter
//! to size it, a writer to produce it).

use crate::codec::Sink;
use crate::error::WireError;
use crate::message::Message;
use crate::qid::Qid;

impl Message<'_> {
    /// Puts the body's fields (everything after the 7-byte header).
    pub(crate) fn encode_body<S: Sink>(&self, w: &mut S) -> Result<(), WireError> {
        match self {
            Self::Tversion { msize, version } | Self::Rversion { msize, version } => {
                w.u32(*msize)?;
                w.str(version)
            }
            Self::Tattach { fid, afid, uname, aname, n_uname } => {
                w.u32(*fid)?;
                w.u32(*afid)?;
                w.str(uname)?;
                w.str(aname)?;
                w.u32(*n_uname)
            }
            Self::Rattach { qid } | Self::Rmkdir { qid } => w.qid(qid),
            Self::Twalk { fid, newfid, names } => {
                w.u32(*fid)?;
                w.u32(*newfid)?;
                w.u16(walk_count(names.len())?)?;
                names.iter().try_for_each(|name| w.str(name))
            }
            Self::Rwalk { qids } => {
                w.u16(walk_count(qids.len())?)?;
                qids.iter().try_for_each(|qid: &Qid| w.qid(qid))
            }
            Self::Tlopen { fid, flags } => {
                w.u32(*fid)?;
                w.u32(*flags)
            }
            Self::Rlopen { qid, iounit } | Self::Rlcreate { qid, iounit } => {
                w.qid(qid)?;
                w.u32(*iounit)
            }
            Self::Tlcreate { fid, name, flags, mode, gid } => {
                w.u32(*fid)?;
                w.str(name)?;
                w.u32(*flags)?;
                w.u32(*mode)?;
                w.u32(*gid)
            }
            Self::Tread { fid, offset, count } | Self::Treaddir { fid, offset, count } => {
                w.u32(*fid)?;
                w.u64(*offset)?;
                w.u32(*count)
            }
            Self::Rread { data } | Self::Rreaddir { data } => w.data(data),
            Self::Twrite { fid, offset, data } => {
                w.u32(*fid)?;
                w.u64(*offset)?;
                w.data(data)
            }
            Self::Rwrite { count } => w.u32(*count),
            Self::Tclunk { fid } | Self::Tstatfs { fid } => w.u32(*fid),
            Self::Rclunk | Self::Rsetattr | Self::Runlinkat | Self::Rrenameat | Self::Rfsync | Self::Rflush => Ok(()),
            Self::Tgetattr { fid, request_mask } => {
                w.u32(*fid)?;
                w.u64(*request_mask)
            }
            Self::Rgetattr(stat) => stat.write(w),
            Self::Tsetattr { fid, attr } => {
                w.u32(*fid)?;
                attr.write(w)
            }
            Self::Tmkdir { dfid, name, mode, gid } => {
                w.u32(*dfid)?;
                w.str(name)?;
                w.u32(*mode)?;
                w.u32(*gid)
            }
            Self::Tunlinkat { dirfid, name, flags } => {
                w.u32(*dirfid)?;
                w.str(name)?;
                w.u32(*flags)
            }
            Self::Trenameat { olddirfid, oldname, newdirfid, newname } => {
                w.u32(*olddirfid)?;
                w.str(oldname)?;
                w.u32(*newdirfid)?;
                w.str(newname)
            }
            Self::Rstatfs(statfs) => statfs.write(w),
            Self::Tfsync { fid, datasync } => {
                w.u32(*fid)?;
                w.u32(*datasync)
            }
            Self::Txattrwalk { fid, newfid, name } => {
                w.u32(*fid)?;
                w.u32(*newfid)?;
                w.str(name)
            }
            Self::Rxattrwalk { size } => w.u64(*size),
            Self::Tflush { oldtag } => w.u16(*oldtag),
            Self::Rlerror { ecode } => w.u32(*ecode),
        }
    }
}

/// A walk's element count as its 16-bit field (the `heapless::Vec` already
/// caps it at `MAXWELEM`).
fn walk_count(len: usize) -> Result<u16, WireError> {
    u16::try_from(len).map_err(|_| WireError::TooManyWalkNames)
}
