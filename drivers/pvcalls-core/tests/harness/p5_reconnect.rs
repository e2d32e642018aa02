// SPDX-License-Identifier: MIT
//! P5: reconnect: a new epoch on a client's channel (its domain
//! restarted) forgets all its sockets (the host's peers see them reset,
//! its ports are free again), greets again, and a new CONNECT works;
//! other clients carry on.

use crate::host::{ECHO, SINK};
use crate::rig::*;
use bulkhead_pvcalls::{Errno, Operation, SocketType};

#[test]
fn a_new_epoch_forgets_every_socket() {
    let mut rig = Rig::new();
    let _old = rig.connect(ALPHA, 1, host_addr(SINK), 0);
    let mut other = rig.connect(BETA, 1, host_addr(ECHO), 0);
    rig.ok(ALPHA, Operation::Socket { socket: 10, kind: SocketType::Stream });
    rig.ok(ALPHA, Operation::Bind { socket: 10, address: any_addr(LISTEN_PORT) });
    rig.ok(ALPHA, Operation::Listen { socket: 10, backlog: 2 });
    rig.ok(ALPHA, Operation::Socket { socket: 2, kind: SocketType::Stream });

    rig.new_epoch(ALPHA);
    assert_eq!(rig.clients[0].hellos.len(), 1, "greeted again");
    rig.until(500, |r| r.host.sinks[0].reset);
    for socket in [1, 2, 10] {
        assert_eq!(rig.errno(ALPHA, Operation::Release { socket }), Errno::BadF);
    }
    // The port is free, the ring slots and socket count are back.
    rig.ok(ALPHA, Operation::Socket { socket: 10, kind: SocketType::Stream });
    rig.ok(ALPHA, Operation::Bind { socket: 10, address: any_addr(LISTEN_PORT) });
    rig.ok(ALPHA, Operation::Listen { socket: 10, backlog: 2 });
    let mut s = rig.connect(ALPHA, 1, host_addr(ECHO), 0);
    let data = pattern(64 * 1024, 5);
    let (mut at, mut got, mut at_b, mut got_b) = (0, Vec::new(), 0, Vec::new());
    rig.until(10_000, |_| {
        s.write(&data, &mut at);
        s.read(&mut got);
        other.write(&data, &mut at_b);
        other.read(&mut got_b);
        got.len() == data.len() && got_b.len() == data.len()
    });
    assert_eq!(checksum(&got), checksum(&data));
    assert_eq!(checksum(&got_b), checksum(&data), "beta carried on");
}
