// SPDX-License-Identifier: MIT
//! `ninep-demo`: a client of the 9pfs driver domain
//! (`bulkhead_ninep_client`), over the channel named by `channel=<name>`
//! in its board-file `params`. `mode=` chooses what it does:
//!
//! - `demo` (the default, [`demo`]): reads and prints `CONFIG.TXT`, writes
//!   `lines=<n>` lines (20) to `LOGS/DEMO.LOG`, lists `/` and `/LOGS`;
//! - `readonly` ([`readonly`]): reads `CONFIG.TXT`, checks that writes to
//!   a read-only export are refused;
//! - `writer` ([`writer`]): the crash test, `records=<n>` records (100)
//!   fsynced one by one to `LOGS/TRIP.LOG`, carrying on across restarts
//!   of the 9pfs domain;
//! - `bench` ([`bench`]): write, read and per-operation figures.
//!
//! Every line it prints starts with `ninep-demo: `; an unexpected error is
//! `ninep-demo: FAIL: <what>: <error>`, after which the domain stops. The
//! client's two message buffers and the data buffer (64 KiB each) are on
//! the heap, never on the stack.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod bench;
mod common;
mod demo;
mod params;
mod readonly;
mod writer;

use alloc::boxed::Box;
use alloc::vec;
use bulkhead_ninep::MAX_MSIZE;
use bulkhead_ninep_client::NinepClient;
use common::Session;
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console};
use params::Mode;

domain_rt::entry!(main);

/// A zeroed buffer of [`MAX_MSIZE`] bytes on the heap, for the domain's life.
fn buffer() -> &'static mut [u8] {
    Box::leak(vec![0u8; MAX_MSIZE as usize].into_boxed_slice())
}

fn main(_boot: Boot) {
    let mut text = [0u8; 256];
    let params = match params::parse(caps::params(&mut text)) {
        Ok(p) => p,
        Err(why) => {
            let _ = writeln!(Console, "ninep-demo: FAIL: params: {why}");
            return;
        }
    };
    let Some(end) = ChannelEnd::find(params.channel) else {
        let _ = writeln!(Console, "ninep-demo: FAIL: no channel {}", params.channel);
        return;
    };
    let window = end.window();
    let client = match NinepClient::connect(&window, end.epoch(), buffer(), buffer()) {
        Ok(c) => c,
        Err(e) => {
            common::fail("connect", e);
            return;
        }
    };
    end.notify();
    let mut session = Session { client, end: &end, io: buffer() };
    let name = params.channel.strip_prefix("ninep-").unwrap_or(params.channel);
    // A failure printed its FAIL line: the domain stops either way.
    let _ = match params.mode {
        Mode::Demo { lines } => demo::run(&mut session, name, lines),
        Mode::ReadOnly => readonly::run(&mut session),
        Mode::Writer { records } => writer::run(&mut session, records),
        Mode::Bench => bench::run(&mut session),
    };
}
