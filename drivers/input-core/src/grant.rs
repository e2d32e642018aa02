// SPDX-License-Identifier: MIT
//! What a client may receive: the features it asked for that the devices
//! offer (kbdif's negotiation), the capabilities the backend reports at
//! connect, and the rule that an event of a feature the client did not
//! get is not delivered to it.
//!
//! Owns: the offer (from the device configs), the grant and the admission
//! check. Must not touch: routing (`focus`) or queues.

use crate::device::{DeviceConfig, DeviceKind};
use crate::evdev::Class;
use bulkhead_input::{Capabilities, Event, Features, MultiTouch, Touch};

/// What the backend's devices together offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// The largest features any client can get.
    pub features: Features,
    /// What the devices report, as sent at connect.
    pub capabilities: Capabilities,
}

impl Offer {
    /// The union of the devices: every key and button; the axes of the
    /// first tablet, else of the first touch surface; the first touch
    /// surface's contacts and size.
    pub fn of(devices: &[DeviceConfig]) -> Self {
        let mut features = Features::default();
        let mut capabilities = Capabilities { keys: Default::default(), abs_x: None, abs_y: None, contacts: 0 };
        for d in devices {
            for (all, mine) in capabilities.keys.0.iter_mut().zip(d.keys.0) {
                *all |= mine;
            }
            match d.kind() {
                Some(DeviceKind::Keyboard) => features.keyboard = true,
                Some(DeviceKind::Mouse) => features.pointer = true,
                Some(DeviceKind::Tablet) => {
                    features.pointer = true;
                    features.abs_pointer = true;
                    features.raw_pointer = true;
                    if let (Some((x, y)), None) = (d.absolute, capabilities.abs_x) {
                        capabilities.abs_x = Some(x);
                        capabilities.abs_y = Some(y);
                    }
                }
                Some(DeviceKind::Touch) | None => {}
            }
        }
        // Touch axes only where no tablet gave its own.
        if let Some(t) = devices.iter().find_map(|d| d.touch) {
            let extent = |r: Option<bulkhead_input::AxisRange>| {
                r.map_or(0, |r| u32::try_from(i64::from(r.max) - i64::from(r.min) + 1).unwrap_or(0))
            };
            features.multi_touch = Some(MultiTouch { contacts: t.slots, width: extent(t.x), height: extent(t.y) });
            capabilities.contacts = t.slots;
            if capabilities.abs_x.is_none() {
                capabilities.abs_x = t.x;
                capabilities.abs_y = t.y;
            }
        }
        Self { features, capabilities }
    }

    /// What a client that asked for `wanted` gets: each feature it asked
    /// for that is offered; touch with the fewer contacts of the two and
    /// the surface's size. Positions are always in device units (the
    /// capabilities' ranges): the backend does not scale.
    pub fn grant(&self, wanted: Features) -> Features {
        let o = self.features;
        Features {
            keyboard: wanted.keyboard && o.keyboard,
            pointer: wanted.pointer && o.pointer,
            abs_pointer: wanted.abs_pointer && o.abs_pointer,
            raw_pointer: wanted.raw_pointer && o.raw_pointer,
            multi_touch: match (wanted.multi_touch, o.multi_touch) {
                (Some(w), Some(t)) => Some(MultiTouch { contacts: w.contacts.min(t.contacts), ..t }),
                _ => None,
            },
        }
    }
}

/// Whether a client granted `granted` receives `event` of `class`.
pub fn admits(granted: &Features, class: Class, event: &Event) -> bool {
    match (class, event) {
        (Class::Keyboard, _) => granted.keyboard,
        (Class::Pointer, Event::Position { .. }) => granted.pointer && granted.abs_pointer,
        (Class::Pointer, _) => granted.pointer,
        (Class::Touch, Event::Touch { contact, what }) => {
            granted.multi_touch.is_some_and(|t| matches!(what, Touch::Syn) || *contact < t.contacts)
        }
        (Class::Touch, _) => false,
    }
}
