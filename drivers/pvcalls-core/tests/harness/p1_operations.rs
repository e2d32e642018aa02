// SPDX-License-Identifier: MIT
//! P1: every operation works: SOCKET, CONNECT to the host's echo with
//! 256 KiB both ways (checksummed), BIND/LISTEN/ACCEPT of a connection the
//! host dials, POLL, RELEASE with the last bytes and a FIN.

use crate::host::{ECHO, SINK};
use crate::rig::*;
use bulkhead_pvcalls::stream::StreamState;
use bulkhead_pvcalls::{Errno, Operation, Response, SocketType, VERSION};
use bulkhead_pvcalls_core::{CONNECT_TIMEOUT_MS, MAX_SLEEP_MS};
use smoltcp::socket::tcp::State;

#[test]
fn the_greeting_gives_the_limits() {
    let rig = Rig::new();
    let h = rig.clients[usize::from(BETA)].hellos.clone();
    assert_eq!(h.len(), 1);
    assert_eq!((h[0].version, h[0].max_sockets, h[0].max_ring_bytes), (VERSION, 4, 131_072));
}

#[test]
fn echo_256_kib_both_ways() {
    let mut rig = Rig::new();
    let mut s = rig.connect(ALPHA, 1, host_addr(ECHO), 0);
    let data = pattern(256 * 1024, 1);
    let (mut at, mut got) = (0, Vec::new());
    rig.until(20_000, |r| {
        s.write(&data, &mut at);
        s.read(&mut got);
        let _ = r;
        got.len() == data.len()
    });
    assert_eq!(checksum(&got), checksum(&data));
    let (to_net, to_client) = rig.net.bytes_moved();
    assert_eq!((to_net, to_client), (data.len() as u64, data.len() as u64));
    assert!(rig.doorbells & 1 != 0);
    let _ = Errno::Ok;
}

#[test]
fn bind_listen_accept_a_connection_the_host_dials_and_poll() {
    let mut rig = Rig::new();
    rig.ok(ALPHA, Operation::Socket { socket: 10, kind: SocketType::Stream });
    rig.ok(ALPHA, Operation::Bind { socket: 10, address: any_addr(LISTEN_PORT) });
    rig.ok(ALPHA, Operation::Listen { socket: 10, backlog: 2 });
    // Nothing waits yet: the ACCEPT completes when the host dials.
    let ring1 = ring(1);
    let mut s = rig.clients[0].sock(&ring1);
    let r = rig.call(ALPHA, Operation::Accept { socket: 10, new_socket: 11, ring: ring1 });
    assert_eq!(r.errno, Errno::InProgress);
    let ring2 = ring(2);
    assert_eq!(rig.errno(ALPHA, Operation::Accept { socket: 10, new_socket: 12, ring: ring2 }), Errno::Already);
    assert_eq!(rig.errno(ALPHA, Operation::Poll { socket: 10 }), Errno::Already);
    let d = rig.host.dial(LISTEN_PORT);
    assert_eq!(rig.completion(ALPHA, r.id, 500), Response { id: r.id, socket: 10, errno: Errno::Ok });

    rig.host.dialed[d].out = b"hello from the host".to_vec();
    let mut got = Vec::new();
    rig.until(500, |_| {
        s.read(&mut got);
        got.len() == 19
    });
    assert_eq!(got, b"hello from the host");
    let mut at = 0;
    s.write(b"hello host", &mut at);
    rig.until(500, |r| r.host.dialed[d].got == b"hello host");

    // POLL: InProgress until a second connection waits, then ACCEPT at once.
    let p = rig.call(ALPHA, Operation::Poll { socket: 10 });
    assert_eq!(p.errno, Errno::InProgress);
    let d2 = rig.host.dial(LISTEN_PORT);
    assert_eq!(rig.completion(ALPHA, p.id, 500).errno, Errno::Ok);
    assert_eq!(rig.errno(ALPHA, Operation::Poll { socket: 10 }), Errno::Ok, "still waiting");
    let mut s2 = rig.clients[0].sock(&ring2);
    rig.ok(ALPHA, Operation::Accept { socket: 10, new_socket: 12, ring: ring2 });
    rig.host.dialed[d2].out = b"second".to_vec();
    let mut got2 = Vec::new();
    rig.until(500, |_| {
        s2.read(&mut got2);
        got2.len() == 6
    });
    assert_eq!(got2, b"second");
    // The backlog was refilled: a third connection is accepted too.
    let d3 = rig.host.dial(LISTEN_PORT);
    rig.until(500, |r| r.host.tcp(r.host.dialed[d3].handle).state() == State::Established);
}

