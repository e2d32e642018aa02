// SPDX-License-Identifier: MIT
//! `network`: the PV Calls network driver domain. It owns the board's
//! virtio-net device ([`nic`]), runs one TCP/IP stack (smoltcp) on it, and
//! gives each client domain sockets over its channel `net-<client>`,
//! only those its board-file `params` allow (`bulkhead_pvcalls_core::policy`:
//! addresses and ports it may connect to, ports it may listen on, its
//! socket and ring-byte limits). All decisions are in
//! `bulkhead_pvcalls_core`, whose host harness is this domain's evidence;
//! this file is the loop around it:
//!
//! 1. serve each client's requests (`bulkhead_session` through
//!    `domain_serve::Clients`);
//! 2. run the stack and move bytes between sockets and data rings
//!    (`Backend::poll`), post the completions it made;
//! 3. print its notices (firewall refusals, once per rule; the address
//!    DHCP gave; a client that broke a data ring);
//! 4. switch the L2 ports' frames (`ports`: a device model's virtio-net on
//!    each, by the board's `l2=` words) between their channels and the NIC;
//! 5. ring the doorbells of the clients whose rings moved, and sleep until
//!    a doorbell, the NIC's interrupt, or the stack's next timer (at most
//!    1 ms while bytes wait on either side: a client that takes or gives
//!    bytes need not ring).
//!
//! `crash=<n>` (test boards only) makes the first life panic once `n`
//! bytes have moved in all, so that its restart can be tested; `bench=1`
//! (benchmark boards) reports, every 64 KiB moved, the counter ticks spent
//! in the passes that moved something and the bytes moved
//! (`net_server_ticks`, `net_server_bytes`).
//!
//! Prints `network: ready (life <n>): mac <mac>, <k> clients` once up.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

mod nic;
mod ports;

use alloc::boxed::Box;
use alloc::vec::Vec;
use bulkhead_pvcalls::channel::{EVENTS, HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_pvcalls_core::{Backend, Notice, netcfg::NetConfig, policy};
use bulkhead_ring_hal::SharedWindow;
use bulkhead_session::Layout;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, Ordering::SeqCst};
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::{Boot, Console, gic, irq, timer};
use domain_serve::Clients;
use nic::Nic;
use ports::Port;

domain_rt::entry!(main);

/// The doorbell SGI.
const DOORBELL_SGI: u32 = 1;
/// The NIC, by its board-file name.
const DEVICE: &str = "net";
/// Where PV Calls sits in each client's window.
const LAYOUT: Layout = Layout { hello: HELLO, to_client: TO_CLIENT, to_backend: TO_BACKEND, events: Some(EVENTS) };

/// Woken by a doorbell.
const BY_DOORBELL: u32 = 1;
/// Woken by the NIC.
const BY_DEVICE: u32 = 2;
/// Woken by the timer.
const BY_TIMER: u32 = 4;

/// What woke the domain since the loop last looked.
static WOKEN: AtomicU32 = AtomicU32::new(0);
/// The NIC's INTID (0: none).
static DEVICE_INTID: AtomicU32 = AtomicU32::new(0);

/// Notes what woke the domain. The NIC's line stays up until the device
/// is acknowledged, so the handler masks it; the loop acknowledges and
/// unmasks it.
fn on_irq(intid: u32) {
    if intid == DOORBELL_SGI {
        WOKEN.fetch_or(BY_DOORBELL, SeqCst);
    } else if intid == timer::INTID {
        timer::stop();
        WOKEN.fetch_or(BY_TIMER, SeqCst);
    } else if intid != 0 && intid == DEVICE_INTID.load(SeqCst) {
        gic::disable(intid, 0);
        WOKEN.fetch_or(BY_DEVICE, SeqCst);
    }
}

macro_rules! fail {
    ($($arg:tt)*) => {{
        let _ = writeln!(Console, $($arg)*);
        return;
    }};
}

/// Milliseconds since boot, from the generic timer.
fn now_ms(ticks_per_ms: u64) -> u64 {
    timer::counter() / ticks_per_ms
}

