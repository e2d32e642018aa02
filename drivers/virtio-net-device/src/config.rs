// SPDX-License-Identifier: MIT
//! The configuration space: `struct virtio_net_config { u8 mac[6]; le16
//! status; }` (virtio 1.2, 5.1.4; the fields after `status` exist only
//! with features this device does not offer), read-only.
//!
//! Owns the MAC, the link bit and their bytes; must not know about queues
//! or frames.

/// VIRTIO_NET_S_LINK_UP: the `status` bit saying the link is up.
pub const VIRTIO_NET_S_LINK_UP: u16 = 1;
/// Bytes of the configuration space: `mac` and `status`.
pub const CONFIG_LEN: u32 = 8;

/// The configuration as the device holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NetConfig {
    /// The guest's MAC, fixed at construction.
    pub mac: [u8; 6],
    /// The link is up (set by the domain, never by the driver).
    pub link_up: bool,
}

impl NetConfig {
    /// The `status` field.
    pub fn status(&self) -> u16 {
        if self.link_up { VIRTIO_NET_S_LINK_UP } else { 0 }
    }

    /// Fills `out` with the configuration bytes at `offset`; bytes beyond
    /// [`CONFIG_LEN`] read 0.
    pub fn read(&self, offset: u32, out: &mut [u8]) {
        let [m0, m1, m2, m3, m4, m5] = self.mac;
        let [s0, s1] = self.status().to_le_bytes();
        let bytes = [m0, m1, m2, m3, m4, m5, s0, s1];
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        for (i, b) in out.iter_mut().enumerate() {
            *b = bytes.get(start.saturating_add(i)).copied().unwrap_or(0);
        }
    }
}