#[test]
fn release_sends_the_last_bytes_then_fin() {
    let mut rig = Rig::new();
    // The host does not read at first: every buffer on the way fills,
    // and the client's ring is full when it releases the socket.
    rig.host.sinks[0].reading = false;
    let mut s = rig.connect(ALPHA, 1, host_addr(SINK), 0);
    let data = pattern(160 * 1024, 7);
    let mut at = 0;
    rig.until(5000, |r| {
        s.write(&data, &mut at);
        r.now > 200 && s.tx.free().unwrap() == 0
    });
    rig.steps(50);
    assert_eq!(s.tx.free().unwrap(), 0, "the ring stays full");
    assert!(at < data.len());
    rig.ok(ALPHA, Operation::Release { socket: 1 });
    rig.host.sinks[0].reading = true;
    rig.until(5000, |r| r.host.sinks[0].fin);
    assert_eq!(checksum(&rig.host.sinks[0].got), checksum(&data[..at]), "every byte written, then FIN");
    assert!(!rig.host.sinks[0].reset);
    assert_eq!(rig.errno(ALPHA, Operation::Release { socket: 1 }), Errno::BadF);
}

#[test]
fn a_client_shutting_its_outbound_stream_sends_fin_and_sees_the_peers() {
    let mut rig = Rig::new();
    let mut s = rig.connect(ALPHA, 1, host_addr(ECHO), 0);
    let mut at = 0;
    s.write(b"last words", &mut at);
    s.tx.set_state(StreamState::Closed);
    let mut got = Vec::new();
    rig.until(2000, |_| {
        s.read(&mut got);
        s.rx.seen().unwrap().state == StreamState::Closed && s.rx.seen().unwrap().available == 0
    });
    assert_eq!(got, b"last words", "the echo closes after echoing everything");
}

#[test]
fn connect_outcomes_refused_timed_out_unreachable() {
    let mut rig = Rig::new();
    // Nobody listens on 5555: the host answers RST.
    rig.ok(BETA, Operation::Socket { socket: 1, kind: SocketType::Stream });
    let r = rig.call(BETA, Operation::Connect { socket: 1, address: host_addr(5555), ring: ring(0) });
    assert_eq!(r.errno, Errno::InProgress);
    assert_eq!(rig.completion(BETA, r.id, 500).errno, Errno::ConnRefused);
    // The cable is cut: no answer at all, ETIMEDOUT after 10 s.
    rig.host.cut(true);
    let r = rig.call(BETA, Operation::Connect { socket: 1, address: host_addr(ECHO), ring: ring(0) });
    assert_eq!(r.errno, Errno::InProgress);
    assert_eq!(
        rig.errno(BETA, Operation::Connect { socket: 1, address: host_addr(ECHO), ring: ring(1) }),
        Errno::Already
    );
    let start = rig.now;
    rig.idle(9_000);
    assert!(rig.clients[1].completions.is_empty());
    let delay = rig.pumped.next_poll_ms;
    assert!(delay.is_some_and(|d| d <= MAX_SLEEP_MS), "a pending connect asks to be polled: {delay:?}");
    rig.idle(1_200);
    let done = rig.completion(BETA, r.id, 10);
    assert_eq!(done.errno, Errno::TimedOut);
    assert!(rig.now - start >= CONNECT_TIMEOUT_MS);
    // The socket is fresh again, its ring free: the mended cable works.
    rig.host.cut(false);
    let r = rig.call(BETA, Operation::Connect { socket: 1, address: host_addr(ECHO), ring: ring(0) });
    assert_eq!(rig.completion(BETA, r.id, 500).errno, Errno::Ok);
    assert_eq!(
        rig.errno(BETA, Operation::Connect { socket: 1, address: host_addr(ECHO), ring: ring(1) }),
        Errno::IsConn
    );

    // Before DHCP answers there is no address: ENETUNREACH.
    let mut rig = Rig::with_params("ip=dhcp clients=a a=connect=10.0.2.2:7");
    assert_eq!(rig.net.address(), None);
    rig.ok(0, Operation::Socket { socket: 1, kind: SocketType::Stream });
    let r = rig.call(0, Operation::Connect { socket: 1, address: host_addr(ECHO), ring: ring(0) });
    assert_eq!(r.errno, Errno::InProgress);
    assert_eq!(rig.completion(0, r.id, 10).errno, Errno::NetUnreach);
}
