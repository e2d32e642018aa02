// SPDX-License-Identifier: MIT
//! `hello`: the smallest domain. Greets, then powers its domain off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

domain_rt::entry!(main);

fn main(_boot: domain_rt::Boot) {
    domain_rt::print("hello from a Bulkhead domain\n");
}
