// SPDX-License-Identifier: MIT
//! The virtio-mmio version 2 register file ([`MmioDevice`]): trapped reads
//! and writes, feature negotiation, the status state machine, queue setup
//! and notifications, interrupt status.
//!
//! Owns the driver-visible registers; must not read or write the rings
//! (see `queue`) nor configuration bytes (the device owns them, `config`
//! checks the accesses).

use crate::features::{
    INTERRUPT_CONFIG_CHANGE, INTERRUPT_USED_BUFFER, STATUS_ACKNOWLEDGE, STATUS_DEVICE_NEEDS_RESET, STATUS_DRIVER,
    STATUS_DRIVER_OK, STATUS_FAILED, STATUS_FEATURES_OK, VIRTIO_F_RING_INDIRECT_DESC, acceptable, offered,
};
use crate::queue::{MAX_QUEUE_SIZE, MAX_QUEUES};
use crate::regs::{self, CONFIG, MAGIC, MMIO_VERSION, VENDOR};
use crate::saved::{SavedQueue, SavedTransport};
use crate::{Device, GuestMemory, Queues, config};

/// The status bits a driver may set.
const DRIVER_BITS: u32 = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK | STATUS_FEATURES_OK | STATUS_FAILED;

/// The low 32 bits of `v`.
fn low(v: u64) -> u32 {
    u32::try_from(v & 0xffff_ffff).unwrap_or(0)
}

/// The high 32 bits of `v`.
fn high(v: u64) -> u32 {
    u32::try_from(v >> 32).unwrap_or(0)
}

/// `v` with its low (`upper == false`) or high half replaced by `half`.
fn set_half(v: u64, upper: bool, half: u32) -> u64 {
    if upper { (v & 0xffff_ffff) | (u64::from(half) << 32) } else { (v & !0xffff_ffff) | u64::from(half) }
}

/// Why a saved transport state was not restored (the device is then left
/// reset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// Status bits a driver cannot set, or FAILED.
    Status,
    /// FEATURES_OK with features the device does not offer (or without
    /// VERSION_1), or DRIVER_OK without FEATURES_OK.
    Features,
    /// Queue `n`: set up on a queue the device lacks, or not valid against
    /// guest memory (size, alignment, outside RAM, an unreadable used
    /// ring).
    Queue(u16),
}

/// One virtio-mmio device: the register file, the queues, the status and
/// the interrupt status around a [`Device`].
#[derive(Debug)]
pub struct MmioDevice<D: Device> {
    device: D,
    queues: Queues,
    status: u32,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    config_generation: u32,
    /// Queues notified before DRIVER_OK, delivered when it is set.
    deferred: u32,
}

impl<D: Device> MmioDevice<D> {
    /// The device, freshly reset.
    pub fn new(device: D) -> Self {
        Self {
            device,
            queues: Queues::new(),
            status: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            config_generation: 0,
            deferred: 0,
        }
    }

    /// The features offered to the driver.
    pub fn offered_features(&self) -> u64 {
        offered(self.device.features())
    }

    /// The features the driver accepted (meaningful once FEATURES_OK reads
    /// back set).
    pub fn driver_features(&self) -> u64 {
        self.driver_features
    }

    /// QueueNumMax of `queue`: 0 if there is no such queue.
    fn queue_max(&self, queue: u32) -> u16 {
        match u16::try_from(queue) {
            Ok(q) if usize::from(q) < MAX_QUEUES => self.device.queue_max(q).unwrap_or(0).min(MAX_QUEUE_SIZE),
            _ => 0,
        }
    }

    /// QueueSel as a queue that exists, if it does.
    fn selected(&self) -> Option<u16> {
        let q = u16::try_from(self.queue_sel).ok()?;
        (self.queue_max(self.queue_sel) != 0).then_some(q)
    }

    /// A trapped MMIO read at `offset` of `size` bytes (1, 2, 4 or 8).
    /// Outside the configuration space only aligned 4-byte reads of known
    /// registers return anything but 0.
    pub fn read(&mut self, offset: u64, size: u8) -> u64 {
        if let Some(at) = offset.checked_sub(CONFIG) {
            return config::read(&self.device, at, size);
        }
        if size != 4 || !offset.is_multiple_of(4) {
            return 0;
        }
        let v = match offset {
            regs::MAGIC_VALUE => MAGIC,
            regs::VERSION => MMIO_VERSION,
            regs::DEVICE_ID => self.device.device_id(),
            regs::VENDOR_ID => VENDOR,
            regs::DEVICE_FEATURES => match self.device_features_sel {
                0 => low(self.offered_features()),
                1 => high(self.offered_features()),
                _ => 0,
            },
            regs::QUEUE_NUM_MAX => u32::from(self.queue_max(self.queue_sel)),
            regs::QUEUE_READY => u32::from(self.selected().is_some_and(|q| self.queues.info(q).is_some())),
            regs::INTERRUPT_STATUS => self.queues.interrupt_status,
            regs::STATUS => self.status(),
            regs::SHM_LEN_LOW | regs::SHM_LEN_HIGH | regs::SHM_BASE_LOW | regs::SHM_BASE_HIGH => u32::MAX,
            regs::CONFIG_GENERATION => self.config_generation,
            _ => 0,
        };
        u64::from(v)
    }

