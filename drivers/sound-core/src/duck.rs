// SPDX-License-Identifier: MIT
//! Ducking: a stream's extra gain, ramped linearly frame by frame between
//! unity and the policy's duck level, so that a change never clicks.
//!
//! Owns one stream's ramp state; the backend decides the target.

use crate::gain::UNITY;

/// One stream's duck gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duck {
    /// The gain now, Q16.
    now: u32,
    /// Where it is going.
    target: u32,
    /// Q16 change per frame while ramping (at least 1).
    step: u32,
}

impl Duck {
    /// At unity, ramping at `(UNITY - ducked) / ramp_frames` per frame.
    pub fn new(ducked: u32, ramp_frames: u32) -> Self {
        let step = (UNITY.saturating_sub(ducked) / ramp_frames.max(1)).max(1);
        Duck { now: UNITY, target: UNITY, step }
    }

    /// Heads for `target` from the next frame on.
    pub fn aim(&mut self, target: u32) {
        self.target = target;
    }

    /// The gain for the next frame (and advances the ramp).
    pub fn advance(&mut self) -> u32 {
        let g = self.now;
        self.now = if self.now < self.target {
            (self.now + self.step).min(self.target)
        } else {
            self.now.saturating_sub(self.step).max(self.target)
        };
        g
    }

    /// The gain now.
    pub const fn now(&self) -> u32 {
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_is_linear_and_ends_at_the_target() {
        let mut d = Duck::new(UNITY / 4, 4);
        d.aim(UNITY / 4);
        let down: [u32; 6] = core::array::from_fn(|_| d.advance());
        assert_eq!(down, [UNITY, UNITY - 12288, UNITY - 2 * 12288, UNITY - 3 * 12288, UNITY / 4, UNITY / 4]);
        d.aim(UNITY);
        let up: [u32; 5] = core::array::from_fn(|_| d.advance());
        assert_eq!(up, [UNITY / 4, UNITY / 4 + 12288, UNITY / 4 + 2 * 12288, UNITY / 4 + 3 * 12288, UNITY]);
    }
}
