// SPDX-License-Identifier: MIT
//! Scanouts: the [`Display`]s the device is built with (what
//! GET_DISPLAY_INFO reports) and what the driver set on each (a resource
//! and the rectangle of it shown).
//!
//! Owns the scanouts' description and state; must not check commands
//! (see `execute`) nor read pixels (see `pixels`).

use crate::rect::Rect;

/// The most scanouts a device may have.
pub const MAX_SCANOUTS: usize = 2;

/// One display the device offers, as the domain configures it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Display {
    /// Preferred width in pixels.
    pub width: u32,
    /// Preferred height in pixels.
    pub height: u32,
    /// Reported as enabled (connected) to the driver.
    pub enabled: bool,
}

/// A scanout: its display and what the driver shows on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scanout {
    pub display: Display,
    /// The resource shown, 0 for none (disabled).
    pub resource: u32,
    /// The part of the resource shown (meaningful when `resource` != 0).
    pub rect: Rect,
}

impl Scanout {
    /// A scanout showing nothing.
    pub fn new(display: Display) -> Self {
        Self { display, resource: 0, rect: Rect::default() }
    }

    /// Shows nothing any more.
    pub fn disable(&mut self) {
        self.resource = 0;
        self.rect = Rect::default();
    }
}
