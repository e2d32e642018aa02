// SPDX-License-Identifier: MIT
//! `semihoster`: a hostile test domain that asks the host for semihosting's
//! `SYS_EXIT` with status 0, which would end the whole run, and choose the
//! verdict of a test, if QEMU served semihosting (it does so at EL1, out of
//! EL2's reach, whenever it is started with `-semihosting`). Under
//! Bulkhead no run is: `hlt` is then undefined, the domain takes it at its
//! own (absent) exception vector and the kernel stops it for a stage-2
//! abort. It prints one line before and, should the call ever return, one
//! after.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

fn main(_boot: Boot) {
    let _ = writeln!(Console, "semihoster: asking the host to exit the run with status 0 (SYS_EXIT)");
    domain_rt::probe::semihosting_exit(0);
    let _ = writeln!(Console, "semihoster: SYS_EXIT returned");
}
