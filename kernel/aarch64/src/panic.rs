// SPDX-License-Identifier: MIT
//! A kernel panic: report where, stop every CPU, end with `ExitCode::Panic`.
#![deny(unsafe_code)]

use crate::arch::system;
use crate::log::Show;
use bulkhead_abi::ExitCode;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    system::halt_others();
    let (file, line, column) = info.location().map_or(("?", 0, 0), |l| (l.file(), l.line(), l.column()));
    #[cfg(not(feature = "defmt"))]
    crate::log::print_line_forced(format_args!("PANIC at {}:{}:{}: {}", file, line, column, Show(&info.message())));
    #[cfg(feature = "defmt")]
    kprintln!("PANIC at {}:{}:{}: {}", file, line, column, Show(&info.message()));
    system::stop(ExitCode::Panic, crate::log::stop_line)
}
