// SPDX-License-Identifier: MIT
//! Linux evdev events as virtio-input delivers them
//! (`struct virtio_input_event { le16 type; le16 code; le32 value; }`),
//! translated into `bulkhead_input` events, one translator per device.
//!
//! Owns: decoding the 8-byte event and the per-device state that turns a
//! stream of evdev events into protocol events (pressed keys, a pointer
//! frame, multi-touch slots). A frame ends at `SYN_REPORT`; `SYN_DROPPED`
//! (the device lost events) releases everything the clients were told is
//! down and ignores the rest of the broken frame. Must not touch: routing
//! (which client gets an event, `focus`) or queues.

pub mod codes;
mod keyboard;
mod keystate;
mod pointer;
mod touch;

pub use keyboard::Keyboard;
pub use pointer::Pointer;
pub use touch::{MAX_CONTACTS, Touch};

use crate::device::{DeviceConfig, DeviceKind};
use bulkhead_input::Event;

/// One evdev event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawEvent {
    /// `EV_*`.
    pub kind: u16,
    /// The code within the type (`KEY_*`, `REL_*`, `ABS_*`, `SYN_*`).
    pub code: u16,
    /// The value (the wire carries an `le32`; evdev reads it as signed).
    pub value: i32,
}

impl RawEvent {
    /// Bytes of a `virtio_input_event`.
    pub const SIZE: usize = 8;

    /// An event.
    pub const fn new(kind: u16, code: u16, value: i32) -> Self {
        Self { kind, code, value }
    }

    /// Decodes a `virtio_input_event` (little-endian).
    pub fn from_le_bytes(b: [u8; Self::SIZE]) -> Self {
        let [t0, t1, c0, c1, v0, v1, v2, v3] = b;
        Self {
            kind: u16::from_le_bytes([t0, t1]),
            code: u16::from_le_bytes([c0, c1]),
            value: i32::from_le_bytes([v0, v1, v2, v3]),
        }
    }

    /// Encodes it as a `virtio_input_event`.
    pub fn to_le_bytes(self) -> [u8; Self::SIZE] {
        let [t0, t1] = self.kind.to_le_bytes();
        let [c0, c1] = self.code.to_le_bytes();
        let [v0, v1, v2, v3] = self.value.to_le_bytes();
        [t0, t1, c0, c1, v0, v1, v2, v3]
    }
}

/// What kind of device an event came from: the focus policy routes by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A keyboard (keys, including hardware keys).
    Keyboard,
    /// A mouse or tablet (motion, position, buttons).
    Pointer,
    /// A multi-touch surface.
    Touch,
}

/// The translator of one device.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant, reason = "no heap in a domain: the backend holds translators in a fixed array")]
pub enum Translator {
    /// A keyboard.
    Keyboard(Keyboard),
    /// A mouse or tablet.
    Pointer(Pointer),
    /// A multi-touch surface.
    Touch(Touch),
}

impl Translator {
    /// The translator for a device, by its kind; `None` for a device that
    /// reports nothing this domain serves.
    pub fn for_device(config: &DeviceConfig) -> Option<Self> {
        Some(match config.kind()? {
            DeviceKind::Keyboard => Self::Keyboard(Keyboard::new()),
            DeviceKind::Mouse => Self::Pointer(Pointer::new(false)),
            DeviceKind::Tablet => Self::Pointer(Pointer::new(true)),
            DeviceKind::Touch => Self::Touch(Touch::new(config.touch.unwrap_or_default())),
        })
    }

    /// The class of every event it emits.
    pub fn class(&self) -> Class {
        match self {
            Self::Keyboard(_) => Class::Keyboard,
            Self::Pointer(_) => Class::Pointer,
            Self::Touch(_) => Class::Touch,
        }
    }

    /// Takes one evdev event; calls `out` with each protocol event it
    /// completes, in order.
    pub fn feed(&mut self, event: RawEvent, out: &mut impl FnMut(Event)) {
        match self {
            Self::Keyboard(k) => k.feed(event, out),
            Self::Pointer(p) => p.feed(event, out),
            Self::Touch(t) => t.feed(event, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtio_input_events_are_little_endian_with_a_signed_value() {
        let bytes = [0x03, 0x00, 0x39, 0x00, 0xff, 0xff, 0xff, 0xff];
        let e = RawEvent::from_le_bytes(bytes);
        assert_eq!(e, RawEvent::new(codes::EV_ABS, codes::ABS_MT_TRACKING_ID, -1));
        assert_eq!(e.to_le_bytes(), bytes);
    }
}
