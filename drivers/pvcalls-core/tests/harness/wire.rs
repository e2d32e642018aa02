// SPDX-License-Identifier: MIT
//! A simulated Ethernet cable: two `smoltcp` devices whose transmit
//! queue is the other's receive queue, so the backend's interface and
//! the "host" interface (10.0.2.2) talk as over QEMU's user network.
//! It never reorders frames, and drops them only while it is cut.

use smoltcp::phy::{self, ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

type Queues = Rc<RefCell<[VecDeque<Vec<u8>>; 2]>>;

/// While set, every frame sent is lost (the cable is cut).
pub type Cut = Rc<Cell<bool>>;

/// One end of the cable.
pub struct WireEnd {
    queues: Queues,
    side: usize,
    pub cut: Cut,
}

/// Both ends of a new cable.
pub fn cable() -> (WireEnd, WireEnd) {
    let queues: Queues = Rc::default();
    let cut = Cut::default();
    (WireEnd { queues: queues.clone(), side: 0, cut: cut.clone() }, WireEnd { queues, side: 1, cut })
}

pub struct RxToken(Vec<u8>);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

pub struct TxToken {
    queues: Queues,
    to: usize,
    cut: Cut,
}

impl phy::TxToken for TxToken {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let r = f(&mut frame);
        if !self.cut.get() {
            self.queues.borrow_mut()[self.to].push_back(frame);
        }
        r
    }
}

impl Device for WireEnd {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.max_transmission_unit = 1514;
        caps.medium = Medium::Ethernet;
        caps.checksum = ChecksumCapabilities::ignored();
        caps
    }

    fn receive(&mut self, _: Instant) -> Option<(RxToken, TxToken)> {
        let frame = self.queues.borrow_mut()[self.side].pop_front()?;
        Some((RxToken(frame), TxToken { queues: self.queues.clone(), to: 1 - self.side, cut: self.cut.clone() }))
    }

    fn transmit(&mut self, _: Instant) -> Option<TxToken> {
        Some(TxToken { queues: self.queues.clone(), to: 1 - self.side, cut: self.cut.clone() })
    }
}
