// SPDX-License-Identifier: MIT
//! The PV Calls protocol: a client domain uses sockets that the network
//! driver domain (virtio-net + a TCP/IP stack) implements.
//!
//! Coverage of Xen `io/pvcalls.h`: SOCKET, CONNECT, RELEASE, BIND, LISTEN,
//! ACCEPT, POLL, each with its response; POSIX error numbers in responses;
//! each connected or accepted socket gets its own data ring: an `in` and an
//! `out` byte stream with their own indices, both sub-ranges of the
//! channel's static window ([`DataRing`]), and its own notification.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod channel;
pub mod errno;
pub mod stream;

pub use bulkhead_ring::{DataRef, Undecodable, decode};
pub use errno::Errno;
use serde::{Deserialize, Serialize};

/// Protocol version carried in the greeting.
pub const VERSION: u16 = 1;

/// A socket address (IPv4 or IPv6, with port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Address {
    /// IPv4.
    V4 {
        /// Address bytes.
        ip: [u8; 4],
        /// Port.
        port: u16,
    },
    /// IPv6.
    V6 {
        /// Address bytes.
        ip: [u8; 16],
        /// Port.
        port: u16,
    },
}

impl Address {
    /// The port.
    #[must_use]
    pub const fn port(&self) -> u16 {
        match self {
            Address::V4 { port, .. } | Address::V6 { port, .. } => *port,
        }
    }
}

/// `a.b.c.d:port`, or `[x:x:...:x]:port` (hex groups, uncompressed).
impl core::fmt::Display for Address {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Address::V4 { ip: [a, b, c, d], port } => write!(f, "{a}.{b}.{c}.{d}:{port}"),
            Address::V6 { ip, port } => {
                f.write_str("[")?;
                for (n, pair) in ip.chunks_exact(2).enumerate() {
                    if let [hi, lo] = pair {
                        let sep = if n == 0 { "" } else { ":" };
                        write!(f, "{sep}{:x}", u16::from_be_bytes([*hi, *lo]))?;
                    }
                }
                write!(f, "]:{port}")
            }
        }
    }
}

/// Socket types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SocketType {
    /// SOCK_STREAM (TCP).
    Stream,
    /// SOCK_DGRAM (UDP): refused with `ENOTSUP` by this backend.
    Datagram,
}

/// A socket's data ring: two byte streams ([`stream`]) in the client's
/// data area (offsets from [`channel::DATA_AREA`]), each a 128-byte
/// header and a power-of-two number of data bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRing {
    /// Backend to client.
    pub inbound: DataRef,
    /// Client to backend.
    pub outbound: DataRef,
    /// The socket's notification. A Bulkhead channel has one doorbell, so
    /// this names the socket in logs and traces only: either side rings
    /// the channel's doorbell and the other looks at every socket.
    pub event: u8,
}

/// Client to backend; `id` is echoed in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Request id.
    pub id: u16,
    /// What to do.
    pub op: Operation,
}

/// Operations (socket ids are chosen by the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Creates socket `socket`.
    Socket {
        /// Socket id.
        socket: u64,
        /// Type.
        kind: SocketType,
    },
    /// Connects it; data flows on `ring`. Answered `EINPROGRESS` at once;
    /// the outcome follows as [`Event::Completed`].
    Connect {
        /// Socket id.
        socket: u64,
        /// Peer address.
        address: Address,
        /// Its data ring.
        ring: DataRing,
    },
    /// Closes it: what the client wrote before is still sent, then FIN.
    Release {
        /// Socket id.
        socket: u64,
    },
    /// Binds it.
    Bind {
        /// Socket id.
        socket: u64,
        /// Local address.
        address: Address,
    },
    /// Listens.
    Listen {
        /// Socket id.
        socket: u64,
        /// Backlog.
        backlog: u32,
    },
    /// Accepts a connection as socket `new_socket`, whose data flows on
    /// `ring`. Answered at once when a connection waits, else
    /// `EINPROGRESS` and [`Event::Completed`] when one comes; both name
    /// the listening socket (`socket`), as Xen's response does. At most
    /// one ACCEPT or POLL waits per listening socket (`EALREADY`).
    Accept {
        /// Listening socket id.
        socket: u64,
        /// The accepted socket's id.
        new_socket: u64,
        /// Its data ring.
        ring: DataRing,
    },
    /// Asks to be told when a connection is ready to accept: answered at
    /// once when one waits, else `EINPROGRESS` and [`Event::Completed`].
    Poll {
        /// Listening socket id.
        socket: u64,
    },
}

/// Backend to client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The request's id.
    pub id: u16,
    /// The socket it was about.
    pub socket: u64,
    /// Outcome.
    pub errno: Errno,
}

/// The greeting: first on the reply ring in each epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`VERSION`].
    pub version: u16,
    /// Sockets this client may hold at once (listening backlog included).
    pub max_sockets: u16,
    /// Data-ring bytes this client may have in use at once.
    pub max_ring_bytes: u32,
}

/// What the backend sends on the reply ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToClient {
    /// First in each epoch.
    Hello(Hello),
    /// The response to a request.
    Response(Response),
}

/// What the backend sends on the event ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The final response to a request first answered `EINPROGRESS`.
    Completed(Response),
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;

    fn round_trip<T: Serialize + for<'a> Deserialize<'a> + PartialEq + core::fmt::Debug>(v: T) {
        let bytes = postcard::to_allocvec(&v).unwrap();
        assert_eq!(decode::<T>(&bytes).unwrap(), v);
    }

    #[test]
    fn addresses_print_as_people_write_them() {
        use std::string::ToString;
        assert_eq!(Address::V4 { ip: [10, 0, 2, 2], port: 22 }.to_string(), "10.0.2.2:22");
        let mut ip = [0u8; 16];
        ip[15] = 1;
        assert_eq!(Address::V6 { ip, port: 80 }.to_string(), "[0:0:0:0:0:0:0:1]:80");
    }

    #[test]
    fn every_message_round_trips() {
        round_trip(ToClient::Hello(Hello { version: VERSION, max_sockets: 8, max_ring_bytes: 1 << 20 }));
        let ring = DataRing {
            inbound: DataRef { offset: 0, len: 8192 },
            outbound: DataRef { offset: 8192, len: 8192 },
            event: 3,
        };
        let v4 = Address::V4 { ip: [10, 0, 2, 2], port: 80 };
        let v6 = Address::V6 { ip: [0xfe; 16], port: 443 };
        for op in [
            Operation::Socket { socket: 1, kind: SocketType::Stream },
            Operation::Connect { socket: 1, address: v4, ring },
            Operation::Release { socket: 1 },
            Operation::Bind { socket: 2, address: v6 },
            Operation::Listen { socket: 2, backlog: 8 },
            Operation::Accept { socket: 2, new_socket: 3, ring },
            Operation::Poll { socket: 2 },
        ] {
            round_trip(Request { id: 7, op });
        }
        for errno in Errno::ALL {
            round_trip(Response { id: 7, socket: 1, errno });
            round_trip(ToClient::Response(Response { id: 7, socket: 1, errno }));
            round_trip(Event::Completed(Response { id: 7, socket: 1, errno }));
        }
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..96)) {
            let _ = decode::<Request>(&bytes);
            let _ = decode::<Response>(&bytes);
            let _ = decode::<ToClient>(&bytes);
            let _ = decode::<Event>(&bytes);
        }
    }
}
