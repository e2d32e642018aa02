// SPDX-License-Identifier: MIT
//! A multi-touch surface speaking the kernel's MT protocol B: the device
//! selects a slot (`ABS_MT_SLOT`, kept across frames), gives it a contact
//! (`ABS_MT_TRACKING_ID` >= 0) or ends its contact (-1), and updates its
//! axes; nothing is final before `SYN_REPORT`. At `SYN_REPORT` each slot,
//! lowest first, is compared with what the client was told: an ended
//! contact is `Up`, a new one `Down` at its position followed by its full
//! `Shape` and `Orient` (when the device reports them: a new contact
//! inherits the slot's values, which the device does not repeat), a
//! continuing one `Motion`, `Shape`, `Orient` for what changed; then one
//! `Syn` if anything was said. A contact that begins and ends within one
//! frame is still a `Down` and an `Up`. The contact id is the slot number
//! (as in Xen kbdif, where the frontend assigns tracking ids); `Syn` uses
//! contact 0.
//!
//! Orientation: evdev's `ABS_MT_ORIENTATION` is a signed quarter turn,
//! the range's max meaning 90 degrees clockwise; it is scaled to degrees
//! and clamped to -180..=180. Axes the protocol does not carry (pressure,
//! width, tool type) and single-touch `ABS_X`/`BTN_TOUCH` are ignored.

use super::RawEvent;
use super::codes::{
    ABS_MT_ORIENTATION, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_SLOT, ABS_MT_TOUCH_MAJOR, ABS_MT_TOUCH_MINOR,
    ABS_MT_TRACKING_ID, EV_ABS, EV_SYN, SYN_DROPPED, SYN_REPORT,
};
use crate::device::TouchConfig;
use bulkhead_input::{Event, Touch as What};

/// Slots a touch translator keeps (contacts beyond are ignored).
pub const MAX_CONTACTS: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The device's contact in this slot.
    id: Option<i32>,
    /// The client was told the slot's contact is down.
    visible: bool,
    /// The contact now in the slot began in this frame.
    began: bool,
    /// The visible contact ended in this frame.
    lifted: bool,
    /// A contact began and ended within this frame.
    tapped: bool,
    x: i32,
    y: i32,
    major: i32,
    minor: i32,
    orient: i32,
    /// What the client was told last.
    told: Told,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Told {
    x: i32,
    y: i32,
    shape: (u32, u32),
    degrees: i16,
}

/// The multi-touch translator.
#[derive(Debug, Clone)]
pub struct Touch {
    config: TouchConfig,
    slots: [Slot; MAX_CONTACTS],
    /// The selected slot (`None`: beyond what we keep; its events are ignored).
    current: Option<usize>,
    resyncing: bool,
}

impl Touch {
    /// A surface with no contact, slot 0 selected.
    pub fn new(config: TouchConfig) -> Self {
        Self { config, slots: [Slot::default(); MAX_CONTACTS], current: Some(0), resyncing: false }
    }

    fn slot_count(&self) -> usize {
        usize::from(self.config.slots).min(MAX_CONTACTS)
    }