    /// A trapped MMIO write at `offset` of `size` bytes. QueueNotify calls
    /// [`Device::notify`] (once DRIVER_OK is set; earlier notifications are
    /// delivered then); QueueReady checks the queue against `mem`.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, mem: &mut dyn GuestMemory) {
        if let Some(at) = offset.checked_sub(CONFIG) {
            config::write(&mut self.device, at, size, value);
            return;
        }
        if size != 4 || !offset.is_multiple_of(4) {
            return;
        }
        let v = low(value);
        match offset {
            regs::DEVICE_FEATURES_SEL => self.device_features_sel = v,
            regs::DRIVER_FEATURES_SEL => self.driver_features_sel = v,
            regs::DRIVER_FEATURES if self.status & STATUS_FEATURES_OK == 0 && self.driver_features_sel < 2 => {
                self.driver_features = set_half(self.driver_features, self.driver_features_sel == 1, v);
            }
            regs::QUEUE_SEL => self.queue_sel = v,
            regs::QUEUE_READY => self.queue_ready(v, mem),
            regs::QUEUE_NUM
            | regs::QUEUE_DESC_LOW
            | regs::QUEUE_DESC_HIGH
            | regs::QUEUE_DRIVER_LOW
            | regs::QUEUE_DRIVER_HIGH
            | regs::QUEUE_DEVICE_LOW
            | regs::QUEUE_DEVICE_HIGH => self.queue_register(offset, v),
            regs::QUEUE_NOTIFY => self.notify(v, mem),
            regs::INTERRUPT_ACK => self.queues.interrupt_status &= !v,
            regs::STATUS => self.set_status(v, mem),
            _ => {}
        }
    }

    /// A write to one of the selected queue's setup registers: ignored for
    /// a queue that does not exist or is ready.
    fn queue_register(&mut self, offset: u64, v: u32) {
        let Some(sel) = self.selected() else {
            return;
        };
        let Some(q) = self.queues.state_mut(sel) else {
            return;
        };
        if q.ready {
            return;
        }
        match offset {
            regs::QUEUE_NUM => q.num = v,
            regs::QUEUE_DESC_LOW => q.desc = set_half(q.desc, false, v),
            regs::QUEUE_DESC_HIGH => q.desc = set_half(q.desc, true, v),
            regs::QUEUE_DRIVER_LOW => q.driver = set_half(q.driver, false, v),
            regs::QUEUE_DRIVER_HIGH => q.driver = set_half(q.driver, true, v),
            regs::QUEUE_DEVICE_LOW => q.device = set_half(q.device, false, v),
            regs::QUEUE_DEVICE_HIGH => q.device = set_half(q.device, true, v),
            _ => {}
        }
    }

    /// QueueReady written: 1 makes the selected queue ready if valid, 0
    /// takes it out of service.
    fn queue_ready(&mut self, v: u32, mem: &dyn GuestMemory) {
        let Some(sel) = self.selected() else {
            return;
        };
        match v {
            0 => self.queues.disable(sel),
            1 => {
                let max = self.queue_max(u32::from(sel));
                self.queues.enable(sel, max, mem);
            }
            _ => {}
        }
    }

    /// QueueNotify written with queue index `v`.
    fn notify(&mut self, v: u32, mem: &mut dyn GuestMemory) {
        let Ok(q) = u16::try_from(v) else {
            return;
        };
        if self.queue_max(v) == 0 {
            return;
        }
        if self.status & STATUS_DRIVER_OK == 0 {
            self.deferred |= 1 << q;
            return;
        }
        if self.status & STATUS_FAILED != 0 || self.queues.needs_reset {
            return;
        }
        self.device.notify(q, &mut self.queues, mem);
    }

    /// Status written: 0 resets; otherwise bits are only added, FEATURES_OK
    /// only for acceptable features, DRIVER_OK only after FEATURES_OK.
    fn set_status(&mut self, v: u32, mem: &mut dyn GuestMemory) {
        if v == 0 {
            self.reset();
            return;
        }
        let mut new = self.status | (v & DRIVER_BITS);
        if new & STATUS_FEATURES_OK != 0 && self.status & STATUS_FEATURES_OK == 0 {
            if acceptable(self.offered_features(), self.driver_features) {
                self.queues.set_indirect(self.driver_features & VIRTIO_F_RING_INDIRECT_DESC != 0);
            } else {
                new &= !STATUS_FEATURES_OK;
            }
        }
        if new & STATUS_FEATURES_OK == 0 {
            new &= !STATUS_DRIVER_OK;
        }
        let driver_ok = new & STATUS_DRIVER_OK != 0 && self.status & STATUS_DRIVER_OK == 0;
        self.status = new;
        if driver_ok {
            let deferred = core::mem::take(&mut self.deferred);
            for q in 0..MAX_QUEUES {
                if deferred & (1 << q) != 0 {
                    self.notify(u32::try_from(q).unwrap_or(u32::MAX), mem);
                }
            }
        }
    }

    /// The device reset: registers, queues, interrupt status and the
    /// device itself (what the driver's write of 0 to Status does; the
    /// device model also calls it when its target's life ends).
    pub fn reset(&mut self) {
        self.status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        self.deferred = 0;
        self.queues.reset();
        self.device.reset();
    }

    /// The transport state a later life of the device model restores
    /// ([`MmioDevice::restore`]).
    pub fn save(&self) -> SavedTransport {
        let mut saved = SavedTransport {
            status: self.status,
            driver_features: self.driver_features,
            config_generation: self.config_generation,
            selectors: [self.device_features_sel, self.driver_features_sel, self.queue_sel],
            ..SavedTransport::default()
        };
        for (q, out) in (0u16..).zip(saved.queues.iter_mut()) {
            if let Some(state) = self.queues.state(q) {
                *out = SavedQueue {
                    num: state.num,
                    desc: state.desc,
                    driver: state.driver,
                    device: state.device,
                    ready: state.ready,
                };
            }
        }
        saved
    }

    /// Restores a transport state a former life saved, checked as if the
    /// driver wrote it again: status bits a driver may set, FEATURES_OK
    /// only for acceptable features, DRIVER_OK only after it, and each
    /// ready queue valid against `mem` (size, alignment, inside guest
    /// RAM). A ready queue resumes at the used ring's index in guest
    /// memory (the device completes chains in order), and a used-buffer
    /// interrupt is raised in case the former life died before raising
    /// its own. On any failure the device is left reset, and Err.
    pub fn restore(&mut self, saved: &SavedTransport, mem: &dyn GuestMemory) -> Result<(), RestoreError> {
        self.reset();
        let result = self.try_restore(saved, mem);
        if result.is_err() {
            self.reset();
        }
        result
    }

    fn try_restore(&mut self, saved: &SavedTransport, mem: &dyn GuestMemory) -> Result<(), RestoreError> {
        let status = saved.status;
        if status & !DRIVER_BITS != 0 || status & STATUS_FAILED != 0 {
            return Err(RestoreError::Status);
        }
        let features_ok = status & STATUS_FEATURES_OK != 0;
        if (features_ok && !acceptable(self.offered_features(), saved.driver_features))
            || (status & STATUS_DRIVER_OK != 0 && !features_ok)
        {
            return Err(RestoreError::Features);
        }
        self.driver_features = saved.driver_features;
        self.config_generation = saved.config_generation;
        [self.device_features_sel, self.driver_features_sel, self.queue_sel] = saved.selectors;
        self.queues.set_indirect(features_ok && saved.driver_features & VIRTIO_F_RING_INDIRECT_DESC != 0);
        for (q, s) in (0u16..).zip(saved.queues.iter()) {
            let max = self.queue_max(u32::from(q));
            if max == 0 {
                if *s != SavedQueue::default() {
                    return Err(RestoreError::Queue(q));
                }
                continue;
            }
            let Some(state) = self.queues.state_mut(q) else { return Err(RestoreError::Queue(q)) };
            state.num = s.num;
            state.desc = s.desc;
            state.driver = s.driver;
            state.device = s.device;
            if s.ready && !self.queues.resume(q, max, mem) {
                return Err(RestoreError::Queue(q));
            }
        }
        self.status = status;
        if status & STATUS_DRIVER_OK != 0 {
            self.queues.interrupt_status |= INTERRUPT_USED_BUFFER;
        }
        Ok(())
    }

    /// Whether InterruptStatus is non-zero: the device-model domain raises
    /// the guest's interrupt line from this.
    pub fn interrupt_pending(&self) -> bool {
        self.queues.interrupt_status != 0
    }

    /// Sets DEVICE_NEEDS_RESET and raises a configuration-change interrupt
    /// (the backend restarted); notifications are ignored until the driver
    /// resets the device.
    pub fn needs_reset(&mut self) {
        self.queues.needs_reset = true;
        self.queues.interrupt_status |= INTERRUPT_CONFIG_CHANGE;
    }

    /// The configuration changed: bumps ConfigGeneration and raises a
    /// configuration-change interrupt.
    pub fn config_changed(&mut self) {
        self.config_generation = self.config_generation.wrapping_add(1);
        self.queues.interrupt_status |= INTERRUPT_CONFIG_CHANGE;
    }

    /// The emulated device.
    pub fn device(&mut self) -> &mut D {
        &mut self.device
    }

    /// The device and its queues, to complete chains outside a
    /// notification (an input event arriving, say).
    pub fn device_and_queues(&mut self) -> (&mut D, &mut Queues) {
        (&mut self.device, &mut self.queues)
    }

    /// The queues (read-only: configuration and broken flags).
    pub fn queues(&self) -> &Queues {
        &self.queues
    }

    /// Status as the driver reads it (DEVICE_NEEDS_RESET included).
    pub fn status(&self) -> u32 {
        if self.queues.needs_reset { self.status | STATUS_DEVICE_NEEDS_RESET } else { self.status }
    }
}
