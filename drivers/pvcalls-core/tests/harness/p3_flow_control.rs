// SPDX-License-Identifier: MIT
//! P3: flow control: when the host stops reading, or the client stops
//! reading, the buffers on the way fill, the TCP window closes, nothing
//! is dropped; when the reader resumes, the transfer completes intact.

use crate::host::{HOST_BUFFER, SINK};
use crate::rig::*;

#[test]
fn the_host_stops_reading() {
    let mut rig = Rig::new();
    rig.host.sinks[0].reading = false;
    let mut s = rig.connect(ALPHA, 1, host_addr(SINK), 0);
    let data = pattern(256 * 1024, 3);
    let mut at = 0;
    rig.until(5000, |r| {
        s.write(&data, &mut at);
        r.now > 300 && s.tx.free().unwrap() == 0
    });
    let stalled = rig.net.bytes_moved().0;
    rig.steps(300);
    // The window is closed: the host's buffer is full, the backend's
    // moves nothing more, the client's ring stays full.
    let h = rig.host.sinks[0].handle;
    assert_eq!(rig.host.tcp(h).recv_queue(), HOST_BUFFER);
    assert_eq!(rig.net.bytes_moved().0, stalled);
    assert_eq!(s.tx.free().unwrap(), 0);
    assert!(at < data.len());
    rig.host.sinks[0].reading = true;
    rig.until(20_000, |r| {
        s.write(&data, &mut at);
        r.host.sinks[0].got.len() == data.len()
    });
    assert_eq!(checksum(&rig.host.sinks[0].got), checksum(&data));
}

#[test]
fn the_client_stops_reading() {
    let mut rig = Rig::new();
    let mut s = rig.connect(ALPHA, 1, host_addr(SINK), 0);
    let data = pattern(256 * 1024, 4);
    rig.host.sinks[0].out = data.clone();
    rig.steps(300);
    let stalled = rig.net.bytes_moved().1;
    rig.steps(300);
    // The client's inbound stream is full, smoltcp's receive buffer
    // holds the rest, its window is closed: the host cannot send.
    assert_eq!(s.rx.seen().unwrap().available, STREAM as usize);
    assert_eq!(rig.net.bytes_moved().1, stalled);
    let h = rig.host.sinks[0].handle;
    assert!(rig.host.tcp(h).send_queue() > 0);
    assert!(rig.host.sinks[0].sent < data.len());
    let mut got = Vec::new();
    rig.until(20_000, |_| {
        s.read(&mut got);
        got.len() == data.len()
    });
    assert_eq!(checksum(&got), checksum(&data));
}
