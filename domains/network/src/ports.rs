// SPDX-License-Identifier: MIT
//! The switch's L2 ports: each `l2=<client>/<mac>/<ethertypes>` word of the
//! board gives a client (a device model's virtio-net) a port on the
//! channel `l2-<client>` (`bulkhead_netif`). In every epoch the port's
//! first message is its assignment (the board's MAC, MTU 1500); then the
//! frames the NIC received for it go out, and the frames the client sends
//! go to the NIC once [`PortRule::check`] allows them: its own MAC as
//! the source, a listed ethertype. A refused frame is dropped and counted;
//! the first refusal of each kind per port is printed, never more (a
//! misbehaving guest must not flood the console).
//!
//! Owns the ports' links and their refusal counts; must not touch the
//! stack or the PV Calls clients.

use crate::nic::Nic;
use alloc::boxed::Box;
use bulkhead_netif::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_netif::rule::{PortRule, Refusal};
use bulkhead_netif::{MAX_MESSAGE, ToBackend, ToClient};
use bulkhead_ring::{Link, LinkError, RingError};
use bulkhead_ring_hal::SharedWindow;
use core::fmt::Write;
use domain_rt::Console;
use domain_rt::caps::ChannelEnd;

/// The MTU assigned to every port.
const MTU: u16 = 1500;

/// One port.
pub struct Port {
    rule: PortRule,
    index: usize,
    end: ChannelEnd,
    link: Link<&'static SharedWindow>,
    assigned: bool,
    /// Which refusal kinds were printed (spoofed, group source, ethertype,
    /// runt, undecodable).
    told: [bool; 5],
    /// Frames sent to the NIC and delivered to the client.
    pub sent: u64,
    /// Frames delivered to the client.
    pub delivered: u64,
    /// Frames refused.
    pub refused: u64,
}

/// What a pass over a port did.
#[derive(Default, Clone, Copy)]
pub struct Moved {
    /// Something moved: ring the client.
    pub ring: bool,
    /// Frames wait on either side: look again soon.
    pub waiting: bool,
}

impl Port {
    /// The port of `rule`, the `index`th (its queue in the NIC).
    pub fn connect(rule: PortRule, index: usize) -> Result<Self, &'static str> {
        let mut name: heapless::String<24> = heapless::String::new();
        let _ = write!(name, "l2-{}", rule.name);
        let end = ChannelEnd::find(&name).ok_or("no l2-<client> channel for a port")?;
        let window: &'static SharedWindow = Box::leak(Box::new(end.window()));
        let side = u8::try_from(end.info.end).unwrap_or(u8::MAX);
        let link = Link::connect(window, side, end.epoch(), HELLO, TO_CLIENT, TO_BACKEND)
            .map_err(|_| "the port's channel is too small for its rings")?;
        end.notify();
        Ok(Self { rule, index, end, link, assigned: false, told: [false; 5], sent: 0, delivered: 0, refused: 0 })
    }

    /// Rings the client.
    pub fn notify(&self) {
        self.end.notify();
    }

    fn refuse(&mut self, kind: usize, what: core::fmt::Arguments<'_>) {
        self.refused += 1;
        if let Some(told) = self.told.get_mut(kind)
            && !*told
        {
            *told = true;
            let _ = writeln!(
                Console,
                "network: port {}: frame refused: {what} (further ones counted only)",
                self.rule.name
            );
        }
    }

    /// Follows the epoch, assigns, delivers queued frames and sends the
    /// client's allowed frames.
    pub fn pump(&mut self, nic: &mut Nic) -> Moved {
        let mut moved = Moved::default();
        if let Ok(true) = self.link.follow(self.end.epoch()) {
            self.assigned = false;
            let _ = writeln!(Console, "network: port {} reconnected in epoch {}", self.rule.name, self.end.epoch());
        }
        let mut buf = [0u8; MAX_MESSAGE];
        if !self.assigned {
            let n = ToClient::Assigned { mac: self.rule.mac, mtu: MTU }.encode(&mut buf).unwrap_or(0);
            match self.link.push(buf.get(..n).unwrap_or_default()) {
                Ok(()) => {
                    self.assigned = true;
                    moved.ring = true;
                }
                Err(_) => return moved,
            }
        }
        // The NIC's frames for the port.
        if let Some(queue) = nic.ports.get_mut(self.index) {
            while let Some(frame) = queue.frames.front() {
                let Ok(n) = ToClient::Frame(frame).encode(&mut buf) else {
                    queue.frames.pop_front();
                    continue;
                };
                match self.link.push(buf.get(..n).unwrap_or_default()) {
                    Ok(()) => {
                        queue.frames.pop_front();
                        self.delivered += 1;
                        moved.ring = true;
                    }
                    Err(LinkError::Ring(RingError::Full)) => {
                        moved.waiting = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
        }
        // The client's frames for the wire.
        while nic.can_send() {
            let frame = match self.link.pop(&mut buf) {
                Ok(bytes) => bytes,
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => break,
                Err(e) => {
                    self.refuse(4, format_args!("{e:?}"));
                    break;
                }
            };
            moved.ring = true;
            let Ok(ToBackend::Frame(frame)) = ToBackend::decode(frame) else {
                self.refuse(4, format_args!("undecodable message"));
                continue;
            };
            match self.rule.check(frame) {
                Ok(_) => {
                    if nic.send_frame(frame) {
                        self.sent += 1;
                    }
                }
                Err(Refusal::Spoofed(m)) => self.refuse(
                    0,
                    format_args!(
                        "source {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} is not its MAC",
                        m[0], m[1], m[2], m[3], m[4], m[5]
                    ),
                ),
                Err(Refusal::GroupSource) => self.refuse(1, format_args!("a group address as its source")),
                Err(Refusal::Ethertype(t)) => self.refuse(2, format_args!("ethertype {t:#06x} is not allowed")),
                Err(Refusal::Runt) => self.refuse(3, format_args!("shorter than an Ethernet header")),
            }
        }
        if !nic.can_send() {
            moved.waiting = true;
        }
        moved
    }
}
