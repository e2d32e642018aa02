// SPDX-License-Identifier: MIT
//! `net-client`: a TCP client in a client domain of the network domain
//! (`bulkhead_pvcalls_client`). Its board-file `params`:
//! `channel=<name>` (its channel to the network domain), `connect=<a.b.c.d>:<port>`
//! (the peer), `mode=line|bulk|forbidden|latency|bench` (`line` if absent) and
//! `bytes=<n>` (bulk: the upload's size, 1 MiB if absent).
//!
//! - `line`: connects, sends `hello from the cluster\n`, reads one line
//!   back and prints `net-client: reply: <line>`, releases.
//! - `forbidden`: connects to an address the board file does not allow
//!   and expects EACCES: prints `net-client: refused: EACCES` (anything
//!   else is a FAIL).
//! - `bulk`: uploads `bytes` bytes of the pattern byte `i` =
//!   `(i * 31 + 7) % 251`, resuming across resets. The tiny framing, on
//!   every connection: the host first sends 8 bytes, little-endian, the
//!   number of bytes it holds so far (the resume offset); the client
//!   sends the pattern from that offset to the end, closes its sending
//!   side (FIN) and waits until the host closes. On ECONNRESET (the
//!   network domain restarted, or the peer reset) it prints
//!   `net-client: reset after <k> bytes, reconnecting` (`k`: bytes of the
//!   pattern handed to the network domain so far) and connects again;
//!   the host's offset says where to go on, so bytes lost in flight are
//!   sent again. At the end: `net-client: sent <n> bytes, checksum
//!   <fnv1a-64 of the pattern, 16 hex digits>`.
//! - `latency`: 20 times: a socket, then CONNECT timed with the virtual
//!   counter (`BENCH net_connect_ticks=<ticks>`), then release; and
//!   `BENCH net_connect_median_ticks=<ticks>` (of the last 19: the first
//!   also resolves the gateway's address).
//!
//! - `bench` (`boards/test/net-bench.toml`, `build/src/cmd/bench/net.rs`):
//!   the icount proof; 1 MiB copied natively (`net_memcpy_start`,
//!   `net_memcpy_end`); the `bulk` upload of `bytes` on one connection
//!   (`net_bulk_start` after the host's offset, `net_bulk_end` after the
//!   host's FIN, `net_bulk_bytes`, and `net_bulk_asleep`: the ticks it
//!   slept meanwhile, so that its own work is the rest); then 20 CONNECTs to their completion
//!   (`net_connect_ticks`, their sum, and `net_connect_count`).
//!
//! Every mode ends with `net-client: done`, or `net-client: FAIL: <why>`
//! on any error. Connects that fail while the network domain is not
//! ready (ENETUNREACH before DHCP, ETIMEDOUT, ECONNREFUSED, a restart)
//! are retried every 100 ms, 300 times at most.
//!
//! Owns its modes; must not touch the channel's rings (the client library
//! does) nor the network domain's policy (the board file's).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_pvcalls_client::{Address, Errno, NetClient, NetError, Port, Received, SocketId};
use bulkhead_ring::Window;
use core::fmt::{self, Write};
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::nap::{self, Bell};
use domain_rt::{Boot, Console, timer};

domain_rt::entry!(main);

/// The line `mode=line` sends.
const LINE: &[u8] = b"hello from the cluster\n";
/// Bulk chunk size.
const CHUNK: usize = 1024;
/// CONNECTs timed by `mode=latency`.
const SAMPLES: usize = 20;
/// Tries of a CONNECT the network domain is not ready for.
const TRIES: u32 = 300;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Line,
    Bulk,
    Forbidden,
    Latency,
    Bench,
}

/// Why a mode failed.
enum Fail {
    Net(&'static str, NetError),
    Said(&'static str),
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fail::Net(what, e) => match e.errno() {
                Some(errno) => write!(f, "{what}: {errno:?} (errno {})", errno.linux()),
                None => write!(f, "{what}: {e:?}"),
            },
            Fail::Said(why) => f.write_str(why),
        }
    }
}

