// SPDX-License-Identifier: MIT
//! The L2 port protocol: a client's virtual NIC (the device model's
//! virtio-net) and the network domain's switch exchange whole Ethernet
//! frames over a channel, one frame per ring frame, beside the PV Calls
//! socket protocol that bare-metal clients use (Xen's netfront/netback
//! split, with the bridge inside the network domain).
//!
//! Messages ([`ToClient`], [`ToBackend`]) are a kind byte and a body, no
//! serde: a frame is carried as it is.
//! - backend to client: `Assigned { mac, mtu }` first in every epoch (the
//!   board gives each port its MAC; the client has no say), then `Frame`s
//!   for that MAC, broadcasts and multicasts;
//! - client to backend: `Frame`s, each checked by [`rule::PortRule::check`]
//!   before it reaches the wire.
//!
//! Owns the wire form, the channel layout ([`channel`]) and the port rules
//! ([`rule`]); must not touch a NIC or a ring's memory.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod channel;
pub mod rule;

/// The shortest Ethernet frame carried: the 14-byte header.
pub const MIN_FRAME: usize = 14;
/// The longest Ethernet frame carried: a 1500-byte MTU and the header (no
/// VLAN tag, no jumbo frames: QEMU's user network and the ports' rules
/// know neither).
pub const MAX_FRAME: usize = 1514;
/// The longest message either way: a kind byte and the longest frame.
pub const MAX_MESSAGE: usize = 1 + MAX_FRAME;

/// A MAC address.
pub type Mac = [u8; 6];

const KIND_ASSIGNED: u8 = 1;
const KIND_FRAME: u8 = 2;

/// What the backend sends a port's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToClient<'a> {
    /// The port's MAC address and MTU, first in every epoch.
    Assigned {
        /// The address the port's frames must carry as their source.
        mac: Mac,
        /// The IP MTU.
        mtu: u16,
    },
    /// An Ethernet frame for the port.
    Frame(&'a [u8]),
}

/// What a port's client sends the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToBackend<'a> {
    /// An Ethernet frame from the port.
    Frame(&'a [u8]),
}

/// Why a message was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// Empty, or an unknown kind byte.
    Kind,
    /// The body has the wrong length for its kind (a frame outside
    /// [`MIN_FRAME`]..=[`MAX_FRAME`]).
    Length,
    /// The output buffer is too short.
    Room,
}

fn frame_ok(frame: &[u8]) -> Result<(), WireError> {
    if (MIN_FRAME..=MAX_FRAME).contains(&frame.len()) { Ok(()) } else { Err(WireError::Length) }
}

fn put(out: &mut [u8], kind: u8, body: &[u8]) -> Result<usize, WireError> {
    let len = 1 + body.len();
    let dst = out.get_mut(..len).ok_or(WireError::Room)?;
    let (k, rest) = dst.split_first_mut().ok_or(WireError::Room)?;
    *k = kind;
    rest.copy_from_slice(body);
    Ok(len)
}

impl<'a> ToClient<'a> {
    /// Encodes into `out`; the bytes used.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, WireError> {
        match *self {
            ToClient::Assigned { mac, mtu } => {
                let mut body = [0u8; 8];
                let (m, t) = body.split_at_mut(6);
                m.copy_from_slice(&mac);
                t.copy_from_slice(&mtu.to_le_bytes());
                put(out, KIND_ASSIGNED, &body)
            }
            ToClient::Frame(frame) => {
                frame_ok(frame)?;
                put(out, KIND_FRAME, frame)
            }
        }
    }

    /// Decodes `bytes` (borrowing the frame).
    pub fn decode(bytes: &'a [u8]) -> Result<Self, WireError> {
        let (&kind, body) = bytes.split_first().ok_or(WireError::Kind)?;
        match kind {
            KIND_ASSIGNED => {
                let body: &[u8; 8] = body.try_into().map_err(|_| WireError::Length)?;
                let (m, t) = body.split_at(6);
                let mac: Mac = m.try_into().map_err(|_| WireError::Length)?;
                let mtu = u16::from_le_bytes(t.try_into().map_err(|_| WireError::Length)?);
                Ok(ToClient::Assigned { mac, mtu })
            }
            KIND_FRAME => frame_ok(body).map(|()| ToClient::Frame(body)),
            _ => Err(WireError::Kind),
        }
    }
}

impl<'a> ToBackend<'a> {
    /// Encodes into `out`; the bytes used.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, WireError> {
        let ToBackend::Frame(frame) = *self;
        frame_ok(frame)?;
        put(out, KIND_FRAME, frame)
    }

    /// Decodes `bytes` (borrowing the frame).
    pub fn decode(bytes: &'a [u8]) -> Result<Self, WireError> {
        let (&kind, body) = bytes.split_first().ok_or(WireError::Kind)?;
        match kind {
            KIND_FRAME => frame_ok(body).map(|()| ToBackend::Frame(body)),
            _ => Err(WireError::Kind),
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn messages_round_trip() {
        let mut buf = [0u8; MAX_MESSAGE];
        let assigned = ToClient::Assigned { mac: [0x52, 0x54, 0, 0, 0, 0x21], mtu: 1500 };
        let n = assigned.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], &[1, 0x52, 0x54, 0, 0, 0, 0x21, 0xdc, 0x05]);
        assert_eq!(ToClient::decode(&buf[..n]), Ok(assigned));
        let frame = [7u8; 60];
        let n = ToBackend::Frame(&frame).encode(&mut buf).unwrap();
        assert_eq!(n, 61);
        assert_eq!(ToBackend::decode(&buf[..n]), Ok(ToBackend::Frame(&frame)));
        let n = ToClient::Frame(&frame).encode(&mut buf).unwrap();
        assert_eq!(ToClient::decode(&buf[..n]), Ok(ToClient::Frame(&frame)));
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(ToClient::decode(&[]), Err(WireError::Kind));
        assert_eq!(ToClient::decode(&[9, 1, 2]), Err(WireError::Kind));
        assert_eq!(ToClient::decode(&[1, 1, 2, 3]), Err(WireError::Length));
        assert_eq!(ToClient::decode(&[2; 14]), Err(WireError::Length), "a 13-byte frame is a runt");
        assert_eq!(ToBackend::decode(&[1; 20]), Err(WireError::Kind), "a client cannot assign");
        let mut big = [2u8; MAX_MESSAGE + 1];
        big[0] = 2;
        assert_eq!(ToBackend::decode(&big), Err(WireError::Length));
        let mut small = [0u8; 10];
        assert_eq!(ToBackend::Frame(&[0; 14]).encode(&mut small), Err(WireError::Room));
        assert_eq!(ToBackend::Frame(&[0; 13]).encode(&mut [0; 64]), Err(WireError::Length));
    }

    proptest! {
        #[test]
        fn decoding_anything_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1600)) {
            let _ = ToClient::decode(&bytes);
            if let Ok(ToBackend::Frame(f)) = ToBackend::decode(&bytes) {
                prop_assert!((MIN_FRAME..=MAX_FRAME).contains(&f.len()));
            }
        }
    }
}
