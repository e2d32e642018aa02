// SPDX-License-Identifier: MIT
//! [`VirtioNet`]: the virtio-net device behind the virtio core — the
//! `Device` impl (id, features, queues, configuration, reset, kicks) and
//! the domain's side ([`VirtioNet::take_tx`], [`VirtioNet::deliver`],
//! [`VirtioNet::can_deliver`], [`VirtioNet::set_link`]).
//!
//! Owns the queues' use and the counting; must not lay out headers (see
//! `header`), copy bytes (see `copy`) nor decide a chain's fate (see `tx`
//! and `rx`).

use bulkhead_virtio_device::{Device, GuestMemory, Queues};

use crate::config::{CONFIG_LEN, NetConfig};
use crate::header::{self, MAX_FRAME};
use crate::rx::{self, RxError};
use crate::stats::Stats;
use crate::tx;

/// The virtio device id of a network card.
pub const VIRTIO_ID_NET: u32 = 1;
/// Feature bit number VIRTIO_NET_F_MAC: the configuration holds the MAC.
pub const VIRTIO_NET_F_MAC: u32 = 5;
/// Feature bit number VIRTIO_NET_F_STATUS: the configuration holds the
/// link status.
pub const VIRTIO_NET_F_STATUS: u32 = 16;
/// VIRTIO_NET_F_MAC as a feature mask.
pub const F_MAC: u64 = 1 << VIRTIO_NET_F_MAC;
/// VIRTIO_NET_F_STATUS as a feature mask.
pub const F_STATUS: u64 = 1 << VIRTIO_NET_F_STATUS;
/// receiveq1: device-writable buffers for frames to the guest.
pub const RECEIVEQ: u16 = 0;
/// transmitq1: the guest's frames.
pub const TRANSMITQ: u16 = 1;
/// Each queue's largest size.
pub const QUEUE_MAX: u16 = 256;

/// Which queues the driver notified since the domain last asked
/// ([`VirtioNet::take_kicks`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kicks {
    /// The driver posted receive buffers: frames held back for want of one
    /// ([`RxError::NoBuffer`]) may be delivered now.
    pub rx: bool,
    /// The driver posted frames: call [`VirtioNet::take_tx`] until None.
    pub tx: bool,
}

/// The virtio-net device.
#[derive(Debug)]
pub struct VirtioNet {
    config: NetConfig,
    kicks: Kicks,
    stats: Stats,
}

impl VirtioNet {
    /// A device with the guest's MAC `mac`, link up.
    pub fn new(mac: [u8; 6]) -> Self {
        Self { config: NetConfig { mac, link_up: true }, kicks: Kicks::default(), stats: Stats::default() }
    }

    /// The guest's MAC.
    pub fn mac(&self) -> [u8; 6] {
        self.config.mac
    }

    /// Whether the link is up.
    pub fn link_up(&self) -> bool {
        self.config.link_up
    }

    /// The counters (kept across device resets).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Sets the link status the guest reads (VIRTIO_NET_S_LINK_UP). Whether
    /// it changed: then the domain calls `MmioDevice::config_changed`, which
    /// bumps ConfigGeneration and raises the configuration-change interrupt
    /// (Linux then rereads `status` and turns its carrier on or off). The
    /// device cannot raise it itself: the core owns the interrupt status.
    /// Frames are still carried while the link is down; the domain decides
    /// whether to send any.
    pub fn set_link(&mut self, up: bool) -> bool {
        let changed = self.config.link_up != up;
        self.config.link_up = up;
        changed
    }

    /// Which queues were notified since the last call (cleared).
    pub fn take_kicks(&mut self) -> Kicks {
        core::mem::take(&mut self.kicks)
    }

