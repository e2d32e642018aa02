// SPDX-License-Identifier: MIT
//! The driver's requests, byte by byte as `virtgpu_vq.c` fills them
//! (little endian, padding 0), and a response reader.
//!
//! Owns request encoding for the tests; must not send them (see `rig`).

use bulkhead_virtio_gpu_device::Rect;
use bulkhead_virtio_gpu_device::wire::{FLAG_FENCE, cmd};

/// A fence to ask for: (fence_id, ctx_id).
pub type Fence = Option<(u64, u32)>;

/// A request being built.
#[derive(Clone, Debug, Default)]
pub struct Req(pub Vec<u8>);

impl Req {
    /// The header of a command of type `ty`.
    pub fn new(ty: u32, fence: Fence) -> Self {
        let mut r = Self(Vec::new());
        let (flags, id, ctx) = fence.map_or((0, 0, 0), |(id, ctx)| (FLAG_FENCE, id, ctx));
        r.u32(ty).u32(flags).u64(id).u32(ctx).u32(0);
        r
    }

    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend(v.to_le_bytes());
        self
    }

    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend(v.to_le_bytes());
        self
    }

    pub fn rect(&mut self, r: Rect) -> &mut Self {
        self.u32(r.x).u32(r.y).u32(r.width).u32(r.height)
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.0.clone()
    }
}

pub fn display_info() -> Vec<u8> {
    Req::new(cmd::GET_DISPLAY_INFO, None).bytes()
}

pub fn create_2d(id: u32, format: u32, w: u32, h: u32, fence: Fence) -> Vec<u8> {
    Req::new(cmd::RESOURCE_CREATE_2D, fence).u32(id).u32(format).u32(w).u32(h).bytes()
}

pub fn unref(id: u32) -> Vec<u8> {
    Req::new(cmd::RESOURCE_UNREF, None).u32(id).u32(0).bytes()
}

pub fn set_scanout(scanout: u32, id: u32, r: Rect) -> Vec<u8> {
    Req::new(cmd::SET_SCANOUT, None).rect(r).u32(scanout).u32(id).bytes()
}

pub fn flush(id: u32, r: Rect, fence: Fence) -> Vec<u8> {
    Req::new(cmd::RESOURCE_FLUSH, fence).rect(r).u32(id).u32(0).bytes()
}

pub fn transfer(id: u32, r: Rect, offset: u64, fence: Fence) -> Vec<u8> {
    Req::new(cmd::TRANSFER_TO_HOST_2D, fence).rect(r).u64(offset).u32(id).u32(0).bytes()
}

/// ATTACH_BACKING's fixed part (the entries go in their own buffer).
pub fn attach(id: u32, n: u32) -> Vec<u8> {
    Req::new(cmd::RESOURCE_ATTACH_BACKING, None).u32(id).u32(n).bytes()
}

/// The `struct virtio_gpu_mem_entry` array.
pub fn entries(e: &[(u64, u32)]) -> Vec<u8> {
    let mut r = Req::default();
    for &(addr, len) in e {
        r.u64(addr).u32(len).u32(0);
    }
    r.bytes()
}

pub fn detach(id: u32) -> Vec<u8> {
    Req::new(cmd::RESOURCE_DETACH_BACKING, None).u32(id).u32(0).bytes()
}

/// A response as written to guest memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resp(pub Vec<u8>);

impl Resp {
    pub fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().unwrap())
    }

    pub fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().unwrap())
    }

    /// The response type (0 for an empty response).
    pub fn ty(&self) -> u32 {
        if self.0.len() < 4 { 0 } else { self.u32(0) }
    }
}
