// SPDX-License-Identifier: MIT
//! P4 (continued): any sequence of requests from any client, with
//! scribbles on its windows between them, never panics the backend, and
//! every request gets exactly one response about its socket.

use crate::host::{ECHO, SINK};
use crate::rig::*;
use bulkhead_pvcalls::{Address, DataRef, DataRing, Operation, Request, SocketType, ToClient};
use bulkhead_ring::ClientWindow;
use bulkhead_session::Service;
use proptest::prelude::*;

/// The backend never reads this view (it has its own window).
struct NoWindow;

impl ClientWindow for NoWindow {
    fn len(&self) -> u64 {
        0
    }
    fn read(&self, _: u64, _: &mut [u8]) -> bool {
        false
    }
    fn write(&mut self, _: u64, _: &[u8]) -> bool {
        false
    }
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        prop::sample::select(vec![ECHO, SINK, LISTEN_PORT, 5555, 0]).prop_map(host_addr),
        prop::sample::select(vec![LISTEN_PORT, 22]).prop_map(any_addr),
        any::<([u8; 4], u16)>().prop_map(|(ip, port)| Address::V4 { ip, port }),
        Just(Address::V6 { ip: [0; 16], port: 7 }),
    ]
}

fn data_ring() -> impl Strategy<Value = DataRing> {
    prop_oneof![
        (0u32..6).prop_map(ring),
        any::<(u32, u32, u32, u32)>().prop_map(|(a, b, c, d)| DataRing {
            inbound: DataRef { offset: a % (300 * 1024), len: b % 40_000 },
            outbound: DataRef { offset: c, len: d },
            event: 0,
        }),
    ]
}

fn operation() -> impl Strategy<Value = Operation> {
    let id = 0u64..6;
    prop_oneof![
        (id.clone(), any::<bool>()).prop_map(|(socket, d)| Operation::Socket {
            socket,
            kind: if d { SocketType::Datagram } else { SocketType::Stream }
        }),
        (id.clone(), address(), data_ring()).prop_map(|(socket, address, ring)| Operation::Connect {
            socket,
            address,
            ring
        }),
        id.clone().prop_map(|socket| Operation::Release { socket }),
        (id.clone(), address()).prop_map(|(socket, address)| Operation::Bind { socket, address }),
        (id.clone(), prop::sample::select(vec![0u32, 1, 2, 16, 17, 1 << 30, u32::MAX]))
            .prop_map(|(socket, backlog)| Operation::Listen { socket, backlog }),
        (id.clone(), id.clone(), data_ring()).prop_map(|(socket, new_socket, ring)| Operation::Accept {
            socket,
            new_socket,
            ring
        }),
        id.prop_map(|socket| Operation::Poll { socket }),
    ]
}

#[derive(Debug, Clone)]
enum Act {
    Request(u8, Operation),
    Steps(u8),
    Scribble(u8, u32, u32),
    Dial,
    Epoch(u8),
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        6 => (0u8..4, operation()).prop_map(|(c, op)| Act::Request(c, op)),
        2 => (1u8..20).prop_map(Act::Steps),
        1 => (0u8..3, 0u32..(256 * 1024 / 4), any::<u32>()).prop_map(|(c, at, v)| Act::Scribble(c, at, v)),
        1 => Just(Act::Dial),
        1 => (0u8..3).prop_map(Act::Epoch),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_never_panic(acts in prop::collection::vec(act(), 1..60)) {
        let mut rig = Rig::new();
        for (n, a) in acts.into_iter().enumerate() {
            match a {
                Act::Request(client, op) => {
                    let id = u16::try_from(n).unwrap();
                    let ToClient::Response(r) = rig.net.request(client, &mut NoWindow, &Request { id, op }) else {
                        panic!("not a response")
                    };
                    prop_assert_eq!(r.id, id);
                }
                Act::Steps(k) => rig.steps(usize::from(k)),
                Act::Scribble(client, at, v) => {
                    let w = &rig.clients[usize::from(client)].window;
                    w.scribble(bulkhead_pvcalls::channel::DATA_AREA + 4 * at as usize, v);
                }
                Act::Dial => {
                    rig.host.dial(LISTEN_PORT);
                }
                Act::Epoch(client) => rig.new_epoch(client),
            }
        }
        rig.idle(11_000);
        while rig.net.take_notice().is_some() {}
    }
}
