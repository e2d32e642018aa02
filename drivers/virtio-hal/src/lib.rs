// SPDX-License-Identifier: MIT
//! The `virtio-drivers` HAL for a Bulkhead driver domain, and the one place
//! such a domain creates MMIO transports. One of the crates where `unsafe`
//! may live (`*-hal`).
//!
//! It is correct only for a domain that the board file marks `dma = true`
//! (its RAM is one physically contiguous region): it runs with its stage-1
//! MMU off, so a pointer is its guest address, and a virtio-mmio device
//! DMAs with physical addresses and bypasses any IOMMU (see DESIGN.md), so
//! every address handed to a device is translated to the physical one
//! (`domain_rt::dma::device_address`: the kernel says where the RAM is).
//! Its devices are mapped at IPA == PA, so MMIO needs no translation.
//!
//! DMA memory comes from a static pool in the domain's `.bss`, handed out
//! page by page and never returned (driver domains set up their queues
//! once; `dma_dealloc` keeps the pages, which a restart reclaims).
#![no_std]

use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use virtio_drivers::transport::mmio::{MmioError, MmioTransport, VirtIOHeader};
use virtio_drivers::{BufferDirection, Hal, PAGE_SIZE, PhysAddr};

/// Pages in the DMA pool.
const POOL_PAGES: usize = 32;

#[repr(C, align(4096))]
struct Pool(core::cell::UnsafeCell<[u8; POOL_PAGES * PAGE_SIZE]>);

// SAFETY: the pool is only reached through `dma_alloc`, which hands each
// page out once (an atomic counter), so no two users share a byte.
unsafe impl Sync for Pool {}

/// The DMA pool: only `dma_alloc` hands out parts of it, each once.
static POOL: Pool = Pool(core::cell::UnsafeCell::new([0; POOL_PAGES * PAGE_SIZE]));
/// Pages of the pool handed out so far.
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The HAL (a unit type: all state is static). The name is historical:
/// MMIO is identity-mapped, DMA addresses are translated.
pub struct IdentityHal;

// SAFETY: `dma_alloc` returns page-aligned, zeroed, never-aliased pages of
// the static pool (each page is handed out at most once); addresses are
// translated to the physical ones the device must use (see the crate docs).
unsafe impl Hal for IdentityHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let first = NEXT.fetch_add(pages, Ordering::AcqRel);
        assert!(first + pages <= POOL_PAGES, "DMA pool exhausted ({POOL_PAGES} pages)");
        // SAFETY: in bounds of the static pool (checked above); the range is
        // handed out only here, once, so no reference to it exists.
        let ptr = unsafe { POOL.0.get().cast::<u8>().add(first * PAGE_SIZE) };
        // SAFETY: as above: these bytes belong to no one else yet.
        unsafe { core::ptr::write_bytes(ptr, 0, pages * PAGE_SIZE) };
        let nonnull = NonNull::new(ptr).expect("the pool is not at address 0");
        (domain_rt::dma::device_address(ptr as usize as u64) as PhysAddr, nonnull)
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, _vaddr: NonNull<u8>, _pages: usize) -> i32 {
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, _size: usize) -> NonNull<u8> {
        NonNull::new(paddr as usize as *mut u8).expect("MMIO at address 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        domain_rt::dma::device_address(buffer.cast::<u8>().as_ptr() as usize as u64) as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// The virtio-mmio transport at `base`, a device the board file grants
/// this domain (its capability table says where: `domain_rt::caps::info`).
/// Errors if no virtio device answers there.
pub fn transport(base: u64, size: u64) -> Result<MmioTransport<'static>, MmioError> {
    let header = NonNull::new(base as usize as *mut VirtIOHeader).ok_or(MmioError::BadMagic(0))?;
    // SAFETY: `base`..`base + size` is a virtio-mmio register block granted
    // to this domain by the kernel at IPA == PA for its whole life (the
    // caller names one of its device capabilities); nothing else in the
    // domain uses it as a Rust object, and each device gets one transport.
    unsafe { MmioTransport::new(header, size as usize) }
}
