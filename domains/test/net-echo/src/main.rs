// SPDX-License-Identifier: MIT
//! `net-echo`: a TCP echo server in a client domain of the network domain
//! (`bulkhead_pvcalls_client`). Its board-file `params`:
//! `channel=<name>` (its channel to the network domain, `net-echo` if
//! absent) and `port=<n>` (the port it listens on, all addresses).
//!
//! It listens (backlog 4), then serves up to two connections at once,
//! round robin (`NetClient::try_accept` keeps an ACCEPT pending meanwhile):
//! echo every byte back until the peer closes its side, wait until the
//! network domain has taken every echoed byte, release (FIN). It sleeps
//! on the channel's doorbell, and also on a 1 ms timer while the network
//! domain has not taken what it sent (it takes bytes without ringing).
//!
//! Prints:
//! - `net-echo: listening on <port> (life of the backend: epoch <e>)`;
//! - `net-echo: connection <n> closed after <bytes> bytes` (bytes echoed);
//! - `net-echo: connection <n> reset by the peer` (the peer's RST);
//! - `net-echo: network restarted, listening again` when the network
//!   domain restarted (a new epoch: every socket is gone), before it
//!   listens again;
//! - `net-echo: FAIL: <what>: <error>` on anything else, then it starts
//!   over after 100 ms.
//!
//! Owns its socket loop; must not touch the channel's rings (the client
//! library does) nor the network domain's policy (the board file's).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_pvcalls_client::{Address, Errno, NetClient, NetError, Port, Received, SocketId};
use bulkhead_ring::Window;
use core::convert::Infallible;
use core::fmt::Write;
use domain_rt::caps::{self, ChannelEnd};
use domain_rt::nap::{self, Bell};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// Bytes taken from a connection before they are all echoed.
const CHUNK: usize = 2048;
/// Connections waiting to be accepted.
const BACKLOG: u32 = 4;
/// Connections echoed at once.
const MAX_CONNECTIONS: usize = 2;

fn param<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    params.split_whitespace().find_map(|w| w.strip_prefix(key))
}

/// Whether the error is the network domain's restart (rather than the
/// peer's reset): the epoch moved.
fn restarted<W: Window + Clone>(client: &mut NetClient<W>, bell: &Bell<'_>, e: NetError) -> bool {
    e == NetError::Restarted || client.follow(bell.epoch()).unwrap_or(true)
}

/// What a connection did in one look.
enum Step {
    /// Bytes moved.
    Busy,
    /// Nothing to do until the peer sends.
    Idle,
    /// Waiting for the network domain to take bytes (it does not ring).
    Stalled,
    /// The peer closed and every byte went back: the bytes echoed.
    Done(u64),
}

/// One connection being echoed.
struct Connection {
    s: SocketId,
    n: u64,
    buf: [u8; CHUNK],
    have: usize,
    at: usize,
    total: u64,
    eof: bool,
}

impl Connection {
    fn new(s: SocketId, n: u64) -> Self {
        Self { s, n, buf: [0; CHUNK], have: 0, at: 0, total: 0, eof: false }
    }

    /// Sends what is left of the last chunk, or takes the next one.
    fn step<W: Window + Clone>(&mut self, client: &mut NetClient<W>) -> Result<Step, NetError> {
        if self.at < self.have {
            let n = client.send(self.s, self.buf.get(self.at..self.have).unwrap_or(&[]))?;
            self.at += n;
            self.total += n as u64;
            if n == 0 {
                return Ok(Step::Stalled);
            }
        }
        if self.at == self.have && !self.eof {
            match client.recv(self.s, &mut self.buf)? {
                Received::Data(n) => {
                    (self.have, self.at) = (n, 0);
                    return Ok(Step::Busy);
                }
                Received::WouldBlock => return Ok(Step::Idle),
                Received::Eof => self.eof = true,
            }
        }
        if self.eof && self.at == self.have {
            if client.flushed(self.s)? {
                return Ok(Step::Done(self.total));
            }
            return Ok(Step::Stalled);
        }
        Ok(Step::Busy)
    }
}

/// Listens on `port` and serves connections until an error; the
/// listener is released on the way out.
fn serve<W: Window + Clone>(
    client: &mut NetClient<W>,
    bell: &mut Bell<'_>,
    port: u16,
    connections: &mut u64,
) -> Result<Infallible, (&'static str, NetError)> {
    let listener = client.socket(bell).map_err(|e| ("socket", e))?;
    let result = listen_and_accept(client, bell, listener, port, connections);
    // Gone with a restart; otherwise the port is free for the next try.
    let _ = client.release(listener, bell);
    result
}

