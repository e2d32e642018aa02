// SPDX-License-Identifier: MIT
//! Domain console lines. A domain's bytes are collected into lines and
//! printed with the domain's name in front, so no domain can write a line
//! that looks like the kernel's: control characters (`\r`, escape
//! sequences) are replaced, and a line never starts without the prefix.

use heapless::String;

/// Longest line printed at once; longer output is split.
pub const LINE_MAX: usize = 160;

/// One domain's partial line.
#[derive(Debug, Default)]
pub struct LineBuffer {
    line: String<LINE_MAX>,
}

impl LineBuffer {
    /// An empty buffer.
    pub const fn new() -> Self {
        Self { line: String::new() }
    }

    /// Adds `bytes`, calling `emit` with each completed line (without the
    /// newline).
    pub fn push(&mut self, bytes: &[u8], mut emit: impl FnMut(&str)) {
        for &b in bytes {
            match b {
                b'\n' => {
                    emit(&self.line);
                    self.line.clear();
                }
                b'\r' => {}
                0x20..=0x7e | b'\t' => self.put(char::from(b), &mut emit),
                _ => self.put('.', &mut emit),
            }
        }
    }

    fn put(&mut self, c: char, emit: &mut impl FnMut(&str)) {
        if self.line.push(c).is_err() {
            emit(&self.line);
            self.line.clear();
            let _ = self.line.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    fn lines(chunks: &[&[u8]]) -> Vec<std::string::String> {
        let mut buf = LineBuffer::new();
        let mut out = Vec::new();
        for c in chunks {
            buf.push(c, |l| out.push(l.to_string()));
        }
        out
    }

    #[test]
    fn lines_are_assembled_across_writes() {
        assert_eq!(lines(&[b"hel", b"lo\nwor", b"ld\n"]), ["hello", "world"]);
    }

    #[test]
    fn control_characters_cannot_forge_lines() {
        assert_eq!(lines(&[b"x\rPANIC at kernel\x1b[2K\n"]), ["xPANIC at kernel.[2K"]);
    }

    #[test]
    fn long_lines_are_split() {
        let long = [b'a'; LINE_MAX + 5];
        let out = lines(&[&long, b"\n"]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].len(), LINE_MAX);
        assert_eq!(out[1], "aaaaa");
    }
}
