// SPDX-License-Identifier: MIT
//! The device model as a client of the 9pfs domain: the T-messages the
//! target's 9P driver puts on the emulated virtio-9p device's queue go, as
//! they are (but for a Tversion's msize, which the device lowers to its
//! `MSIZE`), one per ring frame onto the 9pfs channel; each R-message that
//! comes back is written into the chain of the request with its tag. The
//! 9pfs domain serves the target the export its board entry gives this
//! client, confined there: the device model neither reads nor checks 9P
//! beyond the header (the device crate does that).
//!
//! A restart of the 9pfs domain (a new epoch of the channel) answers every
//! request in flight with Rlerror(EIO): the server forgot the target's
//! fids, so its mount fails from then on instead of hanging (Linux's 9p
//! client cannot attach again by itself; it must mount again).
//!
//! Owns the 9pfs channel and the one message that waits for room in its
//! ring; must not touch other devices.

use crate::emulated::{Emulated, Model};
use crate::guest::Guest;
use alloc::boxed::Box;
use alloc::vec;
use bulkhead_ninep::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_ring::{Link, LinkError, RingError};
use bulkhead_ring_hal::SharedWindow;
use bulkhead_virtio_9p_device::MSIZE;
use core::fmt::Write;
use domain_rt::Console;
use domain_rt::caps::ChannelEnd;

/// The 9pfs channel and the request waiting for ring room.
pub struct NinepSide {
    end: ChannelEnd,
    link: Link<&'static SharedWindow>,
    epoch: u32,
    /// A request taken from the device that the ring had no room for.
    held: Option<usize>,
    tx: Box<[u8]>,
    rx: Box<[u8]>,
    bad_replies: u64,
}

impl NinepSide {
    /// Connects over `end`.
    pub fn connect(end: ChannelEnd) -> Option<Self> {
        let epoch = end.epoch();
        let (link, _) = crate::backend::link(&end, HELLO, TO_BACKEND, TO_CLIENT)?;
        end.notify();
        let size = MSIZE as usize;
        let rx_size = bulkhead_ninep::MAX_MSIZE as usize;
        Some(Self {
            end,
            link,
            epoch,
            held: None,
            tx: vec![0; size].into_boxed_slice(),
            rx: vec![0; rx_size].into_boxed_slice(),
            bad_replies: 0,
        })
    }

    /// Carries requests out and replies in, for the 9P devices of `devices`.
    pub fn pump(&mut self, devices: &mut [Emulated], guest: &mut Guest) {
        let Some(dev) = devices.iter_mut().find_map(|d| match &mut d.model {
            Model::NineP(p) => Some(p),
            _ => None,
        }) else {
            return;
        };
        let (p9, queues) = dev.device_and_queues();
        let epoch = self.end.epoch();
        let mut rang = false;
        if epoch != self.epoch {
            self.epoch = epoch;
            self.held = None;
            let failed = p9.backend_lost(queues, guest);
            let _ = writeln!(
                Console,
                "devmodel: 9pfs domain restarted: {failed} requests failed with EIO; reconnecting in epoch {epoch}"
            );
            let _ = self.link.follow(epoch);
            p9.pump(queues, guest);
            rang = true;
        }
        // Replies in.
        loop {
            match self.link.pop(&mut self.rx) {
                Ok(reply) => {
                    rang = true;
                    if let Err(e) = p9.complete(reply, queues, guest) {
                        self.bad_replies += 1;
                        if self.bad_replies <= 3 {
                            let _ = writeln!(Console, "devmodel: 9pfs reply refused: {e:?}");
                        }
                    }
                }
                Err(LinkError::Down | LinkError::Ring(RingError::Empty)) => break,
                Err(e) => {
                    let _ = writeln!(Console, "devmodel: 9pfs ring: {e:?}");
                    break;
                }
            }
        }
        // Requests out, oldest first; one waits here if the ring is full.
        loop {
            let len = match self.held.take() {
                Some(len) => len,
                None => match p9.take_request(&mut self.tx) {
                    Some((_, len)) => len,
                    None => break,
                },
            };
            match self.link.push(self.tx.get(..len).unwrap_or_default()) {
                Ok(()) => rang = true,
                Err(LinkError::Down | LinkError::Ring(RingError::Full)) => {
                    self.held = Some(len);
                    break;
                }
                Err(e) => {
                    let _ = writeln!(Console, "devmodel: 9pfs request dropped: {e:?}");
                }
            }
        }
        if rang {
            self.end.notify();
        }
    }
}
