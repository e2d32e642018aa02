// SPDX-License-Identifier: MIT
//! `wait-loop`: sleeps in the kernel for ever. It loops on the `Wait`
//! hypercall (no channel: nothing ever rings it) and never touches its
//! GIC, so the virtual SPI of its emulated console (`console = "pl011"`,
//! INTID 33, the same number as the kernel's physical console input on
//! QEMU virt) stays disabled in its virtual GIC. Pinned to the pCPU the
//! console's receive interrupt is routed to, it is where that interrupt
//! arrives while the pCPU sleeps inside `Wait`; the console test checks
//! that typed input still reaches the focused domain. It reports how often
//! `Wait` returned (each return is a wake-up the kernel gave it).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::Console;

domain_rt::entry!(main);

fn main(_boot: domain_rt::Boot) {
    let _ = writeln!(Console, "looping on Wait, SPI 33 disabled");
    let mut returns: u64 = 0;
    loop {
        let pending = domain_rt::caps::wait();
        returns += 1;
        // The first few returns, then every 1,024th: enough to see a storm
        // without flooding the console.
        if returns <= 4 || returns.is_multiple_of(1024) {
            let _ = writeln!(Console, "Wait returned {pending:#x} ({returns} returns)");
        }
    }
}
