// SPDX-License-Identifier: MIT
//! The sound protocol: a client domain plays and captures PCM through the
//! sound driver domain.
//!
//! Coverage of Xen `io/sndif.h`: requests OPEN (format, rate, channels,
//! buffer and period size), CLOSE, READ (capture), WRITE (playback),
//! SET_VOLUME, GET_VOLUME, MUTE, UNMUTE, TRIGGER (START, PAUSE, STOP,
//! RESUME) and HW_PARAM_QUERY; the CUR_POS event on its own ring; several
//! cards, devices and streams per client, each stream playback or capture.
//! PCM never travels in messages: READ and WRITE name a range of the
//! channel's data area ([`DataRef`]).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod channel;

pub use bulkhead_ring::{DataRef, Undecodable, decode};
use serde::{Deserialize, Serialize};

/// Protocol version carried in the handshake.
pub const VERSION: u16 = 1;

/// The largest message either way, encoded (a SET_VOLUME with eight
/// channels is the largest).
pub const MAX_MESSAGE: usize = 96;

/// Most channels of one stream.
pub const MAX_CHANNELS: usize = 8;

/// Sample formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// Signed 8-bit.
    S8,
    /// Unsigned 8-bit.
    U8,
    /// Signed 16-bit little endian.
    S16Le,
    /// Signed 24-bit in 32, little endian.
    S24Le,
    /// Signed 32-bit little endian.
    S32Le,
    /// 32-bit float little endian.
    F32Le,
}

/// Playback or capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Client to device.
    Playback,
    /// Device to client.
    Capture,
}

/// Where a stream is: card, device, stream index (the sndif hierarchy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamId {
    /// Card.
    pub card: u8,
    /// Device on the card.
    pub device: u8,
    /// Stream on the device.
    pub stream: u8,
}

/// A stream the backend offers (sent at connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Its id.
    pub id: StreamId,
    /// Playback or capture.
    pub direction: Direction,
}

/// PCM parameters of an open stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PcmParams {
    /// Sample format.
    pub format: Format,
    /// Frames per second.
    pub rate: u32,
    /// Interleaved channels.
    pub channels: u8,
    /// Bytes of the stream's buffer (in the data area).
    pub buffer_bytes: u32,
    /// Bytes per period (position events come once per period).
    pub period_bytes: u32,
}

/// A closed range of values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Smallest.
    pub min: u32,
    /// Largest.
    pub max: u32,
}

/// HW_PARAM_QUERY: what the client would like; the reply narrows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HwParams {
    /// Acceptable formats, as a bit set of `Format as u8`.
    pub formats: u8,
    /// Rates.
    pub rate: Span,
    /// Channels.
    pub channels: Span,
    /// Buffer size in bytes.
    pub buffer_bytes: Span,
    /// Period size in bytes.
    pub period_bytes: Span,
}

/// TRIGGER actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    /// Start the stream.
    Start,
    /// Pause it.
    Pause,
    /// Stop it (position back to 0).
    Stop,
    /// Resume a paused stream.
    Resume,
}

/// Client to backend; `id` is echoed in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Request id, echoed in the response.
    pub id: u16,
    /// The stream it is about.
    pub stream: StreamId,
    /// What to do.
    pub op: Operation,
}

/// Operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Opens the stream with these parameters; `buffer` is its PCM buffer
    /// in the data area.
    Open {
        /// PCM parameters.
        params: PcmParams,
        /// The stream's buffer.
        buffer: DataRef,
    },
    /// Closes it.
    Close,
    /// Capture: fill this range of the buffer.
    Read {
        /// Where.
        data: DataRef,
    },
    /// Playback: play this range of the buffer.
    Write {
        /// Where.
        data: DataRef,
    },
    /// Sets per-channel volume (milli-dB), the first `channels` values.
    SetVolume {
        /// Channels given.
        channels: u8,
        /// Levels.
        levels: [i32; MAX_CHANNELS],
    },
    /// Asks for the volume.
    GetVolume,
    /// Mutes.
    Mute,
    /// Unmutes.
    Unmute,
    /// Starts, pauses, stops or resumes.
    Trigger(Trigger),
    /// Negotiates parameters.
    HwParamQuery(HwParams),
}

/// Errors, as POSIX numbers (sndif uses negative errno).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Done.
    Ok,
    /// EINVAL: bad parameters or range.
    InvalidArgument,
    /// ENODEV: no such stream.
    NoDevice,
    /// EBUSY: the stream is open elsewhere or in the wrong state.
    Busy,
    /// EIO: the device failed.
    Io,
    /// EACCES: the board's policy does not allow it (capture for a client
    /// that does not receive it, more playback streams than it may open).
    PermissionDenied,
}

/// Backend to client: the response to request `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id.
    pub id: u16,
    /// Outcome.
    pub status: Status,
    /// Data for queries.
    pub payload: Payload,
}