fn at(what: &'static str) -> impl Fn(NetError) -> Fail {
    move |e| Fail::Net(what, e)
}

fn param<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    params.split_whitespace().find_map(|w| w.strip_prefix(key))
}

fn address(text: &str) -> Option<Address> {
    let (ip, port) = text.split_once(':')?;
    let mut bytes = [0u8; 4];
    let mut parts = ip.split('.');
    for b in &mut bytes {
        *b = parts.next()?.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Address::V4 { ip: bytes, port: port.parse().ok()? })
}

/// Byte `i` of the bulk pattern.
fn pattern(i: u64) -> u8 {
    #[allow(clippy::cast_possible_truncation, reason = "below 251")]
    let b = ((i % 251 * 31 + 7) % 251) as u8;
    b
}

/// FNV-1a, 64 bits, of the first `n` bytes of the pattern.
fn checksum(n: u64) -> u64 {
    (0..n).fold(0xcbf2_9ce4_8422_2325, |h, i| (h ^ u64::from(pattern(i))).wrapping_mul(0x0100_0000_01b3))
}

struct Session<'a, W: Window + Clone> {
    client: NetClient<W>,
    bell: Bell<'a>,
    /// The counter when the last upload's first byte went.
    started: u64,
    /// [`nap::asleep_ticks`] at `started`.
    started_asleep: u64,
}

