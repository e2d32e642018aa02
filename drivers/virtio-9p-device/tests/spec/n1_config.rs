// SPDX-License-Identifier: MIT
//! N1: the probe as `p9_virtio_probe` does it — device id 9, the
//! MOUNT_TAG feature, `tag_len` then the tag read byte-wise, one queue of
//! at most 128 — and the tag's checks.
//!
//! Owns that evidence; must not test the queue (n2..n8 do).

use bulkhead_virtio_9p_device::{MAX_TAG_LEN, MountTag, TagError};
use bulkhead_virtio_device::regs;

use crate::rig::Rig;

#[test]
fn probe_reads_feature_and_tag() {
    let mut r = Rig::up();
    assert_eq!(r.dev.read(regs::CONFIG, 2), 8, "le16 tag_len");
    let tag: Vec<u8> = (0..8).map(|i| r.dev.read(regs::CONFIG + 2 + i, 1) as u8).collect();
    assert_eq!(tag, b"bulkhead");
    assert_eq!(r.dev.read(regs::CONFIG + 10, 1), 0, "beyond the tag");
    assert_eq!(r.dev.read(regs::CONFIG, 4), 8 | u64::from(b'b') << 16 | u64::from(b'u') << 24);
    r.w(regs::QUEUE_SEL, 1);
    assert_eq!(r.r(regs::QUEUE_NUM_MAX), 0, "one queue");
}

#[test]
fn config_writes_are_ignored() {
    let mut r = Rig::up();
    r.dev.write(regs::CONFIG + 2, 1, 0x41, &mut r.mem);
    r.dev.write(regs::CONFIG, 2, 3, &mut r.mem);
    assert_eq!(r.dev.read(regs::CONFIG, 2), 8);
    assert_eq!(r.dev.read(regs::CONFIG + 2, 1), u64::from(b'b'));
}

#[test]
fn tag_checks() {
    assert_eq!(MountTag::new(""), Err(TagError::Empty));
    assert_eq!(MountTag::new(&"x".repeat(MAX_TAG_LEN + 1)), Err(TagError::TooLong));
    assert_eq!(MountTag::new("a b"), Err(TagError::BadByte));
    assert_eq!(MountTag::new("a\0"), Err(TagError::BadByte));
    assert_eq!(MountTag::new("é"), Err(TagError::BadByte));
    let long = "t".repeat(MAX_TAG_LEN);
    let t = MountTag::new(&long).unwrap();
    assert_eq!(t.config_len(), 34);
    let mut r = Rig::new(t);
    r.bring_up();
    assert_eq!(r.dev.read(regs::CONFIG, 2), 32);
    assert_eq!(r.dev.read(regs::CONFIG + 33, 1), u64::from(b't'));
    assert_eq!(r.dev.read(regs::CONFIG + 34, 1), 0);
}
