// SPDX-License-Identifier: MIT
//! The configuration blob: a 16-byte header, then the postcard encoding of a
//! [`BootConfig`].
//!
//! ```text
//! offset 0   magic    b"BHCF"
//! offset 4   version  u32 LE   (VERSION)
//! offset 8   length   u32 LE   (bytes of postcard body)
//! offset 12  crc32    u32 LE   (CRC-32/ISO-HDLC of the body)
//! offset 16  body
//! ```
//!
//! The kernel checks magic, version, length and checksum before it decodes
//! a single field, so a stale or damaged image is refused, never guessed at.

use crate::model::BootConfig;
use core::fmt;

/// First four bytes of every configuration blob.
pub const MAGIC: [u8; 4] = *b"BHCF";
/// The blob format this crate reads and writes. Bump on any change to the
/// model's encoding: the test `the_encoding_is_pinned_by_the_version`
/// compares a fixed sample's encoding with `golden/blob-v{VERSION}.hex`.
pub const VERSION: u32 = 5;
/// Size of the header before the postcard body.
pub const HEADER_LEN: usize = 16;

/// Slice-by-16 tables (16 KiB): the kernel checks tens of megabytes of
/// domain images at boot (a Linux kernel), three to four times faster than
/// byte at a time.
const CRC: crc::Crc<u32, crc::Table<16>> = crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);

/// CRC-32 (ISO-HDLC, as zlib) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    CRC.checksum(bytes)
}

/// Why a blob was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum BlobError {
    /// Shorter than its header or its stated length.
    Truncated = 1,
    /// Does not start with [`MAGIC`].
    BadMagic = 2,
    /// Written by a different version of the build tool.
    WrongVersion {
        /// The version in the blob.
        found: u32,
    } = 3,
    /// The body does not match its checksum.
    BadChecksum {
        /// The checksum in the header.
        stated: u32,
        /// The checksum of the body as found.
        computed: u32,
    } = 4,
    /// The body passed its checksum but is not a valid configuration.
    Undecodable = 5,
    /// The output buffer is too small (encoding only).
    BufferTooSmall = 6,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => write!(f, "configuration blob is truncated"),
            Self::BadMagic => write!(f, "no configuration blob (bad magic)"),
            Self::WrongVersion { found } => write!(
                f,
                "configuration blob has version {found}, this kernel reads version {VERSION}: rebuild the image"
            ),
            Self::BadChecksum { stated, computed } => write!(
                f,
                "configuration checksum mismatch (stated {stated:#010x}, computed {computed:#010x}): the image is damaged"
            ),
            Self::Undecodable => write!(f, "configuration blob does not decode"),
            Self::BufferTooSmall => write!(f, "buffer too small for the configuration blob"),
        }
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Result<u32, BlobError> {
    let field = bytes.get(at..at + 4).ok_or(BlobError::Truncated)?;
    let mut le = [0u8; 4];
    le.copy_from_slice(field);
    Ok(u32::from_le_bytes(le))
}

/// The total length (header + body) that the blob at the start of `bytes`
/// claims, after checking magic and version.
pub fn stated_len(bytes: &[u8]) -> Result<usize, BlobError> {
    if bytes.get(..4).ok_or(BlobError::Truncated)? != MAGIC {
        return Err(BlobError::BadMagic);
    }
    let version = read_u32(bytes, 4)?;
    if version != VERSION {
        return Err(BlobError::WrongVersion { found: version });
    }
    let body = usize::try_from(read_u32(bytes, 8)?).map_err(|_| BlobError::Truncated)?;
    HEADER_LEN.checked_add(body).ok_or(BlobError::Truncated)
}

/// Checks and decodes the blob at the start of `bytes` (trailing bytes are
/// ignored).
pub fn decode(bytes: &[u8]) -> Result<BootConfig, BlobError> {
    let total = stated_len(bytes)?;
    let body = bytes.get(HEADER_LEN..total).ok_or(BlobError::Truncated)?;
    let stated = read_u32(bytes, 12)?;
    let computed = crc32(body);
    if stated != computed {
        return Err(BlobError::BadChecksum { stated, computed });
    }
    postcard::from_bytes(body).map_err(|_| BlobError::Undecodable)
}

