// SPDX-License-Identifier: MIT
//! A simulated virtio-input device: a configuration space answering
//! `EV_BITS` and `ABS_INFO` queries as virtio-input does, and scripted
//! evdev event sequences delivered as 8-byte `virtio_input_event`s.

use bulkhead_input_core::evdev::codes::*;
use bulkhead_input_core::{DeviceConfig, RawEvent};

/// A device: its supported codes per event type and its axes.
#[derive(Clone, Default)]
pub struct SimDevice {
    pub keys: Vec<u16>,
    pub rel: Vec<u16>,
    /// (axis, min, max)
    pub abs: Vec<(u16, i32, i32)>,
}

impl SimDevice {
    /// QEMU's virtio-keyboard-like: the keys a car keyboard and steering
    /// wheel have (KEY_ESC..=KEY_F10, volume, mute, meta).
    pub fn keyboard() -> Self {
        let mut keys: Vec<u16> = (KEY_ESC..=68).collect();
        keys.extend([KEY_MUTE, KEY_VOLUMEDOWN, KEY_VOLUMEUP, KEY_LEFTMETA]);
        Self { keys, ..Self::default() }
    }

    /// A mouse with three buttons and a wheel.
    pub fn mouse() -> Self {
        Self { keys: vec![BTN_LEFT, BTN_RIGHT, BTN_MIDDLE], rel: vec![REL_X, REL_Y, REL_WHEEL], abs: vec![] }
    }

    /// QEMU's virtio-tablet-like: absolute 0..=32767, buttons, wheel.
    pub fn tablet() -> Self {
        Self {
            keys: vec![BTN_LEFT, BTN_RIGHT, BTN_MIDDLE],
            rel: vec![REL_WHEEL],
            abs: vec![(ABS_X, 0, 32767), (ABS_Y, 0, 32767)],
        }
    }

    /// A 1920x1080 touchscreen with `slots` contacts, shape and orientation
    /// (a quarter turn = 1024), plus single-touch emulation.
    pub fn touchscreen(slots: i32) -> Self {
        Self {
            keys: vec![BTN_TOUCH],
            rel: vec![],
            abs: vec![
                (ABS_X, 0, 1919),
                (ABS_Y, 0, 1079),
                (ABS_MT_SLOT, 0, slots - 1),
                (ABS_MT_TOUCH_MAJOR, 0, 255),
                (ABS_MT_TOUCH_MINOR, 0, 255),
                (ABS_MT_ORIENTATION, -1024, 1024),
                (ABS_MT_POSITION_X, 0, 1919),
                (ABS_MT_POSITION_Y, 0, 1079),
                (ABS_MT_TRACKING_ID, 0, 65535),
            ],
        }
    }

    /// The virtio-input configuration space: `select`/`subsel` in, bytes
    /// and size out (size 0: unsupported).
    pub fn query(&self, select: u8, subsel: u8, out: &mut [u8]) -> usize {
        let bitmap = |codes: &[u16], out: &mut [u8]| {
            let mut size = 0;
            for &c in codes {
                out[usize::from(c / 8)] |= 1 << (c % 8);
                size = size.max(usize::from(c / 8) + 1);
            }
            size
        };
        match (select, u16::from(subsel)) {
            (VIRTIO_INPUT_CFG_EV_BITS, EV_KEY) => bitmap(&self.keys, out),
            (VIRTIO_INPUT_CFG_EV_BITS, EV_REL) => bitmap(&self.rel, out),
            (VIRTIO_INPUT_CFG_EV_BITS, EV_ABS) => bitmap(&self.abs.iter().map(|a| a.0).collect::<Vec<_>>(), out),
            (VIRTIO_INPUT_CFG_ABS_INFO, axis) => match self.abs.iter().find(|a| a.0 == axis) {
                Some(&(_, min, max)) => {
                    out[..4].copy_from_slice(&min.to_le_bytes());
                    out[4..8].copy_from_slice(&max.to_le_bytes());
                    out[8..20].fill(0); // fuzz, flat, res
                    20
                }
                None => 0,
            },
            _ => 0,
        }
    }

    /// What the backend's domain probes from it.
    pub fn config(&self) -> DeviceConfig {
        DeviceConfig::probe(|select, subsel, out| self.query(select, subsel, out))
    }
}

/// A script: evdev events, built frame by frame.
#[derive(Clone, Default)]
pub struct Script(pub Vec<RawEvent>);

impl Script {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn ev(mut self, kind: u16, code: u16, value: i32) -> Self {
        self.0.push(RawEvent::new(kind, code, value));
        self
    }
    pub fn key(self, code: u16, value: i32) -> Self {
        self.ev(EV_KEY, code, value)
    }
    pub fn rel(self, code: u16, value: i32) -> Self {
        self.ev(EV_REL, code, value)
    }
    pub fn abs(self, code: u16, value: i32) -> Self {
        self.ev(EV_ABS, code, value)
    }
    pub fn scan(self, value: i32) -> Self {
        self.ev(EV_MSC, 4, value)
    }
    pub fn syn(self) -> Self {
        self.ev(EV_SYN, SYN_REPORT, 0)
    }
    /// A key pressed (with its scan code, as keyboards send) in one frame.
    pub fn press(self, code: u16) -> Self {
        self.scan(i32::from(code)).key(code, 1).syn()
    }
    pub fn release(self, code: u16) -> Self {
        self.scan(i32::from(code)).key(code, 0).syn()
    }
    pub fn tap(self, code: u16) -> Self {
        self.press(code).release(code)
    }
    /// The events as the device's event queue holds them.
    pub fn wire(&self) -> Vec<[u8; 8]> {
        self.0.iter().map(|e| e.to_le_bytes()).collect()
    }
}
