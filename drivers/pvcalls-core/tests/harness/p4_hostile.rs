// SPDX-License-Identifier: MIT
//! P4: a hostile client: lying data-ring indices reset that socket only
//! (another socket of it and another client's transfer carry on); it can
//! never name another client's socket; a SOCKET flood only ever gets
//! `ENOBUFS` past its limit; huge backlogs and bad rings are `EINVAL`;
//! garbage frames get `EINVAL` and the session goes on.

use crate::host::{ECHO, SINK};
use crate::rig::*;
use bulkhead_pvcalls::stream::StreamState;
use bulkhead_pvcalls::{DataRef, DataRing, Errno, Operation, Response, SocketType};
use bulkhead_pvcalls_core::Notice;

fn socket_op(socket: u64) -> Operation {
    Operation::Socket { socket, kind: SocketType::Stream }
}

#[test]
fn lying_indices_kill_only_that_socket() {
    let mut rig = Rig::new();
    let mut a = rig.connect(ALPHA, 1, host_addr(ECHO), 0);
    let mut b = rig.connect(BETA, 1, host_addr(ECHO), 0);
    let mut liar_out = rig.connect(ALPHA, 2, host_addr(SINK), 1);
    let mut liar_in = rig.connect(ALPHA, 3, host_addr(ECHO), 2);
    let data = pattern(128 * 1024, 9);
    let (mut at_a, mut got_a, mut at_b, mut got_b) = (0, Vec::new(), 0, Vec::new());
    let mut lied = false;
    rig.until(20_000, |r| {
        a.write(&data, &mut at_a);
        a.read(&mut got_a);
        b.write(&data, &mut at_b);
        b.read(&mut got_b);
        if !lied && got_a.len() > 32 * 1024 {
            // An outbound producer index far ahead, an inbound consumer
            // index far behind.
            let w = &r.clients[0].window;
            w.scribble(liar_out.outbound.base, 0xdead_0000);
            w.scribble(liar_in.inbound.base + 64, 0x8000_0000);
            let mut x = 0;
            liar_in.write(b"poke", &mut x);
            lied = true;
        }
        got_a.len() == data.len() && got_b.len() == data.len()
    });
    assert_eq!(checksum(&got_a), checksum(&data));
    assert_eq!(checksum(&got_b), checksum(&data));
    let broke: Vec<Notice> = rig.notices.iter().copied().filter(|n| matches!(n, Notice::BrokeRing { .. })).collect();
    assert_eq!(broke.len(), 2);
    assert!(broke.contains(&Notice::BrokeRing { client: ALPHA, socket: 2 }));
    assert!(broke.contains(&Notice::BrokeRing { client: ALPHA, socket: 3 }));
    // The sane half of the broken ring says reset; the host saw a reset.
    assert_eq!(liar_out.rx.seen().unwrap().state, StreamState::Reset);
    rig.until(500, |r| r.host.sinks[0].reset);
    // Only RELEASE is left for them.
    assert_eq!(
        rig.errno(ALPHA, Operation::Connect { socket: 2, address: host_addr(SINK), ring: ring(5) }),
        Errno::Inval
    );
    rig.ok(ALPHA, Operation::Release { socket: 2 });
    rig.ok(ALPHA, Operation::Release { socket: 3 });
}

#[test]
fn another_clients_socket_is_ebadf() {
    let mut rig = Rig::new();
    let mut s = rig.connect(ALPHA, 5, host_addr(ECHO), 0);
    rig.ok(ALPHA, socket_op(6));
    rig.ok(ALPHA, Operation::Bind { socket: 6, address: any_addr(LISTEN_PORT) });
    rig.ok(ALPHA, Operation::Listen { socket: 6, backlog: 1 });
    for socket in [5, 6] {
        for op in [
            Operation::Release { socket },
            Operation::Poll { socket },
            Operation::Listen { socket, backlog: 1 },
            Operation::Bind { socket, address: any_addr(LISTEN_PORT) },
            Operation::Accept { socket, new_socket: 7, ring: ring(1) },
            Operation::Connect { socket, address: host_addr(ECHO), ring: ring(1) },
        ] {
            assert_eq!(rig.errno(BETA, op), Errno::BadF, "{op:?}");
        }
    }
    // alpha's socket is untouched.
    let (mut at, mut got) = (0, Vec::new());
    s.write(b"still mine", &mut at);
    rig.until(500, |_| {
        s.read(&mut got);
        got.len() == 10
    });
    assert_eq!(rig.errno(ALPHA, Operation::Poll { socket: 6 }), Errno::InProgress);
}

