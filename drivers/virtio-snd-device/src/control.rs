// SPDX-License-Identifier: MIT
//! One control request: decoding its copy, its effect on stream 0 and
//! its response (status, then for *_INFO the items asked for).
//!
//! Owns what each request code is answered; must not touch chains or
//! queues (see `device`), nor lay out structures (see `wire`).

use crate::params;
use crate::stream::{Command, Stream};
use crate::wire::{self, HDR_LEN, PCM_HDR_LEN, QUERY_INFO_LEN, S_BAD_MSG, S_NOT_SUPP, S_OK, SET_PARAMS_LEN, le32};

/// The longest request copied from a chain (SET_PARAMS is 24 bytes);
/// trailing bytes are ignored.
pub const REQUEST_MAX: usize = 32;
/// The largest item `size` a query may ask for: items are written at
/// that stride, zero-padded beyond the structure.
pub const MAX_INFO_SIZE: u32 = 256;
/// The longest response: the status and one item (there is one stream
/// and one channel map).
pub const RESPONSE_MAX: usize = HDR_LEN + 256;

/// What a request did, beyond its response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Bytes of the response (status first).
    pub len: usize,
    /// The status answered.
    pub status: u32,
    /// Buffers in flight must be completed before the response is: the
    /// request was an accepted SET_PARAMS, PREPARE or RELEASE.
    pub flush: bool,
}

/// Answers `req` (the request's first bytes, at most [`REQUEST_MAX`])
/// into `resp`, given `room` writable bytes, changing `stream` as it says.
pub fn handle(req: &[u8], room: usize, stream: &mut Stream, resp: &mut [u8; RESPONSE_MAX]) -> Outcome {
    resp.fill(0);
    let result = match le32(req, 0) {
        None => Err(S_BAD_MSG),
        Some(wire::R_JACK_INFO) => query(req, room, 0, &[], resp),
        Some(wire::R_PCM_INFO) => query(req, room, 1, &wire::pcm_info(), resp),
        Some(wire::R_CHMAP_INFO) => query(req, room, 1, &wire::chmap_info(), resp),
        // There is no jack to remap.
        Some(wire::R_JACK_REMAP) => Err(S_BAD_MSG),
        Some(wire::R_PCM_SET_PARAMS) => set_params(req, stream),
        Some(code @ (wire::R_PCM_PREPARE | wire::R_PCM_START | wire::R_PCM_STOP | wire::R_PCM_RELEASE)) => {
            lifecycle(req, code, stream)
        }
        Some(_) => Err(S_NOT_SUPP),
    };
    let (status, len, flush) = match result {
        Ok((len, flush)) => (S_OK, len, flush),
        Err(status) => (status, HDR_LEN, false),
    };
    wire::put_u32(resp, 0, status);
    Outcome { len, status, flush }
}

/// A `virtio_snd_query_info` over `items` items (each `item`): the
/// response length. BAD_MSG if short, count 0, past the last item, a
/// `size` below the structure or above [`MAX_INFO_SIZE`], or a response
/// longer than `room`.
fn query(req: &[u8], room: usize, items: u32, item: &[u8], resp: &mut [u8]) -> Result<(usize, bool), u32> {
    if req.len() < QUERY_INFO_LEN {
        return Err(S_BAD_MSG);
    }
    let start = le32(req, 4).ok_or(S_BAD_MSG)?;
    let count = le32(req, 8).ok_or(S_BAD_MSG)?;
    let size = le32(req, 12).ok_or(S_BAD_MSG)?;
    let end = start.checked_add(count).ok_or(S_BAD_MSG)?;
    if count == 0 || end > items || size > MAX_INFO_SIZE {
        return Err(S_BAD_MSG);
    }
    let size = usize::try_from(size).map_err(|_| S_BAD_MSG)?;
    let count = usize::try_from(count).map_err(|_| S_BAD_MSG)?;
    if size < item.len() {
        return Err(S_BAD_MSG);
    }
    let len = count.checked_mul(size).and_then(|n| n.checked_add(HDR_LEN)).ok_or(S_BAD_MSG)?;
    if len > room || len > resp.len() {
        return Err(S_BAD_MSG);
    }
    // Every item is the same (start 0, count 1: there is one of each).
    for i in 0..count {
        let at = HDR_LEN + i * size;
        resp.get_mut(at..at + item.len()).ok_or(S_BAD_MSG)?.copy_from_slice(item);
    }
    Ok((len, false))
}

/// The stream id of a `virtio_snd_pcm_hdr`: BAD_MSG if short or not 0.
fn stream_id(req: &[u8], len: usize) -> Result<(), u32> {
    match le32(req, 4) {
        Some(0) if req.len() >= len => Ok(()),
        _ => Err(S_BAD_MSG),
    }
}

/// PCM_SET_PARAMS: checked by `params::check`, then the lifecycle.
fn set_params(req: &[u8], stream: &mut Stream) -> Result<(usize, bool), u32> {
    stream_id(req, SET_PARAMS_LEN)?;
    let p = params::check(req)?;
    let next = stream.state.after(Command::SetParams).ok_or(S_BAD_MSG)?;
    stream.state = next;
    stream.params = Some(p);
    Ok((HDR_LEN, true))
}

/// PREPARE, START, STOP, RELEASE: the lifecycle decides.
fn lifecycle(req: &[u8], code: u32, stream: &mut Stream) -> Result<(usize, bool), u32> {
    stream_id(req, PCM_HDR_LEN)?;
    let cmd = match code {
        wire::R_PCM_PREPARE => Command::Prepare,
        wire::R_PCM_START => Command::Start,
        wire::R_PCM_STOP => Command::Stop,
        _ => Command::Release,
    };
    stream.state = stream.state.after(cmd).ok_or(S_BAD_MSG)?;
    Ok((HDR_LEN, matches!(cmd, Command::Prepare | Command::Release)))
}
