// SPDX-License-Identifier: MIT
//! A keyboard: `EV_KEY` press and release become `Event::Key` at once (a
//! key needs no frame), deduplicated against what the clients were told;
//! autorepeat is not forwarded. `EV_MSC` (scan codes) and LEDs are ignored.

use super::RawEvent;
use super::codes::{EV_KEY, EV_SYN, KEY_MAX, SYN_DROPPED, SYN_REPORT};
use super::keystate::{KeyState, key_value};
use bulkhead_input::Event;

/// The keyboard translator.
#[derive(Debug, Clone, Default)]
pub struct Keyboard {
    down: KeyState,
    /// After `SYN_DROPPED`: events are ignored up to the next `SYN_REPORT`.
    resyncing: bool,
}

impl Keyboard {
    /// A keyboard with no key down.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one evdev event.
    pub fn feed(&mut self, event: RawEvent, out: &mut impl FnMut(Event)) {
        match (event.kind, event.code) {
            (EV_SYN, SYN_REPORT) => self.resyncing = false,
            (EV_SYN, SYN_DROPPED) => {
                self.resyncing = true;
                self.down.release_all(|code| out(Event::Key { code, pressed: false }));
            }
            (EV_KEY, code) if !self.resyncing && code <= KEY_MAX => {
                if let Some(pressed) = key_value(event.value)
                    && self.down.is_down(code) != pressed
                {
                    self.down.set(code, pressed);
                    out(Event::Key { code, pressed });
                }
            }
            _ => {}
        }
    }
}
