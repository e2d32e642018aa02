// SPDX-License-Identifier: MIT
//! The device model as a client of the network domain's switch: the
//! emulated virtio-net device sits on an L2 port (`bulkhead_netif`, channel
//! `net=`). The port's MAC is the board's, assigned by the network domain
//! in the first message of every epoch: the device model waits for it
//! before it builds the device ([`NetSide::wait_for_mac`]), so the target
//! reads the board's MAC at its probe. Frames the target sends are handed
//! to the switch as they are (the switch checks them against the port's
//! rules, not this domain); frames the switch sends are written into the
//! target's receive buffers, and wait here (at most [`HELD`]) while it has
//! posted none.
//!
//! While the network domain is away (a new epoch, until its assignment
//! comes again) the device reports its link down (a configuration-change
//! interrupt), and frames the target sends are dropped.
//!
//! Owns the port's channel and the frames waiting for the target; must not
//! touch other devices.

use crate::emulated::{Emulated, Model};
use crate::guest::Guest;
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bulkhead_netif::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_netif::{MAX_FRAME, MAX_MESSAGE, Mac, ToBackend, ToClient};
use bulkhead_ring::{Link, LinkError, RingError};
use bulkhead_ring_hal::SharedWindow;
use core::fmt::Write;
use domain_rt::Console;
use domain_rt::caps::{self, ChannelEnd};

/// Frames from the switch held while the target has no receive buffer;
/// more are dropped (counted).
pub const HELD: usize = 32;

/// The port's channel.
pub struct NetSide {
    end: ChannelEnd,
    link: Link<&'static SharedWindow>,
    mac: Option<Mac>,
    held: VecDeque<Vec<u8>>,
    /// A frame of the target's that the ring had no room for.
    outbound: Option<usize>,
    tx: Box<[u8]>,
    rx: Box<[u8]>,
    dropped: u64,
}

impl NetSide {
    /// Connects over `end`.
    pub fn connect(end: ChannelEnd) -> Option<Self> {
        let (link, _) = crate::backend::link(&end, HELLO, TO_BACKEND, TO_CLIENT)?;
        end.notify();
        Some(Self {
            end,
            link,
            mac: None,
            held: VecDeque::new(),
            outbound: None,
            tx: alloc::vec![0; MAX_MESSAGE].into_boxed_slice(),
            rx: alloc::vec![0; MAX_MESSAGE].into_boxed_slice(),
            dropped: 0,
        })
    }

    /// Waits for the switch's assignment; the port's MAC.
    pub fn wait_for_mac(&mut self) -> Mac {
        let _ = writeln!(Console, "devmodel: net: waiting for the network domain's port assignment");
        loop {
            self.receive(None, None);
            if let Some(mac) = self.mac {
                return mac;
            }
            caps::wait();
        }
    }

    /// Takes what the switch sent: the assignment, and frames (for the
    /// device, or held).
    fn receive(
        &mut self,
        mut net: Option<&mut Box<bulkhead_virtio_device::MmioDevice<bulkhead_virtio_net_device::VirtioNet>>>,
        guest: Option<&mut Guest>,
    ) -> bool {
        let mut took = false;
        loop {
            let message = match self.link.pop(&mut self.rx) {
                Ok(bytes) => bytes,
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => break,
                Err(e) => {
                    let _ = writeln!(Console, "devmodel: net: port ring: {e:?}");
                    break;
                }
            };
            took = true;
            match ToClient::decode(message) {
                Ok(ToClient::Assigned { mac, .. }) => {
                    if self.mac.is_some_and(|m| m != mac) {
                        let _ = writeln!(Console, "devmodel: net: the switch assigned another MAC: kept the first");
                    }
                    self.mac.get_or_insert(mac);
                    let [a, b, c, d, e, f] = mac;
                    let _ = writeln!(
                        Console,
                        "devmodel: net: port assigned, mac {a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}"
                    );
                    if let Some(dev) = net.as_deref_mut()
                        && dev.device().set_link(true)
                    {
                        dev.config_changed();
                    }
                }
                Ok(ToClient::Frame(frame)) => {
                    if self.held.len() < HELD {
                        self.held.push_back(frame.to_vec());
                    } else {
                        self.dropped += 1;
                    }
                }
                Err(_) => self.dropped += 1,
            }
        }
        if let (Some(dev), Some(guest)) = (net, guest) {
            let (device, queues) = dev.device_and_queues();
            while let Some(frame) = self.held.front() {
                if !device.can_deliver(queues, guest) {
                    break;
                }
                // Refusals are counted by the device (its stats).
                let _ = device.deliver(frame, queues, guest);
                self.held.pop_front();
            }
        }
        took
    }

    /// Carries frames both ways for the NIC of `devices`.
    pub fn pump(&mut self, devices: &mut [Emulated], guest: &mut Guest) {
        let Some(dev) = devices.iter_mut().find_map(|d| match &mut d.model {
            Model::Net(n) => Some(n),
            _ => None,
        }) else {
            return;
        };
        let mut rang = false;
        if let Ok(true) = self.link.follow(self.end.epoch()) {
            let _ = writeln!(Console, "devmodel: net: network domain restarted: link down until its assignment");
            self.held.clear();
            self.outbound = None;
            if dev.device().set_link(false) {
                dev.config_changed();
            }
            rang = true;
        }
        rang |= self.receive(Some(dev), Some(guest));
        // The target's frames out, oldest first.
        let link_up = dev.device().link_up();
        let (device, queues) = dev.device_and_queues();
        let mut frame = [0u8; MAX_FRAME];
        loop {
            let len = match self.outbound.take() {
                Some(len) => len,
                None => match device.take_tx(queues, guest, &mut frame) {
                    Some(len) => {
                        let Ok(n) = ToBackend::Frame(frame.get(..len).unwrap_or_default()).encode(&mut self.tx) else {
                            self.dropped += 1;
                            continue;
                        };
                        n
                    }
                    None => break,
                },
            };
            if !link_up {
                self.dropped += 1;
                continue;
            }
            match self.link.push(self.tx.get(..len).unwrap_or_default()) {
                Ok(()) => rang = true,
                Err(LinkError::Ring(RingError::Full)) => {
                    self.outbound = Some(len);
                    break;
                }
                Err(_) => self.dropped += 1,
            }
        }
        if rang {
            self.end.notify();
        }
    }
}
