// SPDX-License-Identifier: MIT
//! `input-demo`: a client of the input domain, as a bare-metal guest uses
//! it (`bulkhead_input_client`): it connects over the channel its
//! board-file `params` name (`channel=input-cluster`), prints what the
//! devices can do when it connects, then every event it receives, one line
//! each, and follows the channel's epochs (the input domain may restart).
//!
//! With `bench=1` in its params (benchmark boards) it prints no events:
//! it stamps the counter when each press of `A` arrives (latency samples,
//! each acknowledged with a `latency sample <k>` line), counts the events
//! of `B` with the stamps of the first and the last (a burst: the
//! sustained rate), and prints the figures when `C` is pressed.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_input::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_input::{Event, Features, MultiTouch};
use bulkhead_input_client::{InputClient, Received};
use bulkhead_ring::Link;
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// What it asks for: everything.
const WANTED: Features = Features {
    keyboard: true,
    pointer: true,
    abs_pointer: true,
    raw_pointer: true,
    multi_touch: Some(MultiTouch { contacts: 10, width: u32::MAX, height: u32::MAX }),
};

fn main(_boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    let Some(channel) = params.split_whitespace().find_map(|w| w.strip_prefix("channel=")) else {
        let _ = writeln!(Console, "params name no channel");
        return;
    };
    let Some(end) = ChannelEnd::find(channel) else {
        let _ = writeln!(Console, "no channel {channel}");
        return;
    };
    let window = end.window();
    let Ok(link) = Link::connect(&window, end.info.end as u8, end.epoch(), HELLO, TO_BACKEND, TO_CLIENT) else {
        let _ = writeln!(Console, "bad ring layout");
        return;
    };
    let bench = params.split_whitespace().any(|w| w == "bench=1");
    let mut samples: heapless::Vec<u64, 64> = heapless::Vec::new();
    let (mut burst, mut burst_first, mut burst_last) = (0u64, 0u64, 0u64);
    let mut client = InputClient::new(link, WANTED);
    end.notify();
    loop {
        caps::pending();
        match client.follow(end.epoch()) {
            Ok(true) => {
                let _ = writeln!(Console, "input restarted: reconnecting in epoch {}", end.epoch());
            }
            Ok(false) => {}
            Err(e) => {
                let _ = writeln!(Console, "cannot reconnect: {e:?}");
                return;
            }
        }
        loop {
            match client.next_event() {
                Ok(Some(Received::Connected { granted, capabilities })) => {
                    let keys = (0..768u16).filter(|&c| capabilities.keys.contains(c)).count();
                    let range = |r: Option<bulkhead_input::AxisRange>| r.map_or((0, 0), |r| (r.min, r.max));
                    let (x, y) = (range(capabilities.abs_x), range(capabilities.abs_y));
                    let _ = writeln!(
                        Console,
                        "connected: {keys} keys, x {}..{}, y {}..{}, {} touch contacts, keyboard {} pointer {} touch {}",
                        x.0,
                        x.1,
                        y.0,
                        y.1,
                        capabilities.contacts,
                        granted.keyboard,
                        granted.pointer,
                        granted.multi_touch.is_some()
                    );
                }
                Ok(Some(Received::Event(e))) if bench => {
                    let now = domain_rt::timer::counter();
                    match e {
                        Event::Key { code: 30, pressed: true } => {
                            let _ = samples.push(now);
                            let _ = writeln!(Console, "latency sample {}", samples.len() - 1);
                        }
                        Event::Key { code: 48, .. } => {
                            if burst == 0 {
                                burst_first = now;
                            }
                            burst += 1;
                            burst_last = now;
                        }
                        Event::Key { code: 46, pressed: true } => {
                            for (k, at) in samples.iter().enumerate() {
                                let _ = writeln!(Console, "BENCH input_recv_at_{k}={at}");
                            }
                            let _ = writeln!(Console, "BENCH input_burst_events={burst}");
                            let _ = writeln!(Console, "BENCH input_burst_ticks={}", burst_last - burst_first);
                            let _ = writeln!(Console, "BENCH done");
                        }
                        _ => {}
                    }
                }
                Ok(Some(Received::Event(e))) => {
                    let _ = writeln!(Console, "event {e:?}");
                }
                Ok(Some(Received::Dropped { count })) => {
                    let _ = writeln!(Console, "dropped {count}");
                }
                Ok(Some(Received::Refused { version })) => {
                    let _ = writeln!(Console, "refused: the input domain speaks version {version}");
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = writeln!(Console, "receive failed: {e:?}");
                    break;
                }
            }
        }
        if client.take_doorbell() {
            end.notify();
        }
        domain_rt::wait_for_interrupt();
    }
}
