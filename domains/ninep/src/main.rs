// SPDX-License-Identifier: MIT
//! `ninep`: the 9pfs driver domain. It owns the board's virtio-blk device
//! ([`disk`]), which holds a FAT32 volume, and serves each client a
//! 9P2000.L file tree over its channel `ninep-<client>`, confined to the
//! export its board-file `params` give it (`bulkhead_ninep_core::exports`:
//! root, read-only or read-write, quotas). All decisions are in
//! `bulkhead_ninep_core`, whose host harness is this domain's evidence;
//! this file is the loop around it:
//!
//! 1. on a doorbell, each client's connection follows its channel's epoch
//!    and serves its requests, each to completion: a reply is sent after
//!    its effect is on the device (after a device flush for Rfsync and
//!    for the Rclunk of a file opened for writing);
//! 2. it rings the doorbells of the clients it answered, and sleeps when
//!    no client has anything left (waking every millisecond while a reply
//!    waits for room in a client's ring: taking replies rings no doorbell).
//!
//! `crash=<n>` (test boards only) makes the first life panic after `n`
//! requests, so that its restart can be tested; `bench=1` (benchmark
//! boards) reports, every 50 requests, the counter ticks spent inside the
//! server's passes that served requests and how many
//! (`ninep_server_ticks`, `ninep_server_requests`).
//!
//! Prints `ninep: ready (life <n>) ...` once up, `ninep: client <c>
//! reconnected in epoch <e>` on a new epoch, and `ninep: client <c> broke
//! its ring` once per epoch for a client that did.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod disk;

use alloc::boxed::Box;
use alloc::vec::Vec;
use bulkhead_ninep_core::{Cached, Connection, Server, Store, exports};
use bulkhead_ring_hal::SharedWindow;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering::SeqCst};
use disk::VirtioDisk;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console, gic, irq, timer};

domain_rt::entry!(main);

/// The doorbell SGI.
const DOORBELL_SGI: u32 = 1;
/// The block device, by its board-file name.
const DEVICE: &str = "blk";
/// Blocks kept by the write-through cache (256 KiB): the FAT and
/// directory blocks that every request walks.
const CACHE_BLOCKS: usize = 512;

/// A doorbell rang since the loop last looked.
static RUNG: AtomicBool = AtomicBool::new(false);

fn on_irq(intid: u32) {
    if intid == timer::INTID {
        timer::stop();
    }
    if intid == DOORBELL_SGI || intid == timer::INTID {
        RUNG.store(true, SeqCst);
    }
}

macro_rules! fail {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
        return;
    }};
}

/// One client: its channel end and connection.
struct Client {
    name: heapless::String<16>,
    end: ChannelEnd,
    connection: Connection<&'static SharedWindow>,
    broken_reported: bool,
}

fn main(boot: Boot) {
    let mut text = [0u8; 256];
    let params = caps::params(&mut text);
    let exports = match exports::parse(params) {
        Ok(e) => e,
        Err(e) => fail!("ninep: bad params: {e:?}"),
    };
    let crash_at: Option<u64> = params
        .split_whitespace()
        .find_map(|w| w.strip_prefix("crash="))
        .and_then(|n| n.parse().ok())
        .filter(|_| boot.restarts == 0);
    irq::install(on_irq);
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(DOORBELL_SGI, 0);
    gic::enable(timer::INTID, 0);
    let retry_ticks = u32::try_from(timer::frequency() / 1000).unwrap_or(u32::MAX);

    let Some(info) = caps::device(DEVICE) else { fail!("ninep: no device {DEVICE} in the capability table") };
    let transport = match bulkhead_virtio_hal::transport(info.ipa, info.size) {
        Ok(t) => t,
        Err(e) => fail!("ninep: no virtio-mmio transport at {:#x}: {e:?}", info.ipa),
    };
    let disk = match VirtioDisk::new(transport) {
        Ok(d) => d,
        Err(e) => fail!("ninep: virtio-blk refused: {e}"),
    };
    if disk.read_only() && exports.iter().any(|e| e.writable) {
        fail!("ninep: the device is read-only but the board exports it read-write");
    }
    let store = match Store::mount(Cached::new(disk, CACHE_BLOCKS)) {
        Ok(s) => s,
        Err(e) => fail!("ninep: no FAT volume on the first partition: {e:?}"),
    };
    let blocks = store.blocks();
    let mut server = match Server::new(store, &exports) {
        Ok(s) => Box::new(s),
        Err(e) => fail!("ninep: an export's root is unusable: {e:?}"),
    };
    let mut clients: Vec<Client> = Vec::new();
    for (n, export) in exports.iter().enumerate() {
        let mut channel: heapless::String<40> = heapless::String::new();
        let _ = write!(channel, "ninep-{}", export.client);
        let Some(end) = ChannelEnd::find(&channel) else { fail!("ninep: no channel {channel}") };
        let window: &'static SharedWindow = Box::leak(Box::new(end.window()));
        let side = u8::try_from(end.info.end).unwrap_or(u8::MAX);
        let connection = match Connection::connect(&mut server, n, window, side, end.epoch()) {
            Ok(c) => c,
            Err(e) => fail!("ninep: {channel}: {e:?}"),
        };
        end.notify();
        clients.push(Client { name: export.client.clone(), end, connection, broken_reported: false });
    }
    let _ =
        writeln!(Console, "ninep: ready (life {}): {} blocks, {} clients", boot.restarts + 1, blocks, clients.len());
    for (n, e) in exports.iter().enumerate() {
        if let Some(u) = server.usage(n) {
            let access = if e.writable { "rw" } else { "ro" };
            let _ = writeln!(Console, "ninep: {} ({access}): {} files, {} bytes", e.client, u.files, u.bytes);
        }
    }
    let bench = params.split_whitespace().any(|w| w == "bench=1");
    let (mut requests, mut server_ticks, mut reported) = (0u64, 0u64, 0u64);
    irq::enable();
    loop {
        let mut busy = false;
        for (n, client) in clients.iter_mut().enumerate() {
            let before = timer::counter();
            let served = match client.connection.serve(&mut server, client.end.epoch()) {
                Ok(s) => s,
                Err(e) => fail!("ninep: client {}: {e:?}", client.name),
            };
            if served.requests > 0 {
                server_ticks += timer::counter().saturating_sub(before);
            }
            if served.reconnected {
                client.broken_reported = false;
                let _ = writeln!(Console, "ninep: client {} reconnected in epoch {}", client.name, client.end.epoch());
            }
            if served.broken && !client.broken_reported {
                client.broken_reported = true;
                let _ = writeln!(Console, "ninep: client {} broke its ring; ignored until its next epoch", client.name);
            }
            if served.sent {
                client.end.notify();
            }
            busy |= served.requests > 0;
            requests += u64::from(served.requests);
            if bench && requests / 50 > reported {
                reported = requests / 50;
                domain_benchkit::report("ninep_server_ticks", server_ticks);
                domain_benchkit::report("ninep_server_requests", requests);
            }
            if crash_at.is_some_and(|at| requests >= at) {
                let _ = writeln!(Console, "ninep: crash after {requests} requests (client {n})");
                panic!("crash requested after {requests} requests");
            }
        }
        if !busy {
            // A reply waiting for room: the client may take what is before
            // it without ringing, so look again in 1 ms.
            if clients.iter().any(|c| c.connection.waiting()) {
                timer::arm_after_ticks(retry_ticks);
            }
            irq::wait_until(|| RUNG.load(SeqCst));
            RUNG.store(false, SeqCst);
            caps::pending();
        }
    }
}
