// SPDX-License-Identifier: MIT
//! The display protocol: a client domain shows framebuffers through the
//! display driver domain.
//!
//! Coverage of Xen `io/displif.h`: DBUF_CREATE (client pages or backend
//! allocated), DBUF_DESTROY, FB_ATTACH (pixel format and size), FB_DETACH,
//! SET_CONFIG (which framebuffer a connector shows, position and size;
//! zero size disables), PG_FLIP, GET_EDID, and the PG_FLIP (flip done)
//! event; several connectors per client. Display buffers are sub-ranges of
//! the channel's static window ([`DataRef`]), never mapped at run time.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub use bulkhead_ring::{DataRef, Undecodable, decode};
use serde::{Deserialize, Serialize};

/// Protocol version carried in the handshake.
pub const VERSION: u16 = 1;

/// Pixel formats (DRM fourcc names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PixelFormat {
    /// XRGB8888.
    Xrgb8888,
    /// ARGB8888.
    Argb8888,
    /// RGB565.
    Rgb565,
}

/// Where a display buffer's memory comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BufferSource {
    /// The client's range of the channel window.
    Client(DataRef),
    /// The backend allocates it inside its part of the window and reports
    /// where in the response.
    Backend,
}

/// Client to backend; `id` is echoed in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Request id.
    pub id: u16,
    /// The connector it is about.
    pub connector: u8,
    /// What to do.
    pub op: Operation,
}

/// Operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Creates display buffer `dbuf`.
    DbufCreate {
        /// Client's cookie for it.
        dbuf: u64,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Bits per pixel.
        bpp: u8,
        /// Its memory.
        source: BufferSource,
    },
    /// Destroys a display buffer.
    DbufDestroy {
        /// Its cookie.
        dbuf: u64,
    },
    /// Makes framebuffer `fb` over display buffer `dbuf`.
    FbAttach {
        /// Framebuffer cookie.
        fb: u64,
        /// Display buffer cookie.
        dbuf: u64,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Pixel format.
        format: PixelFormat,
    },
    /// Removes a framebuffer.
    FbDetach {
        /// Its cookie.
        fb: u64,
    },
    /// Shows `fb` on the connector at (x, y), `width` x `height`; a zero
    /// size disables the connector.
    SetConfig {
        /// Framebuffer cookie.
        fb: u64,
        /// X position.
        x: u32,
        /// Y position.
        y: u32,
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// Bits per pixel.
        bpp: u8,
    },
    /// Shows `fb` at the next vertical blank.
    PageFlip {
        /// Framebuffer cookie.
        fb: u64,
    },
    /// Copies the connector's EDID into `buffer`.
    GetEdid {
        /// Where.
        buffer: DataRef,
    },
}

/// Outcomes, as POSIX numbers (displif uses negative errno).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Done.
    Ok,
    /// EINVAL.
    InvalidArgument,
    /// ENOENT: no such buffer or framebuffer.
    NotFound,
    /// ENOMEM: no room in the window.
    NoMemory,
    /// EBUSY.
    Busy,
    /// EIO.
    Io,
}

/// Backend to client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id.
    pub id: u16,
    /// Outcome.
    pub status: Status,
    /// Extra data.
    pub payload: Payload,
}

/// Response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    /// Nothing.
    None,
    /// DBUF_CREATE with a backend buffer: where it is.
    Buffer(DataRef),
    /// GET_EDID: bytes written.
    EdidLength(u32),
}

/// Events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// PG_FLIP done: `fb` is now on screen.
    FlipDone {
        /// Connector.
        connector: u8,
        /// Framebuffer cookie.
        fb: u64,
    },
}

/// A connector the backend offers (sent at connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorInfo {
    /// Index.
    pub connector: u8,
    /// Preferred width.
    pub width: u32,
    /// Preferred height.
    pub height: u32,
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;

    fn round_trip<T: Serialize + for<'a> Deserialize<'a> + PartialEq + core::fmt::Debug>(v: T) {
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(decode::<T>(&bytes).unwrap(), v);
    }

    #[test]
    fn every_message_round_trips() {
        let r = DataRef { offset: 0, len: 1920 * 1080 * 4 };
        for op in [
            Operation::DbufCreate { dbuf: 1, width: 1920, height: 1080, bpp: 32, source: BufferSource::Client(r) },
            Operation::DbufCreate { dbuf: 2, width: 800, height: 480, bpp: 16, source: BufferSource::Backend },
            Operation::DbufDestroy { dbuf: 1 },
            Operation::FbAttach { fb: 9, dbuf: 1, width: 1920, height: 1080, format: PixelFormat::Xrgb8888 },
            Operation::FbAttach { fb: 8, dbuf: 2, width: 800, height: 480, format: PixelFormat::Rgb565 },
            Operation::FbDetach { fb: 9 },
            Operation::SetConfig { fb: 9, x: 0, y: 0, width: 1920, height: 1080, bpp: 32 },
            Operation::SetConfig { fb: 0, x: 0, y: 0, width: 0, height: 0, bpp: 0 },
            Operation::PageFlip { fb: 9 },
            Operation::GetEdid { buffer: DataRef { offset: 0, len: 256 } },
        ] {
            round_trip(Request { id: 4, connector: 1, op });
        }
        for status in
            [Status::Ok, Status::InvalidArgument, Status::NotFound, Status::NoMemory, Status::Busy, Status::Io]
        {
            round_trip(Response { id: 1, status, payload: Payload::None });
        }
        round_trip(Response { id: 2, status: Status::Ok, payload: Payload::Buffer(r) });
        round_trip(Response { id: 3, status: Status::Ok, payload: Payload::EdidLength(128) });
        round_trip(Event::FlipDone { connector: 0, fb: 9 });
        round_trip(ConnectorInfo { connector: 0, width: 1920, height: 1080 });
        round_trip(PixelFormat::Argb8888);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode::<Request>(&bytes);
            let _ = decode::<Response>(&bytes);
            let _ = decode::<Event>(&bytes);
        }
    }
}
