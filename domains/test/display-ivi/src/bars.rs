// SPDX-License-Identifier: MIT
//! The IVI's test pattern: eight vertical colour bars (SMPTE order),
//! shifted `shift` pixels to the left, written row by row into an XRGB8888
//! framebuffer in the channel's window. Must not talk to the display
//! domain: the main loop configures and flips.

use bulkhead_display_client::{ClientError, DisplayClient};
use bulkhead_ring::Window;

/// White, yellow, cyan, green, magenta, red, blue, black (`0xRRGGBB`).
const BARS: [u32; 8] = [0xc0c0c0, 0xc0c000, 0x00c0c0, 0x00c000, 0xc000c0, 0xc00000, 0x0000c0, 0x101010];
/// Pixels written per window copy.
const CHUNK: usize = 256;

/// Paints the bars, moved left by `shift` pixels, into the `width` x
/// `height` framebuffer at window offset `base` (rows packed).
pub fn paint<W: Window + Clone>(
    client: &DisplayClient<W>,
    base: u32,
    (width, height): (u32, u32),
    shift: u32,
) -> Result<(), ClientError> {
    let bar = (width / BARS.len() as u32).max(1);
    let mut chunk = [0u8; CHUNK * 4];
    for y in 0..height {
        let mut x = 0;
        while x < width {
            let n = (width - x).min(CHUNK as u32);
            for (i, px) in (x..x + n).zip(chunk.chunks_exact_mut(4)) {
                let colour = BARS.get(((i + shift) / bar) as usize % BARS.len()).copied().unwrap_or(0);
                px.copy_from_slice(&colour.to_le_bytes());
            }
            client.write(base + (y * width + x) * 4, chunk.get(..n as usize * 4).unwrap_or(&[]))?;
            x += n;
        }
    }
    Ok(())
}
