// SPDX-License-Identifier: MIT
//! The 9pfs domain's test harness: its certification evidence.
//!
//! The server (`bulkhead-ninep-core`) runs on FAT32 images that Debian's
//! `mkfs.vfat` and `mtools` made, in host memory ([`rig`]); the host's
//! `mtools` reads back what it wrote. Each module checks one requirement
//! of `drivers/ninep-core/README.md` (N1..N8).

mod rig;

mod n1_operations;
mod n2_golden;
mod n3_confinement;
mod n4_rights;
mod n5_quotas;
mod n6_durability;
mod n7_hostile;
mod n8_transport;
