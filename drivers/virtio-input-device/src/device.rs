// SPDX-License-Identifier: MIT
//! [`InputDevice`]: one virtio-input device behind the virtio core — its
//! configuration space, the bounded queue of pending evdev events, their
//! delivery into the event queue and the status queue.
//!
//! Owns the pending events and the queues' use; must not decode events
//! (see `translate`) nor lay out the configuration (see `config`).

use bulkhead_input::{Capabilities, Event};
use bulkhead_virtio_device::{Device, GuestMemory, Queues};
use heapless::Deque;

use crate::config::{CONFIG_LEN, ConfigSpace};
use crate::evdev::EvdevEvent;
use crate::profile::{Kind, Profile};
use crate::translate::{TouchState, translate, wants};

/// The virtio device id of input devices.
pub const VIRTIO_ID_INPUT: u32 = 18;
/// The event queue: the device writes one event per buffer.
pub const EVENTQ: u16 = 0;
/// The status queue: the driver writes LED and similar events (consumed).
pub const STATUSQ: u16 = 1;
/// The largest size of either queue.
pub const QUEUE_MAX: u16 = 64;
/// The most evdev events held until the driver posts buffers.
pub const PENDING_MAX: usize = 256;

/// One virtio-input device (keyboard, tablet or multi-touch screen).
#[derive(Debug)]
pub struct InputDevice {
    profile: Profile,
    config: ConfigSpace,
    touch: TouchState,
    pending: Deque<EvdevEvent, PENDING_MAX>,
    dropped: u64,
}

impl InputDevice {
    /// A `kind` device with `caps` (keys for a keyboard, axis ranges for a
    /// tablet, axes and contacts for multi-touch; a missing axis is
    /// 0..32767), whose ID_NAME is `name` (truncated to 128 bytes).
    pub fn new(kind: Kind, caps: &Capabilities, name: &str) -> Self {
        Self {
            profile: Profile::new(kind, caps, name),
            config: ConfigSpace::default(),
            touch: TouchState::default(),
            pending: Deque::new(),
            dropped: 0,
        }
    }

    /// The device's kind.
    pub fn kind(&self) -> Kind {
        self.profile.kind
    }

    /// Whether this device reports `event` (a keyboard takes Key; a tablet
    /// Position and BTN_LEFT/RIGHT/MIDDLE/TOUCH keys; multi-touch Touch
    /// Down/Up/Motion/Syn of contacts below its count).
    pub fn wants(&self, event: &Event) -> bool {
        wants(&self.profile, event)
    }

    /// Queues the evdev events for `event`. Returns false (and counts it in
    /// [`InputDevice::dropped`]) if they do not all fit the pending queue:
    /// the whole input event is then dropped, never part of it. An event the
    /// device does not want queues nothing and returns true.
    pub fn push(&mut self, event: &Event) -> bool {
        let Some((seq, touch)) = translate(&self.profile, &self.touch, event) else {
            return true;
        };
        if PENDING_MAX - self.pending.len() < seq.len() {
            self.dropped = self.dropped.saturating_add(1);
            return false;
        }
        for e in seq {
            let _ = self.pending.push_back(e);
        }
        self.touch = touch;
        true
    }

    /// Input events dropped because the pending queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Evdev events waiting for eventq buffers.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Moves pending evdev events into eventq buffers, one event per chain,
    /// until either runs out; how many were delivered. A chain with fewer
    /// than 8 writable bytes is completed with 0 bytes and the event kept.
    pub fn flush(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) -> usize {
        let mut delivered = 0;
        while let Some(&event) = self.pending.front() {
            let Ok(Some(chain)) = queues.pop(EVENTQ, mem) else {
                break;
            };
            let bytes = event.to_bytes();
            let mut written = 0;
            if chain.writable_len() >= 8 && chain.write_all(mem, &bytes) == Ok(EvdevEvent::SIZE) {
                written = 8;
            }
            if queues.push_used(EVENTQ, &chain, written, mem).is_err() {
                break;
            }
            if written == 8 {
                self.pending.pop_front();
                delivered += 1;
            }
        }
        delivered
    }

    /// Completes every statusq chain with 0 bytes (LED state is ignored).
    fn drain_status(queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while let Ok(Some(chain)) = queues.pop(STATUSQ, mem) {
            if queues.push_used(STATUSQ, &chain, 0, mem).is_err() {
                break;
            }
        }
    }
}

impl Device for InputDevice {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_INPUT
    }

    fn features(&self) -> u64 {
        0
    }

    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue == EVENTQ || queue == STATUSQ).then_some(QUEUE_MAX)
    }

    fn config_len(&self) -> u32 {
        CONFIG_LEN
    }

    fn read_config(&self, offset: u32, out: &mut [u8]) {
        self.config.read(&self.profile, offset, out);
    }

    fn write_config(&mut self, offset: u32, data: &[u8]) {
        self.config.write(offset, data);
    }

    /// Forgets the query, the pending events and the contacts; the dropped
    /// count (the domain's statistic) stays.
    fn reset(&mut self) {
        self.config = ConfigSpace::default();
        self.touch = TouchState::default();
        self.pending.clear();
    }

    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        match queue {
            EVENTQ => {
                self.flush(queues, mem);
            }
            STATUSQ => Self::drain_status(queues, mem),
            _ => {}
        }
    }
}