/// Encodes `config` into `out`; returns the blob's length.
pub fn encode(config: &BootConfig, out: &mut [u8]) -> Result<usize, BlobError> {
    let (header, rest) = out.split_at_mut_checked(HEADER_LEN).ok_or(BlobError::BufferTooSmall)?;
    let body = postcard::to_slice(config, rest).map_err(|_| BlobError::BufferTooSmall)?;
    let body_len = u32::try_from(body.len()).map_err(|_| BlobError::BufferTooSmall)?;
    let crc = crc32(body);
    let fields = [MAGIC, VERSION.to_le_bytes(), body_len.to_le_bytes(), crc.to_le_bytes()];
    for (slot, field) in header.chunks_exact_mut(4).zip(fields) {
        slot.copy_from_slice(&field);
    }
    Ok(HEADER_LEN + body.len())
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::model::*;
    use bulkhead_abi::{DomainId, Ipa, PhysAddr};

    fn sample() -> BootConfig {
        let mut config = crate::sample::board(8);
        let mut hello = crate::sample::domain("hello", &[1], 0x4200_0000);
        hello.wfe = TrapPolicy::Trap;
        hello.watchdog_ms = 100;
        hello.max_restarts = 3;
        hello.image =
            ImageRef { offset: 4096, size: 100, crc32: 7, load: Ipa::new(0x4000_0000), entry: Ipa::new(0x4000_0000) };
        // Every kind of capability (version 5 pins their encoding).
        for cap in [
            Capability::Console,
            Capability::Channel { channel: 0, end: 1 },
            Capability::Irq { intid: 40 },
            Capability::DmTarget { target: 1, ipa: Ipa::new(0x0a00_0000), size: 0x1000, timeout_ms: 50 },
            Capability::DmIrq { target: 1, intid: 80 },
            Capability::DmMemory { target: 1, window: 0 },
            Capability::DmVram { target: 1, ipa: Ipa::new(0x5010_0000), size: 0x1_0000 },
            Capability::Kept { ipa: Ipa::new(0x4100_0000), phys: PhysAddr::new(0x4500_0000), size: 0x1000 },
        ] {
            hello.caps.push(cap).unwrap();
        }
        hello.guards.push(Ipa::new(0x4001_0000)).unwrap();
        config.domains.push(hello).unwrap();
        let mut linux = crate::sample::domain("linux", &[2, 3], 0x5000_0000);
        linux.entry_abi = EntryAbi::Linux { dtb: Ipa::new(0x4fe0_0000) };
        linux.console = Some(VirtualConsole { ipa: Ipa::new(0x0900_0000), intid: 33 });
        for (offset, load) in [(8192, 0x4f00_0000), (12288, 0x4fe0_0000)] {
            linux.boot_files.push(BootFile { offset, size: 100, crc32: 9, load: Ipa::new(load) }).unwrap();
        }
        config.domains.push(linux).unwrap();
        config
            .channels
            .push(Channel {
                name: Name::try_from("ping").unwrap(),
                window: PhysRange { base: PhysAddr::new(0x4400_0000), size: 0x1_0000 },
                ends: [
                    ChannelEnd { domain: DomainId::new(0), ipa: Ipa::new(0x5000_0000) },
                    ChannelEnd { domain: DomainId::new(0), ipa: Ipa::new(0x5010_0000) },
                ],
                notify_budget: NotifyBudget { per_ms: 5, burst: 9 },
            })
            .unwrap();
        config
    }

    fn encoded() -> ([u8; 2048], usize) {
        let mut buf = [0u8; 2048];
        let len = encode(&sample(), &mut buf).unwrap();
        (buf, len)
    }

    #[test]
    fn round_trip() {
        let (buf, len) = encoded();
        assert_eq!(stated_len(&buf).unwrap(), len);
        assert_eq!(decode(&buf[..len]).unwrap(), sample());
    }

    #[test]
    fn wrong_version_is_refused() {
        let (mut buf, len) = encoded();
        buf[4..8].copy_from_slice(&(VERSION + 1).to_le_bytes());
        assert_eq!(decode(&buf[..len]), Err(BlobError::WrongVersion { found: VERSION + 1 }));
    }

    #[test]
    fn any_flipped_body_bit_is_refused() {
        let (buf, len) = encoded();
        for byte in HEADER_LEN..len {
            let mut bad = buf;
            bad[byte] ^= 0x10;
            assert!(
                matches!(decode(&bad[..len]), Err(BlobError::BadChecksum { .. })),
                "flip at byte {byte} was accepted"
            );
        }
    }

    #[test]
    fn bad_magic_and_truncation_are_refused() {
        let (mut buf, len) = encoded();
        assert_eq!(decode(&buf[..len - 1]), Err(BlobError::Truncated));
        assert_eq!(decode(&buf[..10]), Err(BlobError::Truncated));
        buf[0] = b'X';
        assert_eq!(decode(&buf[..len]), Err(BlobError::BadMagic));
    }

    #[test]
    fn checksummed_garbage_does_not_decode() {
        let mut buf = [0xffu8; 64];
        let body = [0xffu8; 48];
        buf[..4].copy_from_slice(&MAGIC);
        buf[4..8].copy_from_slice(&VERSION.to_le_bytes());
        buf[8..12].copy_from_slice(&48u32.to_le_bytes());
        buf[12..16].copy_from_slice(&crc32(&body).to_le_bytes());
        assert_eq!(decode(&buf), Err(BlobError::Undecodable));
    }

    /// Where the golden encoding of [`sample`] for `version` is kept.
    fn golden_path(version: u32) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(std::format!("golden/blob-v{version}.hex"))
    }

    /// The encoding of a fixed configuration is pinned per [`VERSION`]: a
    /// change of the encoding (a field added, moved or re-typed, a variant
    /// reordered, the header) must come with a new version, or a kernel
    /// would misread a blob that its version check accepts. With
    /// `BULKHEAD_BLESS=1` the test writes the golden file of a version
    /// that has none yet; it never rewrites one. The sample is part of the
    /// pin: change it only together with a version bump.
    #[test]
    fn the_encoding_is_pinned_by_the_version() {
        use std::string::String;
        let (buf, len) = encoded();
        let hex: String = buf[..len]
            .chunks(32)
            .map(|line| line.iter().map(|b| std::format!("{b:02x}")).collect::<String>() + "\n")
            .collect();
        let path = golden_path(VERSION);
        let bless = "`BULKHEAD_BLESS=1 cargo test -p bulkhead-bootcfg the_encoding_is_pinned`";
        let golden = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(_) if std::env::var_os("BULKHEAD_BLESS").is_some() => {
                let header = "# SPDX-License-Identifier: MIT\n# The encoding of blob.rs's test sample; see the_encoding_is_pinned_by_the_version.\n";
                std::fs::write(&path, std::format!("{header}{hex}")).unwrap();
                return;
            }
            Err(e) => {
                panic!("no golden encoding for VERSION {VERSION} at {} ({e}): generate it with {bless}", path.display())
            }
        };
        let golden: String = golden.lines().filter(|l| !l.starts_with('#')).flat_map(|l| [l, "\n"]).collect();
        assert!(
            golden == hex,
            "the encoding changed but VERSION is still {VERSION}: bump VERSION in protocols/bootcfg/src/blob.rs and regenerate with {bless}"
        );
        assert_eq!(&buf[4..8], &VERSION.to_le_bytes(), "the header states the version");
    }

    #[test]
    fn small_buffer_is_an_error() {
        let mut buf = [0u8; 32];
        assert_eq!(encode(&sample(), &mut buf), Err(BlobError::BufferTooSmall));
    }
}
