// SPDX-License-Identifier: MIT
//! The protected regions' self-check, like the signature units of
//! automotive display controllers: after a frame is composed, a CRC-32 of
//! each protected region as the scanout holds it is compared with a CRC-32
//! of what the region's owner submitted.
//!
//! Both CRCs cover each pixel's B, G, R bytes, row by row (the X byte is
//! not shown). The expected side is computed here pixel by pixel from the
//! owner's layers over the background, independently of
//! [`crate::compose`]'s row loops, so that a fault there (or a stray write
//! into the scanout) shows as a mismatch. Owns only the two CRCs.

use crate::compose::{Layer, SCANOUT_BPP, Scanout};
use crate::pixel::blend;
use bulkhead_display::Rect;
use crc::{CRC_32_ISO_HDLC, Crc, Digest};

const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// CRC-32 of `region` as `scanout` holds it; `None` if it is not inside.
pub fn scanout_crc(scanout: &Scanout<'_>, region: Rect) -> Option<u32> {
    if !region.fits_in(scanout.width(), scanout.height()) {
        return None;
    }
    let mut digest = CRC32.digest();
    for y in region.y..region.y + region.height {
        let row = scanout.row(y, region.x, region.width)?;
        for px in row.chunks_exact(SCANOUT_BPP) {
            digest.update(px.get(..3)?);
        }
    }
    Some(digest.finalize())
}

/// CRC-32 of what `region` must show: the owner's `layers` (bottom first)
/// over `background` (`0xRRGGBB`), nothing else.
pub fn expected_crc(background: u32, layers: &[Layer<'_>], region: Rect) -> Option<u32> {
    let mut digest: Digest<'_, u32> = CRC32.digest();
    for y in region.y..region.y.checked_add(region.height)? {
        for x in region.x..region.x.checked_add(region.width)? {
            let mut colour = background | 0xff00_0000;
            for layer in layers {
                let area = layer.area();
                if area.contains(&Rect::new(x, y, 1, 1)) {
                    let px = layer.surface.pixel(x - area.x, y - area.y)?;
                    colour = if layer.opaque() { px | 0xff00_0000 } else { blend(px, colour) };
                }
            }
            digest.update(&colour.to_le_bytes()[..3]);
        }
    }
    Some(digest.finalize())
}
