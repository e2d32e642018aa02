// SPDX-License-Identifier: MIT
//! The virtio-input configuration space: `select` and `subsel` as the
//! driver wrote them, and the 136 bytes `struct virtio_input_config` reads
//! as for them ([`ConfigSpace`]).
//!
//! Owns the layout and the query decoding; must not decide what a device
//! advertises (see `profile`).

use crate::profile::{Profile, UNION_LEN, put_str};

/// Bytes of `struct virtio_input_config`: select, subsel, size, 5 reserved,
/// the 128-byte union.
pub const CONFIG_LEN: u32 = 136;
/// Offset of the union.
const UNION_AT: usize = 8;

/// The `select` values (virtio 1.x, 5.8.4).
pub mod select {
    /// VIRTIO_INPUT_CFG_UNSET.
    pub const UNSET: u8 = 0x00;
    /// VIRTIO_INPUT_CFG_ID_NAME.
    pub const ID_NAME: u8 = 0x01;
    /// VIRTIO_INPUT_CFG_ID_SERIAL.
    pub const ID_SERIAL: u8 = 0x02;
    /// VIRTIO_INPUT_CFG_ID_DEVIDS.
    pub const ID_DEVIDS: u8 = 0x03;
    /// VIRTIO_INPUT_CFG_PROP_BITS.
    pub const PROP_BITS: u8 = 0x10;
    /// VIRTIO_INPUT_CFG_EV_BITS (subsel: the event type).
    pub const EV_BITS: u8 = 0x11;
    /// VIRTIO_INPUT_CFG_ABS_INFO (subsel: the axis).
    pub const ABS_INFO: u8 = 0x12;
}

/// The driver-written part of the configuration space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConfigSpace {
    pub select: u8,
    pub subsel: u8,
}

/// The length of a bitmap: up to its last non-zero byte.
fn bitmap_len(map: &[u8; UNION_LEN]) -> u8 {
    let n = map.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    u8::try_from(n).unwrap_or(0)
}

impl ConfigSpace {
    /// The answer to the current query: `size` and the union.
    fn answer(&self, profile: &Profile) -> (u8, [u8; UNION_LEN]) {
        let mut u = [0u8; UNION_LEN];
        let size = match self.select {
            select::ID_NAME if self.subsel == 0 => put_str(&mut u, profile.name()),
            select::ID_SERIAL if self.subsel == 0 => put_str(&mut u, profile.kind.serial().as_bytes()),
            select::ID_DEVIDS if self.subsel == 0 => {
                let ids = [super::BUS_VIRTUAL, super::VENDOR, profile.kind.product(), 1];
                for (i, v) in ids.iter().enumerate() {
                    let [a, b] = v.to_le_bytes();
                    if let Some(o) = u.get_mut(2 * i..2 * i + 2) {
                        o.copy_from_slice(&[a, b]);
                    }
                }
                8
            }
            select::PROP_BITS if self.subsel == 0 => {
                profile.prop_bits(&mut u);
                bitmap_len(&u)
            }
            select::EV_BITS => {
                profile.ev_bits(u16::from(self.subsel), &mut u);
                bitmap_len(&u)
            }
            select::ABS_INFO => match profile.abs_info(u16::from(self.subsel)) {
                Some(info) => {
                    // min, max, fuzz 0, flat 0, res 0.
                    for (i, v) in [info.min, info.max].iter().enumerate() {
                        if let Some(o) = u.get_mut(4 * i..4 * i + 4) {
                            o.copy_from_slice(&v.to_le_bytes());
                        }
                    }
                    20
                }
                None => 0,
            },
            _ => 0,
        };
        (size, u)
    }

    /// The whole configuration space as it reads now.
    fn view(&self, profile: &Profile) -> [u8; UNION_LEN + UNION_AT] {
        let (size, u) = self.answer(profile);
        let mut v = [0u8; UNION_LEN + UNION_AT];
        let (head, tail) = v.split_at_mut(UNION_AT);
        if let Some(h) = head.get_mut(..3) {
            h.copy_from_slice(&[self.select, self.subsel, size]);
        }
        tail.copy_from_slice(&u);
        v
    }

    /// A driver read of `out.len()` bytes at `offset`; 0 outside the space.
    pub fn read(&self, profile: &Profile, offset: u32, out: &mut [u8]) {
        out.fill(0);
        let view = self.view(profile);
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        if let Some(src) = start.checked_add(out.len()).and_then(|end| view.get(start..end)) {
            out.copy_from_slice(src);
        }
    }

    /// A driver write of `data` at `offset`: only `select` (0) and `subsel`
    /// (1) are writable; the rest is ignored.
    pub fn write(&mut self, offset: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            match u32::try_from(i).ok().and_then(|i| offset.checked_add(i)) {
                Some(0) => self.select = b,
                Some(1) => self.subsel = b,
                _ => {}
            }
        }
    }
}
