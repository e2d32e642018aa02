// SPDX-License-Identifier: MIT
//! The 12-byte `struct virtio_net_hdr_v1` in front of every frame (virtio
//! 1.2, 5.1.6; Linux `include/uapi/linux/virtio_net.h`): `u8 flags; u8
//! gso_type; le16 hdr_len; le16 gso_size; le16 csum_start; le16
//! csum_offset; le16 num_buffers`. With VERSION_1 it is always 12 bytes,
//! `num_buffers` included, MRG_RXBUF or not.
//!
//! Owns the header's layout, its transmit check and the frame length
//! bounds; must not touch guest memory (see `copy`).

/// Bytes of the header.
pub const HDR_LEN: usize = 12;
/// The shortest frame: an Ethernet header (two MACs and the ethertype).
pub const MIN_FRAME: usize = 14;
/// The longest frame: an Ethernet header and a 1500-byte payload, without
/// FCS. No 802.1Q tag room (1518): the network domain carries untagged
/// frames and its port rules (`bulkhead_netif::rule`) refuse tags unless
/// listed; no jumbo frames: VIRTIO_NET_F_MTU is not offered, so Linux assumes 1500
/// and its receive buffers (`GOOD_PACKET_LEN`, 1518) hold no more.
pub const MAX_FRAME: usize = 1514;

/// VIRTIO_NET_HDR_F_NEEDS_CSUM: the driver left the checksum to the device
/// (only with VIRTIO_NET_F_CSUM, not offered).
pub const F_NEEDS_CSUM: u8 = 1;
/// VIRTIO_NET_HDR_GSO_NONE: not a GSO frame.
pub const GSO_NONE: u8 = 0;

/// Byte offset of `num_buffers`.
const NUM_BUFFERS: usize = 10;

/// Whether `len` is a frame length the device carries (14..=1514).
pub fn frame_len_ok(len: usize) -> bool {
    (MIN_FRAME..=MAX_FRAME).contains(&len)
}

/// Whether a transmit header asks for nothing the device does not offer:
/// `flags` 0 (no NEEDS_CSUM; DATA_VALID and RSC_INFO are receive-only) and
/// `gso_type` GSO_NONE (no ECN bit either). `hdr_len`, `gso_size`,
/// `csum_*` and `num_buffers` are not looked at: without the offloads they
/// mean nothing, and Linux leaves `num_buffers` uninitialised on transmit
/// when MRG_RXBUF is off.
pub fn tx_header_ok(hdr: &[u8; HDR_LEN]) -> bool {
    let [flags, gso_type, ..] = *hdr;
    flags == 0 && gso_type == GSO_NONE
}

/// The header the device writes in front of a received frame: all zero
/// (no checksum information, not GSO) but `num_buffers` = 1, as virtio 1.2
/// 5.1.6.4 requires without MRG_RXBUF.
pub fn rx_header() -> [u8; HDR_LEN] {
    let mut h = [0u8; HDR_LEN];
    if let Some(n) = h.get_mut(NUM_BUFFERS..) {
        n.copy_from_slice(&1u16.to_le_bytes());
    }
    h
}
