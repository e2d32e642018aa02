// SPDX-License-Identifier: MIT
//! Decoding a message body, given its type number, field by field.

use crate::attr::{SetAttr, Stat, StatFs};
use crate::codec::Reader;
use crate::consts::MAXWELEM;
use crate::error::WireError;
use crate::message::{Message, WalkNames, WalkQids};
use crate::msgtype as t;

impl<'a> Message<'a> {
    /// Decodes the body of a message of type `kind`. The caller checks
    /// that the whole body was consumed.
    pub(crate) fn decode_body(kind: u8, r: &mut Reader<'a>) -> Result<Self, WireError> {
        Ok(match kind {
            t::TVERSION => Self::Tversion { msize: r.u32()?, version: r.str()? },
            t::RVERSION => Self::Rversion { msize: r.u32()?, version: r.str()? },
            t::TATTACH => {
                Self::Tattach { fid: r.u32()?, afid: r.u32()?, uname: r.str()?, aname: r.str()?, n_uname: r.u32()? }
            }
            t::RATTACH => Self::Rattach { qid: r.qid()? },
            t::TWALK => Self::Twalk { fid: r.u32()?, newfid: r.u32()?, names: walk_names(r)? },
            t::RWALK => Self::Rwalk { qids: walk_qids(r)? },
            t::TLOPEN => Self::Tlopen { fid: r.u32()?, flags: r.u32()? },
            t::RLOPEN => Self::Rlopen { qid: r.qid()?, iounit: r.u32()? },
            t::TLCREATE => {
                Self::Tlcreate { fid: r.u32()?, name: r.str()?, flags: r.u32()?, mode: r.u32()?, gid: r.u32()? }
            }
            t::RLCREATE => Self::Rlcreate { qid: r.qid()?, iounit: r.u32()? },
            t::TREAD => Self::Tread { fid: r.u32()?, offset: r.u64()?, count: r.u32()? },
            t::RREAD => Self::Rread { data: r.data()? },
            t::TWRITE => Self::Twrite { fid: r.u32()?, offset: r.u64()?, data: r.data()? },
            t::RWRITE => Self::Rwrite { count: r.u32()? },
            t::TCLUNK => Self::Tclunk { fid: r.u32()? },
            t::RCLUNK => Self::Rclunk,
            t::TGETATTR => Self::Tgetattr { fid: r.u32()?, request_mask: r.u64()? },
            t::RGETATTR => Self::Rgetattr(Stat::read(r)?),
            t::TSETATTR => Self::Tsetattr { fid: r.u32()?, attr: SetAttr::read(r)? },
            t::RSETATTR => Self::Rsetattr,
            t::TREADDIR => Self::Treaddir { fid: r.u32()?, offset: r.u64()?, count: r.u32()? },
            t::RREADDIR => Self::Rreaddir { data: r.data()? },
            t::TMKDIR => Self::Tmkdir { dfid: r.u32()?, name: r.str()?, mode: r.u32()?, gid: r.u32()? },
            t::RMKDIR => Self::Rmkdir { qid: r.qid()? },
            t::TUNLINKAT => Self::Tunlinkat { dirfid: r.u32()?, name: r.str()?, flags: r.u32()? },
            t::RUNLINKAT => Self::Runlinkat,
            t::TRENAMEAT => {
                Self::Trenameat { olddirfid: r.u32()?, oldname: r.str()?, newdirfid: r.u32()?, newname: r.str()? }
            }
            t::RRENAMEAT => Self::Rrenameat,
            t::TSTATFS => Self::Tstatfs { fid: r.u32()? },
            t::RSTATFS => Self::Rstatfs(StatFs::read(r)?),
            t::TFSYNC => Self::Tfsync { fid: r.u32()?, datasync: r.u32()? },
            t::RFSYNC => Self::Rfsync,
            t::TXATTRWALK => Self::Txattrwalk { fid: r.u32()?, newfid: r.u32()?, name: r.str()? },
            t::RXATTRWALK => Self::Rxattrwalk { size: r.u64()? },
            t::TFLUSH => Self::Tflush { oldtag: r.u16()? },
            t::RFLUSH => Self::Rflush,
            t::RLERROR => Self::Rlerror { ecode: r.u32()? },
            other => return Err(WireError::UnknownType(other)),
        })
    }
}

/// nwname\[2\] nwname*(wname\[s\]), at most `MAXWELEM` names.
fn walk_names<'a>(r: &mut Reader<'a>) -> Result<WalkNames<'a>, WireError> {
    let n = walk_count(r)?;
    let mut names = WalkNames::new();
    for _ in 0..n {
        let name = r.str()?;
        names.push(name).map_err(|_| WireError::TooManyWalkNames)?;
    }
    Ok(names)
}

/// nwqid\[2\] nwqid*(qid\[13\]), at most `MAXWELEM` qids.
fn walk_qids(r: &mut Reader<'_>) -> Result<WalkQids, WireError> {
    let n = walk_count(r)?;
    let mut qids = WalkQids::new();
    for _ in 0..n {
        let qid = r.qid()?;
        qids.push(qid).map_err(|_| WireError::TooManyWalkNames)?;
    }
    Ok(qids)
}

/// A walk's element count, refused before any element is read if it is
/// over `MAXWELEM`.
fn walk_count(r: &mut Reader<'_>) -> Result<u16, WireError> {
    let n = r.u16()?;
    if usize::from(n) > MAXWELEM { Err(WireError::TooManyWalkNames) } else { Ok(n) }
}