#[test]
fn a_socket_flood_only_gets_enobufs() {
    let mut rig = Rig::new();
    let ops: Vec<Operation> = (0..1000).map(socket_op).collect();
    let got = rig.call_many(BETA, &ops);
    assert!(got[..4].iter().all(|e| *e == Errno::Ok), "{:?}", &got[..4]);
    assert!(got[4..].iter().all(|e| *e == Errno::NoBufs));
    assert_eq!(rig.errno(BETA, socket_op(0)), Errno::Exist);
    assert_eq!(rig.errno(ALPHA, Operation::Socket { socket: 1, kind: SocketType::Datagram }), Errno::NotSup);
    // Releasing one makes room for one.
    rig.ok(BETA, Operation::Release { socket: 3 });
    assert_eq!(rig.call_many(BETA, &[socket_op(2000), socket_op(2001)]), [Errno::Ok, Errno::NoBufs]);
}

#[test]
fn huge_backlogs_are_einval_and_slots_count_as_sockets() {
    let mut rig = Rig::new();
    rig.ok(ALPHA, socket_op(1));
    rig.ok(ALPHA, Operation::Bind { socket: 1, address: any_addr(LISTEN_PORT) });
    for backlog in [1 << 30, u32::MAX, 17] {
        assert_eq!(rig.errno(ALPHA, Operation::Listen { socket: 1, backlog }), Errno::Inval, "{backlog}");
    }
    assert_eq!(rig.errno(ALPHA, Operation::Listen { socket: 1, backlog: 16 }), Errno::NoBufs, "8 sockets");
    rig.ok(ALPHA, Operation::Listen { socket: 1, backlog: 8 });
    assert_eq!(rig.errno(ALPHA, socket_op(2)), Errno::NoBufs);
    rig.ok(ALPHA, Operation::Release { socket: 1 });
    rig.ok(ALPHA, socket_op(2));
    // backlog 0 means 1.
    rig.ok(ALPHA, Operation::Bind { socket: 2, address: any_addr(LISTEN_PORT) });
    rig.ok(ALPHA, Operation::Listen { socket: 2, backlog: 0 });
    let ops: Vec<Operation> = (10..20).map(socket_op).collect();
    assert_eq!(rig.call_many(ALPHA, &ops).iter().filter(|e| **e == Errno::Ok).count(), 7);
}

#[test]
fn bad_rings_are_einval_and_the_budget_enobufs() {
    let mut rig = Rig::new();
    let good = ring(0);
    let mut live = rig.connect(BETA, 1, host_addr(ECHO), 0);
    rig.ok(BETA, socket_op(2));
    let r = |inbound: (u32, u32), outbound: (u32, u32)| DataRing {
        inbound: DataRef { offset: inbound.0, len: inbound.1 },
        outbound: DataRef { offset: outbound.0, len: outbound.1 },
        event: 0,
    };
    let base = RING_BYTES;
    let len = 128 + STREAM;
    for (what, ring) in [
        ("halves overlap", r((base, len), (base + 64, len))),
        ("outside the window", r((base, len), (256 * 1024 - 64, len))),
        ("far outside", r((u32::MAX - 64, len), (base, len))),
        ("misaligned", r((base + 4, len), (base + 2 * len, len))),
        ("not a power of two", r((base, 128 + 1000), (base + 2 * len, len))),
        ("the live socket's ring", good),
        ("half on the live ring", r((base, len), (len, len))),
    ] {
        let e = rig.errno(BETA, Operation::Connect { socket: 2, address: host_addr(ECHO), ring });
        assert_eq!(e, Errno::Inval, "{what}");
    }
    // beta's budget (128 KiB) holds 3 rings: the 4th is ENOBUFS.
    rig.connect(BETA, 3, host_addr(ECHO), 1);
    rig.connect(BETA, 4, host_addr(ECHO), 2);
    assert_eq!(
        rig.errno(BETA, Operation::Connect { socket: 2, address: host_addr(ECHO), ring: ring(3) }),
        Errno::NoBufs
    );
    // The live socket never noticed.
    let (mut at, mut got) = (0, Vec::new());
    live.write(b"fine", &mut at);
    rig.until(500, |_| {
        live.read(&mut got);
        got.len() == 4
    });
}

#[test]
fn garbage_gets_einval_and_the_session_goes_on() {
    let mut rig = Rig::new();
    rig.clients[0].send_raw(&[0xff, 0xff, 0xff, 0xff, 0x07]);
    rig.steps(3);
    assert_eq!(rig.clients[0].responses.pop_front(), Some(Response { id: 0, socket: 0, errno: Errno::Inval }));
    rig.ok(ALPHA, socket_op(1));
}