impl<W: Window + Clone> Session<'_, W> {
    /// Rings the doorbell if needed, then sleeps (1 ms at most when the
    /// network domain has bytes to take).
    fn idle(&mut self, stalled: bool) -> Result<(), NetError> {
        if self.client.take_doorbell() {
            self.bell.notify();
        }
        nap::sleep(stalled.then_some(1));
        if self.client.follow(self.bell.epoch())? {
            return Err(NetError::Restarted);
        }
        Ok(())
    }

    /// A socket connected to `addr`, retrying while the network domain
    /// is not ready.
    fn connected(&mut self, addr: Address) -> Result<SocketId, Fail> {
        let mut tries = 0;
        loop {
            let s = self.client.socket(&mut self.bell);
            let result = s.and_then(|s| self.client.connect_to(s, addr, &mut self.bell).map(|()| s));
            match result {
                Ok(s) => return Ok(s),
                Err(e) => {
                    if let Ok(s) = s {
                        let _ = self.client.release(s, &mut self.bell);
                    }
                    let retry = e == NetError::Restarted
                        || matches!(e.errno(), Some(Errno::NetUnreach | Errno::TimedOut | Errno::ConnRefused));
                    tries += 1;
                    if !retry || tries >= TRIES {
                        return Err(Fail::Net("connect", e));
                    }
                    nap::pause(100);
                }
            }
        }
    }

    /// Sends all of `data`.
    fn send_all(&mut self, s: SocketId, mut data: &[u8]) -> Result<(), NetError> {
        while !data.is_empty() {
            let n = self.client.send(s, data)?;
            data = data.get(n..).unwrap_or(&[]);
            if n == 0 {
                self.idle(true)?;
            }
        }
        if self.client.take_doorbell() {
            self.bell.notify();
        }
        Ok(())
    }

    /// Receives into `out` until it is full; false if the peer closed
    /// first.
    fn recv_exact(&mut self, s: SocketId, out: &mut [u8]) -> Result<bool, NetError> {
        let mut got = 0;
        while got < out.len() {
            match self.client.recv(s, out.get_mut(got..).unwrap_or(&mut []))? {
                Received::Data(n) => got += n,
                Received::WouldBlock => self.idle(false)?,
                Received::Eof => return Ok(false),
            }
        }
        Ok(true)
    }

    fn line(&mut self, addr: Address) -> Result<(), Fail> {
        let s = self.connected(addr)?;
        self.send_all(s, LINE).map_err(at("send"))?;
        let mut line: heapless::Vec<u8, 256> = heapless::Vec::new();
        let mut byte = [0u8; 1];
        while self.recv_exact(s, &mut byte).map_err(at("recv"))? && byte != [b'\n'] {
            if line.push(byte[0]).is_err() {
                return Err(Fail::Said("the reply line is longer than 256 bytes"));
            }
        }
        let text = core::str::from_utf8(&line).unwrap_or("<not UTF-8>");
        let _ = writeln!(Console, "net-client: reply: {text}");
        self.client.release(s, &mut self.bell).map_err(at("release"))
    }

    fn forbidden(&mut self, addr: Address) -> Result<(), Fail> {
        let s = self.client.socket(&mut self.bell).map_err(at("socket"))?;
        let result = self.client.connect_to(s, addr, &mut self.bell);
        let _ = self.client.release(s, &mut self.bell);
        match result {
            Err(NetError::Errno(Errno::Access)) => {
                let _ = writeln!(Console, "net-client: refused: EACCES");
                Ok(())
            }
            Ok(()) => Err(Fail::Said("the forbidden connect succeeded")),
            Err(e) => Err(Fail::Net("connect (expected EACCES)", e)),
        }
    }

    /// One connection of the upload: from the host's offset to `total`;
    /// `sent` follows the bytes handed to the network domain.
    fn upload(&mut self, s: SocketId, total: u64, sent: &mut u64) -> Result<(), NetError> {
        let mut offset = [0u8; 8];
        if !self.recv_exact(s, &mut offset)? {
            return Err(NetError::Errno(Errno::ConnReset));
        }
        *sent = u64::from_le_bytes(offset).min(total);
        self.started = timer::counter();
        self.started_asleep = nap::asleep_ticks();
        // The pattern repeats every 251 bytes: a chunk at any offset is a
        // slice of this table (no per-byte work in the measured loop).
        let table: [u8; 251 + CHUNK] = core::array::from_fn(|i| pattern(i as u64));
        while *sent < total {
            let len = usize::try_from(total - *sent).unwrap_or(CHUNK).min(CHUNK);
            #[allow(clippy::cast_possible_truncation, reason = "below 251")]
            let at = (*sent % 251) as usize;
            let part = table.get(at..at + len).unwrap_or(&[]);
            let n = self.client.send(s, part)?;
            *sent += n as u64;
            if n == 0 {
                self.idle(true)?;
            }
        }
        self.client.shutdown(s)?;
        // The host closes once it has read our FIN.
        let mut sink = [0u8; 64];
        loop {
            match self.client.recv(s, &mut sink)? {
                Received::Data(_) => {}
                Received::WouldBlock => {
                    let flushed = self.client.flushed(s)?;
                    self.idle(!flushed)?;
                }
                Received::Eof => return Ok(()),
            }
        }
    }

    fn bulk(&mut self, addr: Address, total: u64) -> Result<(), Fail> {
        let mut sent = 0u64;
        loop {
            let s = self.connected(addr)?;
            let result = self.upload(s, total, &mut sent);
            let _ = self.client.release(s, &mut self.bell);
            match result {
                Ok(()) => break,
                Err(e) if e.is_reset() => {
                    let _ = writeln!(Console, "net-client: reset after {sent} bytes, reconnecting");
                }
                Err(e) => return Err(Fail::Net("upload", e)),
            }
        }
        let _ = writeln!(Console, "net-client: sent {total} bytes, checksum {:016x}", checksum(total));
        Ok(())
    }

    fn latency(&mut self, addr: Address) -> Result<(), Fail> {
        let mut samples = [0u64; SAMPLES];
        for sample in &mut samples {
            let s = self.client.socket(&mut self.bell).map_err(at("socket"))?;
            let before = timer::counter();
            let result = self.client.connect_to(s, addr, &mut self.bell);
            let ticks = timer::counter().saturating_sub(before);
            result.map_err(at("connect"))?;
            domain_benchkit::report("net_connect_ticks", ticks);
            *sample = ticks;
            self.client.release(s, &mut self.bell).map_err(at("release"))?;
        }
        // The first CONNECT also resolves the gateway's MAC: the median is
        // of the other 19 (an odd count, as a true median needs).
        let mut warm: [u64; SAMPLES - 1] = core::array::from_fn(|i| samples.get(i + 1).copied().unwrap_or(0));
        domain_benchkit::report("net_connect_median_ticks", domain_benchkit::median(&mut warm));
        Ok(())
    }
}

