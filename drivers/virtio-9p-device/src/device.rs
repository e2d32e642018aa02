// SPDX-License-Identifier: MIT
//! [`Virtio9p`]: the virtio-9p device behind the virtio core — the
//! configuration space, taking and checking requests from the request
//! queue, the domain's side ([`Virtio9p::take_request`],
//! [`Virtio9p::complete`], [`Virtio9p::backend_lost`]) and reset.
//!
//! Owns the queue's use and the rules of what is answered how; must not
//! lay out messages (see `wire`) nor keep entries itself (see `table`).

use bulkhead_ninep::msgtype::{RFLUSH, TFLUSH};
use bulkhead_virtio_device::{Chain, Device, GuestMemory, Queues};

use crate::config::MountTag;
pub use crate::table::IN_FLIGHT;
use crate::table::Table;
use crate::wire::{self, BadReply, EIO, RLERROR_LEN};

/// The virtio device id of the 9P transport.
pub const VIRTIO_ID_9P: u32 = 9;
/// Feature bit number VIRTIO_9P_MOUNT_TAG: the configuration space holds
/// the mount tag (Linux refuses a device without it).
pub const VIRTIO_9P_MOUNT_TAG: u32 = 0;
/// VIRTIO_9P_MOUNT_TAG as a feature mask.
pub const F_MOUNT_TAG: u64 = 1 << VIRTIO_9P_MOUNT_TAG;
/// The one queue, "requests".
pub const REQUESTQ: u16 = 0;
/// The request queue's largest size.
pub const QUEUE_MAX: u16 = 128;

/// Why [`Virtio9p::complete`] did not deliver a reply. The reply's bytes
/// are never written. With [`ReplyError::Truncated`] and
/// [`ReplyError::UnknownTag`] nothing else happens either; with the other
/// variants the request with that tag was in flight and is failed with
/// Rlerror(EIO), so that Linux does not wait for an answer that will not
/// come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// Shorter than a 9P header: no tag to match.
    Truncated,
    /// No forwarded request has this tag (never sent, already answered,
    /// flushed, failed by `backend_lost`, or forgotten by a reset).
    UnknownTag(u16),
    /// The size field is not the reply's length.
    SizeMismatch(u16),
    /// Longer than [`crate::MSIZE`].
    TooLarge(u16),
    /// Neither the request's R-message nor Rlerror.
    WrongType(u16),
    /// Longer than the chain's device-writable part.
    DoesNotFit(u16),
    /// The used ring could not be written (the queue is broken or not
    /// ready): the request is forgotten; the driver must reset.
    Queue(u16),
}

/// The virtio-9p device.
#[derive(Debug)]
pub struct Virtio9p {
    tag: MountTag,
    table: Table,
}

impl Virtio9p {
    /// A device whose mount tag is `tag` (checked by [`MountTag::new`]).
    pub fn new(tag: MountTag) -> Self {
        Self { tag, table: Table::new() }
    }

    /// The mount tag.
    pub fn tag(&self) -> &MountTag {
        &self.tag
    }

    /// Chains in flight: taken from the queue and not completed.
    pub fn in_flight(&self) -> usize {
        self.table.len()
    }

    /// Requests taken from the queue and not yet handed to the domain.
    pub fn waiting(&self) -> usize {
        self.table.waiting()
    }

    /// Takes chains from the request queue while the table has room,
    /// answering at once those it refuses. Runs on every notification, and
    /// after [`Virtio9p::complete`]; the domain calls it after the backend
    /// is back (see [`Virtio9p::backend_lost`]). Stops at the first queue
    /// error (the core then reports DEVICE_NEEDS_RESET).
    pub fn pump(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while self.table.len() < IN_FLIGHT {
            let Ok(Some(chain)) = queues.pop(REQUESTQ, mem) else {
                return;
            };
            if !self.accept(chain, queues, mem) {
                return;
            }
        }
    }

    /// Copies and checks one chain's request; keeps it, or answers it.
    /// False if the used ring could not be written.
    fn accept(&mut self, chain: Chain, queues: &mut Queues, mem: &mut dyn GuestMemory) -> bool {
        if wire::len_usize(chain.writable_len()) < RLERROR_LEN {
            // No room for any answer: Linux never builds such a chain.
            return queues.push_used(REQUESTQ, &chain, 0, mem).is_ok();
        }
        let Some((slot, copy)) = self.table.free_slot() else {
            return false;
        };
        let checked = match chain.read_all(mem, copy) {
            Ok(n) => wire::check_request(copy.get(..n).unwrap_or_default(), chain.readable_len()),
            Err(_) => Err((bulkhead_ninep::NOTAG, wire::EINVAL)),
        };
        if checked.is_ok() {
            wire::clamp_version(copy);
        }
        let refusal = match checked {
            Ok(request) if self.table.find(request.tag).is_some() => (request.tag, wire::EINVAL),
            Ok(request) => {
                self.table.insert(slot, chain, request);
                return true;
            }
            Err(refusal) => refusal,
        };
        answer(&chain, &wire::rlerror(refusal.0, refusal.1), queues, mem)
    }

