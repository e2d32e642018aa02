// SPDX-License-Identifier: MIT
//! What each [`Kind`] of device is and advertises ([`Profile`]): name,
//! serial, device ids, property bits, event-code bitmaps and axis ranges.
//!
//! Owns the advertisement only; must not decode `select`/`subsel` (see
//! `config`) nor produce events (see `translate`).

use bulkhead_input::{AxisRange, Capabilities, KeySet};

use crate::evdev::{
    ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_SLOT, ABS_MT_TRACKING_ID, ABS_X, ABS_Y, BTN_LEFT, BTN_MIDDLE,
    BTN_RIGHT, BTN_TOUCH, EV_ABS, EV_KEY, INPUT_PROP_DIRECT, TRACKING_ID_MAX,
};

/// BUS_VIRTUAL, the devids bustype.
pub const BUS_VIRTUAL: u16 = 0x06;
/// The devids vendor ("BK").
pub const VENDOR: u16 = 0x4b42;
/// Bytes of a config-space union (string or bitmap).
pub(crate) const UNION_LEN: usize = 128;
/// The axis range used when the capabilities give none.
const DEFAULT_AXIS: AxisRange = AxisRange { min: 0, max: 32767 };
/// The buttons a tablet reports (and a keyboard therefore does not).
pub(crate) const TABLET_BUTTONS: [u16; 4] = [BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_TOUCH];

/// Which device this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Keys from `Capabilities::keys` (minus the tablet's buttons).
    Keyboard,
    /// An absolute pointer (ABS_X/ABS_Y) with left, right, middle and touch
    /// buttons.
    Tablet,
    /// A direct multi-touch surface (protocol B) with single-touch emulation.
    MultiTouch,
}

impl Kind {
    /// The devids product.
    pub fn product(self) -> u16 {
        match self {
            Self::Keyboard => 1,
            Self::Tablet => 2,
            Self::MultiTouch => 3,
        }
    }

    /// The ID_SERIAL string.
    pub fn serial(self) -> &'static str {
        match self {
            Self::Keyboard => "bulkhead-keyboard",
            Self::Tablet => "bulkhead-tablet",
            Self::MultiTouch => "bulkhead-multitouch",
        }
    }
}

/// `struct virtio_input_absinfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AbsInfo {
    pub min: i32,
    pub max: i32,
}

/// One device's advertisement, fixed at creation.
#[derive(Clone, Debug)]
pub(crate) struct Profile {
    pub kind: Kind,
    name: [u8; UNION_LEN],
    name_len: u8,
    /// The keyboard's keys (empty for the others).
    pub keys: KeySet,
    pub x: AxisRange,
    pub y: AxisRange,
    /// Multi-touch slots (at least 1).
    pub slots: u8,
}

/// Sets bit `bit` of `map` (ignored beyond it).
fn set_bit(map: &mut [u8; UNION_LEN], bit: u16) {
    if let Some(b) = map.get_mut(usize::from(bit / 8)) {
        *b |= 1 << (bit % 8);
    }
}

/// Copies `s` into `out` (truncated); its length.
pub(crate) fn put_str(out: &mut [u8; UNION_LEN], s: &[u8]) -> u8 {
    let n = s.len().min(UNION_LEN);
    if let (Some(o), Some(i)) = (out.get_mut(..n), s.get(..n)) {
        o.copy_from_slice(i);
    }
    u8::try_from(n).unwrap_or(0)
}

impl Profile {
    /// The profile of a `kind` device with `caps`, called `name`.
    pub fn new(kind: Kind, caps: &Capabilities, name: &str) -> Self {
        let mut name_buf = [0u8; UNION_LEN];
        let name_len = put_str(&mut name_buf, name.as_bytes());
        let mut keys = KeySet::default();
        if kind == Kind::Keyboard {
            keys = caps.keys;
            for b in TABLET_BUTTONS {
                if let Some(w) = keys.0.get_mut(usize::from(b / 64)) {
                    *w &= !(1 << (b % 64));
                }
            }
        }
        Self {
            kind,
            name: name_buf,
            name_len,
            keys,
            x: caps.abs_x.unwrap_or(DEFAULT_AXIS),
            y: caps.abs_y.unwrap_or(DEFAULT_AXIS),
            slots: caps.contacts.max(1),
        }
    }

    /// ID_NAME.
    pub fn name(&self) -> &[u8] {
        self.name.get(..usize::from(self.name_len)).unwrap_or_default()
    }

    /// PROP_BITS into `out`.
    pub fn prop_bits(&self, out: &mut [u8; UNION_LEN]) {
        if self.kind == Kind::MultiTouch {
            set_bit(out, INPUT_PROP_DIRECT);
        }
    }

    /// EV_BITS for event type `ty` into `out`.
    pub fn ev_bits(&self, ty: u16, out: &mut [u8; UNION_LEN]) {
        match (self.kind, ty) {
            (Kind::Keyboard, EV_KEY) => {
                for (i, w) in self.keys.0.iter().enumerate() {
                    for (j, b) in w.to_le_bytes().iter().enumerate() {
                        if let Some(o) = out.get_mut(i * 8 + j) {
                            *o = *b;
                        }
                    }
                }
            }
            (Kind::Tablet, EV_KEY) => TABLET_BUTTONS.iter().for_each(|&b| set_bit(out, b)),
            (Kind::MultiTouch, EV_KEY) => set_bit(out, BTN_TOUCH),
            (Kind::Tablet, EV_ABS) => [ABS_X, ABS_Y].iter().for_each(|&a| set_bit(out, a)),
            (Kind::MultiTouch, EV_ABS) => {
                [ABS_X, ABS_Y, ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID]
                    .iter()
                    .for_each(|&a| set_bit(out, a));
            }
            _ => {}
        }
    }

    /// ABS_INFO for `axis`, if the device has it.
    pub fn abs_info(&self, axis: u16) -> Option<AbsInfo> {
        let range = |r: AxisRange| Some(AbsInfo { min: r.min, max: r.max });
        match (self.kind, axis) {
            (Kind::Tablet | Kind::MultiTouch, ABS_X) => range(self.x),
            (Kind::Tablet | Kind::MultiTouch, ABS_Y) => range(self.y),
            (Kind::MultiTouch, ABS_MT_POSITION_X) => range(self.x),
            (Kind::MultiTouch, ABS_MT_POSITION_Y) => range(self.y),
            (Kind::MultiTouch, ABS_MT_SLOT) => Some(AbsInfo { min: 0, max: i32::from(self.slots) - 1 }),
            (Kind::MultiTouch, ABS_MT_TRACKING_ID) => Some(AbsInfo { min: 0, max: TRACKING_ID_MAX }),
            _ => None,
        }
    }
}
