// SPDX-License-Identifier: MIT
//! A mouse (relative) or tablet (absolute) pointer, frame by frame: within
//! a frame, relative motion and the wheel add up and absolute axes keep
//! their last value; at `SYN_REPORT` the frame becomes one `Motion` (mouse)
//! or `Position` (tablet, when it moved or the wheel turned), then its
//! buttons as `Key` events in the order they came, so a click lands where
//! the frame left the pointer.
//!
//! The wheel follows Xen kbdif's sign, the opposite of `REL_WHEEL`: a
//! positive `dz` turns the wheel towards the user (xen-kbdfront reports
//! `REL_WHEEL = -rel_z`). The horizontal and high-resolution wheels are
//! not forwarded (the protocol has one wheel; a device sending both
//! resolutions would count twice).

use super::RawEvent;
use super::codes::{
    ABS_X, ABS_Y, EV_ABS, EV_KEY, EV_REL, EV_SYN, KEY_MAX, REL_WHEEL, REL_X, REL_Y, SYN_DROPPED, SYN_REPORT,
};
use super::keystate::{KeyState, key_value};
use bulkhead_input::Event;

/// Buttons one frame can carry before the frame is emitted early.
const FRAME_BUTTONS: usize = 8;

/// The pointer translator.
#[derive(Debug, Clone)]
pub struct Pointer {
    absolute: bool,
    down: KeyState,
    dx: i32,
    dy: i32,
    dz: i32,
    x: i32,
    y: i32,
    moved: bool,
    buttons: heapless::Vec<(u16, bool), FRAME_BUTTONS>,
    resyncing: bool,
}

impl Pointer {
    /// A mouse (`absolute` false) or a tablet, at (0, 0), no button down.
    pub fn new(absolute: bool) -> Self {
        Self {
            absolute,
            down: KeyState::default(),
            dx: 0,
            dy: 0,
            dz: 0,
            x: 0,
            y: 0,
            moved: false,
            buttons: heapless::Vec::new(),
            resyncing: false,
        }
    }

    /// Whether a button is down once the pending frame is applied.
    fn will_be_down(&self, code: u16) -> bool {
        self.buttons.iter().rev().find(|(c, _)| *c == code).map_or(self.down.is_down(code), |(_, d)| *d)
    }

    /// Takes one evdev event.
    pub fn feed(&mut self, event: RawEvent, out: &mut impl FnMut(Event)) {
        let v = event.value;
        match (event.kind, event.code) {
            (EV_SYN, SYN_REPORT) => {
                if self.resyncing {
                    self.resyncing = false;
                    self.discard_frame();
                } else {
                    self.emit(out);
                }
            }
            (EV_SYN, SYN_DROPPED) => {
                self.resyncing = true;
                self.discard_frame();
                self.down.release_all(|code| out(Event::Key { code, pressed: false }));
            }
            _ if self.resyncing => {}
            (EV_REL, REL_X) if !self.absolute => self.dx = self.dx.saturating_add(v),
            (EV_REL, REL_Y) if !self.absolute => self.dy = self.dy.saturating_add(v),
            (EV_REL, REL_WHEEL) => self.dz = self.dz.saturating_sub(v),
            (EV_ABS, ABS_X) if self.absolute && v != self.x => {
                self.x = v;
                self.moved = true;
            }
            (EV_ABS, ABS_Y) if self.absolute && v != self.y => {
                self.y = v;
                self.moved = true;
            }
            (EV_KEY, code) if code <= KEY_MAX => {
                if let Some(pressed) = key_value(v)
                    && self.will_be_down(code) != pressed
                {
                    if self.buttons.is_full() {
                        self.emit(out);
                    }
                    let _ = self.buttons.push((code, pressed));
                }
            }
            _ => {}
        }
    }

    fn discard_frame(&mut self) {
        self.dx = 0;
        self.dy = 0;
        self.dz = 0;
        self.moved = false;
        self.buttons.clear();
    }

    fn emit(&mut self, out: &mut impl FnMut(Event)) {
        let (dx, dy, dz) = (self.dx, self.dy, self.dz);
        if self.absolute {
            if self.moved || dz != 0 {
                out(Event::Position { x: self.x, y: self.y, dz });
            }
        } else if dx != 0 || dy != 0 || dz != 0 {
            out(Event::Motion { dx, dy, dz });
        }
        for &(code, pressed) in &self.buttons {
            self.down.set(code, pressed);
            out(Event::Key { code, pressed });
        }
        self.discard_frame();
    }
}