    /// The next request to forward to the 9pfs domain, oldest first: its
    /// bytes are copied into `out` and its tag and length returned. None if
    /// there is none, or if `out` is shorter than it (then it stays next):
    /// an `out` of [`crate::MSIZE`] bytes always holds it. The bytes are the
    /// guest's T-message as it was when the chain was taken, unchanged but
    /// for a Tversion's msize (lowered to at most [`crate::MSIZE`]).
    pub fn take_request(&mut self, out: &mut [u8]) -> Option<(u16, usize)> {
        let (_, tag, bytes) = self.table.next()?;
        let len = bytes.len();
        out.get_mut(..len)?.copy_from_slice(bytes);
        self.table.forward_next();
        Some((tag, len))
    }

    /// Delivers the backend's `reply`: into the device-writable part of the
    /// forwarded request with the same tag, which is then used with the
    /// reply's length. An Rflush to a Tflush also ends the request it
    /// aborted if that one is still in flight: its chain is used with
    /// length 0, which Linux drops (as QEMU does for a flushed request).
    /// Then takes waiting chains ([`Virtio9p::pump`]). See [`ReplyError`].
    pub fn complete(&mut self, reply: &[u8], queues: &mut Queues, mem: &mut dyn GuestMemory) -> Result<(), ReplyError> {
        let h = wire::head(reply).ok_or(ReplyError::Truncated)?;
        let slot = self
            .table
            .find(h.tag)
            .filter(|&s| self.table.get(s).is_some_and(|e| e.forwarded))
            .ok_or(ReplyError::UnknownTag(h.tag))?;
        let entry = self.table.remove(slot).ok_or(ReplyError::UnknownTag(h.tag))?;
        let mut result = match wire::check_reply(h, reply.len(), entry.request.kind) {
            Ok(()) if reply.len() > wire::len_usize(entry.chain.writable_len()) => Err(ReplyError::DoesNotFit(h.tag)),
            Ok(()) => Ok(()),
            Err(BadReply::SizeMismatch) => Err(ReplyError::SizeMismatch(h.tag)),
            Err(BadReply::TooLarge) => Err(ReplyError::TooLarge(h.tag)),
            Err(BadReply::WrongType) => Err(ReplyError::WrongType(h.tag)),
        };
        let delivered = match result {
            Ok(()) => answer(&entry.chain, reply, queues, mem),
            Err(_) => answer(&entry.chain, &wire::rlerror(h.tag, EIO), queues, mem),
        };
        if !delivered {
            result = Err(ReplyError::Queue(h.tag));
        }
        if result.is_ok()
            && entry.request.kind == TFLUSH
            && h.kind == RFLUSH
            && let Some(old) = entry.request.flush_of.and_then(|t| self.table.find(t))
            && let Some(old) = self.table.remove(old)
        {
            let _ = queues.push_used(REQUESTQ, &old.chain, 0, mem);
        }
        self.pump(queues, mem);
        result
    }

    /// The 9pfs backend restarted (or is gone): every chain in flight,
    /// forwarded or not, is answered with Rlerror(EIO) and its tag, so that
    /// Linux's requests fail instead of hanging; the count answered. The
    /// new backend knows none of the old fids, so requests that waited
    /// would fail too; the mount is dead until Linux remounts. Chains still
    /// in the available ring stay there: call [`Virtio9p::pump`] once the
    /// backend is back (or the next notification takes them).
    pub fn backend_lost(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) -> usize {
        let mut answered = 0;
        for entry in self.table.drain() {
            if answer(&entry.chain, &wire::rlerror(entry.request.tag, EIO), queues, mem) {
                answered += 1;
            }
        }
        answered
    }
}

/// Writes `reply` into `chain`'s device-writable part and uses it with the
/// bytes written (0 if guest memory failed). False if the used ring could
/// not be written.
fn answer(chain: &Chain, reply: &[u8], queues: &mut Queues, mem: &mut dyn GuestMemory) -> bool {
    let written = chain.write_all(mem, reply).unwrap_or(0);
    let written = u32::try_from(written).unwrap_or(0);
    queues.push_used(REQUESTQ, chain, written, mem).is_ok()
}

impl Device for Virtio9p {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_9P
    }

    fn features(&self) -> u64 {
        F_MOUNT_TAG
    }

    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue == REQUESTQ).then_some(QUEUE_MAX)
    }

    fn config_len(&self) -> u32 {
        self.tag.config_len()
    }

    fn read_config(&self, offset: u32, out: &mut [u8]) {
        self.tag.read(offset, out);
    }

    /// The configuration space is read-only: writes are ignored.
    fn write_config(&mut self, _offset: u32, _data: &[u8]) {}

    /// Forgets every request in flight (the core has reset the queue, so
    /// their chains are gone with it); replies to them are then unknown.
    fn reset(&mut self) {
        self.table.clear();
    }

    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        if queue == REQUESTQ {
            self.pump(queues, mem);
        }
    }
}
