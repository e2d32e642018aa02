// SPDX-License-Identifier: MIT
//! The arm64 Linux `Image` header (Documentation/arch/arm64/booting.rst):
//! its layout, recognising a raw kernel Image and reading how much RAM it
//! needs. The one definition of that layout on the host side: the build
//! tool checks Linux guests' kernels and Bulkhead's own kernel image with
//! [`parse`]. The kernel writes its header in assembly
//! (`kernel/aarch64/src/arch/entry.rs`), which cannot share Rust code;
//! `cargo xtask build` parses what it wrote with this module.

/// Bytes of the header.
pub const HEADER_LEN: usize = 64;
/// Offset of `text_offset` (u64, little-endian).
pub const TEXT_OFFSET_AT: usize = 8;
/// Offset of `image_size` (u64, little-endian).
pub const IMAGE_SIZE_AT: usize = 16;
/// Offset of `flags` (u64, little-endian).
pub const FLAGS_AT: usize = 24;
/// Offset of the magic.
pub const MAGIC_AT: usize = 56;
/// `"ARM\x64"`, little-endian, at [`MAGIC_AT`].
pub const MAGIC: u32 = 0x644d_5241;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader {
    /// Offset of the Image from a 2 MiB-aligned base (0 on kernels since 3.17).
    pub text_offset: u64,
    /// Bytes the kernel occupies once running, .bss included (0 on very old kernels).
    pub image_size: u64,
    /// Bit 0: big-endian; bits 1-2: page size (1 = 4 KiB); bit 3: the
    /// kernel may be placed anywhere in RAM, not only near its base.
    pub flags: u64,
}

/// Parses the header at the start of `bytes`; the error says what the bytes are not.
pub fn parse(bytes: &[u8]) -> Result<ImageHeader, String> {
    let u64_at = |at: usize| bytes.get(at..at + 8).and_then(|b| b.try_into().ok()).map(u64::from_le_bytes);
    let magic = bytes.get(MAGIC_AT..MAGIC_AT + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    if magic != Some(MAGIC) {
        let hint = if bytes.starts_with(&[0x1f, 0x8b]) {
            " (it is gzip-compressed: decompress it, e.g. `zcat vmlinuz > Image`)"
        } else if bytes.starts_with(b"MZ") {
            " (it is a PE/EFI file, not an arm64 kernel)"
        } else {
            ""
        };
        return Err(format!("not a raw arm64 Linux Image: no `ARM\\x64` magic at offset 56{hint}"));
    }
    Ok(ImageHeader {
        text_offset: u64_at(TEXT_OFFSET_AT).unwrap_or(0),
        image_size: u64_at(IMAGE_SIZE_AT).unwrap_or(0),
        flags: u64_at(FLAGS_AT).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text_offset: u64, image_size: u64, flags: u64) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[8..16].copy_from_slice(&text_offset.to_le_bytes());
        h[16..24].copy_from_slice(&image_size.to_le_bytes());
        h[24..32].copy_from_slice(&flags.to_le_bytes());
        h[56..60].copy_from_slice(b"ARM\x64");
        h
    }

    #[test]
    fn the_magic_is_arm_x64() {
        assert_eq!(MAGIC.to_le_bytes(), *b"ARM\x64");
    }

    #[test]
    fn reads_the_sizes_and_flags() {
        assert_eq!(
            parse(&header(0x20_0000, 0x2c0_0000, 0xa)),
            Ok(ImageHeader { text_offset: 0x20_0000, image_size: 0x2c0_0000, flags: 0xa })
        );
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert_eq!(parse(b"short"), Err("not a raw arm64 Linux Image: no `ARM\\x64` magic at offset 56".into()));
        let gz = [0x1f, 0x8b, 8, 0].iter().copied().chain([0; 60]).collect::<Vec<u8>>();
        assert_eq!(
            parse(&gz),
            Err("not a raw arm64 Linux Image: no `ARM\\x64` magic at offset 56 (it is gzip-compressed: \
                 decompress it, e.g. `zcat vmlinuz > Image`)"
                .into())
        );
        let pe = b"MZ".iter().copied().chain([0; 62]).collect::<Vec<u8>>();
        assert!(parse(&pe).unwrap_err().ends_with("(it is a PE/EFI file, not an arm64 kernel)"));
    }
}
