// SPDX-License-Identifier: MIT
//! `Session`, the display domain's side of one client's channel, over
//! real rings in a `TestWindow`, with a raw client end (no client
//! library): the greeting names only the connectors the client may use,
//! each request gets its response, an undecodable frame is answered
//! `InvalidArgument` and the session goes on, a slow client's responses
//! wait in the outbox instead of being lost, and a new epoch greets again
//! with the client's state gone.

use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_display::{ConnectorInfo, MAX_MESSAGE, Operation, Request, Status, ToClient, VERSION, decode};
use bulkhead_display_core::{Backend, ConnectorPolicy, LAYOUT, Placement, Policy, Session};
use bulkhead_ring::{Link, LinkError, RingError, TestWindow};

const WINDOW: usize = 256 * 1024;

fn policy() -> Policy {
    let mut p = Policy::default();
    for (n, clients) in [(0u32, &[0u8, 1][..]), (1, &[1][..])] {
        let mut c = ConnectorPolicy {
            width: 64 + n,
            height: 32,
            background: 0,
            placements: Default::default(),
            protected: Default::default(),
        };
        for (z, client) in clients.iter().enumerate() {
            c.placements.push(Placement { client: *client, z: z as u8, blend: false }).unwrap();
        }
        p.connectors.push(c).unwrap();
    }
    p
}

fn client_link(w: &TestWindow, epoch: u32) -> Link<TestWindow> {
    Link::connect(w.clone(), 1, epoch, HELLO, TO_BACKEND, TO_CLIENT).unwrap()
}

fn receive(link: &mut Link<TestWindow>) -> Vec<ToClient> {
    let mut out = Vec::new();
    let mut buf = [0u8; MAX_MESSAGE];
    while let Ok(frame) = link.pop(&mut buf) {
        out.push(decode::<ToClient>(frame).unwrap());
    }
    out
}

fn request(link: &mut Link<TestWindow>, id: u16, op: Operation) {
    let bytes = postcard::to_allocvec(&Request { id, connector: 0, op }).unwrap();
    link.push(&bytes).unwrap();
}

#[test]
fn greeting_requests_garbage_and_a_new_epoch() {
    let mut backend = Backend::new(policy()).unwrap();
    let window = TestWindow::new(WINDOW);
    // Client 0 may use connector 0 only.
    let mut session = Session::connect(&mut backend, 0, window.clone(), LAYOUT, 0, 1).unwrap();
    let mut client = client_link(&window, 1);
    let served = session.serve(&mut backend, 1).unwrap();
    assert!(served.sent);
    assert_eq!(
        receive(&mut client),
        [
            ToClient::Hello { version: VERSION, connectors: 1 },
            ToClient::Connector(ConnectorInfo { connector: 0, width: 64, height: 32 })
        ]
    );

    request(&mut client, 7, Operation::FbDetach { fb: 3 });
    client.push(&[0xff, 0xff, 0xff]).unwrap();
    request(&mut client, 8, Operation::DbufDestroy { dbuf: 1 });
    let served = session.serve(&mut backend, 1).unwrap();
    assert_eq!((served.requests, served.undecodable), (2, 1));
    let got: Vec<(u16, Status)> = receive(&mut client)
        .into_iter()
        .map(|m| match m {
            ToClient::Response(r) => (r.id, r.status),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, [(7, Status::NotFound), (u16::MAX, Status::InvalidArgument), (8, Status::NotFound)]);

    // The kernel moves the channel to epoch 2 (the client restarted).
    let mut client = client_link(&window, 2);
    let served = session.serve(&mut backend, 2).unwrap();
    assert!(served.reconnected);
    assert_eq!(receive(&mut client).first(), Some(&ToClient::Hello { version: VERSION, connectors: 1 }));
}

#[test]
fn a_slow_client_loses_no_response() {
    let mut backend = Backend::new(policy()).unwrap();
    let window = TestWindow::new(WINDOW);
    let mut session = Session::connect(&mut backend, 1, window.clone(), LAYOUT, 0, 1).unwrap();
    let mut client = client_link(&window, 1);
    session.serve(&mut backend, 1).unwrap();
    // Client 1 may use both connectors.
    assert_eq!(receive(&mut client).len(), 3);
    // It sends many requests and reads nothing until the end.
    let mut sent = 0u16;
    loop {
        let bytes =
            postcard::to_allocvec(&Request { id: sent, connector: 0, op: Operation::FbDetach { fb: 1 } }).unwrap();
        match client.push(&bytes) {
            Ok(()) => sent += 1,
            Err(LinkError::Ring(RingError::Full)) => break,
            Err(e) => panic!("{e:?}"),
        }
        if sent.is_multiple_of(64) {
            session.serve(&mut backend, 1).unwrap();
        }
    }
    // Serve until everything is answered, reading as a slow client would.
    let mut ids = Vec::new();
    for _ in 0..10_000 {
        session.serve(&mut backend, 1).unwrap();
        ids.extend(receive(&mut client).into_iter().map(|m| match m {
            ToClient::Response(r) => r.id,
            other => panic!("{other:?}"),
        }));
        if ids.len() == usize::from(sent) {
            break;
        }
    }
    assert_eq!(ids, (0..sent).collect::<Vec<_>>(), "every response, in order, none lost");
}
