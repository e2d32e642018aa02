// SPDX-License-Identifier: MIT
//! The domain's capability table as seen from inside: find a channel by
//! name, reach its shared window, ring its doorbell, take doorbells.

use crate::hvc::call;
use bulkhead_abi::hypercall::{CAP_INFO_BYTES, CAP_INFO_LEN};
use bulkhead_abi::{CapInfo, CapKind, Error, Hypercall};
use bulkhead_ring_hal::SharedWindow;

/// Slots a domain can have.
const MAX_SLOTS: u64 = bulkhead_abi::CAP_SLOTS as u64;

/// Describes slot `slot`, or `None` if the domain has no such slot.
pub fn info(slot: u64) -> Option<CapInfo> {
    let mut buf = [0u8; CAP_INFO_BYTES];
    let status = call(Hypercall::CapInfo as u32, slot, buf.as_mut_ptr() as u64, CAP_INFO_LEN);
    (status == 0).then(|| CapInfo::from_bytes(&buf))
}

/// A channel end this domain holds.
pub struct ChannelEnd {
    /// Its slot.
    pub slot: u64,
    /// Its description (window address and size, which end).
    pub info: CapInfo,
}

impl ChannelEnd {
    /// Finds the channel called `name`.
    pub fn find(name: &str) -> Option<Self> {
        (0..MAX_SLOTS).find_map(|slot| {
            let info = info(slot)?;
            let len = info.name.iter().position(|&b| b == 0).unwrap_or(info.name.len());
            let matches = info.kind == u32::from(<bulkhead_abi::Channel as CapKind>::TAG)
                && info.name.get(..len) == Some(name.as_bytes());
            matches.then_some(Self { slot, info })
        })
    }

    /// The shared window.
    pub fn window(&self) -> SharedWindow {
        // SAFETY: the kernel maps the channel's window at `info.ipa` for
        // `info.size` bytes in this domain (its stage-2 grant), for the
        // domain's whole life, 4 KiB aligned; nothing in this domain uses
        // it as a Rust object.
        unsafe { SharedWindow::new(self.info.ipa as usize as *mut u8, self.info.size as usize) }
    }

    /// Rings the peer's doorbell. A doorbell over the channel's notify
    /// budget (`RateLimited`: the kernel did nothing) is tried again until
    /// the budget lets it through, so that the peer never misses one; a
    /// domain that would rather do something else meanwhile calls
    /// [`ChannelEnd::try_notify`].
    pub fn notify(&self) {
        while self.try_notify() == Err(Error::RateLimited) {
            // The budget refills with time: a little of it before asking
            // the kernel again.
            for _ in 0..64 {
                core::hint::spin_loop();
            }
        }
    }

    /// Rings the peer's doorbell once: `Err(RateLimited)` if the channel's
    /// notify budget refused it (nothing was done), another error if the
    /// slot is not a channel.
    pub fn try_notify(&self) -> Result<(), Error> {
        match Error::from_x0(call(Hypercall::Notify as u32, self.slot, 0, 0)) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// The channel's current connection epoch (from the kernel, the only
    /// party both ends can trust about it); 0 if the kernel refused.
    pub fn epoch(&self) -> u32 {
        let x0 = call(Hypercall::ChannelEpoch as u32, self.slot, 0, 0);
        u32::try_from(x0).unwrap_or(0)
    }

    /// This end's doorbell bit in [`pending`].
    pub fn bit(&self) -> u64 {
        1 << self.slot
    }
}

/// A channel end is how a client library waits on its channel: the
/// kernel's epoch, the peer's doorbell, and `wfi` until an interrupt (a
/// doorbell SGI), then the pending doorbells taken.
impl bulkhead_ring::Port for ChannelEnd {
    fn epoch(&self) -> u32 {
        ChannelEnd::epoch(self)
    }
    fn notify(&self) {
        ChannelEnd::notify(self);
    }
    fn wait(&self) {
        crate::wait_for_interrupt();
        pending();
    }
}

/// Waits for doorbells: returns (and clears) the pending set once it is
/// not empty, sleeping in the kernel until then. May return 0 after a
/// wake-up for another reason, as `wfi` may.
pub fn wait() -> u64 {
    call(Hypercall::Wait as u32, 0, 0, 0)
}

/// Takes (and clears) the domain's pending doorbells.
pub fn pending() -> u64 {
    call(Hypercall::Pending as u32, 0, 0, 0)
}

/// The domain's parameter string (the board file's `params`), copied into
/// `buf`; the part that fits, as text (empty if it is not UTF-8).
pub fn params(buf: &mut [u8]) -> &str {
    let len = call(Hypercall::Params as u32, buf.as_mut_ptr() as u64, buf.len() as u64, 0);
    let len = usize::try_from(len).unwrap_or(0).min(buf.len());
    core::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or("")
}

/// A device this domain owns, by its name in the board file.
pub fn device(name: &str) -> Option<CapInfo> {
    (0..MAX_SLOTS).find_map(|slot| {
        let info = info(slot)?;
        let len = info.name.iter().position(|&b| b == 0).unwrap_or(info.name.len());
        let matches = info.kind == u32::from(<bulkhead_abi::Device as CapKind>::TAG)
            && info.name.get(..len) == Some(name.as_bytes());
        matches.then_some(info)
    })
}
