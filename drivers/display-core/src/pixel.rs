// SPDX-License-Identifier: MIT
//! Pixel formats and surfaces: what a framebuffer's bytes mean, checked
//! before any pixel is read.
//!
//! Owns the byte layout of the three displif formats (little-endian, as
//! DRM's fourcc names them: XRGB8888 is bytes B, G, R, X) and of the
//! scanout (XRGB8888, rows packed). Pixels travel between modules as
//! `0xAARRGGBB` values. Must not know about clients, policy or the GPU.

use bulkhead_display::{PixelFormat, Rect};

/// Bytes one pixel takes.
pub const fn bytes_per_pixel(format: PixelFormat) -> u32 {
    match format {
        PixelFormat::Xrgb8888 | PixelFormat::Argb8888 => 4,
        PixelFormat::Rgb565 => 2,
    }
}

/// Whether the format carries per-pixel alpha.
pub const fn has_alpha(format: PixelFormat) -> bool {
    matches!(format, PixelFormat::Argb8888)
}

/// Why a surface's geometry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutError {
    /// A zero width or height.
    Empty,
    /// The stride is shorter than one row of pixels.
    StrideTooShort,
    /// Offset, stride and height reach past the buffer (or past `u64`).
    OutOfBuffer,
}

/// Where a framebuffer's pixels are in its display buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Pixel format.
    pub format: PixelFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from one row's start to the next.
    pub stride: u32,
    /// Where the first row starts, in bytes.
    pub offset: u32,
}

impl Layout {
    /// Checks the geometry against a buffer of `buffer_len` bytes: every
    /// pixel row must lie inside it, computed without overflow.
    pub fn checked(self, buffer_len: u64) -> Result<Self, LayoutError> {
        if self.width == 0 || self.height == 0 {
            return Err(LayoutError::Empty);
        }
        let row = u64::from(self.width) * u64::from(bytes_per_pixel(self.format));
        if u64::from(self.stride) < row {
            return Err(LayoutError::StrideTooShort);
        }
        // The last row ends at offset + stride * (height - 1) + row.
        let end = u64::from(self.offset) + u64::from(self.stride) * u64::from(self.height - 1) + row;
        if end > buffer_len {
            return Err(LayoutError::OutOfBuffer);
        }
        Ok(self)
    }

    /// The framebuffer's own rectangle.
    pub const fn rect(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// Bytes of one row of pixels.
    pub const fn row_bytes(&self) -> usize {
        self.width as usize * bytes_per_pixel(self.format) as usize
    }
}

/// A framebuffer's pixels: a checked [`Layout`] over bytes that hold it.
#[derive(Debug, Clone, Copy)]
pub struct Surface<'a> {
    layout: Layout,
    bytes: &'a [u8],
}

impl<'a> Surface<'a> {
    /// `bytes` seen through `layout`, refused unless every row fits.
    pub fn new(layout: Layout, bytes: &'a [u8]) -> Result<Self, LayoutError> {
        Ok(Surface { layout: layout.checked(bytes.len() as u64)?, bytes })
    }

    /// Its layout.
    pub const fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The bytes of pixels `x .. x + width` of row `y`; `None` outside.
    pub fn row(&self, y: u32, x: u32, width: u32) -> Option<&'a [u8]> {
        let l = &self.layout;
        if y >= l.height || u64::from(x) + u64::from(width) > u64::from(l.width) {
            return None;
        }
        let bpp = bytes_per_pixel(l.format) as usize;
        let start = l.offset as usize + l.stride as usize * y as usize + x as usize * bpp;
        self.bytes.get(start..start + width as usize * bpp)
    }

    /// Pixel (`x`, `y`) as `0xAARRGGBB` (opaque formats read alpha 0xff).
    pub fn pixel(&self, x: u32, y: u32) -> Option<u32> {
        self.row(y, x, 1).map(|b| decode(self.layout.format, b))
    }
}

/// One pixel's bytes in `format` as `0xAARRGGBB`; `bytes` holds at least
/// one pixel (else black).
pub fn decode(format: PixelFormat, bytes: &[u8]) -> u32 {
    match (format, bytes) {
        (PixelFormat::Xrgb8888, [b, g, r, _, ..]) => 0xff00_0000 | u32::from_le_bytes([*b, *g, *r, 0]),
        (PixelFormat::Argb8888, [b, g, r, a, ..]) => u32::from_le_bytes([*b, *g, *r, *a]),
        (PixelFormat::Rgb565, [lo, hi, ..]) => {
            let v = u16::from_le_bytes([*lo, *hi]);
            // Widen 5 and 6 bits to 8 by repeating the top bits.
            let r5 = u32::from(v >> 11) & 0x1f;
            let g6 = u32::from(v >> 5) & 0x3f;
            let b5 = u32::from(v) & 0x1f;
            let (r, g, b) = ((r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2));
            0xff00_0000 | (r << 16) | (g << 8) | b
        }
        _ => 0xff00_0000,
    }
}

