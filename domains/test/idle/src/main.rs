// SPDX-License-Identifier: MIT
//! `idle`: sleeps in `wfi` for ever, for the idle benchmark (a native-WFI
//! domain must cost the hypervisor nothing while it sleeps).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

domain_rt::entry!(main);

fn main(_boot: domain_rt::Boot) {
    loop {
        domain_rt::wait_for_interrupt();
    }
}
