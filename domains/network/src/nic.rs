// SPDX-License-Identifier: MIT
//! The network domain's NIC: the board's virtio-net device
//! (`virtio-net-device`, virtio-mmio v2) through `virtio-drivers`, as the
//! `smoltcp::phy::Device` that `bulkhead_pvcalls_core::Backend` runs its
//! TCP/IP stack on.
//!
//! A received frame is copied out of its virtio buffer, which goes back to
//! the device at once, so the device never runs out of receive buffers
//! while smoltcp holds a frame. A sent frame is complete on the device
//! when `consume` returns (`VirtIONet::send` waits for it). Frames the
//! device fails to take are counted ([`Nic::errors`]), never retried
//! silently: TCP retransmits them.
//!
//! It is also the switch's wire side: every received frame goes to the L2
//! ports it is for ([`PortQueue`]: addressed to the port's MAC, or a
//! broadcast or multicast) and, if it is for this domain's own stack (its
//! MAC, or a group address), to smoltcp; ports' frames go out with
//! [`Nic::send_frame`] after `ports` checked them.
//!
//! Owns the device and the ports' inbound queues; must not know about
//! sockets or clients, nor decide what a port may send.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bulkhead_netif::Mac;
use bulkhead_netif::rule::delivers_to;
use bulkhead_virtio_hal::IdentityHal;
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::time::Instant;
use virtio_drivers::device::net::VirtIONet;
use virtio_drivers::transport::mmio::MmioTransport;

/// Descriptors per virtqueue.
const QUEUE_SIZE: usize = 16;
/// Bytes of each receive buffer: an Ethernet frame of a 1500-byte MTU
/// and the virtio-net header.
const RX_BUFFER: usize = 2048;
/// The IP MTU the stack uses (Ethernet's 1500 plus its 14-byte header).
const FRAME_MTU: usize = 1514;

/// Frames one port's queue holds while its ring is full; more are dropped
/// (counted): a port that does not take its frames loses them, as on a
/// congested switch.
pub const PORT_QUEUE: usize = 64;

/// The frames received for one L2 port, waiting for its ring.
pub struct PortQueue {
    /// The port's MAC address.
    pub mac: Mac,
    /// Oldest first.
    pub frames: VecDeque<Vec<u8>>,
    /// Frames dropped because the queue was full.
    pub dropped: u64,
}

/// The virtio-net device.
pub struct Nic {
    net: VirtIONet<IdentityHal, MmioTransport<'static>, QUEUE_SIZE>,
    /// Frames the device failed to receive or send.
    pub errors: u64,
    /// The switch's ports, in the order of the board's `l2=` words.
    pub ports: Vec<PortQueue>,
}

impl Nic {
    /// Takes the device on `transport`, with a queue for each port MAC.
    pub fn new(transport: MmioTransport<'static>, ports: &[Mac]) -> Result<Self, virtio_drivers::Error> {
        let ports = ports.iter().map(|&mac| PortQueue { mac, frames: VecDeque::new(), dropped: 0 }).collect();
        Ok(Self { net: VirtIONet::new(transport, RX_BUFFER)?, errors: 0, ports })
    }

    /// Sends a port's frame (already checked); false if the device refused
    /// it (counted in `errors`).
    pub fn send_frame(&mut self, frame: &[u8]) -> bool {
        if !self.net.can_send() {
            return false;
        }
        let mut buffer = self.net.new_tx_buffer(frame.len());
        buffer.packet_mut().copy_from_slice(frame);
        let sent = self.net.send(buffer).is_ok();
        if !sent {
            self.errors += 1;
        }
        sent
    }

    /// Whether the device can take a frame now.
    pub fn can_send(&self) -> bool {
        self.net.can_send()
    }

    /// Queues `frame` for every port it is for; whether the stack wants it
    /// too.
    fn switch(&mut self, frame: &[u8]) -> bool {
        for port in &mut self.ports {
            if delivers_to(frame, &port.mac) {
                if port.frames.len() < PORT_QUEUE {
                    port.frames.push_back(frame.to_vec());
                } else {
                    port.dropped += 1;
                }
            }
        }
        self.ports.is_empty() || delivers_to(frame, &self.mac())
    }

    /// The device's MAC address.
    pub fn mac(&self) -> [u8; 6] {
        self.net.mac_address()
    }

    /// Acknowledges the device's interrupt.
    pub fn ack(&mut self) {
        let _ = self.net.ack_interrupt();
    }
}

/// A received frame, already out of the device's buffer.
pub struct Rx(Vec<u8>);

/// Room to send one frame.
pub struct Tx<'a>(&'a mut Nic);

impl RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buffer = self.0.net.new_tx_buffer(len);
        let result = f(buffer.packet_mut());
        if self.0.net.send(buffer).is_err() {
            self.0.errors += 1;
        }
        result
    }
}

impl Device for Nic {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _timestamp: Instant) -> Option<(Rx, Tx<'_>)> {
        loop {
            let buffer = match self.net.receive() {
                Ok(b) => b,
                Err(virtio_drivers::Error::NotReady) => return None,
                Err(_) => {
                    self.errors += 1;
                    return None;
                }
            };
            let frame = buffer.packet().to_vec();
            if self.net.recycle_rx_buffer(buffer).is_err() {
                self.errors += 1;
            }
            if self.switch(&frame) {
                return Some((Rx(frame), Tx(self)));
            }
        }
    }

    fn transmit(&mut self, _timestamp: Instant) -> Option<Tx<'_>> {
        self.net.can_send().then_some(Tx(self))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = FRAME_MTU;
        caps.max_burst_size = Some(QUEUE_SIZE);
        caps
    }
}
