// SPDX-License-Identifier: MIT
//! The focus policy from the board file: which client gets each event.
//!
//! A static table names, by client, who gets the keyboard, the pointer
//! and touch, which keys always go to one client whatever the focus
//! (hardware keys: volume, mute, steering-wheel buttons), and the key
//! combinations that move keyboard focus to a named client. Each event
//! goes to at most one client. A switch combination's final key is
//! consumed (neither its press nor its release is delivered); the
//! modifiers were delivered as they came. A key's release always goes
//! where its press went, so no client is left with a key held down
//! when focus moves.
//!
//! Owns: the resolved table, the keyboard focus and the owner of each
//! pressed key. Must not touch: translation, grants, queues.

use crate::evdev::Class;
use bulkhead_input::Event;

/// Keys with a fixed route, at most.
pub const MAX_KEY_ROUTES: usize = 32;
/// Focus switch combinations, at most.
pub const MAX_SWITCHES: usize = 8;
/// Modifiers of one combination, at most.
pub const MAX_MODIFIERS: usize = 4;
/// Keys held at once whose owner is remembered; a release of a key beyond
/// follows the current policy.
pub const MAX_HELD: usize = 32;

/// A key that always goes to one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRoute<'a> {
    /// Linux key code.
    pub code: u16,
    /// The client's name.
    pub client: &'a str,
}

/// A combination that moves keyboard focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FocusSwitch<'a> {
    /// Keys that must be held (e.g. `KEY_LEFTCTRL`, `KEY_LEFTALT`).
    pub modifiers: &'a [u16],
    /// The key whose press, with the modifiers held, switches (consumed).
    pub key: u16,
    /// The client that gets keyboard focus.
    pub to: &'a str,
}

/// The board's focus description, by client name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FocusConfig<'a> {
    /// Who has keyboard focus at start.
    pub keyboard: Option<&'a str>,
    /// Who gets the pointer (mouse, tablet).
    pub pointer: Option<&'a str>,
    /// Who gets touch.
    pub touch: Option<&'a str>,
    /// Keys that bypass keyboard focus.
    pub key_routes: &'a [KeyRoute<'a>],
    /// Combinations that move keyboard focus.
    pub switches: &'a [FocusSwitch<'a>],
}

/// Why a focus description is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FocusError<'a> {
    /// A name that is not one of the clients.
    UnknownClient(&'a str),
    /// More key routes, switches or modifiers than the table holds.
    TooLarge,
}

/// Where an event goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To the client at this index.
    To(usize),
    /// Nowhere: it was a focus switch.
    Consumed,
    /// Nowhere: no client has this kind of input.
    Nobody,
}

#[derive(Debug, Clone)]
struct Switch {
    modifiers: heapless::Vec<u16, MAX_MODIFIERS>,
    key: u16,
    to: usize,
}

/// The resolved policy and its state.
#[derive(Debug, Clone)]
pub struct FocusPolicy {
    keyboard: Option<usize>,
    pointer: Option<usize>,
    touch: Option<usize>,
    key_routes: heapless::Vec<(u16, usize), MAX_KEY_ROUTES>,
    switches: heapless::Vec<Switch, MAX_SWITCHES>,
    /// Keyboard keys held and where their press went.
    held: heapless::Vec<(u16, Route), MAX_HELD>,
    /// Pointer buttons held and where their press went.
    held_buttons: heapless::Vec<(u16, Route), MAX_HELD>,
}

impl FocusPolicy {
    /// Resolves `config` against the clients' names (a client's index is
    /// its position in `clients`).
    pub fn new<'a>(config: &FocusConfig<'a>, clients: &[&str]) -> Result<Self, FocusError<'a>> {
        let find = |name: &'a str| clients.iter().position(|c| *c == name).ok_or(FocusError::UnknownClient(name));
        let find_opt = |name: Option<&'a str>| name.map(find).transpose();
        let mut key_routes = heapless::Vec::new();
        for r in config.key_routes {
            key_routes.push((r.code, find(r.client)?)).map_err(|_| FocusError::TooLarge)?;
        }
        let mut switches = heapless::Vec::new();
        for s in config.switches {
            let modifiers = heapless::Vec::from_slice(s.modifiers).map_err(|_| FocusError::TooLarge)?;
            switches.push(Switch { modifiers, key: s.key, to: find(s.to)? }).map_err(|_| FocusError::TooLarge)?;
        }
        Ok(Self {
            keyboard: find_opt(config.keyboard)?,
            pointer: find_opt(config.pointer)?,
            touch: find_opt(config.touch)?,
            key_routes,
            switches,
            held: heapless::Vec::new(),
            held_buttons: heapless::Vec::new(),
        })
    }

    /// The client with keyboard focus.
    pub fn keyboard_focus(&self) -> Option<usize> {
        self.keyboard
    }

    fn to(client: Option<usize>) -> Route {
        client.map_or(Route::Nobody, Route::To)
    }

    /// Where `event`, from a device of `class`, goes; updates the focus
    /// when it completes a switch combination.
    pub fn route(&mut self, class: Class, event: &Event) -> Route {
        match (class, event) {
            (Class::Keyboard, Event::Key { code, pressed }) => self.key(*code, *pressed),
            (Class::Keyboard, _) => Self::to(self.keyboard),
            (Class::Pointer, Event::Key { code, pressed }) => {
                let default = Self::to(self.pointer);
                held(&mut self.held_buttons, *code, *pressed, default)
            }
            (Class::Pointer, _) => Self::to(self.pointer),
            (Class::Touch, _) => Self::to(self.touch),
        }
    }

    fn key(&mut self, code: u16, pressed: bool) -> Route {
        if !pressed {
            return held(&mut self.held, code, false, Self::to(self.keyboard));
        }
        let is_held = |c: &u16| self.held.iter().any(|(h, _)| h == c);
        let switch = self.switches.iter().find(|s| s.key == code && s.modifiers.iter().all(is_held)).map(|s| s.to);
        let route = if let Some(to) = switch {
            self.keyboard = Some(to);
            Route::Consumed
        } else if let Some(&(_, client)) = self.key_routes.iter().find(|(c, _)| *c == code) {
            Route::To(client)
        } else {
            Self::to(self.keyboard)
        };
        held(&mut self.held, code, true, route)
    }
}

/// Remembers where a press went (`route`), or sends a release where its
/// press went (`route` if the press is unknown).
fn held(table: &mut heapless::Vec<(u16, Route), MAX_HELD>, code: u16, pressed: bool, route: Route) -> Route {
    let at = table.iter().position(|(c, _)| *c == code);
    match (pressed, at) {
        (true, Some(i)) => {
            if let Some(entry) = table.get_mut(i) {
                entry.1 = route;
            }
            route
        }
        (true, None) => {
            let _ = table.push((code, route));
            route
        }
        (false, Some(i)) => table.swap_remove(i).1,
        (false, None) => route,
    }
}
