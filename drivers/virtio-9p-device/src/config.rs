// SPDX-License-Identifier: MIT
//! The mount tag ([`MountTag`]) and the configuration space it reads as:
//! Linux's `struct virtio_9p_config { le16 tag_len; u8 tag[tag_len]; }`
//! (`include/uapi/linux/virtio_9p.h`), with no terminating NUL.
//!
//! Owns the tag's checks and the configuration bytes; must not know about
//! queues or 9P messages.

use heapless::Vec;

/// The longest mount tag. Linux reads any `tag_len`, but the tag is the
/// name given to `mount` as its source, so it stays a short name: 32 bytes
/// keep the configuration space at most 34 bytes (fixed at construction).
/// A choice, not a limit Linux imposes.
pub const MAX_TAG_LEN: usize = 32;

/// Why a mount tag was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagError {
    /// No bytes: `mount` could not name the device.
    Empty,
    /// More than [`MAX_TAG_LEN`] bytes.
    TooLong,
    /// A byte outside printable ASCII without space (0x21..=0x7e): Linux
    /// compares the tag with the mount source as a C string, so a NUL
    /// would cut it, and spaces or control bytes cannot be typed in
    /// `/etc/fstab`.
    BadByte,
}

/// A checked mount tag: 1..=32 bytes of printable ASCII, no space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountTag {
    bytes: Vec<u8, MAX_TAG_LEN>,
}

impl MountTag {
    /// Checks `tag` (see [`TagError`]).
    pub fn new(tag: &str) -> Result<Self, TagError> {
        if tag.is_empty() {
            return Err(TagError::Empty);
        }
        if !tag.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(TagError::BadByte);
        }
        let bytes = Vec::from_slice(tag.as_bytes()).map_err(|_| TagError::TooLong)?;
        Ok(Self { bytes })
    }

    /// The tag's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The configuration space's length: 2 + the tag's length.
    pub fn config_len(&self) -> u32 {
        // At most 2 + 32.
        u32::try_from(2 + self.bytes.len()).unwrap_or(0)
    }

    /// Fills `out` with the configuration bytes at `offset`; bytes beyond
    /// the tag read 0.
    pub fn read(&self, offset: u32, out: &mut [u8]) {
        let [l0, l1] = u16::try_from(self.bytes.len()).unwrap_or(0).to_le_bytes();
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        for (i, b) in out.iter_mut().enumerate() {
            *b = match start.saturating_add(i) {
                0 => l0,
                1 => l1,
                n => self.bytes.get(n - 2).copied().unwrap_or(0),
            };
        }
    }
}
