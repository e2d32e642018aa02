// SPDX-License-Identifier: MIT
//! [`Format`]: the 2D pixel formats of `enum virtio_gpu_formats` (all
//! 4 bytes per pixel, named by their bytes from low to high address) and
//! their conversion to the one format the domain sees, XRGB8888.
//!
//! Owns the format numbers and the pixel conversion; must not read guest
//! memory (see `pixels`).

/// Bytes per pixel of every supported format.
pub const BYTES_PER_PIXEL: u32 = 4;

/// A resource's pixel format (`enum virtio_gpu_formats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// B, G, R, A in memory (1): Linux's ARGB8888 on a little-endian guest.
    B8G8R8A8Unorm,
    /// B, G, R, X (2): Linux's XRGB8888, what its framebuffer uses.
    B8G8R8X8Unorm,
    /// A, R, G, B (3).
    A8R8G8B8Unorm,
    /// X, R, G, B (4).
    X8R8G8B8Unorm,
    /// R, G, B, A (67).
    R8G8B8A8Unorm,
    /// X, B, G, R (68).
    X8B8G8R8Unorm,
    /// A, B, G, R (121).
    A8B8G8R8Unorm,
    /// R, G, B, X (134).
    R8G8B8X8Unorm,
}

impl Format {
    /// Every format, in wire-number order.
    pub const ALL: [Self; 8] = [
        Self::B8G8R8A8Unorm,
        Self::B8G8R8X8Unorm,
        Self::A8R8G8B8Unorm,
        Self::X8R8G8B8Unorm,
        Self::R8G8B8A8Unorm,
        Self::X8B8G8R8Unorm,
        Self::A8B8G8R8Unorm,
        Self::R8G8B8X8Unorm,
    ];

    /// The format with wire number `v`, None for any other number.
    pub fn from_wire(v: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.wire() == v)
    }

    /// The wire number.
    pub fn wire(self) -> u32 {
        match self {
            Self::B8G8R8A8Unorm => 1,
            Self::B8G8R8X8Unorm => 2,
            Self::A8R8G8B8Unorm => 3,
            Self::X8R8G8B8Unorm => 4,
            Self::R8G8B8A8Unorm => 67,
            Self::X8B8G8R8Unorm => 68,
            Self::A8B8G8R8Unorm => 121,
            Self::R8G8B8X8Unorm => 134,
        }
    }

    /// One pixel's four bytes (low address first) as XRGB8888
    /// (`0x00RRGGBB`: alpha and padding dropped, the top byte 0).
    pub fn to_xrgb(self, [b0, b1, b2, b3]: [u8; 4]) -> u32 {
        let (r, g, b) = match self {
            Self::B8G8R8A8Unorm | Self::B8G8R8X8Unorm => (b2, b1, b0),
            Self::A8R8G8B8Unorm | Self::X8R8G8B8Unorm => (b1, b2, b3),
            Self::R8G8B8A8Unorm | Self::R8G8B8X8Unorm => (b0, b1, b2),
            Self::A8B8G8R8Unorm | Self::X8B8G8R8Unorm => (b3, b2, b1),
        };
        u32::from_be_bytes([0, r, g, b])
    }
}
