// SPDX-License-Identifier: MIT
//! The picture Linux writes into its virtio-gpu framebuffer in the QEMU
//! test (`/init`'s `virtio-gpu` step): a band of [`BAND_ROWS`] rows of
//! [`WIDTH`] XRGB8888 pixels (`/lib/bulkhead/band.raw` in the initramfs),
//! written again and again down the framebuffer. Every pixel differs from
//! its neighbours in some channel, so a row or column shifted, dropped or
//! doubled anywhere changes the CRC the test compares.
//!
//! Owns the pattern and its expected CRC; the test that compares is
//! `qemu_tests::virtio_gpu`.

/// The framebuffer's width the pattern is made for (the board's `gpu=`).
pub const WIDTH: u32 = 1280;
/// Rows in one band (the framebuffer's height must be a multiple).
pub const BAND_ROWS: u32 = 16;

/// Pixel (`x`, `y`) as `(r, g, b)`.
pub fn pixel(x: u32, y: u32) -> (u8, u8, u8) {
    let row = y % BAND_ROWS;
    // Truncations intended: the channels wrap.
    let r = (x * 255 / (WIDTH - 1)) as u8;
    let g = (row * 16 + (x % 7)) as u8;
    let b = (((x / 64) * 23) ^ (row * 5)) as u8;
    (r, g, b)
}

/// One band as the framebuffer holds it: XRGB8888, little-endian (B, G,
/// R, 0 per pixel), rows of `WIDTH * 4` bytes.
pub fn band() -> Vec<u8> {
    let mut out = Vec::with_capacity((WIDTH * BAND_ROWS * 4) as usize);
    for y in 0..BAND_ROWS {
        for x in 0..WIDTH {
            let (r, g, b) = pixel(x, y);
            out.extend_from_slice(&[b, g, r, 0]);
        }
    }
    out
}

/// CRC-32 (ISO-HDLC) of the B, G, R bytes, row by row, of the top-left
/// `width` x `height` of the pattern (what `display_scenario::png_region_crc`
/// computes of a screendump).
pub fn crc(width: u32, height: u32) -> u32 {
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut digest = crc.digest();
    for y in 0..height {
        for x in 0..width {
            let (r, g, b) = pixel(x, y);
            digest.update(&[b, g, r]);
        }
    }
    digest.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_differ_in_some_channel() {
        for y in 0..BAND_ROWS {
            for x in 0..WIDTH {
                if x + 1 < WIDTH {
                    assert_ne!(pixel(x, y), pixel(x + 1, y), "({x}, {y}) and its right neighbour");
                }
                if y + 1 < BAND_ROWS {
                    assert_ne!(pixel(x, y), pixel(x, y + 1), "({x}, {y}) and the pixel below");
                }
            }
        }
    }

    #[test]
    fn the_band_is_the_pixels_in_framebuffer_order() {
        let band = band();
        assert_eq!(band.len(), (WIDTH * BAND_ROWS * 4) as usize);
        let at = ((3 * WIDTH + 700) * 4) as usize;
        let (r, g, b) = pixel(700, 3);
        assert_eq!(&band[at..at + 4], &[b, g, r, 0]);
    }

    #[test]
    fn a_shifted_picture_has_another_crc() {
        assert_ne!(crc(WIDTH, 720), crc(WIDTH - 1, 720));
        assert_ne!(crc(WIDTH, 720), crc(WIDTH, 719));
    }
}
