// SPDX-License-Identifier: MIT
//! Composition: layers, bottom to top, onto a connector's scanout, only
//! inside the damaged rectangle.
//!
//! Owns the per-row composition loops. An opaque layer's row replaces
//! what is below it (for XRGB8888 a plain copy of its bytes); an ARGB8888
//! layer with blending allowed is blended over it. Rows start from the
//! topmost opaque layer that covers the whole damaged span, so a
//! full-screen opaque surface costs one copy, not a clear and a copy.
//! Must not decide who may show what (that is [`crate::policy`]) nor
//! which layers exist (that is [`crate::backend`]).

use crate::pixel::{Surface, blend, bytes_per_pixel, decode, has_alpha};
use bulkhead_display::{PixelFormat, Rect};

/// Bytes per scanout pixel (XRGB8888: B, G, R, X).
pub const SCANOUT_BPP: usize = 4;

/// A connector's scanout: `width` x `height` XRGB8888 pixels, rows packed.
#[derive(Debug)]
pub struct Scanout<'a> {
    width: u32,
    height: u32,
    bytes: &'a mut [u8],
}

impl<'a> Scanout<'a> {
    /// `bytes` as a `width` x `height` scanout; `None` unless it holds
    /// exactly that many pixels.
    pub fn new(width: u32, height: u32, bytes: &'a mut [u8]) -> Option<Self> {
        let len = u64::from(width) * u64::from(height) * SCANOUT_BPP as u64;
        (len == bytes.len() as u64 && width > 0 && height > 0).then_some(Scanout { width, height, bytes })
    }

    /// The whole scanout.
    pub const fn rect(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// Width in pixels.
    pub const fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub const fn height(&self) -> u32 {
        self.height
    }

    /// Its bytes (what the GPU is given).
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }

    /// Its bytes, writable (a test that corrupts the scanout).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.bytes
    }

    /// Pixel (`x`, `y`) as `0xffRRGGBB`.
    pub fn pixel(&self, x: u32, y: u32) -> Option<u32> {
        let at = self.index(x, y)?;
        self.bytes.get(at..at + SCANOUT_BPP).map(|b| decode(PixelFormat::Xrgb8888, b))
    }

    fn index(&self, x: u32, y: u32) -> Option<usize> {
        (x < self.width && y < self.height).then(|| (y as usize * self.width as usize + x as usize) * SCANOUT_BPP)
    }

    /// The bytes of pixels `span.x ..` of row `y`, `span.width` long.
    fn row_mut(&mut self, y: u32, x: u32, width: u32) -> Option<&mut [u8]> {
        let at = self.index(x, y)?;
        self.bytes.get_mut(at..at + width as usize * SCANOUT_BPP)
    }

    /// The bytes of pixels `x .. x + width` of row `y`.
    pub fn row(&self, y: u32, x: u32, width: u32) -> Option<&[u8]> {
        let at = self.index(x, y)?;
        self.bytes.get(at..at + width as usize * SCANOUT_BPP)
    }
}

/// One surface placed on a connector.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    /// Its pixels.
    pub surface: Surface<'a>,
    /// Where its top-left pixel goes on the connector.
    pub x: u32,
    /// See `x`.
    pub y: u32,
    /// Whether ARGB8888 alpha is honoured (the board allows blending for
    /// this client); otherwise every pixel is opaque.
    pub blend: bool,
}

impl Layer<'_> {
    /// Where it lands on the connector.
    pub fn area(&self) -> Rect {
        let l = self.surface.layout();
        Rect::new(self.x, self.y, l.width, l.height)
    }

    /// Whether its pixels replace what is below (no alpha to honour).
    pub fn opaque(&self) -> bool {
        !(self.blend && has_alpha(self.surface.layout().format))
    }
}

/// Why a frame was not composed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeError {
    /// The damaged rectangle is not inside the scanout.
    DamageOffScreen,
    /// A layer reaches past the scanout's edge (the policy should have
    /// refused its configuration).
    LayerOffScreen,
}

