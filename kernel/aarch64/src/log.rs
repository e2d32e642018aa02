// SPDX-License-Identifier: MIT
//! Kernel logging on the console UART.
//!
//! Plain text lines by default. With the `defmt` feature the same
//! `kprintln!` call sites emit defmt frames instead (rzcobs-encoded, decode
//! with `defmt-print -e <kernel elf>`); text and defmt never share the
//! stream. Lines from different CPUs never interleave: each line is written
//! under one lock.

use crate::arch::uart::Uart;
use core::fmt;
#[cfg(not(feature = "defmt"))]
use spin::Mutex;
use spin::Once;

static CONSOLE: Once<Uart> = Once::new();
#[cfg(not(feature = "defmt"))]
static LINE_LOCK: Mutex<()> = Mutex::new(());

/// Sets the console (first call wins).
pub fn set_console(uart: Uart) {
    CONSOLE.call_once(|| uart);
}

/// The console UART (for its receive side: `console::physical_input`).
pub fn console_uart() -> Option<&'static Uart> {
    CONSOLE.get()
}

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
    let Some(uart) = CONSOLE.get() else { return };
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
    let Some(uart) = CONSOLE.get() else { return };
    let _line = LINE_LOCK.lock();
    let _ = LineWriter(uart).write_fmt(args);
    uart.put_all(b"\r\n");
}

#[cfg(feature = "defmt")]
mod defmt_logger {
    //! The defmt global logger: frames go to the console UART.
    use super::CONSOLE;
    use core::cell::UnsafeCell;
    use core::sync::atomic::{AtomicBool, Ordering};

    #[defmt::global_logger]
    struct Logger;

    static TAKEN: AtomicBool = AtomicBool::new(false);

    struct EncoderCell(UnsafeCell<defmt::Encoder>);
    // SAFETY: the encoder is only touched between `acquire` (which takes
    // TAKEN) and `release` (which frees it), so by one CPU at a time.
    unsafe impl Sync for EncoderCell {}

    static ENCODER: EncoderCell = EncoderCell(UnsafeCell::new(defmt::Encoder::new()));

    fn put(bytes: &[u8]) {
        if let Some(uart) = CONSOLE.get() {
            uart.put_all(bytes);
        }
    }

    // SAFETY: acquire/release form a lock around every frame; the
    // encoder is accessed only while it is held.
    unsafe impl defmt::Logger for Logger {
        fn acquire() {
            while TAKEN.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
                core::hint::spin_loop();
            }
            // SAFETY: TAKEN is held, so this CPU has the encoder.
            unsafe { (*ENCODER.0.get()).start_frame(put) }
        }

        unsafe fn flush() {}

        unsafe fn release() {
            // SAFETY: the caller holds TAKEN (defmt's contract).
            unsafe { (*ENCODER.0.get()).end_frame(put) }
            TAKEN.store(false, Ordering::Release);
        }

        unsafe fn write(bytes: &[u8]) {
            // SAFETY: the caller holds TAKEN (defmt's contract).
            unsafe { (*ENCODER.0.get()).write(bytes, put) }
        }
    }
}
