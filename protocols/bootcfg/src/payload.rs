// SPDX-License-Identifier: MIT
//! The payload: what the build tool appends to the kernel in the image.
//!
//! ```text
//! kernel file  [arm64 Image header | text | rodata | data] (ends 4 KiB aligned)
//! payload      [config blob] [pad to 4 KiB] [domain 0: image] [pad] [its boot files] [pad] [domain 1: image] ...
//! ```
//!
//! The payload starts at the kernel's `__payload_start` symbol, the first
//! 4 KiB boundary after its loaded data. Each domain image's offset and
//! length are recorded in its [`crate::ImageRef`], each further file it
//! boots with (a Linux domain's initramfs and device tree) in a
//! [`crate::BootFile`], relative to the payload's first byte; their CRCs let
//! the kernel refuse a damaged image.

use crate::blob::crc32;
use crate::model::{BootFile, ImageRef};

/// Alignment of the payload and of each image inside it.
pub const PAYLOAD_ALIGN: usize = 4096;

/// Why a domain image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// The image lies (partly) outside the payload.
    OutOfBounds,
    /// Its bytes do not match its CRC.
    BadChecksum,
}

/// A CRC-32 (ISO-HDLC) implementation: [`crc32`], or a faster one of the
/// caller's (the kernel's uses the CPU's CRC32 instructions).
pub type Crc32 = fn(&[u8]) -> u32;

/// The `size` bytes at `offset` of `payload`, checked against `crc` with
/// `crc32`.
fn checked(payload: &[u8], offset: u32, size: u32, crc: u32, crc32: Crc32) -> Result<&[u8], ImageError> {
    let start = usize::try_from(offset).map_err(|_| ImageError::OutOfBounds)?;
    let len = usize::try_from(size).map_err(|_| ImageError::OutOfBounds)?;
    let end = start.checked_add(len).ok_or(ImageError::OutOfBounds)?;
    let bytes = payload.get(start..end).ok_or(ImageError::OutOfBounds)?;
    if crc32(bytes) != crc {
        return Err(ImageError::BadChecksum);
    }
    Ok(bytes)
}

/// The bytes of the image `image` inside `payload`, checked against its CRC.
pub fn image_bytes<'p>(payload: &'p [u8], image: &ImageRef) -> Result<&'p [u8], ImageError> {
    checked(payload, image.offset, image.size, image.crc32, crc32)
}

/// As [`image_bytes`], computing CRCs with `crc32`.
pub fn image_bytes_with<'p>(payload: &'p [u8], image: &ImageRef, crc32: Crc32) -> Result<&'p [u8], ImageError> {
    checked(payload, image.offset, image.size, image.crc32, crc32)
}

/// The bytes of the boot file `file` inside `payload`, checked against its CRC.
pub fn boot_file_bytes<'p>(payload: &'p [u8], file: &BootFile) -> Result<&'p [u8], ImageError> {
    checked(payload, file.offset, file.size, file.crc32, crc32)
}

/// As [`boot_file_bytes`], computing CRCs with `crc32`.
pub fn boot_file_bytes_with<'p>(payload: &'p [u8], file: &BootFile, crc32: Crc32) -> Result<&'p [u8], ImageError> {
    checked(payload, file.offset, file.size, file.crc32, crc32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulkhead_abi::Ipa;

    #[test]
    fn image_is_bounds_and_crc_checked() {
        let mut payload = [0u8; 8192];
        payload[4096..4100].copy_from_slice(b"code");
        let good = ImageRef { offset: 4096, size: 4, crc32: crc32(b"code"), load: Ipa::new(0), entry: Ipa::new(0) };
        assert_eq!(image_bytes(&payload, &good), Ok(&b"code"[..]));
        let outside = ImageRef { offset: 8190, ..good };
        assert_eq!(image_bytes(&payload, &outside), Err(ImageError::OutOfBounds));
        let wrapping = ImageRef { offset: u32::MAX, size: u32::MAX, ..good };
        assert_eq!(image_bytes(&payload, &wrapping), Err(ImageError::OutOfBounds));
        payload[4097] = b'O';
        assert_eq!(image_bytes(&payload, &good), Err(ImageError::BadChecksum));
    }

    #[test]
    fn boot_files_are_bounds_and_crc_checked() {
        let mut payload = [0u8; 8192];
        payload[4096..4099].copy_from_slice(b"dtb");
        let good = BootFile { offset: 4096, size: 3, crc32: crc32(b"dtb"), load: Ipa::new(0x4fe0_0000) };
        assert_eq!(boot_file_bytes(&payload, &good), Ok(&b"dtb"[..]));
        assert_eq!(boot_file_bytes(&payload, &BootFile { size: 4097, ..good }), Err(ImageError::OutOfBounds));
        payload[4096] = b'D';
        assert_eq!(boot_file_bytes(&payload, &good), Err(ImageError::BadChecksum));
    }

    #[test]
    fn the_with_variants_check_with_the_given_crc() {
        let mut payload = [0u8; 8192];
        payload[4096..4100].copy_from_slice(b"code");
        let image = ImageRef { offset: 4096, size: 4, crc32: 0x1234_5678, load: Ipa::new(0), entry: Ipa::new(0) };
        let file = BootFile { offset: 4096, size: 4, crc32: 0x1234_5678, load: Ipa::new(0) };
        let fixed: Crc32 = |_| 0x1234_5678;
        assert_eq!(image_bytes_with(&payload, &image, fixed), Ok(&b"code"[..]));
        assert_eq!(boot_file_bytes_with(&payload, &file, fixed), Ok(&b"code"[..]));
        assert_eq!(image_bytes_with(&payload, &image, crc32), Err(ImageError::BadChecksum));
        assert_eq!(boot_file_bytes_with(&payload, &file, |_| 0), Err(ImageError::BadChecksum));
        let outside = ImageRef { offset: 8190, ..image };
        assert_eq!(image_bytes_with(&payload, &outside, fixed), Err(ImageError::OutOfBounds));
    }
}
