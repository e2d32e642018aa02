// SPDX-License-Identifier: MIT
//! The virtio-gpu control commands this crate sends, laid out as the
//! virtio 1.2 specification (5.7.6) has them, little-endian.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Command and response types, and the one format used.
pub mod cmd {
    pub const GET_DISPLAY_INFO: u32 = 0x0100;
    pub const RESOURCE_CREATE_2D: u32 = 0x0101;
    pub const SET_SCANOUT: u32 = 0x0103;
    pub const RESOURCE_FLUSH: u32 = 0x0104;
    pub const TRANSFER_TO_HOST_2D: u32 = 0x0105;
    pub const RESOURCE_ATTACH_BACKING: u32 = 0x0106;
    pub const OK_NODATA: u32 = 0x1100;
    pub const OK_DISPLAY_INFO: u32 = 0x1101;
    /// XRGB8888 in memory order B, G, R, X.
    pub const FORMAT_B8G8R8X8_UNORM: u32 = 2;
}

/// `virtio_gpu_ctrl_hdr`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct CtrlHeader {
    pub kind: u32,
    pub flags: u32,
    pub fence_id: u64,
    pub ctx_id: u32,
    pub ring_idx: u8,
    pub padding: [u8; 3],
}

impl CtrlHeader {
    pub const fn new(kind: u32) -> Self {
        CtrlHeader { kind, flags: 0, fence_id: 0, ctx_id: 0, ring_idx: 0, padding: [0; 3] }
    }
}

/// `virtio_gpu_rect`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct VirtioRect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// One `virtio_gpu_display_one`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct DisplayOne {
    pub rect: VirtioRect,
    pub enabled: u32,
    pub flags: u32,
}

/// `virtio_gpu_resp_display_info`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct DisplayInfo {
    pub header: CtrlHeader,
    pub modes: [DisplayOne; super::MAX_SCANOUTS],
}

/// `virtio_gpu_resource_create_2d`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct ResourceCreate2d {
    pub header: CtrlHeader,
    pub resource_id: u32,
    pub format: u32,
    pub width: u32,
    pub height: u32,
}

/// `virtio_gpu_resource_attach_backing`, followed by its entries.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct AttachBacking {
    pub header: CtrlHeader,
    pub resource_id: u32,
    pub entries: u32,
}

/// `virtio_gpu_mem_entry`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct MemEntry {
    pub addr: u64,
    pub length: u32,
    pub padding: u32,
}

/// `virtio_gpu_set_scanout`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SetScanout {
    pub header: CtrlHeader,
    pub rect: VirtioRect,
    pub scanout_id: u32,
    pub resource_id: u32,
}

/// `virtio_gpu_resource_flush`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct ResourceFlush {
    pub header: CtrlHeader,
    pub rect: VirtioRect,
    pub resource_id: u32,
    pub padding: u32,
}

/// `virtio_gpu_transfer_to_host_2d`.
#[repr(C)]
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct TransferToHost2d {
    pub header: CtrlHeader,
    pub rect: VirtioRect,
    pub offset: u64,
    pub resource_id: u32,
    pub padding: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    #[test]
    fn the_layouts_are_the_specifications() {
        assert_eq!(size_of::<CtrlHeader>(), 24);
        assert_eq!(size_of::<DisplayInfo>(), 24 + 16 * 24);
        assert_eq!(size_of::<ResourceCreate2d>(), 40);
        assert_eq!(size_of::<AttachBacking>(), 32);
        assert_eq!(size_of::<MemEntry>(), 16);
        assert_eq!(size_of::<SetScanout>(), 48);
        assert_eq!(size_of::<ResourceFlush>(), 48);
        assert_eq!(size_of::<TransferToHost2d>(), 56);
        let h = CtrlHeader::new(cmd::SET_SCANOUT);
        assert_eq!(&h.as_bytes()[..4], &[0x03, 0x01, 0, 0]);
    }
}
