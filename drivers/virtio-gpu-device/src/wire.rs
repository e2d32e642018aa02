// SPDX-License-Identifier: MIT
//! The virtio-gpu wire format (virtio 1.2, 5.7.6): command and response
//! types, header flags, the 24-byte `struct virtio_gpu_ctrl_hdr`, and
//! little-endian field access over a copied request.
//!
//! Owns the numbers and byte layouts; must not decide what a command does
//! (see `execute`) nor touch guest memory or queues (see `device`).

/// Command types (`enum virtio_gpu_ctrl_type`, 2D and cursor commands; the
/// 3D and blob ones are listed so that they can be named as unsupported).
pub mod cmd {
    /// VIRTIO_GPU_CMD_GET_DISPLAY_INFO.
    pub const GET_DISPLAY_INFO: u32 = 0x0100;
    /// VIRTIO_GPU_CMD_RESOURCE_CREATE_2D.
    pub const RESOURCE_CREATE_2D: u32 = 0x0101;
    /// VIRTIO_GPU_CMD_RESOURCE_UNREF.
    pub const RESOURCE_UNREF: u32 = 0x0102;
    /// VIRTIO_GPU_CMD_SET_SCANOUT.
    pub const SET_SCANOUT: u32 = 0x0103;
    /// VIRTIO_GPU_CMD_RESOURCE_FLUSH.
    pub const RESOURCE_FLUSH: u32 = 0x0104;
    /// VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D.
    pub const TRANSFER_TO_HOST_2D: u32 = 0x0105;
    /// VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING.
    pub const RESOURCE_ATTACH_BACKING: u32 = 0x0106;
    /// VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING.
    pub const RESOURCE_DETACH_BACKING: u32 = 0x0107;
    /// VIRTIO_GPU_CMD_GET_CAPSET_INFO (unsupported: no capsets).
    pub const GET_CAPSET_INFO: u32 = 0x0108;
    /// VIRTIO_GPU_CMD_GET_CAPSET (unsupported).
    pub const GET_CAPSET: u32 = 0x0109;
    /// VIRTIO_GPU_CMD_GET_EDID (answered ERR_UNSPEC: EDID is not offered).
    pub const GET_EDID: u32 = 0x010a;
    /// VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID (unsupported).
    pub const RESOURCE_ASSIGN_UUID: u32 = 0x010b;
    /// VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB (unsupported).
    pub const RESOURCE_CREATE_BLOB: u32 = 0x010c;
    /// VIRTIO_GPU_CMD_SET_SCANOUT_BLOB (unsupported).
    pub const SET_SCANOUT_BLOB: u32 = 0x010d;
    /// VIRTIO_GPU_CMD_CTX_CREATE, the first 3D command (unsupported).
    pub const CTX_CREATE: u32 = 0x0200;
    /// VIRTIO_GPU_CMD_UPDATE_CURSOR (cursor queue; ignored).
    pub const UPDATE_CURSOR: u32 = 0x0300;
    /// VIRTIO_GPU_CMD_MOVE_CURSOR (cursor queue; ignored).
    pub const MOVE_CURSOR: u32 = 0x0301;
}

/// Response types (`enum virtio_gpu_ctrl_type`, 0x1100 on), every one the
/// spec lists.
pub mod resp {
    /// VIRTIO_GPU_RESP_OK_NODATA.
    pub const OK_NODATA: u32 = 0x1100;
    /// VIRTIO_GPU_RESP_OK_DISPLAY_INFO.
    pub const OK_DISPLAY_INFO: u32 = 0x1101;
    /// VIRTIO_GPU_RESP_OK_CAPSET_INFO (never sent).
    pub const OK_CAPSET_INFO: u32 = 0x1102;
    /// VIRTIO_GPU_RESP_OK_CAPSET (never sent).
    pub const OK_CAPSET: u32 = 0x1103;
    /// VIRTIO_GPU_RESP_OK_EDID (never sent).
    pub const OK_EDID: u32 = 0x1104;
    /// VIRTIO_GPU_RESP_OK_RESOURCE_UUID (never sent).
    pub const OK_RESOURCE_UUID: u32 = 0x1105;
    /// VIRTIO_GPU_RESP_OK_MAP_INFO (never sent).
    pub const OK_MAP_INFO: u32 = 0x1106;
    /// VIRTIO_GPU_RESP_ERR_UNSPEC.
    pub const ERR_UNSPEC: u32 = 0x1200;
    /// VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY.
    pub const ERR_OUT_OF_MEMORY: u32 = 0x1201;
    /// VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID.
    pub const ERR_INVALID_SCANOUT_ID: u32 = 0x1202;
    /// VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID.
    pub const ERR_INVALID_RESOURCE_ID: u32 = 0x1203;
    /// VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID (never sent: no contexts).
    pub const ERR_INVALID_CONTEXT_ID: u32 = 0x1204;
    /// VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER.
    pub const ERR_INVALID_PARAMETER: u32 = 0x1205;
}

