// SPDX-License-Identifier: MIT
//! Typed capability handles: a domain names kernel objects only through
//! slots of its own capability table, and the type of the handle says what
//! the slot must hold. The kernel checks slot, type and rights on every use.

use core::marker::PhantomData;

/// What a capability slot can hold.
pub trait CapKind {
    /// The tag stored in the table for this kind.
    const TAG: u8;
}

macro_rules! cap_kinds {
    ($($(#[$doc:meta])* $name:ident = $tag:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {}
        impl CapKind for $name {
            const TAG: u8 = $tag;
        }
    )*};
}

cap_kinds! {
    /// A channel endpoint (shared window and doorbells).
    Channel = 1;
    /// A device (MMIO range and interrupts).
    Device = 2;
    /// An interrupt.
    Irq = 3;
    /// The console.
    Console = 4;
    /// A device-model target domain.
    DmTarget = 5;
    /// An interrupt of a device a device model emulates for a target.
    DmIrq = 6;
    /// A target's RAM, mapped into its device model's address space.
    DmMemory = 7;
    /// Memory of the domain's own that survives its restarts.
    Kept = 8;
    /// A part of a target's RAM whose writes are tracked for its device
    /// model (a framebuffer's dirty pages).
    DmVram = 9;
}

/// Slots of a domain's capability table (0 to 31): the pending-doorbell
/// word (`Pending`, `Wait`) has a bit per slot. A device model with six
/// emulated devices holds 6 targets, 6 interrupts, its target's memory, its
/// kept memory and a channel per backend.
pub const CAP_SLOTS: usize = 32;

/// A handle to slot `slot` of the caller's table, expected to hold a `K`.
#[derive(Debug, PartialEq, Eq)]
pub struct Cap<K: CapKind> {
    slot: u16,
    kind: PhantomData<K>,
}

impl<K: CapKind> Clone for Cap<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: CapKind> Copy for Cap<K> {}

impl<K: CapKind> Cap<K> {
    /// The handle of slot `slot`.
    pub const fn new(slot: u16) -> Self {
        Self { slot, kind: PhantomData }
    }

    /// The slot index.
    pub const fn slot(self) -> u16 {
        self.slot
    }
}
