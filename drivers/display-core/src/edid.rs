// SPDX-License-Identifier: MIT
//! GET_EDID: an EDID 1.4 base block synthesised from a connector's mode
//! (VESA E-EDID, 128 bytes, no extensions). Owns only the encoding.

/// Bytes of the block.
pub const EDID_LEN: usize = 128;

/// Blanking the detailed timing claims (reduced blanking, CVT-RB style).
const H_BLANK: u32 = 160;
const V_BLANK: u32 = 30;
/// Refresh rate the timing is computed for, Hz.
const REFRESH: u32 = 60;

/// The EDID of connector `connector` with a `width` x `height` mode
/// (each clamped to the 12 bits a detailed timing holds).
pub fn edid(connector: u8, width: u32, height: u32) -> [u8; EDID_LEN] {
    let (w, h) = (width.min(4095), height.min(4095));
    let mut e = [0u8; EDID_LEN];
    fn put_in(e: &mut [u8; EDID_LEN], at: usize, bytes: &[u8]) {
        if let Some(dst) = e.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }
    let mut put = |at: usize, bytes: &[u8]| put_in(&mut e, at, bytes);
    put(0, &[0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
    // Manufacturer "BHD": three 5-bit letters, 'A' = 1, big-endian.
    let id = (u16::from(b'B' - b'@') << 10) | (u16::from(b'H' - b'@') << 5) | u16::from(b'D' - b'@');
    put(8, &id.to_be_bytes());
    put(10, &u16::from(connector).to_le_bytes()); // product code
    put(12, &u32::from(connector).to_le_bytes()); // serial
    put(16, &[1, 36]); // week 1 of 1990 + 36 = 2026
    put(18, &[1, 4]); // EDID 1.4
    put(20, &[0xa5, 0, 0, 0x78, 0x06]); // digital 8 bpc DisplayPort; no size; gamma 2.2; RGB, preferred timing
    // sRGB chromaticity.
    put(25, &[0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99, 0x26, 0x0f, 0x50, 0x54]);
    put(38, &[0x01; 16]); // no standard timings
    // Detailed timing descriptor 1: the mode.
    let (h_total, v_total) = (w + H_BLANK, h + V_BLANK);
    let clock_10khz = (h_total * v_total * REFRESH).div_ceil(10_000);
    let lo = |v: u32| v.to_le_bytes()[0];
    let hi = |v: u32| (v >> 8).to_le_bytes()[0] & 0xf;
    put(54, &u16::try_from(clock_10khz).unwrap_or(u16::MAX).to_le_bytes());
    put(56, &[lo(w), lo(H_BLANK), (hi(w) << 4) | hi(H_BLANK)]);
    put(59, &[lo(h), lo(V_BLANK), (hi(h) << 4) | hi(V_BLANK)]);
    put(62, &[48, 32, (3 << 4) | 5, 0]); // h front porch, h sync, v front porch 3, v sync 5
    put(71, &[0x1e]); // digital separate sync, +hsync, -vsync... (non-interlaced)
    // Descriptor 2: the monitor's name.
    let mut name = *b"Bulkhead c0 \n";
    if let Some(d) = name.get_mut(10) {
        *d = b'0' + connector % 10;
    }
    put(72, &[0, 0, 0, 0xfc, 0]);
    put(77, &name);
    // Descriptors 3 and 4: dummy.
    put(90, &[0, 0, 0, 0x10, 0]);
    put(108, &[0, 0, 0, 0x10, 0]);
    let sum = e.iter().take(EDID_LEN - 1).fold(0u8, |s, b| s.wrapping_add(*b));
    put_in(&mut e, EDID_LEN - 1, &[0u8.wrapping_sub(sum)]);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_valid_and_carries_the_mode() {
        let e = edid(1, 1280, 720);
        assert_eq!(&e[..8], &[0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0]);
        assert_eq!(e.iter().fold(0u8, |s, b| s.wrapping_add(*b)), 0, "checksum");
        let width = u32::from(e[56]) | (u32::from(e[58] >> 4) << 8);
        let height = u32::from(e[59]) | (u32::from(e[61] >> 4) << 8);
        assert_eq!((width, height), (1280, 720));
        assert_eq!(&e[77..88], b"Bulkhead c1");
    }
}
