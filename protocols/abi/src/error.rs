// SPDX-License-Identifier: MIT
//! Error codes returned by the kernel to domains.
//!
//! A hypercall returns 0 in x0 on success, or the two's-complement negative
//! of one of these codes: `NotSupported` is therefore -1, which is also the
//! SMCCC and PSCI `NOT_SUPPORTED` that guests such as Linux expect.

/// Why the kernel refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Error {
    /// Unknown function number.
    NotSupported = 1,
    /// An argument is out of range.
    InvalidArgument = 2,
    /// The call names something the domain does not hold.
    Denied = 3,
    /// A guest address lies outside the domain's grants.
    InvalidAddress = 4,
    /// The target is already in the requested state.
    AlreadyDone = 5,
    /// Over a rate budget (a channel's notify budget): refused without
    /// effect; try again later.
    RateLimited = 6,
}

impl Error {
    /// Every code, for exhaustiveness checks.
    pub const ALL: [Error; 6] = [
        Error::NotSupported,
        Error::InvalidArgument,
        Error::Denied,
        Error::InvalidAddress,
        Error::AlreadyDone,
        Error::RateLimited,
    ];

    /// The value placed in x0.
    pub const fn to_x0(self) -> u64 {
        (self as u32 as u64).wrapping_neg()
    }

    /// Decodes x0; `None` for success or an unknown code.
    pub const fn from_x0(x0: u64) -> Option<Self> {
        match x0.wrapping_neg() {
            1 => Some(Error::NotSupported),
            2 => Some(Error::InvalidArgument),
            3 => Some(Error::Denied),
            4 => Some(Error::InvalidAddress),
            5 => Some(Error::AlreadyDone),
            6 => Some(Error::RateLimited),
            _ => None,
        }
    }
}

/// Compile-time check that `from_x0` inverts `to_x0` for every code and
/// that `ALL` lists every variant (a new variant without an arm in the
/// `match` below fails to compile).
#[allow(clippy::indexing_slicing, reason = "a compile-time loop bounded by its condition")]
const _: () = {
    let mut i = 0;
    while i < Error::ALL.len() {
        let e = Error::ALL[i];
        match e {
            Error::NotSupported
            | Error::InvalidArgument
            | Error::Denied
            | Error::InvalidAddress
            | Error::AlreadyDone
            | Error::RateLimited => {}
        }
        assert!(matches!(Error::from_x0(e.to_x0()), Some(d) if d as u32 == e as u32));
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_supported_is_minus_one() {
        assert_eq!(Error::NotSupported.to_x0() as i64, -1);
        assert_eq!(Error::from_x0(0), None);
        assert_eq!(Error::from_x0(u64::MAX - 99), None);
    }

    #[test]
    fn rate_limited_is_minus_six() {
        assert_eq!(Error::RateLimited.to_x0() as i64, -6);
        assert_eq!(Error::from_x0((-6i64) as u64), Some(Error::RateLimited));
    }
}
