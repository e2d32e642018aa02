// SPDX-License-Identifier: MIT
//! Linux evdev numbers this crate uses and the 8-byte
//! `struct virtio_input_event` ([`EvdevEvent`]) the event queue carries.
//!
//! Owns the numbers and the wire layout only; must not decide which events
//! a device sends (see `translate`) nor what it advertises (see `profile`).

/// EV_SYN: synchronisation.
pub const EV_SYN: u16 = 0x00;
/// EV_KEY: keys and buttons.
pub const EV_KEY: u16 = 0x01;
/// EV_REL: relative axes (no device here has them).
pub const EV_REL: u16 = 0x02;
/// EV_ABS: absolute axes.
pub const EV_ABS: u16 = 0x03;
/// EV_REP: autorepeat (not offered: the guest repeats in software).
pub const EV_REP: u16 = 0x14;

/// SYN_REPORT: end of a frame.
pub const SYN_REPORT: u16 = 0;

/// ABS_X.
pub const ABS_X: u16 = 0x00;
/// ABS_Y.
pub const ABS_Y: u16 = 0x01;
/// ABS_MT_SLOT.
pub const ABS_MT_SLOT: u16 = 0x2f;
/// ABS_MT_POSITION_X.
pub const ABS_MT_POSITION_X: u16 = 0x35;
/// ABS_MT_POSITION_Y.
pub const ABS_MT_POSITION_Y: u16 = 0x36;
/// ABS_MT_TRACKING_ID.
pub const ABS_MT_TRACKING_ID: u16 = 0x39;

/// BTN_LEFT.
pub const BTN_LEFT: u16 = 0x110;
/// BTN_RIGHT.
pub const BTN_RIGHT: u16 = 0x111;
/// BTN_MIDDLE.
pub const BTN_MIDDLE: u16 = 0x112;
/// BTN_TOUCH.
pub const BTN_TOUCH: u16 = 0x14a;

/// INPUT_PROP_DIRECT: the surface is the screen (multi-touch).
pub const INPUT_PROP_DIRECT: u16 = 0x01;

/// The largest tracking id handed out (ids wrap to 0 after it).
pub const TRACKING_ID_MAX: i32 = 0xffff;

/// One `struct virtio_input_event { le16 type; le16 code; le32 value; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvdevEvent {
    /// EV_* type.
    pub ty: u16,
    /// Code within the type.
    pub code: u16,
    /// Value (1/0 for keys, a coordinate, -1 for a lifted contact, ...).
    pub value: i32,
}

impl EvdevEvent {
    /// Bytes of one event on the wire.
    pub const SIZE: usize = 8;

    /// The event as the guest reads it (little-endian).
    pub fn to_bytes(self) -> [u8; Self::SIZE] {
        let [t0, t1] = self.ty.to_le_bytes();
        let [c0, c1] = self.code.to_le_bytes();
        let [v0, v1, v2, v3] = self.value.to_le_bytes();
        [t0, t1, c0, c1, v0, v1, v2, v3]
    }

    /// The event in `bytes` (the inverse of [`EvdevEvent::to_bytes`]).
    pub fn from_bytes(bytes: [u8; Self::SIZE]) -> Self {
        let [t0, t1, c0, c1, v0, v1, v2, v3] = bytes;
        Self {
            ty: u16::from_le_bytes([t0, t1]),
            code: u16::from_le_bytes([c0, c1]),
            value: i32::from_le_bytes([v0, v1, v2, v3]),
        }
    }

    /// EV_SYN SYN_REPORT 0.
    pub const fn syn() -> Self {
        Self { ty: EV_SYN, code: SYN_REPORT, value: 0 }
    }

    /// EV_KEY `code` 1 or 0.
    pub const fn key(code: u16, pressed: bool) -> Self {
        Self { ty: EV_KEY, code, value: if pressed { 1 } else { 0 } }
    }

    /// EV_ABS `code` `value`.
    pub const fn abs(code: u16, value: i32) -> Self {
        Self { ty: EV_ABS, code, value }
    }
}
