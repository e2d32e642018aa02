// SPDX-License-Identifier: MIT
//! The split virtqueues of one device ([`Queues`]): their configuration as
//! the driver set it, the available ring (taking chains), the used ring
//! (completing them), the interrupt status and the broken flag.
//!
//! Owns every read of the available ring and every write of the used ring;
//! must not decode registers (see `mmio`) nor descriptors (see `walk`).

use crate::chain::{Chain, ChainError};
use crate::features::{INTERRUPT_CONFIG_CHANGE, INTERRUPT_USED_BUFFER};
use crate::memory::{GuestMemory, MemoryError, offset, read_u16, write_u16};
use crate::walk::{DESC_SIZE, Walk};

/// The most queues one device may have.
pub const MAX_QUEUES: usize = 8;
/// The largest queue size (virtio 1.x, split virtqueues).
pub const MAX_QUEUE_SIZE: u16 = 32768;

/// VIRTQ_AVAIL_F_NO_INTERRUPT: the driver does not want used-buffer
/// interrupts (honoured: EVENT_IDX is never offered).
const AVAIL_F_NO_INTERRUPT: u16 = 1;

/// A ready queue as the driver configured it (all checked when it was made
/// ready).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueInfo {
    /// Entries: a power of two, at most the queue's maximum.
    pub size: u16,
    /// Descriptor table, 16-byte aligned, `16 * size` bytes of guest RAM.
    pub desc: u64,
    /// Available ring, 2-byte aligned, `6 + 2 * size` bytes of guest RAM.
    pub driver: u64,
    /// Used ring, 4-byte aligned, `6 + 8 * size` bytes of guest RAM.
    pub device: u64,
}

impl QueueInfo {
    /// Bytes of the descriptor table, the available ring and the used ring.
    pub fn footprint(size: u16) -> (u64, u64, u64) {
        let n = u64::from(size);
        (DESC_SIZE * n, 6 + 2 * n, 6 + 8 * n)
    }
}

/// One queue's registers and indices.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct QueueState {
    /// QueueNum as written.
    pub num: u32,
    /// QueueDesc as written.
    pub desc: u64,
    /// QueueDriver as written.
    pub driver: u64,
    /// QueueDevice as written.
    pub device: u64,
    /// QueueReady (only ever true for a valid configuration).
    pub ready: bool,
    /// The next available-ring entry to take.
    last_avail: u16,
    /// The used ring's index as published.
    used_idx: u16,
    /// A chain or the available ring was invalid.
    broken: bool,
}

impl QueueState {
    /// The configuration, if ready.
    fn info(&self) -> Option<QueueInfo> {
        let size = u16::try_from(self.num).ok()?;
        self.ready.then_some(QueueInfo { size, desc: self.desc, driver: self.driver, device: self.device })
    }
}

/// The split virtqueues of one device.
#[derive(Debug)]
pub struct Queues {
    queues: [QueueState; MAX_QUEUES],
    /// RING_INDIRECT_DESC was negotiated.
    indirect: bool,
    /// InterruptStatus.
    pub(crate) interrupt_status: u32,
    /// A queue broke, or the device asked for a reset.
    pub(crate) needs_reset: bool,
}

impl Default for Queues {
    fn default() -> Self {
        Self::new()
    }
}

impl Queues {
    /// No queue ready, no interrupt pending.
    pub const fn new() -> Self {
        Self {
            queues: [QueueState {
                num: 0,
                desc: 0,
                driver: 0,
                device: 0,
                ready: false,
                last_avail: 0,
                used_idx: 0,
                broken: false,
            }; MAX_QUEUES],
            indirect: false,
            interrupt_status: 0,
            needs_reset: false,
        }
    }

    /// Forgets everything (a device reset).
    pub(crate) fn reset(&mut self) {
        *self = Self::new();
    }

    /// Whether indirect descriptors are allowed (set at FEATURES_OK).
    pub(crate) fn set_indirect(&mut self, on: bool) {
        self.indirect = on;
    }

    /// Queue `queue`'s state, if the core has room for it.
    pub(crate) fn state_mut(&mut self, queue: u16) -> Option<&mut QueueState> {
        self.queues.get_mut(usize::from(queue))
    }

    /// The configuration of `queue` if it is ready.
    pub fn info(&self, queue: u16) -> Option<QueueInfo> {
        self.queues.get(usize::from(queue)).and_then(QueueState::info)
    }

    /// Whether `queue` broke (an invalid chain or available ring).
    pub fn is_broken(&self, queue: u16) -> bool {
        self.queues.get(usize::from(queue)).is_some_and(|q| q.broken)
    }

    /// Makes `queue` ready if its configuration is valid: QueueNum a power
    /// of two no larger than `max`, the areas aligned and inside guest RAM.
    /// Whether it is ready afterwards.
    pub(crate) fn enable(&mut self, queue: u16, max: u16, mem: &dyn GuestMemory) -> bool {
        let Some(q) = self.state_mut(queue) else {
            return false;
        };
        if q.ready {
            return true;
        }
        let Ok(size) = u16::try_from(q.num) else {
            return false;
        };
        let (desc_len, avail_len, used_len) = QueueInfo::footprint(size);
        let valid = size.is_power_of_two()
            && size <= max.min(MAX_QUEUE_SIZE)
            && q.desc.is_multiple_of(16)
            && q.driver.is_multiple_of(2)
            && q.device.is_multiple_of(4)
            && mem.contains(q.desc, desc_len)
            && mem.contains(q.driver, avail_len)
            && mem.contains(q.device, used_len);
        if valid {
            q.ready = true;
            q.last_avail = 0;
            q.used_idx = 0;
            q.broken = false;
        }
        valid
    }