/// Response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload {
    /// Nothing.
    None,
    /// GET_VOLUME.
    Volume {
        /// Channels given.
        channels: u8,
        /// Levels (milli-dB).
        levels: [i32; MAX_CHANNELS],
    },
    /// HW_PARAM_QUERY: what the device accepts within the request.
    HwParams(HwParams),
}

/// Connection set-up (first messages of each channel epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hello {
    /// Client: its version. Not sent today: the link handshake carries
    /// both versions; kept so that the message set stays sndif's.
    Connect {
        /// Protocol version.
        version: u16,
    },
    /// Backend: its version and how many streams it offers (described by
    /// the `StreamInfo` messages that follow).
    Connected {
        /// Protocol version.
        version: u16,
        /// Streams that follow.
        streams: u8,
    },
}

/// Backend to client on the reply ring: the greeting, then responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToClient {
    /// First in each epoch: the backend's version and how many
    /// [`ToClient::Stream`] follow (the streams this client may open).
    Hello(Hello),
    /// One stream the client may open.
    Stream(StreamInfo),
    /// The response to a request.
    Response(Response),
}

/// Events, on the event ring (sndif's separate event channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// CUR_POS: frames played or captured so far on the stream.
    Position {
        /// The stream.
        stream: StreamId,
        /// Bytes since the stream started.
        position_bytes: u64,
    },
    /// The stream ran dry while it was running: this many device frames
    /// of it were silence (nobody else heard a gap).
    Underrun {
        /// The stream.
        stream: StreamId,
        /// Device frames filled with silence.
        frames: u32,
    },
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, reason = "tests")]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    const S: StreamId = StreamId { card: 0, device: 1, stream: 2 };

    fn ops() -> Vec<Operation> {
        let span = Span { min: 1, max: 2 };
        let hw = HwParams { formats: 0b100, rate: span, channels: span, buffer_bytes: span, period_bytes: span };
        std::vec![
            Operation::Open {
                params: PcmParams {
                    format: Format::S16Le,
                    rate: 48_000,
                    channels: 2,
                    buffer_bytes: 65536,
                    period_bytes: 4096
                },
                buffer: DataRef { offset: 0, len: 65536 },
            },
            Operation::Close,
            Operation::Read { data: DataRef { offset: 4096, len: 4096 } },
            Operation::Write { data: DataRef { offset: 0, len: 4096 } },
            Operation::SetVolume { channels: 2, levels: [-6000, -6000, 0, 0, 0, 0, 0, 0] },
            Operation::GetVolume,
            Operation::Mute,
            Operation::Unmute,
            Operation::Trigger(Trigger::Start),
            Operation::Trigger(Trigger::Pause),
            Operation::Trigger(Trigger::Stop),
            Operation::Trigger(Trigger::Resume),
            Operation::HwParamQuery(hw),
        ]
    }

    fn round_trip<T: Serialize + for<'a> Deserialize<'a> + PartialEq + core::fmt::Debug>(v: T) {
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(decode::<T>(&bytes).unwrap(), v);
    }

    #[test]
    fn every_message_round_trips() {
        for (i, op) in ops().into_iter().enumerate() {
            let request = Request { id: u16::MAX, stream: S, op };
            assert!(postcard::to_allocvec(&request).unwrap().len() <= MAX_MESSAGE, "{request:?}");
            round_trip(Request { id: i as u16, stream: S, op });
        }
        for status in
            [Status::Ok, Status::InvalidArgument, Status::NoDevice, Status::Busy, Status::Io, Status::PermissionDenied]
        {
            round_trip(Response { id: 1, status, payload: Payload::None });
        }
        round_trip(Response { id: 2, status: Status::Ok, payload: Payload::Volume { channels: 1, levels: [3; 8] } });
        let span = Span { min: 8000, max: 48000 };
        let hw = HwParams { formats: 0xff, rate: span, channels: span, buffer_bytes: span, period_bytes: span };
        round_trip(Response { id: 3, status: Status::Ok, payload: Payload::HwParams(hw) });
        round_trip(Event::Position { stream: S, position_bytes: 1 << 40 });
        round_trip(Event::Underrun { stream: S, frames: 480 });
        round_trip(Hello::Connect { version: VERSION });
        round_trip(Hello::Connected { version: VERSION, streams: 2 });
        round_trip(StreamInfo { id: S, direction: Direction::Capture });
        round_trip(ToClient::Hello(Hello::Connected { version: VERSION, streams: 3 }));
        round_trip(ToClient::Stream(StreamInfo { id: S, direction: Direction::Playback }));
        round_trip(ToClient::Response(Response { id: 9, status: Status::Busy, payload: Payload::None }));
        for f in [Format::S8, Format::U8, Format::S16Le, Format::S24Le, Format::S32Le, Format::F32Le] {
            round_trip(f);
        }
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode::<Request>(&bytes);
            let _ = decode::<Response>(&bytes);
            let _ = decode::<Event>(&bytes);
            let _ = decode::<Hello>(&bytes);
        }
    }
}
