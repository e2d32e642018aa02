// SPDX-License-Identifier: MIT
//! What one input device can report, probed from its virtio-input
//! configuration space (`EV_BITS` bitmaps per event type, `ABS_INFO` per
//! axis), and what kind of device that makes it.
//!
//! Owns: reading the configuration answers (as bytes, through a query
//! function, so the domain passes `VirtIOInput::query_config_select` and
//! the tests a simulated device) and the classification rule. Must not
//! touch: the device's event queue or any translation state.

use crate::evdev::MAX_CONTACTS;
use crate::evdev::codes::{
    ABS_MT_ORIENTATION, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_SLOT, ABS_MT_TOUCH_MAJOR, ABS_MT_TOUCH_MINOR,
    ABS_X, ABS_Y, EV_ABS, EV_KEY, EV_REL, KEY_MAX, REL_WHEEL, REL_X, REL_Y, VIRTIO_INPUT_CFG_ABS_INFO,
    VIRTIO_INPUT_CFG_EV_BITS,
};
use bulkhead_input::{AxisRange, KeySet};

/// A multi-touch surface's capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TouchConfig {
    /// Slots (simultaneous contacts), at most [`MAX_CONTACTS`].
    pub slots: u8,
    /// `ABS_MT_POSITION_X` range.
    pub x: Option<AxisRange>,
    /// `ABS_MT_POSITION_Y` range.
    pub y: Option<AxisRange>,
    /// Reports `ABS_MT_TOUCH_MAJOR` (contact shape).
    pub major: bool,
    /// Reports `ABS_MT_TOUCH_MINOR` (otherwise the contact is round).
    pub minor: bool,
    /// `ABS_MT_ORIENTATION` range, if reported.
    pub orientation: Option<AxisRange>,
}

/// One device's capabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceConfig {
    /// Keys and buttons (`EV_KEY` codes).
    pub keys: KeySet,
    /// Relative X and Y (`REL_X`, `REL_Y`).
    pub relative: bool,
    /// A wheel (`REL_WHEEL`).
    pub wheel: bool,
    /// Absolute X and Y (`ABS_X`, `ABS_Y`) ranges, for a single-pointer
    /// absolute device (not set for a multi-touch surface).
    pub absolute: Option<(AxisRange, AxisRange)>,
    /// Multi-touch (protocol B: `ABS_MT_SLOT`, positions).
    pub touch: Option<TouchConfig>,
}

/// What a device is, as this domain serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// Keys only.
    Keyboard,
    /// Relative pointer (with buttons, maybe a wheel).
    Mouse,
    /// Absolute pointer.
    Tablet,
    /// Multi-touch surface.
    Touch,
}

/// Whether bit `code` is set in a virtio-input bitmap (bit n of byte n/8).
fn has(bits: &[u8], code: u16) -> bool {
    bits.get(usize::from(code / 8)).is_some_and(|b| b & (1 << (code % 8)) != 0)
}

impl DeviceConfig {
    /// Its kind: multi-touch, else tablet, else mouse, else keyboard;
    /// `None` for a device with nothing this domain serves.
    pub fn kind(&self) -> Option<DeviceKind> {
        if self.touch.is_some() {
            Some(DeviceKind::Touch)
        } else if self.absolute.is_some() {
            Some(DeviceKind::Tablet)
        } else if self.relative {
            Some(DeviceKind::Mouse)
        } else if self.keys != KeySet::default() {
            Some(DeviceKind::Keyboard)
        } else {
            None
        }
    }

    /// Probes a device through `query(select, subsel, out) -> size`, the
    /// shape of virtio-input's configuration space (and of
    /// `VirtIOInput::query_config_select`): `out` receives up to 128 bytes,
    /// `size` says how many are valid (0: not supported).
    pub fn probe(mut query: impl FnMut(u8, u8, &mut [u8]) -> usize) -> Self {
        let mut bitmap = |ev: u16| {
            let mut bits = [0u8; 128];
            let size = query(VIRTIO_INPUT_CFG_EV_BITS, u8::try_from(ev).unwrap_or(0), &mut bits).min(bits.len());
            if let Some(rest) = bits.get_mut(size..) {
                rest.fill(0);
            }
            bits
        };
        let key_bits = bitmap(EV_KEY);
        let rel = bitmap(EV_REL);
        let abs = bitmap(EV_ABS);
        let mut keys = KeySet::default();
        for code in (0..=KEY_MAX).filter(|&c| has(&key_bits, c)) {
            keys.insert(code);
        }
        let mut axis = |code: u16| -> Option<AxisRange> {
            if !has(&abs, code) {
                return None;
            }
            let mut info = [0u8; 20];
            let size = query(VIRTIO_INPUT_CFG_ABS_INFO, u8::try_from(code).ok()?, &mut info);
            let [a, b, c, d, e, f, g, h, ..] = info;
            (size >= 8)
                .then(|| AxisRange { min: i32::from_le_bytes([a, b, c, d]), max: i32::from_le_bytes([e, f, g, h]) })
        };
        let touch = match (axis(ABS_MT_SLOT), axis(ABS_MT_POSITION_X), axis(ABS_MT_POSITION_Y)) {
            (Some(slot), Some(x), Some(y)) => Some(TouchConfig {
                slots: u8::try_from(slot.max.saturating_add(1).clamp(1, i32::try_from(MAX_CONTACTS).unwrap_or(1)))
                    .unwrap_or(1),
                x: Some(x),
                y: Some(y),
                major: has(&abs, ABS_MT_TOUCH_MAJOR),
                minor: has(&abs, ABS_MT_TOUCH_MINOR),
                orientation: axis(ABS_MT_ORIENTATION),
            }),
            _ => None,
        };
        let absolute = match (touch, axis(ABS_X), axis(ABS_Y)) {
            (None, Some(x), Some(y)) => Some((x, y)),
            _ => None,
        };
        Self { keys, relative: has(&rel, REL_X) && has(&rel, REL_Y), wheel: has(&rel, REL_WHEEL), absolute, touch }
    }
}
