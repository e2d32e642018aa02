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
//! Owns the device; must not know about sockets or clients.

use alloc::vec::Vec;
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

/// The virtio-net device.
pub struct Nic {
    net: VirtIONet<IdentityHal, MmioTransport<'static>, QUEUE_SIZE>,
    /// Frames the device failed to receive or send.
    pub errors: u64,
}

impl Nic {
    /// Takes the device on `transport`.
    pub fn new(transport: MmioTransport<'static>) -> Result<Self, virtio_drivers::Error> {
        Ok(Self { net: VirtIONet::new(transport, RX_BUFFER)?, errors: 0 })
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
        Some((Rx(frame), Tx(self)))
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
