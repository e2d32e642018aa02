// SPDX-License-Identifier: MIT
//! P2: the firewall: a CONNECT, BIND or LISTEN the client's policy does
//! not allow is `EACCES`, told to the domain once per rule and client;
//! what the policy allows works; a client without rules may open nothing.

use crate::host::{ECHO, SINK};
use crate::rig::*;
use bulkhead_pvcalls::{Address, Errno, Operation, SocketType};
use bulkhead_pvcalls_core::{Notice, Refusal};

fn socket(rig: &mut Rig, client: u8, socket: u64) {
    rig.ok(client, Operation::Socket { socket, kind: SocketType::Stream });
}

fn refusals(rig: &Rig) -> Vec<(u8, Refusal)> {
    rig.notices
        .iter()
        .filter_map(|n| match n {
            Notice::Refused { client, what } => Some((*client, *what)),
            _ => None,
        })
        .collect()
}

#[test]
fn forbidden_connects_are_eacces_and_told_once() {
    let mut rig = Rig::new();
    socket(&mut rig, ALPHA, 1);
    let ssh = host_addr(22);
    let other = Address::V4 { ip: [10, 0, 2, 3], port: ECHO };
    for _ in 0..3 {
        for address in [ssh, other] {
            let r = rig.call(ALPHA, Operation::Connect { socket: 1, address, ring: ring(0) });
            assert_eq!((r.socket, r.errno), (1, Errno::Access), "{address:?}");
        }
    }
    assert_eq!(refusals(&rig), [(ALPHA, Refusal::Connect(ssh)), (ALPHA, Refusal::Connect(other))]);
    // The refused socket is still fresh: an allowed CONNECT works.
    let ring0 = ring(0);
    let mut s = rig.clients[0].sock(&ring0);
    let r = rig.call(ALPHA, Operation::Connect { socket: 1, address: host_addr(ECHO), ring: ring0 });
    assert_eq!(r.errno, Errno::InProgress);
    assert_eq!(rig.completion(ALPHA, r.id, 500).errno, Errno::Ok);
    let (mut at, mut got) = (0, Vec::new());
    s.write(b"allowed", &mut at);
    rig.until(500, |_| {
        s.read(&mut got);
        got.len() == 7
    });
    // beta may reach any port of the host, nothing else.
    rig.connect(BETA, 1, host_addr(SINK), 0);
    socket(&mut rig, BETA, 2);
    assert_eq!(rig.errno(BETA, Operation::Connect { socket: 2, address: other, ring: ring(1) }), Errno::Access);
}

#[test]
fn forbidden_listens_are_eacces_and_told_once() {
    let mut rig = Rig::new();
    socket(&mut rig, ALPHA, 1);
    for _ in 0..2 {
        assert_eq!(rig.errno(ALPHA, Operation::Bind { socket: 1, address: any_addr(9090) }), Errno::Access);
    }
    assert_eq!(rig.errno(ALPHA, Operation::Listen { socket: 1, backlog: 1 }), Errno::Inval, "not bound");
    rig.ok(ALPHA, Operation::Bind { socket: 1, address: any_addr(LISTEN_PORT) });
    rig.ok(ALPHA, Operation::Listen { socket: 1, backlog: 1 });
    // beta has no listen rule: not even the port alpha listens on.
    socket(&mut rig, BETA, 1);
    assert_eq!(rig.errno(BETA, Operation::Bind { socket: 1, address: any_addr(LISTEN_PORT) }), Errno::Access);
    assert_eq!(refusals(&rig), [(ALPHA, Refusal::Bind(any_addr(9090))), (BETA, Refusal::Bind(any_addr(LISTEN_PORT)))]);
    // Not our address.
    socket(&mut rig, ALPHA, 2);
    let elsewhere = Address::V4 { ip: [10, 0, 2, 99], port: LISTEN_PORT };
    assert_eq!(rig.errno(ALPHA, Operation::Bind { socket: 2, address: elsewhere }), Errno::AddrNotAvail);
    // Our own address is fine, but the port is taken.
    let ours = Address::V4 { ip: guest_ip(), port: LISTEN_PORT };
    assert_eq!(rig.errno(ALPHA, Operation::Bind { socket: 2, address: ours }), Errno::AddrInUse);
}

#[test]
fn a_client_without_rules_may_open_nothing() {
    let mut rig = Rig::new();
    socket(&mut rig, GAMMA, 1);
    for port in [ECHO, SINK, 80] {
        assert_eq!(
            rig.errno(GAMMA, Operation::Connect { socket: 1, address: host_addr(port), ring: ring(0) }),
            Errno::Access
        );
        assert_eq!(rig.errno(GAMMA, Operation::Bind { socket: 1, address: any_addr(port) }), Errno::Access);
    }
    assert_eq!(refusals(&rig).len(), 6);
}
