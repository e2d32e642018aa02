// SPDX-License-Identifier: MIT
//! The input protocol: what the input driver domain sends its clients.
//!
//! Coverage of Xen `io/kbdif.h`: events MOTION (relative pointer, wheel),
//! KEY (press/release), POS (absolute pointer), MTOUCH (DOWN, UP, MOTION,
//! SYN, SHAPE, ORIENT per contact); negotiated features disable-keyboard,
//! disable-pointer, abs-pointer, raw-pointer, multi-touch (contacts, surface
//! size). A client connects with the features it wants; the backend answers
//! with what it grants and its devices' capabilities. Messages are postcard
//! frames on the channel's rings; this crate only defines them.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod channel;

use serde::{Deserialize, Serialize};

/// Protocol version carried in the handshake.
pub const VERSION: u16 = 1;

/// What a client asks for, or a backend grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Features {
    /// Keyboard events (kbdif: absence of disable-keyboard).
    pub keyboard: bool,
    /// Pointer events (kbdif: absence of disable-pointer).
    pub pointer: bool,
    /// Absolute pointer positions (abs-pointer).
    pub abs_pointer: bool,
    /// Unscaled device coordinates (raw-pointer).
    pub raw_pointer: bool,
    /// Multi-touch, with its surface.
    pub multi_touch: Option<MultiTouch>,
}

/// A multi-touch surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiTouch {
    /// Simultaneous contacts.
    pub contacts: u8,
    /// Surface width in device units.
    pub width: u32,
    /// Surface height in device units.
    pub height: u32,
}

/// An axis range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisRange {
    /// Smallest value.
    pub min: i32,
    /// Largest value.
    pub max: i32,
}

/// The set of key codes (Linux input codes, 0..768) a device can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct KeySet(pub [u64; 12]);

impl KeySet {
    /// Adds `code` (ignored if beyond 767).
    pub fn insert(&mut self, code: u16) {
        if let Some(word) = self.0.get_mut(usize::from(code / 64)) {
            *word |= 1 << (code % 64);
        }
    }

    /// Whether `code` is in the set.
    pub fn contains(&self, code: u16) -> bool {
        self.0.get(usize::from(code / 64)).is_some_and(|w| w & (1 << (code % 64)) != 0)
    }
}

/// What the backend's devices can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Keys the keyboard(s) have.
    pub keys: KeySet,
    /// Absolute X range (tablet, touch).
    pub abs_x: Option<AxisRange>,
    /// Absolute Y range.
    pub abs_y: Option<AxisRange>,
    /// Touch contacts (0: no touch device).
    pub contacts: u8,
}

/// Client to backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Opens the connection (first message of each channel epoch).
    Connect {
        /// The client's protocol version.
        version: u16,
        /// What it wants.
        wanted: Features,
    },
}

/// Backend to client: replies and events, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// The answer to `Connect`.
    Connected {
        /// The backend's protocol version.
        version: u16,
        /// What it grants (a subset of what was asked).
        granted: Features,
        /// What its devices can report.
        capabilities: Capabilities,
    },
    /// The backend refuses the connection (e.g. version mismatch).
    Refused {
        /// The backend's protocol version.
        version: u16,
    },
    /// An input event.
    Event(Event),
    /// Events were dropped because this client was slow (oldest first).
    Dropped {
        /// How many since the last report.
        count: u32,
    },
}

/// An input event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A key (kbdif KEY).
    Key {
        /// Linux input key code.
        code: u16,
        /// Pressed (true) or released.
        pressed: bool,
    },
    /// Relative pointer motion and wheel (kbdif MOTION).
    Motion {
        /// X delta.
        dx: i32,
        /// Y delta.
        dy: i32,
        /// Wheel delta.
        dz: i32,
    },
    /// Absolute pointer position (kbdif POS).
    Position {
        /// X.
        x: i32,
        /// Y.
        y: i32,
        /// Wheel delta.
        dz: i32,
    },
    /// Multi-touch (kbdif MTOUCH).
    Touch {
        /// Contact id.
        contact: u8,
        /// What happened to it.
        what: Touch,
    },
}

/// A multi-touch event for one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Touch {
    /// The contact touches down at (x, y).
    Down {
        /// X.
        x: i32,
        /// Y.
        y: i32,
    },
    /// The contact lifts.
    Up,
    /// The contact moves to (x, y).
    Motion {
        /// X.
        x: i32,
        /// Y.
        y: i32,
    },
    /// End of a frame of touch events.
    Syn,
    /// Contact shape (ellipse axes).
    Shape {
        /// Major axis.
        major: u32,
        /// Minor axis.
        minor: u32,
    },
    /// Contact orientation, in degrees (-180..180).
    Orient {
        /// Degrees.
        degrees: i16,
    },
}

/// Why a frame is not a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Undecodable;

/// Decodes a backend message (garbage is an error, never a panic).
pub fn decode_message(frame: &[u8]) -> Result<Message, Undecodable> {
    postcard::from_bytes(frame).map_err(|_| Undecodable)
}

/// Decodes a client request.
pub fn decode_request(frame: &[u8]) -> Result<Request, Undecodable> {
    postcard::from_bytes(frame).map_err(|_| Undecodable)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn every_message() -> Vec<Message> {
        let mut keys = KeySet::default();
        keys.insert(30);
        keys.insert(767);
        let caps = Capabilities {
            keys,
            abs_x: Some(AxisRange { min: 0, max: 32767 }),
            abs_y: Some(AxisRange { min: 0, max: 32767 }),
            contacts: 10,
        };
        let features = Features {
            keyboard: true,
            pointer: true,
            abs_pointer: true,
            raw_pointer: false,
            multi_touch: Some(MultiTouch { contacts: 10, width: 1920, height: 1080 }),
        };
        let mut all = std::vec![
            Message::Connected { version: VERSION, granted: features, capabilities: caps },
            Message::Refused { version: VERSION },
            Message::Dropped { count: 7 },
            Message::Event(Event::Key { code: 30, pressed: true }),
            Message::Event(Event::Key { code: 30, pressed: false }),
            Message::Event(Event::Motion { dx: -3, dy: 4, dz: 1 }),
            Message::Event(Event::Position { x: 100, y: 200, dz: 0 }),
        ];
        for what in [
            Touch::Down { x: 1, y: 2 },
            Touch::Up,
            Touch::Motion { x: 3, y: 4 },
            Touch::Syn,
            Touch::Shape { major: 9, minor: 5 },
            Touch::Orient { degrees: -90 },
        ] {
            all.push(Message::Event(Event::Touch { contact: 2, what }));
        }
        all
    }

    #[test]
    fn every_message_round_trips() {
        for m in every_message() {
            let bytes = postcard::to_allocvec(&m).unwrap();
            assert_eq!(decode_message(&bytes), Ok(m));
        }
        let r = Request::Connect { version: VERSION, wanted: Features::default() };
        assert_eq!(decode_request(&postcard::to_allocvec(&r).unwrap()), Ok(r));
    }

    #[test]
    fn key_sets() {
        let mut k = KeySet::default();
        k.insert(0);
        k.insert(767);
        k.insert(768);
        assert!(k.contains(0) && k.contains(767) && !k.contains(1) && !k.contains(768));
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_message(&bytes);
            let _ = decode_request(&bytes);
        }
    }
}