impl<W: Window + Clone> Session<'_, W> {
    /// `mode=bench`: see the module docs.
    fn bench(&mut self, addr: Address, total: u64) -> Result<(), Fail> {
        domain_benchkit::report_icount_proof();
        // 1 MiB copied natively, in chunks (the stack is small).
        let (from, mut to) = ([0x5au8; CHUNK], [0u8; CHUNK]);
        let start = timer::counter();
        for _ in 0..(1 << 20) / CHUNK {
            to.copy_from_slice(core::hint::black_box(&from));
            core::hint::black_box(&mut to);
        }
        let end = timer::counter();
        domain_benchkit::report("net_memcpy_start", start);
        domain_benchkit::report("net_memcpy_end", end);
        // The upload: from the first byte to the host's FIN.
        let s = self.connected(addr)?;
        let mut sent = 0;
        self.upload(s, total, &mut sent).map_err(at("upload"))?;
        let end = timer::counter();
        domain_benchkit::report("net_bulk_asleep", nap::asleep_ticks().saturating_sub(self.started_asleep));
        self.client.release(s, &mut self.bell).map_err(at("release"))?;
        domain_benchkit::report("net_bulk_start", self.started);
        domain_benchkit::report("net_bulk_end", end);
        domain_benchkit::report("net_bulk_bytes", total);
        // CONNECT to its completion, SAMPLES times.
        let mut ticks = 0u64;
        for _ in 0..SAMPLES {
            let s = self.client.socket(&mut self.bell).map_err(at("socket"))?;
            let before = timer::counter();
            let result = self.client.connect_to(s, addr, &mut self.bell);
            ticks += timer::counter().saturating_sub(before);
            result.map_err(at("connect"))?;
            self.client.release(s, &mut self.bell).map_err(at("release"))?;
        }
        domain_benchkit::report("net_connect_ticks", ticks);
        domain_benchkit::report("net_connect_count", SAMPLES as u64);
        Ok(())
    }
}

fn run(params: &str) -> Result<(), Fail> {
    let mode = match param(params, "mode=").unwrap_or("line") {
        "line" => Mode::Line,
        "bulk" => Mode::Bulk,
        "forbidden" => Mode::Forbidden,
        "latency" => Mode::Latency,
        "bench" => Mode::Bench,
        _ => return Err(Fail::Said("mode= is not line, bulk, forbidden, latency or bench")),
    };
    let addr = param(params, "connect=").and_then(address).ok_or(Fail::Said("no connect=<a.b.c.d>:<port>"))?;
    let total = match param(params, "bytes=") {
        Some(n) => n.parse().map_err(|_| Fail::Said("bytes= is not a number"))?,
        None => 1 << 20,
    };
    let channel = param(params, "channel=").ok_or(Fail::Said("no channel=<name>"))?;
    let end = ChannelEnd::find(channel).ok_or(Fail::Said("no such channel"))?;
    nap::init();
    let window = end.window();
    let mut bell = Bell(&end);
    let side = u8::try_from(end.info.end).unwrap_or(u8::MAX);
    let client = NetClient::connect(&window, side, end.epoch(), &mut bell).map_err(at("greeting"))?;
    let mut session = Session { client, bell, started: 0, started_asleep: 0 };
    match mode {
        Mode::Line => session.line(addr),
        Mode::Bulk => session.bulk(addr, total),
        Mode::Forbidden => session.forbidden(addr),
        Mode::Latency => session.latency(addr),
        Mode::Bench => session.bench(addr, total),
    }
}

fn main(_boot: Boot) {
    let mut text = [0u8; 160];
    let params = caps::params(&mut text);
    match run(params) {
        Ok(()) => {
            let _ = writeln!(Console, "net-client: done");
        }
        Err(why) => {
            let _ = writeln!(Console, "net-client: FAIL: {why}");
        }
    }
}
