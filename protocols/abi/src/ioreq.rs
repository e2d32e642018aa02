// SPDX-License-Identifier: MIT
//! The ioreq page: how the kernel hands a target's trapped MMIO access to
//! its device model (Xen `hvm/ioreq.h`'s shared page, in Bulkhead's
//! terms). The device model registers a page of its own RAM with
//! `Hypercall::DmIoreqPage`; the kernel writes one [`IoreqSlot`] per
//! target vCPU into it (vCPU `n` at `n * SLOT_BYTES`), sets `state` to
//! [`READY`] last, rings the device model's doorbell (its pending set
//! gains the bit of the device-model slot it registered with) and holds
//! the target vCPU until `Hypercall::DmIoreqComplete` names that vCPU and
//! `id`, or until the board's timeout (`device_model.timeout_ms`), after
//! which the access fails in the target as a synchronous external abort.
//!
//! The kernel never reads the page: the answer travels in the completion
//! hypercall's registers, so a device model that scribbles on its page
//! hurts only itself. The device model marks a slot it has taken by
//! writing `state` itself (any value but [`READY`]).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Bytes of a page.
pub const PAGE_BYTES: usize = 4096;
/// Bytes of one slot (a cache line).
pub const SLOT_BYTES: usize = 64;
/// vCPUs one page serves.
pub const SLOTS: usize = PAGE_BYTES / SLOT_BYTES;
/// `state`: the slot holds an access the device model has not taken.
pub const READY: u32 = 1;

/// One trapped access, little endian, as the kernel writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
pub struct IoreqSlot {
    /// [`READY`] when posted (written last).
    pub state: u32,
    /// The access's id, to echo in the completion.
    pub id: u32,
    /// The guest physical address accessed (in the target's space).
    pub address: u64,
    /// A write's value (zero-extended from `size` bytes); 0 for a read.
    pub data: u64,
    /// Bytes accessed: 1, 2, 4 or 8.
    pub size: u8,
    /// 1 for a write, 0 for a read.
    pub write: u8,
    /// The target vCPU.
    pub vcpu: u8,
    /// Reserved (0).
    pub reserved: [u8; 37],
}

const _: () = assert!(core::mem::size_of::<IoreqSlot>() == SLOT_BYTES);

impl IoreqSlot {
    /// The slot as bytes.
    pub fn to_bytes(&self) -> [u8; SLOT_BYTES] {
        zerocopy::transmute!(*self)
    }

    /// Reads a slot.
    pub fn from_bytes(bytes: &[u8; SLOT_BYTES]) -> Self {
        zerocopy::transmute!(*bytes)
    }

    /// The offset of vCPU `vcpu`'s slot in the page, if the page has one.
    pub fn offset(vcpu: usize) -> Option<usize> {
        (vcpu < SLOTS).then_some(vcpu * SLOT_BYTES)
    }
}

/// Where a device model sees its targets' RAM (board key
/// `device_model.memory = true`): target `k` of the device model (in the
/// order of its `DmMemory` capabilities) at `GUEST_WINDOWS + k *
/// GUEST_WINDOW_SIZE`, and the target's guest address `g` at that window
/// plus `g`.
pub const GUEST_WINDOWS: u64 = 0x8_0000_0000;
/// The span of one target's window (its RAM must lie below this guest
/// address).
pub const GUEST_WINDOW_SIZE: u64 = 0x2_0000_0000;
/// Windows that fit below the 64 GiB IPA space.
pub const MAX_GUEST_WINDOWS: u8 = 4;

/// The device model's address of window `k`.
pub const fn guest_window(k: u8) -> u64 {
    GUEST_WINDOWS + k as u64 * GUEST_WINDOW_SIZE
}

/// Packs a completion's vCPU and id into the hypercall's x2.
pub const fn completion_x2(vcpu: u32, id: u32) -> u64 {
    ((vcpu as u64) << 32) | id as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_laid_out_as_documented() {
        let slot = IoreqSlot {
            state: READY,
            id: 7,
            address: 0x0a00_0070,
            data: 0x0f,
            size: 4,
            write: 1,
            vcpu: 1,
            reserved: [0; 37],
        };
        let bytes = slot.to_bytes();
        assert_eq!(bytes[0], 1);
        assert_eq!(bytes[4], 7);
        assert_eq!(&bytes[8..16], &0x0a00_0070u64.to_le_bytes());
        assert_eq!(&bytes[16..24], &0x0fu64.to_le_bytes());
        assert_eq!((bytes[24], bytes[25], bytes[26]), (4, 1, 1));
        assert_eq!(IoreqSlot::from_bytes(&bytes), slot);
        assert_eq!(IoreqSlot::offset(63), Some(4032));
        assert_eq!(IoreqSlot::offset(64), None);
        assert_eq!(completion_x2(1, 7), (1 << 32) | 7);
    }
}
