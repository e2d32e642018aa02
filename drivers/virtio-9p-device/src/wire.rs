// SPDX-License-Identifier: MIT
//! What the transport checks in a 9P message, and the one reply it makes
//! itself: the header of a T-message taken from the guest ([`Request`],
//! [`check_request`]), the header of an R-message from the backend
//! ([`check_reply`]), Tversion's msize clamp and the 11-byte Rlerror
//! ([`rlerror`]) with the errnos it carries.
//!
//! Owns the byte layout of those checks; must not touch guest memory,
//! queues or the in-flight table (see `device` and `table`). Bodies are not
//! decoded: the 9pfs domain does that and answers what it cannot serve.

use bulkhead_ninep::msgtype::{RLERROR, TFLUSH, TVERSION};
use bulkhead_ninep::{HEADER_LEN, IOHDRSZ, NOTAG, errno};

/// The largest message this transport carries, header included: 8 KiB of
/// data plus [`IOHDRSZ`], so that one Tread/Twrite moves 8 KiB. A
/// Tversion asking for more is clamped to it before it is forwarded (the
/// only byte the device changes in a request), so the backend's Rversion
/// and every later message stay within it; Linux accepts a smaller msize
/// from the server (it needs at least 4096).
pub const MSIZE: u32 = 8 * 1024 + IOHDRSZ;

/// [`MSIZE`] as a buffer length.
pub const MSIZE_BYTES: usize = MSIZE as usize;

/// Bytes of an Rlerror: the header and ecode\[4\]. A chain must be able to
/// hold one, or the device cannot answer it.
pub const RLERROR_LEN: usize = HEADER_LEN + 4;

/// The errno of a request the device refuses itself (malformed header,
/// size field not what the chain holds, a tag already in flight).
pub const EINVAL: u32 = errno::EINVAL;
/// The errno of a request longer than [`MSIZE`].
pub const EMSGSIZE: u32 = errno::EMSGSIZE;
/// The errno of a request whose answer is lost: the backend restarted, or
/// its reply could not be delivered. Linux's own transports fail requests
/// with EIO when the connection goes, and it is not EINTR/ERESTARTSYS,
/// which would make the VFS retry against a backend that lost the fids.
pub const EIO: u32 = errno::EIO;

/// A 9P header read without judging it: size\[4\] type\[1\] tag\[2\].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// The size field.
    pub size: u32,
    /// The message type.
    pub kind: u8,
    /// The tag.
    pub tag: u16,
}

/// The header at the start of `bytes`, if there are 7 bytes.
pub fn head(bytes: &[u8]) -> Option<Head> {
    let (h, _) = bytes.split_first_chunk::<HEADER_LEN>()?;
    let [s0, s1, s2, s3, kind, t0, t1] = *h;
    Some(Head { size: u32::from_le_bytes([s0, s1, s2, s3]), kind, tag: u16::from_le_bytes([t0, t1]) })
}

/// A checked T-message's header, and Tflush's oldtag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// Its tag.
    pub tag: u16,
    /// Its type (even, at least 8).
    pub kind: u8,
    /// Its length (its size field, which is what the chain holds).
    pub len: usize,
    /// For a Tflush, the tag it aborts.
    pub flush_of: Option<u16>,
}

/// Checks the T-message copied into `bytes` (up to [`MSIZE`] bytes of the
/// chain's device-readable part) from a chain whose device-readable part
/// is `readable` bytes long. Err carries the tag to answer with ([`NOTAG`]
/// if there is no header) and the errno.
///
/// Checks, in order: a whole header (EINVAL); `readable` at most
/// [`MSIZE`] (EMSGSIZE); the size field equal to `readable` (EINVAL); a
/// T-message type: even and at least 8, so not Tlerror (EINVAL); NOTAG
/// exactly on Tversion (EINVAL); a Tversion that holds msize and a
/// version string length, a Tflush of exactly 9 bytes (EINVAL).
pub fn check_request(bytes: &[u8], readable: u32) -> Result<Request, (u16, u32)> {
    let h = head(bytes).ok_or((NOTAG, EINVAL))?;
    let fail = |e| Err((h.tag, e));
    if readable > MSIZE {
        return fail(EMSGSIZE);
    }
    if h.size != readable || bytes.len() != len_usize(readable) {
        return fail(EINVAL);
    }
    if h.kind % 2 != 0 || h.kind < 8 || (h.kind == TVERSION) != (h.tag == NOTAG) {
        return fail(EINVAL);
    }
    let flush_of = match h.kind {
        TFLUSH => match bytes {
            [_, _, _, _, _, _, _, o0, o1] => Some(u16::from_le_bytes([*o0, *o1])),
            _ => return fail(EINVAL),
        },
        TVERSION if bytes.len() < HEADER_LEN + 6 => return fail(EINVAL),
        _ => None,
    };
    Ok(Request { tag: h.tag, kind: h.kind, len: bytes.len(), flush_of })
}

/// Lowers a Tversion's msize (bytes 7..11) to at most [`MSIZE`]; other
/// messages are left alone.
pub fn clamp_version(bytes: &mut [u8]) {
    if head(bytes).is_none_or(|h| h.kind != TVERSION) {
        return;
    }
    if let Some(field) = bytes.get_mut(HEADER_LEN..HEADER_LEN + 4)
        && let Ok(msize) = <[u8; 4]>::try_from(&*field)
    {
        field.copy_from_slice(&u32::from_le_bytes(msize).min(MSIZE).to_le_bytes());
    }
}

/// Why a reply is not one the device can deliver for a request of type
/// `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadReply {
    /// The size field is not the reply's length.
    SizeMismatch,
    /// Longer than [`MSIZE`].
    TooLarge,
    /// Neither the request's R-message (its type + 1) nor Rlerror.
    WrongType,
}

/// Checks a reply (whose header `h` was read) for a request of type
/// `kind`.
pub fn check_reply(h: Head, len: usize, kind: u8) -> Result<(), BadReply> {
    if len > MSIZE_BYTES {
        return Err(BadReply::TooLarge);
    }
    if len_usize(h.size) != len {
        return Err(BadReply::SizeMismatch);
    }
    if h.kind != kind.wrapping_add(1) && h.kind != RLERROR {
        return Err(BadReply::WrongType);
    }
    Ok(())
}

/// The Rlerror with `tag` and `ecode`.
pub fn rlerror(tag: u16, ecode: u32) -> [u8; RLERROR_LEN] {
    let [t0, t1] = tag.to_le_bytes();
    let [e0, e1, e2, e3] = ecode.to_le_bytes();
    [11, 0, 0, 0, RLERROR, t0, t1, e0, e1, e2, e3]
}

/// A `u32` length as a `usize` (saturating on 16-bit targets).
pub fn len_usize(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}
