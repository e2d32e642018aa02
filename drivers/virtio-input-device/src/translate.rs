// SPDX-License-Identifier: MIT
//! Bulkhead input events to evdev events: which device takes which event
//! ([`wants`]) and the whole evdev sequence one event becomes
//! ([`translate`]), with the multi-touch contact state ([`TouchState`]).
//!
//! Owns the translation; must not queue or deliver events (see `device`)
//! nor decide what is advertised (see `profile`).

use bulkhead_input::{Event, Touch};
use heapless::Vec;

use crate::evdev::{
    ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_SLOT, ABS_MT_TRACKING_ID, ABS_X, ABS_Y, BTN_TOUCH, EvdevEvent,
};
use crate::profile::{Kind, Profile, TABLET_BUTTONS};

/// The most evdev events one input event becomes (a first touch-down:
/// slot, tracking id, x, y, BTN_TOUCH, ABS_X, ABS_Y).
pub(crate) const MAX_SEQUENCE: usize = 8;

/// The evdev events one input event becomes.
pub(crate) type Sequence = Vec<EvdevEvent, MAX_SEQUENCE>;

/// Which contacts are down and the next tracking id to hand out (ids run
/// 0 to [`crate::evdev::TRACKING_ID_MAX`] and wrap).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct TouchState {
    active: [u64; 4],
    next_id: u16,
}

impl TouchState {
    /// Whether `contact` is down.
    fn is_active(&self, contact: u8) -> bool {
        self.active.get(usize::from(contact / 64)).is_some_and(|w| w & (1 << (contact % 64)) != 0)
    }

    /// Marks `contact` down or up.
    fn set(&mut self, contact: u8, down: bool) {
        if let Some(w) = self.active.get_mut(usize::from(contact / 64)) {
            if down {
                *w |= 1 << (contact % 64);
            } else {
                *w &= !(1 << (contact % 64));
            }
        }
    }

    /// How many contacts are down.
    fn count(&self) -> u32 {
        self.active.iter().map(|w| w.count_ones()).sum()
    }

    /// Whether `contact` is the lowest contact down (it drives the
    /// single-touch emulation, ABS_X/ABS_Y).
    fn is_lowest(&self, contact: u8) -> bool {
        (0..contact).all(|c| !self.is_active(c)) && self.is_active(contact)
    }
}

/// Whether a device with `profile` reports `event`: a keyboard its keys, a
/// tablet positions and its buttons, a multi-touch screen Down, Up, Motion
/// and Syn of its contacts (shape and orientation are not advertised).
pub(crate) fn wants(profile: &Profile, event: &Event) -> bool {
    match (profile.kind, event) {
        (Kind::Keyboard, Event::Key { code, .. }) => profile.keys.contains(*code),
        (Kind::Tablet, Event::Key { code, .. }) => TABLET_BUTTONS.contains(code),
        (Kind::Tablet, Event::Position { .. }) => true,
        (Kind::MultiTouch, Event::Touch { contact, what }) => {
            *contact < profile.slots
                && matches!(what, Touch::Down { .. } | Touch::Up | Touch::Motion { .. } | Touch::Syn)
        }
        _ => false,
    }
}

/// Appends `events` to `seq` (which is sized for every case).
fn extend(seq: &mut Sequence, events: &[EvdevEvent]) {
    for &e in events {
        let _ = seq.push(e);
    }
}

/// The evdev sequence for `event` and the touch state after it, or None if
/// the device does not want it. The sequence may be empty (a Motion or Up
/// of a contact that is not down).
pub(crate) fn translate(profile: &Profile, state: &TouchState, event: &Event) -> Option<(Sequence, TouchState)> {
    if !wants(profile, event) {
        return None;
    }
    let mut seq = Sequence::new();
    let mut next = *state;
    match *event {
        Event::Key { code, pressed } => extend(&mut seq, &[EvdevEvent::key(code, pressed), EvdevEvent::syn()]),
        Event::Position { x, y, .. } => {
            extend(&mut seq, &[EvdevEvent::abs(ABS_X, x), EvdevEvent::abs(ABS_Y, y), EvdevEvent::syn()]);
        }
        Event::Touch { contact, what } => touch(&mut seq, &mut next, contact, what),
        Event::Motion { .. } => {}
    }
    Some((seq, next))
}

/// Protocol B for one contact, with BTN_TOUCH and ABS_X/ABS_Y emulation.
fn touch(seq: &mut Sequence, state: &mut TouchState, contact: u8, what: Touch) {
    let slot = EvdevEvent::abs(ABS_MT_SLOT, i32::from(contact));
    match what {
        Touch::Down { x, y } | Touch::Motion { x, y } => {
            let down = matches!(what, Touch::Down { .. });
            if !down && !state.is_active(contact) {
                return;
            }
            extend(seq, &[slot]);
            let first = state.count() == 0;
            if !state.is_active(contact) {
                let id = state.next_id;
                state.next_id = id.wrapping_add(1);
                state.set(contact, true);
                extend(seq, &[EvdevEvent::abs(ABS_MT_TRACKING_ID, i32::from(id))]);
            }
            extend(seq, &[EvdevEvent::abs(ABS_MT_POSITION_X, x), EvdevEvent::abs(ABS_MT_POSITION_Y, y)]);
            if first {
                extend(seq, &[EvdevEvent::key(BTN_TOUCH, true)]);
            }
            if state.is_lowest(contact) {
                extend(seq, &[EvdevEvent::abs(ABS_X, x), EvdevEvent::abs(ABS_Y, y)]);
            }
        }
        Touch::Up => {
            if !state.is_active(contact) {
                return;
            }
            state.set(contact, false);
            extend(seq, &[slot, EvdevEvent::abs(ABS_MT_TRACKING_ID, -1)]);
            if state.count() == 0 {
                extend(seq, &[EvdevEvent::key(BTN_TOUCH, false)]);
            }
        }
        Touch::Syn => extend(seq, &[EvdevEvent::syn()]),
        Touch::Shape { .. } | Touch::Orient { .. } => {}
    }
}
