// SPDX-License-Identifier: MIT
//! A client's window as a backend reads and writes it: every access is
//! checked against the window's size, so an offset or length a client
//! alleged (a `DataRef`, a buffer's stride) can never reach past it.
//!
//! Owns only the bounds check; must not decide what a range means (that is
//! each protocol's backend).

use crate::window::Window;

/// A window a backend copies client data out of and into, with every
/// range checked.
pub trait ClientWindow {
    /// Its size in bytes.
    fn len(&self) -> u64;
    /// Whether it is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copies `out.len()` bytes from `offset`; false (nothing copied) if
    /// the range is not inside the window.
    fn read(&self, offset: u64, out: &mut [u8]) -> bool;
    /// Copies `data` to `offset`; false (nothing copied) if the range is
    /// not inside the window.
    fn write(&mut self, offset: u64, data: &[u8]) -> bool;
}

/// Any shared [`Window`], checked.
pub struct Checked<'a, W: Window>(pub &'a W);

impl<W: Window> Checked<'_, W> {
    fn at(&self, offset: u64, len: usize) -> Option<usize> {
        let at = usize::try_from(offset).ok()?;
        at.checked_add(len).filter(|end| *end <= self.0.size()).map(|_| at)
    }
}

impl<W: Window> ClientWindow for Checked<'_, W> {
    fn len(&self) -> u64 {
        self.0.size() as u64
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> bool {
        let Some(at) = self.at(offset, out.len()) else { return false };
        self.0.read(at, out);
        true
    }
    fn write(&mut self, offset: u64, data: &[u8]) -> bool {
        let Some(at) = self.at(offset, data.len()) else { return false };
        self.0.write(at, data);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TestWindow;

    #[test]
    fn ranges_inside_pass_and_others_copy_nothing() {
        let w = TestWindow::new(64);
        let mut c = Checked(&w);
        assert_eq!(c.len(), 64);
        assert!(c.write(60, &[1, 2, 3, 4]));
        let mut out = [0u8; 4];
        assert!(c.read(60, &mut out));
        assert_eq!(out, [1, 2, 3, 4]);
        assert!(!c.write(61, &[9; 4]));
        assert!(!c.read(u64::MAX, &mut out));
        assert!(!c.write(u64::MAX - 1, &[9; 4]));
        assert!(c.read(60, &mut out));
        assert_eq!(out, [1, 2, 3, 4]);
        assert!(c.read(64, &mut []));
        assert!(!c.read(65, &mut []));
    }
}
