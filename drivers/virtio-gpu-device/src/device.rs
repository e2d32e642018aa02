// SPDX-License-Identifier: MIT
//! [`GpuDevice`]: the virtio-gpu device behind the virtio core — the
//! control queue (one request copied out, executed, answered per chain),
//! the cursor queue (completed, ignored), the configuration space, reset,
//! and the domain's side (flushes to show, pixels to read).
//!
//! Owns the queues' use and the public face; must not decide what a
//! command does (see `execute`) nor lay out the wire (see `wire`).

use bulkhead_virtio_device::{Chain, Device, GuestMemory, Queues};

use crate::config::{CONFIG_LEN, ConfigSpace, EVENT_DISPLAY};
use crate::execute::Response;
use crate::flush::Flush;
use crate::pixels::{ReadError, ScanoutSource};
use crate::rect::Rect;
use crate::resource::{MAX_ENTRIES, ResourceInfo};
use crate::scanout::Display;
use crate::state::GpuState;
use crate::wire::{CtrlHdr, HDR_LEN, MEM_ENTRY_LEN, resp};

/// The virtio device id of GPUs.
pub const VIRTIO_ID_GPU: u32 = 16;
/// The control queue.
pub const CONTROLQ: u16 = 0;
/// The cursor queue.
pub const CURSORQ: u16 = 1;
/// The largest size of either queue.
pub const QUEUE_MAX: u16 = 64;
/// The most request bytes read from one chain: an ATTACH_BACKING with
/// [`MAX_ENTRIES`] entries. Longer requests are read this far.
pub const REQUEST_MAX: usize = HDR_LEN + 8 + MAX_ENTRIES * MEM_ENTRY_LEN;

/// One virtio-gpu 2D device.
#[derive(Clone, Debug)]
pub struct GpuDevice {
    state: GpuState,
    config: ConfigSpace,
    errors: u64,
}

impl GpuDevice {
    /// A device with a scanout for each of the first
    /// [`crate::MAX_SCANOUTS`] `displays` (none: `num_scanouts` 0, which
    /// Linux refuses).
    pub fn new(displays: &[Display]) -> Self {
        Self { state: GpuState::new(displays), config: ConfigSpace::default(), errors: 0 }
    }

    /// The number of scanouts.
    pub fn num_scanouts(&self) -> u32 {
        u32::try_from(self.state.scanouts.len()).unwrap_or(0)
    }

    /// What scanout `scanout` shows (None: nothing).
    pub fn scanout_source(&self, scanout: u32) -> Option<ScanoutSource<'_>> {
        self.state.source(scanout)
    }

    /// Copies `rect` of scanout `scanout` (in the scanout's coordinates)
    /// from the resource's backing pages into `out`, `rect.width` pixels per
    /// row, as XRGB8888 (`0x00RRGGBB`). The pixels are whatever the guest's
    /// backing holds now.
    pub fn read_rect(&self, mem: &dyn GuestMemory, scanout: u32, rect: Rect, out: &mut [u32]) -> Result<(), ReadError> {
        self.state.read_rect(mem, scanout, rect, out)
    }

    /// The oldest flushed rectangle not yet taken. At most one per scanout
    /// waits: a further flush of that scanout grows it.
    pub fn take_flush(&mut self) -> Option<Flush> {
        self.state.flushes.take()
    }

    /// Flushes waiting.
    pub fn pending_flushes(&self) -> usize {
        self.state.flushes.len()
    }

    /// Flushes merged into one already waiting (a statistic; survives reset).
    pub fn merged_flushes(&self) -> u64 {
        self.state.flushes.merged()
    }

    /// The resource `id`, if it exists.
    pub fn resource(&self, id: u32) -> Option<ResourceInfo> {
        self.state.resource(id).map(|r| r.info)
    }

    /// Every resource, in no particular order.
    pub fn resources(&self) -> impl Iterator<Item = ResourceInfo> + '_ {
        self.state.resources.iter().map(|r| r.info)
    }

    /// Error responses sent (a statistic; survives reset).
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Sets VIRTIO_GPU_EVENT_DISPLAY in `events_read`; the domain then calls
    /// `MmioDevice::config_changed` so that the driver asks GET_DISPLAY_INFO.
    pub fn raise_display_event(&mut self) {
        self.config.events_read |= EVENT_DISPLAY;
    }

    /// Serves every available control-queue chain; how many were completed.
    /// Stops if the queue breaks or its used ring cannot be written.
    pub fn process_control(&mut self, queues: &mut Queues, mem: &mut dyn GuestMemory) -> usize {
        let mut req = [0u8; REQUEST_MAX];
        let mut done = 0;
        while let Ok(Some(chain)) = queues.pop(CONTROLQ, mem) {
            let written = self.serve(&chain, mem, &mut req);
            if queues.push_used(CONTROLQ, &chain, written, mem).is_err() {
                break;
            }
            done += 1;
        }
        done
    }

    /// One control chain: the request copied out, executed, the response
    /// written; the bytes written. A chain with fewer than 24 writable bytes
    /// is not executed (0 bytes); a response longer than the writable part
    /// becomes a bare ERR_UNSPEC header.
    fn serve(&mut self, chain: &Chain, mem: &mut dyn GuestMemory, buf: &mut [u8]) -> u32 {
        let room = usize::try_from(chain.writable_len()).unwrap_or(usize::MAX);
        if room < HDR_LEN {
            return 0;
        }
        let req = match chain.read_all(mem, buf) {
            Ok(n) => buf.get(..n).unwrap_or_default(),
            Err(_) => &[],
        };
        let mut response = self.state.execute(req, mem);
        if response.bytes().len() > room {
            response = Response::header(&CtrlHdr::parse(req).unwrap_or_default(), resp::ERR_UNSPEC);
        }
        if response.ty() >= resp::ERR_UNSPEC {
            self.errors = self.errors.saturating_add(1);
        }
        let written = chain.write_all(mem, response.bytes()).unwrap_or(0);
        u32::try_from(written).unwrap_or(0)
    }

    /// Completes every cursor-queue chain with 0 bytes (UPDATE_CURSOR and
    /// MOVE_CURSOR are not shown).
    fn drain_cursor(queues: &mut Queues, mem: &mut dyn GuestMemory) {
        while let Ok(Some(chain)) = queues.pop(CURSORQ, mem) {
            if queues.push_used(CURSORQ, &chain, 0, mem).is_err() {
                break;
            }
        }
    }
}

impl Device for GpuDevice {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_GPU
    }

    /// No VIRGL, EDID, RESOURCE_UUID, RESOURCE_BLOB nor CONTEXT_INIT.
    fn features(&self) -> u64 {
        0
    }

    fn queue_max(&self, queue: u16) -> Option<u16> {
        (queue == CONTROLQ || queue == CURSORQ).then_some(QUEUE_MAX)
    }

    fn config_len(&self) -> u32 {
        CONFIG_LEN
    }

    fn read_config(&self, offset: u32, out: &mut [u8]) {
        self.config.read(self.num_scanouts(), offset, out);
    }

    fn write_config(&mut self, offset: u32, data: &[u8]) {
        self.config.write(offset, data);
    }

    /// Forgets every resource, scanout setting, pending flush and event;
    /// the statistics stay.
    fn reset(&mut self) {
        self.state.reset();
        self.config = ConfigSpace::default();
    }

    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory) {
        match queue {
            CONTROLQ => {
                self.process_control(queues, mem);
            }
            CURSORQ => Self::drain_cursor(queues, mem),
            _ => {}
        }
    }
}