fn main(boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    // A switch for L2 ports alone (`l2=` words, no `clients=`) serves no
    // PV Calls client.
    let switch_only = params.contains("l2=") && !params.split_whitespace().any(|w| w.starts_with("clients="));
    let policies = match policy::parse(params) {
        Ok(p) => p,
        Err(policy::PolicyError::NoClients) if switch_only => Vec::new(),
        Err(e) => fail!("network: bad params: {e:?}"),
    };
    let net = match NetConfig::parse(params) {
        Ok(n) => n,
        Err(e) => fail!("network: bad params: {e:?}"),
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
    let ticks_per_ms = (timer::frequency() / 1000).max(1);

    let Some(info) = caps::device(DEVICE) else { fail!("network: no device {DEVICE} in the capability table") };
    let transport = match bulkhead_virtio_hal::transport(info.ipa, info.size) {
        Ok(t) => t,
        Err(e) => fail!("network: no virtio-mmio transport at {:#x}: {e:?}", info.ipa),
    };
    let rules = match bulkhead_netif::rule::PortRule::parse_all(params) {
        Ok(r) => r,
        Err(e) => fail!("network: bad params: {e:?}"),
    };
    let macs: Vec<[u8; 6]> = rules.iter().map(|r| r.mac).collect();
    let nic = match Nic::new(transport, &macs) {
        Ok(n) => n,
        Err(e) => fail!("network: virtio-net refused: {e}"),
    };
    if info.end != 0 {
        DEVICE_INTID.store(info.end, SeqCst);
        gic::enable(info.end, 0);
    }
    let mac = nic.mac();
    let mut windows: Vec<&'static SharedWindow> = Vec::new();
    for p in &policies {
        let mut name: heapless::String<40> = heapless::String::new();
        let _ = write!(name, "net-{}", p.name);
        let Some(end) = ChannelEnd::find(&name) else { fail!("network: no channel {name}") };
        windows.push(Box::leak(Box::new(end.window())));
    }
    let names: Vec<heapless::String<16>> = policies.iter().map(|p| p.name.clone()).collect();
    let mut backend = Box::new(Backend::new(nic, mac, net, policies, windows, now_ms(ticks_per_ms)));
    let mut clients = match Clients::connect(&mut *backend, "net", names.iter().map(|n| n.as_str()), LAYOUT) {
        Ok(c) => c,
        Err(e) => fail!("network: clients: {e:?}"),
    };
    let mut ports: Vec<Port> = Vec::new();
    for (index, rule) in rules.into_iter().enumerate() {
        match Port::connect(rule, index) {
            Ok(p) => ports.push(p),
            Err(e) => fail!("network: {e}"),
        }
    }
    let [a, b, c, d, e, f] = mac;
    let _ = writeln!(
        Console,
        "network: ready (life {}): mac {a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}, {} clients, {} L2 ports",
        boot.restarts + 1,
        clients.len(),
        ports.len()
    );
    let bench = params.split_whitespace().any(|w| w == "bench=1");
    let (mut busy_ticks, mut reported) = (0u64, 0u64);
    irq::enable();
    loop {
        let pass_start = timer::counter();
        let moved_before = backend.bytes_moved();
        if let Err(e) = clients.serve(&mut *backend) {
            fail!("network: {e:?}");
        }
        let pumped = backend.poll(now_ms(ticks_per_ms));
        for client in 0..u8::try_from(clients.len()).unwrap_or(u8::MAX) {
            while let Some(event) = backend.take_event(client) {
                if !clients.post(client, event) {
                    let _ = writeln!(Console, "network: client {client}'s event ring is full: completion held back");
                    break;
                }
            }
            if pumped.doorbell & (1 << client) != 0 {
                clients.wake(client);
            }
        }
        // Flush the completions just posted.
        if let Err(e) = clients.serve(&mut *backend) {
            fail!("network: {e:?}");
        }
        while let Some(notice) = backend.take_notice() {
            print_notice(&notice, &names);
        }
        clients.ring();
        let mut frames_wait = false;
        for port in &mut ports {
            let moved = port.pump(backend.device_mut());
            frames_wait |= moved.waiting;
            if moved.ring {
                port.notify();
            }
        }
        let (out, inbound) = backend.bytes_moved();
        let moved = out + inbound;
        if moved != moved_before.0 + moved_before.1 {
            busy_ticks += timer::counter().saturating_sub(pass_start);
        }
        if bench && moved / 65536 > reported {
            reported = moved / 65536;
            domain_benchkit::report("net_server_ticks", busy_ticks);
            domain_benchkit::report("net_server_bytes", moved);
        }
        if crash_at.is_some_and(|at| moved >= at) {
            let _ = writeln!(Console, "network: crash after {moved} bytes");
            panic!("crash requested after {moved} bytes");
        }
        // Bytes moved: the peers may take or give more without a doorbell
        // (a client that reads its inbound stream does not ring), so look
        // again in 1 ms; otherwise when the stack's next timer is due.
        let delay_ms =
            if pumped.doorbell != 0 || frames_wait { 1 } else { pumped.next_poll_ms.unwrap_or(100).clamp(1, 100) };
        timer::arm_after_ticks(u32::try_from(delay_ms * ticks_per_ms).unwrap_or(u32::MAX));
        irq::wait_until(|| WOKEN.load(SeqCst) != 0);
        let woken = WOKEN.swap(0, SeqCst);
        if woken & BY_DOORBELL != 0 {
            caps::pending();
        }
        if woken & BY_DEVICE != 0 {
            backend.device_mut().ack();
            gic::enable(DEVICE_INTID.load(SeqCst), 0);
        }
    }
}

fn print_notice(notice: &Notice, names: &[heapless::String<16>]) {
    let name = |c: u8| names.get(usize::from(c)).map_or("?", |n| n.as_str());
    let _ = match notice {
        Notice::Refused { client, what } => {
            writeln!(Console, "network: firewall: client {} refused {what} (EACCES; no rule allows it)", name(*client))
        }
        Notice::Address(cidr) => writeln!(Console, "network: address {cidr}"),
        Notice::AddressLost => writeln!(Console, "network: DHCP lease lost: no address"),
        Notice::BrokeRing { client, socket } => writeln!(
            Console,
            "network: client {} broke the data ring of its socket {socket}: that socket is reset",
            name(*client)
        ),
    };
}