/// `src` (`0xAARRGGBB`) over the opaque `dst`, per channel
/// `(src * a + dst * (255 - a)) / 255` rounded to nearest; the result is
/// opaque.
pub fn blend(src: u32, dst: u32) -> u32 {
    let a = src >> 24;
    match a {
        0xff => src | 0xff00_0000,
        0 => dst | 0xff00_0000,
        _ => {
            let channel = |shift: u32| {
                let s = (src >> shift) & 0xff;
                let d = (dst >> shift) & 0xff;
                div255(s * a + d * (255 - a)) << shift
            };
            0xff00_0000 | channel(16) | channel(8) | channel(0)
        }
    }
}

/// `x / 255` rounded to nearest, exact for `x <= 255 * 255`.
const fn div255(x: u32) -> u32 {
    let t = x + 128;
    (t + (t >> 8)) >> 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_decode_to_argb() {
        assert_eq!(decode(PixelFormat::Xrgb8888, &[0x11, 0x22, 0x33, 0x00]), 0xff33_2211);
        assert_eq!(decode(PixelFormat::Argb8888, &[0x11, 0x22, 0x33, 0x80]), 0x8033_2211);
        assert_eq!(decode(PixelFormat::Rgb565, &0xf800u16.to_le_bytes()), 0xffff_0000);
        assert_eq!(decode(PixelFormat::Rgb565, &0x07e0u16.to_le_bytes()), 0xff00_ff00);
        assert_eq!(decode(PixelFormat::Rgb565, &0x001fu16.to_le_bytes()), 0xff00_00ff);
        assert_eq!(decode(PixelFormat::Rgb565, &[]), 0xff00_0000);
    }

    #[test]
    fn blending_is_exact_at_the_ends_and_rounds_between() {
        assert_eq!(blend(0xff12_3456, 0xff00_0000), 0xff12_3456);
        assert_eq!(blend(0x0012_3456, 0xffab_cdef), 0xffab_cdef);
        // Half of white over black: 255 * 128 / 255 = 128.
        assert_eq!(blend(0x80ff_ffff, 0xff00_0000), 0xff80_8080);
        for x in 0..=255 * 255 {
            assert_eq!(div255(x), (x + 127) / 255, "{x}");
        }
    }

    #[test]
    fn layouts_that_overflow_or_overrun_are_refused() {
        let l = Layout { format: PixelFormat::Xrgb8888, width: 4, height: 2, stride: 16, offset: 0 };
        assert!(l.checked(32).is_ok());
        assert_eq!(l.checked(31), Err(LayoutError::OutOfBuffer));
        assert_eq!(Layout { stride: 15, ..l }.checked(1 << 20), Err(LayoutError::StrideTooShort));
        assert_eq!(Layout { width: 0, ..l }.checked(1 << 20), Err(LayoutError::Empty));
        let huge = Layout { width: u32::MAX, height: u32::MAX, stride: u32::MAX, offset: u32::MAX, ..l };
        assert_eq!(huge.checked(u64::MAX), Err(LayoutError::StrideTooShort));
        let long = Layout { width: 1, height: u32::MAX, stride: u32::MAX, offset: u32::MAX, ..l };
        assert_eq!(long.checked(1 << 40), Err(LayoutError::OutOfBuffer));
    }

    #[test]
    fn surfaces_read_rows_at_their_offset_and_stride() {
        let mut bytes = [0u8; 40];
        bytes[8..12].copy_from_slice(&[1, 2, 3, 0]);
        bytes[8 + 16 + 4..8 + 16 + 8].copy_from_slice(&[4, 5, 6, 0]);
        let l = Layout { format: PixelFormat::Xrgb8888, width: 2, height: 2, stride: 16, offset: 8 };
        let s = Surface::new(l, &bytes).unwrap();
        assert_eq!(s.pixel(0, 0), Some(0xff03_0201));
        assert_eq!(s.pixel(1, 1), Some(0xff06_0504));
        assert_eq!(s.pixel(2, 0), None);
        assert_eq!(s.row(1, 1, 2), None);
        assert!(Surface::new(l, &bytes[..27]).is_err());
    }
}
