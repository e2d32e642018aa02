// SPDX-License-Identifier: MIT
//! `net-echo` (skeleton: being written).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use domain_rt::Boot;

domain_rt::entry!(main);

fn main(_boot: Boot) {}
