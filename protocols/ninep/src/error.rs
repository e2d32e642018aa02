// SPDX-License-Identifier: MIT
//! [`WireError`]: why bytes did not decode into a 9P message, or a message
//! did not encode into a buffer.

use core::fmt;

/// Why a frame did not decode or a message did not encode. Every malformed
/// input ends in one of these, never in a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// The input ends before the 7-byte header, or before the number of
    /// bytes the header's size field announces (wait for more bytes).
    Truncated,
    /// The size field contradicts the frame: it is smaller than the header,
    /// or the message's fields run past the end it announces.
    SizeMismatch,
    /// The declared or encoded size is larger than the maximum message
    /// size (msize) in force, or a length does not fit its wire field.
    TooLarge,
    /// The message's fields end before the size field says the frame does.
    TrailingBytes,
    /// The type byte names no message this codec carries (9P2000 and
    /// 9P2000.u messages, the optional 9P2000.L ones, and Tlerror).
    UnknownType(u8),
    /// A string is not UTF-8.
    BadUtf8,
    /// A Twalk or Rwalk carries more than [`MAXWELEM`](crate::MAXWELEM)
    /// names or qids.
    TooManyWalkNames,
    /// A string to encode is longer than its 16-bit length field allows.
    StringTooLong,
    /// The output buffer is smaller than the encoded message.
    BufferTooSmall,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => f.write_str("9P frame truncated"),
            Self::SizeMismatch => f.write_str("9P size field contradicts the frame"),
            Self::TooLarge => f.write_str("9P message larger than msize"),
            Self::TrailingBytes => f.write_str("9P frame has bytes after its last field"),
            Self::UnknownType(t) => write!(f, "unknown 9P message type {t}"),
            Self::BadUtf8 => f.write_str("9P string is not UTF-8"),
            Self::TooManyWalkNames => f.write_str("more than 16 walk elements"),
            Self::StringTooLong => f.write_str("string longer than 65535 bytes"),
            Self::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl core::error::Error for WireError {}