fn listen_and_accept<W: Window + Clone>(
    client: &mut NetClient<W>,
    bell: &mut Bell<'_>,
    listener: SocketId,
    port: u16,
    connections: &mut u64,
) -> Result<Infallible, (&'static str, NetError)> {
    client.bind(listener, Address::V4 { ip: [0; 4], port }, bell).map_err(|e| ("bind", e))?;
    client.listen(listener, BACKLOG, bell).map_err(|e| ("listen", e))?;
    let _ = writeln!(Console, "net-echo: listening on {port} (life of the backend: epoch {})", client.epoch());
    let mut open: heapless::Vec<Connection, MAX_CONNECTIONS> = heapless::Vec::new();
    let result = echo_all(client, bell, listener, connections, &mut open);
    for c in &open {
        let _ = client.release(c.s, bell);
    }
    result
}

/// Accepts up to [`MAX_CONNECTIONS`] connections and echoes them round
/// robin, sleeping when none moved.
fn echo_all<W: Window + Clone>(
    client: &mut NetClient<W>,
    bell: &mut Bell<'_>,
    listener: SocketId,
    connections: &mut u64,
    open: &mut heapless::Vec<Connection, MAX_CONNECTIONS>,
) -> Result<Infallible, (&'static str, NetError)> {
    loop {
        if client.follow(bell.epoch()).map_err(|e| ("follow", e))? {
            return Err(("echo", NetError::Restarted));
        }
        let (mut progress, mut stalled) = (false, false);
        if !open.is_full()
            && let Some(s) = client.try_accept(listener, bell).map_err(|e| ("accept", e))?
        {
            *connections += 1;
            // Room was checked.
            let _ = open.push(Connection::new(s, *connections));
            progress = true;
        }
        let mut i = 0;
        while let Some(c) = open.get_mut(i) {
            let step = c.step(client);
            let (s, n) = (c.s, c.n);
            match step {
                Ok(Step::Busy) => progress = true,
                Ok(Step::Stalled) => stalled = true,
                Ok(Step::Idle) => {}
                Ok(Step::Done(bytes)) => {
                    open.swap_remove(i);
                    client.release(s, bell).map_err(|e| ("release", e))?;
                    let _ = writeln!(Console, "net-echo: connection {n} closed after {bytes} bytes");
                    progress = true;
                    continue;
                }
                Err(e) if e == NetError::Errno(Errno::ConnReset) && !restarted(client, bell, e) => {
                    open.swap_remove(i);
                    client.release(s, bell).map_err(|e| ("release", e))?;
                    let _ = writeln!(Console, "net-echo: connection {n} reset by the peer");
                    progress = true;
                    continue;
                }
                Err(e) => return Err(("echo", e)),
            }
            i += 1;
        }
        if client.take_doorbell() {
            bell.notify();
        }
        if !progress {
            nap::sleep(stalled.then_some(1));
        }
    }
}

fn main(_boot: Boot) {
    let mut text = [0u8; 128];
    let params = caps::params(&mut text);
    let channel = param(params, "channel=").unwrap_or("net-echo");
    let Some(port) = param(params, "port=").and_then(|p| p.parse::<u16>().ok()) else {
        let _ = writeln!(Console, "net-echo: FAIL: no port=<n> in params");
        return;
    };
    let Some(end) = ChannelEnd::find(channel) else {
        let _ = writeln!(Console, "net-echo: FAIL: no channel {channel}");
        return;
    };
    nap::init();
    let window = end.window();
    let mut bell = Bell(&end);
    let side = u8::try_from(end.info.end).unwrap_or(u8::MAX);
    let mut client = match NetClient::connect(&window, side, end.epoch(), &mut bell) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(Console, "net-echo: FAIL: connect: {e:?}");
            return;
        }
    };
    let mut connections = 0u64;
    loop {
        let Err((what, e)) = serve(&mut client, &mut bell, port, &mut connections);
        if restarted(&mut client, &bell, e) {
            let _ = writeln!(Console, "net-echo: network restarted, listening again");
        } else {
            let _ = writeln!(Console, "net-echo: FAIL: {what}: {e:?}");
            nap::pause(100);
        }
    }
}
