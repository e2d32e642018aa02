// SPDX-License-Identifier: MIT
//! Postcard messages over a ring: encode, push; pop, validate, decode.

use crate::ring::{Consumer, Producer, RingError};
use crate::window::Window;
use serde::{Deserialize, Serialize};

/// Why a message was not sent or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// The ring refused or failed.
    Ring(RingError),
    /// The message does not encode into the scratch buffer.
    Encode,
    /// The frame is not a valid message of the expected type (the frame
    /// is consumed: a peer cannot wedge the ring with garbage).
    Undecodable,
}

impl From<RingError> for MessageError {
    fn from(e: RingError) -> Self {
        Self::Ring(e)
    }
}

impl<W: Window> Producer<W> {
    /// Encodes `message` with postcard into `scratch`, then pushes it.
    pub fn send<T: Serialize>(&mut self, message: &T, scratch: &mut [u8]) -> Result<(), MessageError> {
        let bytes = postcard::to_slice(message, scratch).map_err(|_| MessageError::Encode)?;
        Ok(self.push(bytes)?)
    }
}

impl<W: Window> Consumer<W> {
    /// Pops a frame into `buf` and decodes it as a `T` (which may borrow
    /// from `buf`).
    pub fn receive<'b, T: Deserialize<'b>>(&mut self, buf: &'b mut [u8]) -> Result<T, MessageError> {
        let frame = self.pop(buf)?;
        postcard::from_bytes(frame).map_err(|_| MessageError::Undecodable)
    }
}

/// A frame that is not a valid message of the expected type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecodable;

/// Decodes one protocol message of type `T` from a frame already taken off
/// a ring (garbage is an error, never a panic). Every protocol crate uses
/// this one decoder.
pub fn decode<'a, T: Deserialize<'a>>(frame: &'a [u8]) -> Result<T, Undecodable> {
    postcard::from_bytes(frame).map_err(|_| Undecodable)
}
