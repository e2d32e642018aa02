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
//!
//! Beyond displif: a framebuffer has an explicit stride and offset in its
//! display buffer; a flip may name the rectangle that changed (dirty
//! rectangle); a configuration that would cover another client's protected
//! region is refused with [`Payload::ProtectedRegion`]; and the owner of a
//! protected region hears of a scanout that does not show what it
//! submitted ([`Event::ProtectedRegionMismatch`]).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub use bulkhead_ring::{DataRef, Undecodable, decode};
pub use rect::Rect;
use serde::{Deserialize, Serialize};

pub mod channel;
mod rect;

/// Everything the backend sends a client, on the `TO_CLIENT` ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToClient {
    /// After the link is up: how many connectors follow as [`ToClient::Connector`].
    Hello {
        /// The protocol version the backend speaks.
        version: u16,
        /// Connectors this client may use.
        connectors: u8,
    },
    /// One connector the client may show on.
    Connector(ConnectorInfo),
    /// The answer to a request.
    Response(Response),
    /// An event.
    Event(Event),
}

/// The largest encoded message either way.
pub const MAX_MESSAGE: usize = 64;

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
        /// Bytes from one row's start to the next.
        stride: u32,
        /// Where the first row starts in the display buffer, in bytes.
        offset: u32,
    },
    /// Removes a framebuffer.
    FbDetach {
        /// Its cookie.
        fb: u64,
    },
    /// Shows `fb` on the connector at `area` (its size is the
    /// framebuffer's: no scaling); a zero size takes this client's surface
    /// off the connector.
    SetConfig {
        /// Framebuffer cookie.
        fb: u64,
        /// Position and size on the connector.
        area: Rect,
    },
    /// Shows `fb` (the configured size) from the next composed frame; the
    /// flip-done event follows once that frame has reached the scanout.
    PageFlip {
        /// Framebuffer cookie.
        fb: u64,
        /// What changed, in the framebuffer's coordinates; `None`: all.
        damage: Option<Rect>,
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
    /// EACCES: the board's policy does not allow it (a connector the client
    /// may not show on, or another client's protected region).
    PermissionDenied,
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
    /// SET_CONFIG refused: the area would cover protected region `n` of
    /// the connector (its index in the board file).
    ProtectedRegion(u8),
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
    /// The composed scanout of protected region `region` does not show
    /// what its owner submitted (sent to the owner; CRC-32 of the region's
    /// B, G, R bytes, row by row).
    ProtectedRegionMismatch {
        /// Connector.
        connector: u8,
        /// The region's index in the board file.
        region: u8,
        /// CRC of what the owner submitted.
        expected: u32,
        /// CRC of what the scanout holds.
        found: u32,
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
            Operation::FbAttach {
                fb: 9,
                dbuf: 1,
                width: 1920,
                height: 1080,
                format: PixelFormat::Xrgb8888,
                stride: 7680,
                offset: 0,
            },
            Operation::FbAttach {
                fb: 8,
                dbuf: 2,
                width: 800,
                height: 480,
                format: PixelFormat::Rgb565,
                stride: 1600,
                offset: 64,
            },
            Operation::FbDetach { fb: 9 },
            Operation::SetConfig { fb: 9, area: Rect::new(0, 0, 1920, 1080) },
            Operation::SetConfig { fb: 0, area: Rect::new(0, 0, 0, 0) },
            Operation::PageFlip { fb: 9, damage: None },
            Operation::PageFlip { fb: 9, damage: Some(Rect::new(64, 64, 64, 64)) },
            Operation::GetEdid { buffer: DataRef { offset: 0, len: 256 } },
        ] {
            round_trip(Request { id: 4, connector: 1, op });
        }
        for status in [
            Status::Ok,
            Status::InvalidArgument,
            Status::NotFound,
            Status::NoMemory,
            Status::Busy,
            Status::Io,
            Status::PermissionDenied,
        ] {
            round_trip(Response { id: 1, status, payload: Payload::None });
        }
        round_trip(Response { id: 2, status: Status::Ok, payload: Payload::Buffer(r) });
        round_trip(Response { id: 3, status: Status::Ok, payload: Payload::EdidLength(128) });
        round_trip(Response { id: 4, status: Status::PermissionDenied, payload: Payload::ProtectedRegion(2) });
        round_trip(Event::FlipDone { connector: 0, fb: 9 });
        round_trip(Event::ProtectedRegionMismatch { connector: 0, region: 1, expected: 0xdead_beef, found: 7 });
        round_trip(ConnectorInfo { connector: 0, width: 1920, height: 1080 });
        for m in [
            ToClient::Hello { version: VERSION, connectors: 2 },
            ToClient::Connector(ConnectorInfo { connector: 1, width: 1280, height: 720 }),
            ToClient::Response(Response { id: 1, status: Status::Ok, payload: Payload::EdidLength(128) }),
            ToClient::Event(Event::ProtectedRegionMismatch { connector: 1, region: 7, expected: u32::MAX, found: 1 }),
        ] {
            assert!(postcard::to_allocvec(&m).unwrap().len() <= MAX_MESSAGE);
            round_trip(m);
        }
        let biggest = Request {
            id: u16::MAX,
            connector: u8::MAX,
            op: Operation::FbAttach {
                fb: u64::MAX,
                dbuf: u64::MAX,
                width: u32::MAX,
                height: u32::MAX,
                format: PixelFormat::Rgb565,
                stride: u32::MAX,
                offset: u32::MAX,
            },
        };
        assert!(postcard::to_allocvec(&biggest).unwrap().len() <= MAX_MESSAGE);
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
