// SPDX-License-Identifier: MIT
//! Console input: which domain the bytes typed on the kernel's console go
//! to. Input goes to one focused domain (one with an emulated console
//! UART); Ctrl-A then a digit `n` focuses the `n`-th such domain (1 is the
//! first in board order), Ctrl-A Ctrl-A sends one Ctrl-A, and Ctrl-A then
//! anything else is swallowed.
//!
//! This module owns the key sequence and the numbering of console domains;
//! it must not read the UART, print, or hold the focus (the arch layer
//! does).

use bulkhead_bootcfg::BootConfig;

/// Ctrl-A: the escape byte.
pub const ESCAPE: u8 = 0x01;

/// What one typed byte means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// Give this byte to the focused domain.
    Byte(u8),
    /// Focus the `n`-th domain with a console (`n` = 0..=9 as typed; 0
    /// names none).
    Focus(u8),
    /// Nothing (the escape byte, or a sequence that means nothing).
    Nothing,
}

/// The escape-sequence state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputSwitch {
    escaped: bool,
}

impl InputSwitch {
    /// No escape pending.
    pub const fn new() -> Self {
        Self { escaped: false }
    }

    /// The next typed byte.
    pub fn feed(&mut self, byte: u8) -> Input {
        if !self.escaped {
            if byte == ESCAPE {
                self.escaped = true;
                return Input::Nothing;
            }
            return Input::Byte(byte);
        }
        self.escaped = false;
        match byte {
            ESCAPE => Input::Byte(ESCAPE),
            b'0'..=b'9' => Input::Focus(byte - b'0'),
            _ => Input::Nothing,
        }
    }
}

/// The index of the `n`-th domain (1-based, board order) that has an
/// emulated console.
pub fn nth_console(config: &BootConfig, n: u8) -> Option<usize> {
    let n = usize::from(n).checked_sub(1)?;
    config.domains.iter().enumerate().filter(|(_, d)| d.console.is_some()).nth(n).map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use bulkhead_abi::Ipa;
    use bulkhead_bootcfg::VirtualConsole;
    use bulkhead_bootcfg::sample::{board, domain};
    use std::vec::Vec;

    fn feed_all(bytes: &[u8]) -> Vec<Input> {
        let mut s = InputSwitch::new();
        bytes.iter().map(|&b| s.feed(b)).collect()
    }

    #[test]
    fn plain_bytes_pass() {
        assert_eq!(feed_all(b"ls\r"), [Input::Byte(b'l'), Input::Byte(b's'), Input::Byte(b'\r')]);
    }

    #[test]
    fn ctrl_a_digit_switches() {
        assert_eq!(feed_all(b"\x012x"), [Input::Nothing, Input::Focus(2), Input::Byte(b'x')]);
        assert_eq!(feed_all(b"\x010"), [Input::Nothing, Input::Focus(0)]);
        assert_eq!(feed_all(b"\x019"), [Input::Nothing, Input::Focus(9)]);
    }

    #[test]
    fn ctrl_a_twice_is_a_literal_ctrl_a() {
        assert_eq!(feed_all(b"\x01\x01\x011"), [Input::Nothing, Input::Byte(ESCAPE), Input::Nothing, Input::Focus(1)]);
    }

    #[test]
    fn ctrl_a_then_anything_else_is_swallowed() {
        assert_eq!(feed_all(b"\x01qa"), [Input::Nothing, Input::Nothing, Input::Byte(b'a')]);
        assert_eq!(feed_all(b"\x01\x1b1"), [Input::Nothing, Input::Nothing, Input::Byte(b'1')]);
    }

    #[test]
    fn console_domains_are_numbered_from_one_in_board_order() {
        let mut c = board(4);
        let console = Some(VirtualConsole { ipa: Ipa::new(0x0900_0000), intid: 33 });
        for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
            let mut d = domain(name, &[u8::try_from(i).unwrap()], 0x4100_0000 + 0x20_0000 * i as u64);
            if *name != "b" {
                d.console = console;
            }
            c.domains.push(d).unwrap();
        }
        assert_eq!(nth_console(&c, 0), None);
        assert_eq!(nth_console(&c, 1), Some(0));
        assert_eq!(nth_console(&c, 2), Some(2), "b has no console");
        assert_eq!(nth_console(&c, 3), Some(3));
        assert_eq!(nth_console(&c, 4), None);
        assert_eq!(nth_console(&board(1), 1), None);
    }
}