/// Composes `layers` (bottom first) over `background` (`0xRRGGBB`) into
/// `scanout`, touching only the pixels of `damage`.
pub fn compose(
    scanout: &mut Scanout<'_>,
    background: u32,
    layers: &[Layer<'_>],
    damage: Rect,
) -> Result<(), ComposeError> {
    if !damage.fits_in(scanout.width, scanout.height) {
        return Err(ComposeError::DamageOffScreen);
    }
    if layers.iter().any(|l| !l.area().fits_in(scanout.width, scanout.height)) {
        return Err(ComposeError::LayerOffScreen);
    }
    if damage.is_empty() {
        return Ok(());
    }
    let bg = (background | 0xff00_0000).to_le_bytes();
    for y in damage.y..damage.y + damage.height {
        let span = Rect::new(damage.x, y, damage.width, 1);
        // The topmost opaque layer covering the whole span hides all below.
        let first = layers.iter().rposition(|l| l.opaque() && l.area().contains(&span));
        let start = match first {
            Some(i) => i,
            None => {
                if let Some(row) = scanout.row_mut(y, span.x, span.width) {
                    row.chunks_exact_mut(SCANOUT_BPP).for_each(|px| px.copy_from_slice(&bg));
                }
                0
            }
        };
        for layer in layers.iter().skip(start) {
            if let Some(part) = layer.area().intersect(&span) {
                draw_row(scanout, layer, part);
            }
        }
    }
    Ok(())
}

/// Draws the pixels of `layer` that fall in `part` (one row of the
/// connector, inside the layer's area).
fn draw_row(scanout: &mut Scanout<'_>, layer: &Layer<'_>, part: Rect) {
    let (sx, sy) = (part.x - layer.x, part.y - layer.y);
    let format = layer.surface.layout().format;
    let Some(src) = layer.surface.row(sy, sx, part.width) else { return };
    let Some(dst) = scanout.row_mut(part.y, part.x, part.width) else { return };
    let bpp = bytes_per_pixel(format) as usize;
    match (format, layer.opaque()) {
        (PixelFormat::Xrgb8888, _) | (PixelFormat::Argb8888, true) => dst.copy_from_slice(src),
        (_, true) => {
            for (d, s) in dst.chunks_exact_mut(SCANOUT_BPP).zip(src.chunks_exact(bpp)) {
                d.copy_from_slice(&decode(format, s).to_le_bytes());
            }
        }
        (PixelFormat::Argb8888, false) => {
            // Byte-wise: B, G, R blended, X set; the same arithmetic as
            // `pixel::blend` (the self-check recomputes it that way).
            for (d, s) in dst.chunks_exact_mut(SCANOUT_BPP).zip(src.chunks_exact(SCANOUT_BPP)) {
                let (Ok(d), Ok(s)) = (<&mut [u8; 4]>::try_from(d), <&[u8; 4]>::try_from(s)) else { continue };
                match s[3] {
                    0xff => *d = [s[0], s[1], s[2], 0xff],
                    0 => d[3] = 0xff,
                    a => {
                        let a = u32::from(a);
                        for (dc, sc) in d.iter_mut().zip(s.iter()).take(3) {
                            *dc = div255_u8(u32::from(*sc) * a + u32::from(*dc) * (255 - a));
                        }
                        d[3] = 0xff;
                    }
                }
            }
        }
        (_, false) => {
            for (d, s) in dst.chunks_exact_mut(SCANOUT_BPP).zip(src.chunks_exact(bpp)) {
                let under = decode(PixelFormat::Xrgb8888, d);
                d.copy_from_slice(&blend(decode(format, s), under).to_le_bytes());
            }
        }
    }
}

/// `x / 255` rounded to nearest for `x <= 255 * 255`, as a byte.
fn div255_u8(x: u32) -> u8 {
    let t = x + 128;
    u8::try_from((t + (t >> 8)) >> 8).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::pixel::Layout;
    use proptest::prelude::*;

    proptest! {
        /// The byte-wise ARGB path gives what `pixel::blend` gives.
        #[test]
        fn the_argb_fast_path_is_blend(pixels in prop::collection::vec(any::<u32>(), 8), under in any::<u32>()) {
            let src: std::vec::Vec<u8> = pixels.iter().flat_map(|p| p.to_le_bytes()).collect();
            let layout = Layout { format: PixelFormat::Argb8888, width: 8, height: 1, stride: 32, offset: 0 };
            let surface = Surface::new(layout, &src).unwrap();
            let mut bytes = std::vec![0u8; 32];
            let mut scanout = Scanout::new(8, 1, &mut bytes).unwrap();
            let layer = Layer { surface, x: 0, y: 0, blend: true };
            compose(&mut scanout, under & 0xff_ffff, &[layer], Rect::new(0, 0, 8, 1)).unwrap();
            for (x, p) in (0u32..).zip(pixels.iter()) {
                let want = blend(*p, (under & 0xff_ffff) | 0xff00_0000) | 0xff00_0000;
                prop_assert_eq!(scanout.pixel(x, 0), Some(want));
            }
        }
    }
}
