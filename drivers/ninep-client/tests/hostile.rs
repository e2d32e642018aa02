// SPDX-License-Identifier: MIT
//! A hostile server: replies of random bytes (some with a valid header and
//! the awaited tag) never make the client panic, and the client goes on
//! after them.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code: a failure is a test failure")]
#![allow(clippy::cast_possible_truncation, reason = "test code: random bytes")]

mod common;

use bulkhead_ninep::{Header, MAX_MSIZE};
use bulkhead_ninep_client::{ClientError, FidBook, NinepClient, Port};
use bulkhead_ring::TestWindow;
use common::{Action, FakePort, versioned};
use std::cell::Cell;
use std::rc::Rc;

/// xorshift64*, seeded: the same bytes on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Random bytes; half the time behind a header that is right but for the
/// body (the awaited tag, a random R type, the true size).
fn reply(rng: &mut Rng, tag: u16) -> Vec<u8> {
    let len = rng.below(200) as usize;
    let mut body = rng.bytes(len);
    match rng.below(4) {
        0 => body,
        1 => {
            let id = (rng.below(64) as u8) * 2 + 1;
            let size = 7 + body.len() as u32;
            let mut bytes = Header { size, id, tag }.to_bytes().to_vec();
            bytes.append(&mut body);
            bytes
        }
        2 => {
            // A plausible type with a short body: the decoder's edges.
            let id = [7, 9, 13, 15, 25, 41, 101, 105, 111, 117, 121, 125][rng.below(12) as usize];
            body.truncate(rng.below(20) as usize);
            let mut bytes = Header { size: 7 + body.len() as u32, id, tag }.to_bytes().to_vec();
            bytes.append(&mut body);
            bytes
        }
        _ => {
            let mut bytes = Header { size: rng.next() as u32, id: rng.next() as u8, tag }.to_bytes().to_vec();
            bytes.append(&mut body);
            bytes
        }
    }
}

fn any_call(client: &mut NinepClient<'_, TestWindow>, port: &impl Port, rng: &mut Rng) -> Result<(), ClientError> {
    let fid = rng.below(4) as u32;
    let mut buf = [0u8; 64];
    match rng.below(12) {
        0 => client.attach(port, fid, "u", "", 0).map(drop),
        1 => client.walk(port, fid, fid + 1, &["a", "b"]).map(drop),
        2 => client.lopen(port, fid, 2).map(drop),
        3 => client.read(port, fid, 0, &mut buf).map(drop),
        4 => client.write(port, fid, 0, b"hello").map(drop),
        5 => client.getattr(port, fid, 0x7ff).map(drop),
        6 => client.readdir(port, fid, 0, 512, |_| {}).map(drop),
        7 => client.statfs(port, fid).map(drop),
        8 => client.mkdir(port, fid, "d", 0o755, 0).map(drop),
        9 => client.lcreate(port, fid, "f", 0o100, 0o644, 0).map(drop),
        10 => client.clunk(port, fid),
        _ => client.version(port, MAX_MSIZE).map(drop),
    }
}

#[test]
fn random_replies_never_panic_and_the_client_goes_on() {
    let (port, mut client) = versioned(MAX_MSIZE);
    port.server.borrow_mut().restart_when_idle = true;
    let hostile = Rc::new(Cell::new(true));
    let seed = Rc::new(Cell::new(0x9E37_79B9_7F4A_7C15u64));
    let (h, s) = (hostile.clone(), seed.clone());
    port.set_hook(move |f| {
        if !h.get() {
            return None;
        }
        let mut rng = Rng(s.get());
        let mut actions = Vec::new();
        for _ in 0..=rng.below(2) {
            actions.push(Action::Send(reply(&mut rng, f.tag)));
        }
        s.set(rng.next() | 1);
        Some(actions)
    });
    let mut rng = Rng(42);
    let mut outcomes = std::collections::BTreeMap::<String, u32>::new();
    for _ in 0..2000 {
        let result = any_call(&mut client, &port, &mut rng);
        let key = match result {
            Ok(()) => "ok".to_string(),
            Err(ClientError::Wire(_)) => "wire".to_string(),
            Err(ClientError::Remote(_)) => "remote".to_string(),
            Err(e) => format!("{e:?}"),
        };
        *outcomes.entry(key).or_default() += 1;
        if client.msize().is_none() {
            // A restart (the fake restarts when the client waits in vain),
            // or a refused version: negotiate with an honest server.
            hostile.set(false);
            // Garbage the hostile server left in the ring fails a call
            // or two more.
            let _ = client.follow(port.epoch());
            let tries: Vec<_> = (0..4).map(|_| client.version(&port, MAX_MSIZE)).collect();
            assert!(tries.iter().any(Result::is_ok), "{tries:?}");
            hostile.set(true);
        }
    }
    assert!(outcomes.len() > 3, "a variety of outcomes: {outcomes:?}");
    // The client still works against an honest server.
    hostile.set(false);
    let mut book = FidBook::<2>::new();
    book.attach(&mut client, &port, 0, "u", "", 0).unwrap();
    book.walk(&mut client, &port, 0, 1, &["x"]).unwrap();
    assert_eq!(client.write(&port, 1, 0, b"ok"), Ok(2));
}

/// A server that pushes a frame larger than the client's buffer: an error,
/// not a panic, and nothing read past the buffer.
#[test]
fn a_frame_larger_than_the_buffer_is_an_error() {
    let (port, mut client): (FakePort, _) = common::setup_with(4096);
    port.set_hook(|f| {
        let mut bytes = Header { size: 8000, id: 101, tag: f.tag }.to_bytes().to_vec();
        bytes.resize(8000, 0);
        Some(vec![Action::Send(bytes)])
    });
    assert!(matches!(client.version(&port, 4096), Err(ClientError::Link(_))));
}
