// SPDX-License-Identifier: MIT
//! The input domain's board-file parameters: `key=value` words separated
//! by spaces (see the crate docs). Unknown keys are ignored, so that a
//! board can carry notes for tools; a bad value leaves that setting unset.

/// What the board says.
pub struct Params<'a> {
    /// Client names, in order (at most 4).
    pub clients: heapless::Vec<&'a str, 4>,
    /// Keyboard focus at start.
    pub keyboard: Option<&'a str>,
    /// Pointer owner.
    pub pointer: Option<&'a str>,
    /// Touch owner.
    pub touch: Option<&'a str>,
    /// Owner of the hardware keys (volume, mute).
    pub hw: Option<&'a str>,
    /// Test boards: a key whose press crashes the domain on purpose.
    pub crash: Option<u16>,
    /// Benchmark boards: record when key presses arrived (see `bench`).
    pub bench: bool,
}

impl<'a> Params<'a> {
    /// Parses `text`.
    pub fn parse(text: &'a str) -> Self {
        let mut p = Self {
            clients: heapless::Vec::new(),
            keyboard: None,
            pointer: None,
            touch: None,
            hw: None,
            crash: None,
            bench: false,
        };
        for word in text.split_whitespace() {
            let Some((key, value)) = word.split_once('=') else { continue };
            match key {
                "clients" => {
                    for name in value.split(',').filter(|n| !n.is_empty()) {
                        let _ = p.clients.push(name);
                    }
                }
                "keyboard" => p.keyboard = Some(value),
                "pointer" => p.pointer = Some(value),
                "touch" => p.touch = Some(value),
                "hw" => p.hw = Some(value),
                "crash" => p.crash = value.parse().ok(),
                "bench" => p.bench = value == "1",
                _ => {}
            }
        }
        p
    }
}
