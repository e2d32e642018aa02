// SPDX-License-Identifier: MIT
//! A device's transport state saved for the device model's next life
//! ([`SavedTransport`]), and its encoding into the fixed-size records a
//! device model keeps in its kept memory ([`encode`], [`newest`]).
//!
//! What is saved is what only the driver's register writes say and guest
//! memory cannot: the status, the accepted features, the configuration
//! generation, the three selectors and each queue's size, areas and
//! readiness. A device's own configuration-space state (virtio-input's
//! select and subsel) is not: a driver writes it only while it probes. The ring indices
//! are not saved: the device is in order and completes each chain as it
//! takes it, so a restored queue resumes at the used ring's index as guest
//! memory has it (a chain taken but not completed by the crashed life is
//! taken again).
//!
//! A record is `magic, sequence, length, postcard body, CRC-32` (all
//! little endian); a device model writes two, alternately, so that a crash
//! half-way through one leaves the other. What it reads back is checked
//! twice: the CRC here, then every field by [`crate::MmioDevice::restore`]
//! as if the driver wrote it again.
//!
//! Owns the format; must not touch registers, queues or guest memory.

use crate::queue::MAX_QUEUES;
use serde::{Deserialize, Serialize};

/// Bytes of one record.
pub const RECORD_BYTES: usize = 512;

/// "BHVT": a Bulkhead virtio transport record.
const MAGIC: u32 = u32::from_le_bytes(*b"BHVT");
/// magic (4), sequence (4), body length (2).
const HEADER: usize = 10;
/// The CRC-32 after the body.
const TRAILER: usize = 4;
const CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// One queue's registers as the driver wrote them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedQueue {
    /// QueueNum.
    pub num: u32,
    /// QueueDesc.
    pub desc: u64,
    /// QueueDriver.
    pub driver: u64,
    /// QueueDevice.
    pub device: u64,
    /// QueueReady.
    pub ready: bool,
}

/// A device's transport state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTransport {
    /// What the device model ties the state to (its target's life): the
    /// core neither sets nor checks it.
    pub tag: u64,
    /// Device status (without DEVICE_NEEDS_RESET, which the device sets).
    pub status: u32,
    /// The features the driver wrote.
    pub driver_features: u64,
    /// ConfigGeneration.
    pub config_generation: u32,
    /// DeviceFeaturesSel, DriverFeaturesSel and QueueSel: a driver that
    /// is half-way through its probe writes the next register of the
    /// sequence it began.
    pub selectors: [u32; 3],
    /// Each queue.
    pub queues: [SavedQueue; MAX_QUEUES],
}

/// Why a record was not believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// Never written (or not a record): wrong magic.
    Empty,
    /// The length or the CRC does not match: a torn or corrupt write.
    Corrupt,
    /// The body does not decode.
    Undecodable,
}

/// Encodes `state` as record number `sequence`.
pub fn encode(state: &SavedTransport, sequence: u32) -> [u8; RECORD_BYTES] {
    let mut record = [0u8; RECORD_BYTES];
    let len = record
        .get_mut(HEADER..RECORD_BYTES - TRAILER)
        .and_then(|room| postcard::to_slice(state, room).ok())
        .map_or(0, |body| body.len());
    let header = MAGIC
        .to_le_bytes()
        .into_iter()
        .chain(sequence.to_le_bytes())
        .chain(u16::try_from(len).unwrap_or(0).to_le_bytes());
    for (byte, value) in record.iter_mut().zip(header) {
        *byte = value;
    }
    let crc = CRC.checksum(record.get(..HEADER + len).unwrap_or(&[]));
    if let Some(tail) = record.get_mut(HEADER + len..HEADER + len + TRAILER) {
        tail.copy_from_slice(&crc.to_le_bytes());
    }
    record
}

/// Decodes a record: its sequence number and state.
pub fn decode(record: &[u8; RECORD_BYTES]) -> Result<(u32, SavedTransport), RecordError> {
    let word = |at: usize| record.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    if word(0) != Some(MAGIC) {
        return Err(RecordError::Empty);
    }
    let sequence = word(4).ok_or(RecordError::Corrupt)?;
    let len = record.get(8..10).and_then(|b| b.try_into().ok()).map(u16::from_le_bytes).ok_or(RecordError::Corrupt)?;
    let len = usize::from(len);
    if HEADER + len + TRAILER > RECORD_BYTES {
        return Err(RecordError::Corrupt);
    }
    let stored = word(HEADER + len).ok_or(RecordError::Corrupt)?;
    if CRC.checksum(record.get(..HEADER + len).ok_or(RecordError::Corrupt)?) != stored {
        return Err(RecordError::Corrupt);
    }
    let body = record.get(HEADER..HEADER + len).ok_or(RecordError::Corrupt)?;
    let state = postcard::from_bytes(body).map_err(|_| RecordError::Undecodable)?;
    Ok((sequence, state))
}

/// The newer of two records a device model wrote alternately, with its
/// sequence number: the one valid record, or the later of two (sequence
/// numbers compared with wrap-around); the first record's error if
/// neither is valid.
pub fn newest(a: &[u8; RECORD_BYTES], b: &[u8; RECORD_BYTES]) -> Result<(u32, SavedTransport), RecordError> {
    match (decode(a), decode(b)) {
        (Ok(x), Ok(y)) => {
            let ahead = y.0.wrapping_sub(x.0);
            Ok(if ahead != 0 && ahead < 1 << 31 { y } else { x })
        }
        (Ok(x), Err(_)) | (Err(_), Ok(x)) => Ok(x),
        (Err(e), Err(_)) => Err(e),
    }
}