/// VIRTIO_GPU_FLAG_FENCE: the response must echo `fence_id` and `ctx_id`.
pub const FLAG_FENCE: u32 = 1 << 0;
/// Bytes of `struct virtio_gpu_ctrl_hdr`.
pub const HDR_LEN: usize = 24;
/// VIRTIO_GPU_MAX_SCANOUTS: the entries of a display-info response.
pub const WIRE_SCANOUTS: usize = 16;
/// Bytes of `struct virtio_gpu_resp_display_info` (header, 16 × rect,
/// enabled, flags).
pub const DISPLAY_INFO_LEN: usize = HDR_LEN + WIRE_SCANOUTS * 24;
/// Bytes of one `struct virtio_gpu_mem_entry` (addr, length, padding).
pub const MEM_ENTRY_LEN: usize = 16;

/// A little-endian `u32` at byte `at` of `b`, if all four bytes are there.
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

/// A little-endian `u64` at byte `at` of `b`, if all eight bytes are there.
pub fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(s.try_into().ok()?))
}

/// Writes `v` little endian at byte `at` of `b` (nothing if it does not fit).
pub fn put_u32(b: &mut [u8], at: usize, v: u32) {
    if let Some(s) = at.checked_add(4).and_then(|end| b.get_mut(at..end)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes `v` little endian at byte `at` of `b` (nothing if it does not fit).
pub fn put_u64(b: &mut [u8], at: usize, v: u64) {
    if let Some(s) = at.checked_add(8).and_then(|end| b.get_mut(at..end)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

/// `struct virtio_gpu_ctrl_hdr` (the padding and `ring_idx` are not kept:
/// context-init is not offered).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtrlHdr {
    /// Command or response type.
    pub ty: u32,
    /// VIRTIO_GPU_FLAG_*.
    pub flags: u32,
    /// The fence to signal (with [`FLAG_FENCE`]).
    pub fence_id: u64,
    /// The 3D context (0 for 2D).
    pub ctx_id: u32,
}

impl CtrlHdr {
    /// The header at the start of `b`, if it holds 24 bytes.
    pub fn parse(b: &[u8]) -> Option<Self> {
        if b.len() < HDR_LEN {
            return None;
        }
        Some(Self { ty: u32_at(b, 0)?, flags: u32_at(b, 4)?, fence_id: u64_at(b, 8)?, ctx_id: u32_at(b, 16)? })
    }

    /// The response header of type `ty` to the request `self`: the fence
    /// (FLAG_FENCE, `fence_id`, `ctx_id`) echoed if the request asked for it.
    pub fn response(&self, ty: u32) -> Self {
        if self.flags & FLAG_FENCE != 0 {
            Self { ty, flags: FLAG_FENCE, fence_id: self.fence_id, ctx_id: self.ctx_id }
        } else {
            Self { ty, ..Self::default() }
        }
    }

    /// Writes the 24 bytes at the start of `b` (ring_idx and padding 0).
    pub fn write(&self, b: &mut [u8]) {
        if let Some(h) = b.get_mut(..HDR_LEN) {
            h.fill(0);
        }
        put_u32(b, 0, self.ty);
        put_u32(b, 4, self.flags);
        put_u64(b, 8, self.fence_id);
        put_u32(b, 16, self.ctx_id);
    }
}