    /// Queue `queue`'s state, if the core has room for it.
    pub(crate) fn state(&self, queue: u16) -> Option<&QueueState> {
        self.queues.get(usize::from(queue))
    }

    /// Makes `queue` ready again as a former life of the device model had
    /// it ([`Queues::enable`]'s checks), resuming at the used ring's index
    /// in guest memory: the device completes chains in order, as it takes
    /// them. Whether it is ready afterwards.
    pub(crate) fn resume(&mut self, queue: u16, max: u16, mem: &dyn GuestMemory) -> bool {
        if !self.enable(queue, max, mem) {
            return false;
        }
        let Some(q) = self.state_mut(queue) else {
            return false;
        };
        let Ok(used_idx) = offset(q.device, 2).and_then(|at| read_u16(mem, at)) else {
            *q = QueueState::default();
            return false;
        };
        q.used_idx = used_idx;
        q.last_avail = used_idx;
        true
    }

    /// Takes `queue` out of service (QueueReady written 0).
    pub(crate) fn disable(&mut self, queue: u16) {
        if let Some(q) = self.state_mut(queue) {
            *q = QueueState::default();
        }
    }

    /// Marks `queue` broken: DEVICE_NEEDS_RESET and a configuration-change
    /// interrupt. Returns `e`.
    fn broken(&mut self, queue: u16, e: ChainError) -> ChainError {
        if let Some(q) = self.state_mut(queue) {
            q.broken = true;
        }
        self.needs_reset = true;
        self.interrupt_status |= INTERRUPT_CONFIG_CHANGE;
        e
    }

    /// The next available descriptor chain of `queue`, validated, or None
    /// (nothing available, or no such ready queue). An invalid chain or
    /// available ring is an Err and breaks the queue (every later call is
    /// [`ChainError::Broken`]; the device reports DEVICE_NEEDS_RESET). See
    /// [`ChainError`] for the checks.
    pub fn pop(&mut self, queue: u16, mem: &dyn GuestMemory) -> Result<Option<Chain>, ChainError> {
        let Some(q) = self.queues.get(usize::from(queue)).copied() else {
            return Ok(None);
        };
        if q.broken {
            return Err(ChainError::Broken);
        }
        let Some(info) = q.info() else {
            return Ok(None);
        };
        match self.take(queue, &q, &info, mem) {
            Ok(Some(chain)) => {
                if let Some(s) = self.state_mut(queue) {
                    s.last_avail = s.last_avail.wrapping_add(1);
                }
                Ok(Some(chain))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(self.broken(queue, e)),
        }
    }

    /// Reads the available ring and walks the chain it names.
    fn take(
        &self,
        queue: u16,
        q: &QueueState,
        info: &QueueInfo,
        mem: &dyn GuestMemory,
    ) -> Result<Option<Chain>, ChainError> {
        let avail_idx = read_u16(mem, offset(info.driver, 2)?)?;
        let pending = avail_idx.wrapping_sub(q.last_avail);
        if pending == 0 {
            return Ok(None);
        }
        if pending > info.size {
            return Err(ChainError::AvailIndexJump);
        }
        let slot = q.last_avail % info.size;
        let head = read_u16(mem, offset(info.driver, 4 + 2 * u64::from(slot))?)?;
        let walk = Walk { queue, size: info.size, desc: info.desc, indirect_ok: self.indirect };
        walk.chain(mem, head).map(Some)
    }

    /// Puts `chain` on `queue`'s used ring with `written` bytes (at most its
    /// writable length) and sets the used-buffer interrupt bit unless the
    /// driver set VIRTQ_AVAIL_F_NO_INTERRUPT. Err, writing nothing, if the
    /// queue is not ready or broken, the chain is not from it, or the used
    /// ring is not guest RAM.
    pub fn push_used(
        &mut self,
        queue: u16,
        chain: &Chain,
        written: u32,
        mem: &mut dyn GuestMemory,
    ) -> Result<(), MemoryError> {
        let q = self.queues.get(usize::from(queue)).copied().ok_or(MemoryError)?;
        let info = q.info().ok_or(MemoryError)?;
        if q.broken || chain.queue != queue || chain.head >= info.size {
            return Err(MemoryError);
        }
        let len = written.min(chain.writable);
        let slot = q.used_idx % info.size;
        let mut elem = [0u8; 8];
        let (id, l) = elem.split_at_mut(4);
        id.copy_from_slice(&u32::from(chain.head).to_le_bytes());
        l.copy_from_slice(&len.to_le_bytes());
        mem.write(offset(info.device, 4 + 8 * u64::from(slot))?, &elem)?;
        let used_idx = q.used_idx.wrapping_add(1);
        write_u16(mem, offset(info.device, 2)?, used_idx)?;
        if let Some(s) = self.state_mut(queue) {
            s.used_idx = used_idx;
        }
        let flags = read_u16(mem, info.driver).unwrap_or(0);
        if flags & AVAIL_F_NO_INTERRUPT == 0 {
            self.interrupt_status |= INTERRUPT_USED_BUFFER;
        }
        Ok(())
    }

    /// InterruptStatus.
    pub fn interrupt_status(&self) -> u32 {
        self.interrupt_status
    }
}