    /// Takes one evdev event.
    pub fn feed(&mut self, event: RawEvent, out: &mut impl FnMut(Event)) {
        let v = event.value;
        match (event.kind, event.code) {
            (EV_SYN, SYN_REPORT) if self.resyncing => self.resyncing = false,
            (EV_SYN, SYN_REPORT) => self.emit(out),
            (EV_SYN, SYN_DROPPED) => self.lift_all(out),
            _ if self.resyncing => {}
            (EV_ABS, ABS_MT_SLOT) => {
                self.current = usize::try_from(v).ok().filter(|&s| s < self.slot_count());
            }
            (EV_ABS, code) => {
                let Some(slot) = self.current.and_then(|s| self.slots.get_mut(s)) else { return };
                match code {
                    ABS_MT_TRACKING_ID => track(slot, v),
                    ABS_MT_POSITION_X => slot.x = v,
                    ABS_MT_POSITION_Y => slot.y = v,
                    ABS_MT_TOUCH_MAJOR => slot.major = v,
                    ABS_MT_TOUCH_MINOR => slot.minor = v,
                    ABS_MT_ORIENTATION => slot.orient = v,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn shape(&self, slot: &Slot) -> (u32, u32) {
        let major = u32::try_from(slot.major).unwrap_or(0);
        let minor = if self.config.minor { u32::try_from(slot.minor).unwrap_or(0) } else { major };
        (major, minor)
    }

    fn degrees(&self, raw: i32) -> i16 {
        let max = self.config.orientation.map_or(0, |r| r.max);
        let degrees = if max > 0 { i64::from(raw) * 90 / i64::from(max) } else { i64::from(raw) };
        i16::try_from(degrees.clamp(-180, 180)).unwrap_or(0)
    }

    fn emit(&mut self, out: &mut impl FnMut(Event)) {
        let mut said = false;
        for index in 0..self.slot_count() {
            let Some(&slot) = self.slots.get(index) else { break };
            let contact = u8::try_from(index).unwrap_or(u8::MAX);
            let mut say = |what| {
                said = true;
                out(Event::Touch { contact, what });
            };
            let now = Told { x: slot.x, y: slot.y, shape: self.shape(&slot), degrees: self.degrees(slot.orient) };
            if slot.lifted {
                say(What::Up);
            }
            if slot.tapped {
                say(What::Down { x: slot.x, y: slot.y });
                say(What::Up);
            }
            let mut visible = slot.visible && !slot.lifted;
            if slot.id.is_some() && !visible {
                say(What::Down { x: now.x, y: now.y });
                if self.config.major {
                    say(What::Shape { major: now.shape.0, minor: now.shape.1 });
                }
                if self.config.orientation.is_some() {
                    say(What::Orient { degrees: now.degrees });
                }
                visible = true;
            } else if visible {
                let told = slot.told;
                if (now.x, now.y) != (told.x, told.y) {
                    say(What::Motion { x: now.x, y: now.y });
                }
                if self.config.major && now.shape != told.shape {
                    say(What::Shape { major: now.shape.0, minor: now.shape.1 });
                }
                if self.config.orientation.is_some() && now.degrees != told.degrees {
                    say(What::Orient { degrees: now.degrees });
                }
            }
            if let Some(s) = self.slots.get_mut(index) {
                *s = Slot { visible, began: false, lifted: false, tapped: false, told: now, ..slot };
            }
        }
        if said {
            out(Event::Touch { contact: 0, what: What::Syn });
        }
    }

    /// `SYN_DROPPED`: the device lost events, so nothing we hold is known
    /// to be true. Every contact the client sees is lifted, the slots are
    /// emptied, and events up to the next `SYN_REPORT` are ignored; a
    /// finger still down reappears when it next touches down.
    fn lift_all(&mut self, out: &mut impl FnMut(Event)) {
        self.resyncing = true;
        let mut said = false;
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.visible {
                said = true;
                out(Event::Touch { contact: u8::try_from(index).unwrap_or(u8::MAX), what: What::Up });
            }
            *slot = Slot { id: None, visible: false, began: false, lifted: false, tapped: false, ..*slot };
        }
        if said {
            out(Event::Touch { contact: 0, what: What::Syn });
        }
    }
}

/// `ABS_MT_TRACKING_ID` on a slot.
fn track(slot: &mut Slot, id: i32) {
    if id >= 0 && slot.id == Some(id) {
        return;
    }
    if slot.id.is_some() {
        // The contact in the slot ends (lifted, or replaced by a new one).
        if slot.began {
            slot.tapped = true;
        } else if slot.visible {
            slot.lifted = true;
        }
        slot.began = false;
        slot.id = None;
    }
    if id >= 0 {
        slot.id = Some(id);
        slot.began = true;
    }
}
