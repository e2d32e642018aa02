// SPDX-License-Identifier: MIT
//! A heap, for domains that use crates needing `alloc` (feature `heap`):
//! `linked_list_allocator` over 256 KiB of the domain's `.bss` (4 MiB with
//! the feature `medium-heap`, for the device model's GPU; 32 MiB with
//! `large-heap`, for the display domain's scanouts and shadows), set up by vCPU 0 before `main` in every life of the domain.

use core::cell::UnsafeCell;
use linked_list_allocator::LockedHeap;

/// Heap bytes.
#[cfg(not(any(feature = "large-heap", feature = "medium-heap")))]
const HEAP: usize = 256 * 1024;
#[cfg(all(feature = "medium-heap", not(feature = "large-heap")))]
const HEAP: usize = 4 * 1024 * 1024;
#[cfg(feature = "large-heap")]
const HEAP: usize = 32 * 1024 * 1024;

#[global_allocator]
static ALLOCATOR: LockedHeap = LockedHeap::empty();

#[repr(C, align(16))]
struct Arena(UnsafeCell<[u8; HEAP]>);

// SAFETY: the arena is handed to the allocator once per life (by vCPU 0,
// before `main` and before any other vCPU starts) and never touched again
// except through it.
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([0; HEAP]));

/// Gives the arena to the allocator.
pub(crate) fn init() {
    // SAFETY: the arena is static, `HEAP` bytes long, and used by nothing
    // else (see `Arena`); called once per life before any allocation.
    unsafe { ALLOCATOR.lock().init(ARENA.0.get().cast::<u8>(), HEAP) };
}
