// SPDX-License-Identifier: MIT
//! The arm64 Linux `Image` header (Documentation/arch/arm64/booting.rst):
//! recognising a raw kernel Image and reading how much RAM it needs.

/// Bytes of the header.
pub const HEADER_LEN: usize = 64;
/// `"ARM\x64"`, little-endian, at offset 56.
const MAGIC: u32 = 0x644d_5241;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    /// Offset of the Image from a 2 MiB-aligned base (0 on kernels since 3.17).
    pub text_offset: u64,
    /// Bytes the kernel occupies once running, .bss included (0 on very old kernels).
    pub image_size: u64,
}

/// Parses the header at the start of `bytes`; the error says what the bytes are not.
pub fn parse(bytes: &[u8]) -> Result<ImageHeader, String> {
    let u64_at = |at: usize| bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let magic = bytes.get(56..60).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    if magic != Some(MAGIC) {
        let hint = if bytes.starts_with(&[0x1f, 0x8b]) {
            " (it is gzip-compressed: decompress it, e.g. `zcat vmlinuz > Image`)"
        } else if bytes.starts_with(b"MZ") && bytes.get(56..60) != Some(b"ARM\x64") {
            " (it is a PE/EFI file, not an arm64 kernel)"
        } else {
            ""
        };
        return Err(format!("not a raw arm64 Linux Image: no `ARM\\x64` magic at offset 56{hint}"));
    }
    Ok(ImageHeader { text_offset: u64_at(8).unwrap_or(0), image_size: u64_at(16).unwrap_or(0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text_offset: u64, image_size: u64) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[8..16].copy_from_slice(&text_offset.to_le_bytes());
        h[16..24].copy_from_slice(&image_size.to_le_bytes());
        h[56..60].copy_from_slice(b"ARM\x64");
        h
    }

    #[test]
    fn reads_the_sizes() {
        assert_eq!(parse(&header(0, 0x2c0_0000)), Ok(ImageHeader { text_offset: 0, image_size: 0x2c0_0000 }));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert!(parse(b"short").is_err());
        let gz = [0x1f, 0x8b, 8, 0].iter().copied().chain([0; 60]).collect::<Vec<u8>>();
        assert!(parse(&gz).unwrap_err().contains("gzip"));
    }
}
