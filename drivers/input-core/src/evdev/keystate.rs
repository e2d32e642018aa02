// SPDX-License-Identifier: MIT
//! Which keys the clients have been told are down, for one device: the
//! kernel's rule that a press of a pressed key or a release of a released
//! key is no event, and the releases owed after `SYN_DROPPED`.

use super::codes::KEY_MAX;

const WORDS: usize = (KEY_MAX as usize + 1) / 64;

/// A set of pressed key codes (0..=`KEY_MAX`).
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyState([u64; WORDS]);

impl KeyState {
    /// Whether `code` is down.
    pub(crate) fn is_down(&self, code: u16) -> bool {
        self.0.get(usize::from(code / 64)).is_some_and(|w| w & (1 << (code % 64)) != 0)
    }

    /// Records `code` as pressed or released.
    pub(crate) fn set(&mut self, code: u16, down: bool) {
        if let Some(w) = self.0.get_mut(usize::from(code / 64)) {
            if down {
                *w |= 1 << (code % 64);
            } else {
                *w &= !(1 << (code % 64));
            }
        }
    }

    /// Releases every pressed key, lowest code first, calling `release`
    /// with each.
    pub(crate) fn release_all(&mut self, mut release: impl FnMut(u16)) {
        for code in 0..=KEY_MAX {
            if self.is_down(code) {
                self.set(code, false);
                release(code);
            }
        }
    }
}

/// What an `EV_KEY` value means: 0 release, 1 press, 2 autorepeat (which
/// is not forwarded: clients repeat keys themselves, as Linux's input core
/// does in software), anything else nothing.
pub(crate) fn key_value(value: i32) -> Option<bool> {
    match value {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}
