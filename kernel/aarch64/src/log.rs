// SPDX-License-Identifier: MIT
//! Kernel logging on the console UART.
//!
//! Plain text lines by default. With the `defmt` feature the same
//! `kprintln!` call sites emit defmt frames instead (rzcobs-encoded, decode
//! with `defmt-print -e <kernel elf>`); text and defmt never share the
//! stream. Lines from different CPUs never interleave: each line is written
//! under one lock. The console UART is `arch::uart`'s (`open_console`), the
//! defmt global logger `arch::defmt_logger`. No `unsafe`.

#![deny(unsafe_code)]

#[cfg(not(feature = "defmt"))]
use crate::arch::uart::{Uart, console};
use core::fmt;
#[cfg(not(feature = "defmt"))]
use spin::Mutex;

#[cfg(not(feature = "defmt"))]
static LINE_LOCK: Mutex<()> = Mutex::new(());

/// Prints one line through the console (text mode).
macro_rules! kprintln {
    ($($arg:tt)*) => {{
        #[cfg(not(feature = "defmt"))]
        $crate::log::print_line(format_args!($($arg)*));
        #[cfg(feature = "defmt")]
        defmt::println!($($arg)*);
    }};
}

/// Wraps a `Display` value so that it prints in both modes (in defmt mode
/// it is formatted on the target and sent as a string).
pub struct Show<'a, T: fmt::Display>(pub &'a T);

impl<T: fmt::Display> fmt::Display for Show<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(feature = "defmt")]
impl<T: fmt::Display> defmt::Format for Show<'_, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{}", defmt::Display2Format(self.0));
    }
}

#[cfg(not(feature = "defmt"))]
struct LineWriter<'a>(&'a Uart);

#[cfg(not(feature = "defmt"))]
impl fmt::Write for LineWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for (i, part) in s.split('\n').enumerate() {
            if i > 0 {
                self.0.put_all(b"\r\n");
            }
            self.0.put_all(part.as_bytes());
        }
        Ok(())
    }
}

/// Writes a line even if the line lock is held (a panic on the CPU that
/// holds it, or on one whose holder has halted): waits a bounded time for
/// the lock, then writes without it.
#[cfg(not(feature = "defmt"))]
pub fn print_line_forced(args: fmt::Arguments<'_>) {
    use fmt::Write;
    let Some(uart) = console() else { return };
    let mut guard = None;
    for _ in 0..1_000_000 {
        guard = LINE_LOCK.try_lock();
        if guard.is_some() {
            break;
        }
        core::hint::spin_loop();
    }
    let _ = LineWriter(uart).write_fmt(args);
    uart.put_all(b"\r\n");
    drop(guard);
}

/// Writes `args` and a line end, atomically with respect to other CPUs.
#[cfg(not(feature = "defmt"))]
pub fn print_line(args: fmt::Arguments<'_>) {
    use fmt::Write;
    let Some(uart) = console() else { return };
    let _line = LINE_LOCK.lock();
    let _ = LineWriter(uart).write_fmt(args);
    uart.put_all(b"\r\n");
}

/// The kernel's last line, `system stop: exit <code>` (written even if the
/// line lock is held): what `arch::system::stop` announces.
pub fn stop_line(code: bulkhead_abi::ExitCode) {
    #[cfg(not(feature = "defmt"))]
    print_line_forced(format_args!("{}{}", bulkhead_abi::STOP_LINE_PREFIX, code as u32));
    #[cfg(feature = "defmt")]
    defmt::println!("{}{}", bulkhead_abi::STOP_LINE_PREFIX, code as u32);
}