    /// The guest's next frame, oldest first: copied into `out` and its
    /// length returned; its chain is completed (used length 0) at once, so
    /// the device keeps no copy and the guest may reuse the buffer. Chains
    /// that break a rule ([`crate::TxDrop`]) are completed too, counted and
    /// skipped, at most [`QUEUE_MAX`] of them per call so that a guest
    /// posting bad chains as fast as they are taken cannot hold the domain:
    /// after that the call gives None and the next one goes on. None also
    /// when the transmit queue is empty, not ready or broken, or when `out`
    /// is shorter than [`MAX_FRAME`] (then nothing is taken).
    pub fn take_tx(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory, out: &mut [u8]) -> Option<usize> {
        if out.len() < MAX_FRAME {
            return None;
        }
        for _ in 0..QUEUE_MAX {
            let chain = queues.pop(TRANSMITQ, mem).ok()??;
            let taken = tx::take(&chain, mem, out);
            // The chain was taken from this ready queue: push_used fails
            // only if guest RAM failed, and then the queue is lost anyway.
            let _ = queues.push_used(TRANSMITQ, &chain, 0, mem);
            match taken {
                Ok(len) => {
                    self.stats.tx_frame(len);
                    return Some(len);
                }
                Err(why) => self.stats.tx_drop(why),
            }
        }
        None
    }

    /// Whether the guest has a receive buffer posted, so that
    /// [`VirtioNet::deliver`] will not fail with [`RxError::NoBuffer`]. A
    /// domain that would rather wait than drop checks it first and holds
    /// its frame until it is true (after [`Kicks::rx`]); this device never
    /// keeps a frame itself.
    pub fn can_deliver(&self, queues: &Queues, mem: &dyn GuestMemory) -> bool {
        rx::posted(RECEIVEQ, queues, mem)
    }

    /// Writes `frame` (an Ethernet frame without FCS) into the guest's next
    /// receive buffer: a zeroed header with `num_buffers` = 1, then the
    /// frame; the chain is used with length 12 + the frame's length. On
    /// Err the frame is dropped and counted and nothing of it is visible to
    /// the guest: a chain taken for it is used with length 0 (which Linux
    /// drops as too short and reposts). See [`RxError`].
    pub fn deliver(&mut self, frame: &[u8], queues: &mut Queues, mem: &mut dyn GuestMemory) -> Result<(), RxError> {
        let result = self.try_deliver(frame, queues, mem);
        match result {
            Ok(()) => self.stats.rx_frame(frame.len()),
            Err(why) => self.stats.rx_drop(why),
        }
        result
    }

    fn try_deliver(&mut self, frame: &[u8], queues: &mut Queues, mem: &mut dyn GuestMemory) -> Result<(), RxError> {
        if !header::frame_len_ok(frame.len()) {
            return Err(RxError::Length);
        }
        let chain = queues.pop(RECEIVEQ, mem).map_err(|_| RxError::Queue)?.ok_or(RxError::NoBuffer)?;
        match rx::write(&chain, mem, frame) {
            Ok(used) => queues.push_used(RECEIVEQ, &chain, used, mem).map_err(|_| RxError::Queue),
            Err(why) => {
                // Used with 0 whatever was written: Linux drops it.
                let _ = queues.push_used(RECEIVEQ, &chain, 0, mem);
                Err(why)
            }
        }
    }
}

impl Device for VirtioNet {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_NET
    }

    fn features(&self) -> u64 {
        F_MAC | F_STATUS
    }

    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue == RECEIVEQ || queue == TRANSMITQ).then_some(QUEUE_MAX)
    }

    fn config_len(&self) -> u32 {
        CONFIG_LEN
    }

    fn read_config(&self, offset: u32, out: &mut [u8]) {
        self.config.read(offset, out);
    }

    /// The configuration space is read-only (the MAC may be written only
    /// with legacy or VIRTIO_NET_F_CTRL_MAC_ADDR, neither offered): writes
    /// are ignored.
    fn write_config(&mut self, _offset: u32, _data: &[u8]) {}

    /// Forgets the kicks; the queues (and so every chain taken or not) are
    /// the core's, already reset. The MAC, the link status (the domain's,
    /// not the driver's) and the counters stay.
    fn reset(&mut self) {
        self.kicks = Kicks::default();
    }

    /// Records the kick only: the domain takes frames
    /// ([`VirtioNet::take_tx`]) when it has room for them, and delivers
    /// when it has frames.
    fn notify(&mut self, queue: u16, _queues: &mut Queues, _mem: &mut dyn GuestMemory) {
        match queue {
            RECEIVEQ => self.kicks.rx = true,
            TRANSMITQ => self.kicks.tx = true,
            _ => {}
        }
    }
}
