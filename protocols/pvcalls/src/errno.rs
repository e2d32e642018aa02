// SPDX-License-Identifier: MIT
//! The POSIX error numbers a PV Calls response carries, with their Linux
//! values (what a Linux frontend would hand its caller).

use serde::{Deserialize, Serialize};

/// The outcome of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Errno {
    /// Success.
    Ok,
    /// EINVAL: an argument is wrong (a data ring outside the data area or
    /// overlapping another, a backlog above the limit, a wrong state).
    Inval,
    /// EBADF: no such socket (or not this client's).
    BadF,
    /// EADDRINUSE.
    AddrInUse,
    /// ECONNREFUSED: the peer answered with a reset.
    ConnRefused,
    /// ENETUNREACH: no route (or the interface has no address yet).
    NetUnreach,
    /// ETIMEDOUT.
    TimedOut,
    /// EAGAIN.
    Again,
    /// ENOMEM: the backend is out of memory for sockets.
    NoMem,
    /// ENOTSUP: not supported (UDP, IPv6).
    NotSup,
    /// EACCES: the board file does not allow it (the firewall).
    Access,
    /// ECONNRESET: the connection was reset (by the peer, or by a restart
    /// of the network domain).
    ConnReset,
    /// EINPROGRESS: the outcome follows as an event.
    InProgress,
    /// EISCONN: the socket is already connected (or listening).
    IsConn,
    /// ENOTCONN.
    NotConn,
    /// ENOBUFS: the client's socket or ring-byte limit is reached.
    NoBufs,
    /// EADDRNOTAVAIL.
    AddrNotAvail,
    /// EEXIST: the socket id is already in use.
    Exist,
    /// EALREADY: an ACCEPT or POLL on this socket is already pending.
    Already,
}

impl Errno {
    /// Every value, for tests.
    pub const ALL: [Errno; 19] = [
        Errno::Ok,
        Errno::Inval,
        Errno::BadF,
        Errno::AddrInUse,
        Errno::ConnRefused,
        Errno::NetUnreach,
        Errno::TimedOut,
        Errno::Again,
        Errno::NoMem,
        Errno::NotSup,
        Errno::Access,
        Errno::ConnReset,
        Errno::InProgress,
        Errno::IsConn,
        Errno::NotConn,
        Errno::NoBufs,
        Errno::AddrNotAvail,
        Errno::Exist,
        Errno::Already,
    ];

    /// The Linux errno (0 for [`Errno::Ok`]).
    #[must_use]
    pub const fn linux(self) -> i32 {
        match self {
            Errno::Ok => 0,
            Errno::Inval => 22,
            Errno::BadF => 9,
            Errno::AddrInUse => 98,
            Errno::ConnRefused => 111,
            Errno::NetUnreach => 101,
            Errno::TimedOut => 110,
            Errno::Again => 11,
            Errno::NoMem => 12,
            Errno::NotSup => 95,
            Errno::Access => 13,
            Errno::ConnReset => 104,
            Errno::InProgress => 115,
            Errno::IsConn => 106,
            Errno::NotConn => 107,
            Errno::NoBufs => 105,
            Errno::AddrNotAvail => 99,
            Errno::Exist => 17,
            Errno::Already => 114,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_numbers_are_distinct() {
        for (i, a) in Errno::ALL.iter().enumerate() {
            for b in Errno::ALL.iter().skip(i + 1) {
                assert_ne!(a.linux(), b.linux(), "{a:?} and {b:?}");
            }
        }
        assert_eq!(Errno::ConnReset.linux(), 104);
    }
}
