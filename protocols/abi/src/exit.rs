// SPDX-License-Identifier: MIT
//! Exit codes of a run: the kernel's verdict. The kernel prints it as its
//! last line, `system stop: exit <code>` at the start of a line, then powers
//! the machine off; `cargo xtask run` and the integration tests read it
//! there. No guest can forge it: every guest line is prefixed with its
//! domain's name. (QEMU's own exit status would need semihosting, which
//! QEMU serves at EL1: it would hand every guest the host.)

/// Why the system stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    /// Orderly shutdown.
    Success = 0,
    /// The kernel refused to boot (bad configuration, wrong machine).
    BootError = 3,
    /// The kernel panicked.
    Panic = 101,
}

/// The start of the kernel's last line; the code follows in decimal.
pub const STOP_LINE_PREFIX: &str = "system stop: exit ";

impl ExitCode {
    /// The code of a kernel stop line (`system stop: exit 3`), if `line` is one.
    pub fn from_stop_line(line: &str) -> Option<u32> {
        line.strip_prefix(STOP_LINE_PREFIX)?.split(' ').next()?.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_lines_parse_only_at_the_start() {
        assert_eq!(ExitCode::from_stop_line("system stop: exit 101"), Some(101));
        assert_eq!(ExitCode::from_stop_line("system stop: exit 0 (Success)"), Some(0));
        assert_eq!(ExitCode::from_stop_line("[guest] system stop: exit 0"), None);
        assert_eq!(ExitCode::from_stop_line("system stop: exit x"), None);
    }
}
