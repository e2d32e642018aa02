// SPDX-License-Identifier: MIT
//! Exit codes of a QEMU run: the kernel's verdict, read by `cargo xtask run`
//! and the integration tests through QEMU's own exit status (semihosting).

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
