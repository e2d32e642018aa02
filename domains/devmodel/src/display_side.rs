// SPDX-License-Identifier: MIT
//! The device model as a client of the display domain: what the target's
//! driver flushes on the emulated GPU's scanout 0 is copied, row by row,
//! from the target's backing pages into one display buffer in the
//! channel's window and flipped, damaged rectangle only, on the connector
//! the board names (`gpu=<width>x<height>@c<connector>`). The display
//! domain composes it under its policy: it cannot cover what another
//! client protects.
//!
//! One flip is in flight at a time; flushes that come meanwhile grow the
//! GPU's pending rectangle (`GpuDevice::take_flush` merges them), and the
//! next flip carries it. In a new epoch of the channel (the display domain
//! restarted) everything is set up again and the whole scanout is flipped.
//!
//! Owns the display channel and the copy; must not touch the GPU's queues
//! (the loop serves them).

use crate::emulated::{Emulated, Model};
use crate::guest::Guest;
use bulkhead_display::channel::{HELLO, TO_BACKEND, TO_CLIENT};
use bulkhead_display::{BufferSource, DataRef, Operation, PixelFormat, Rect, Status};
use bulkhead_display_client::{DisplayClient, Received};
use bulkhead_ring_hal::SharedWindow;
use bulkhead_virtio_gpu_device::Rect as GpuRect;
use core::fmt::Write;
use domain_rt::Console;
use domain_rt::caps::ChannelEnd;

/// The display buffer's and framebuffer's cookie.
const FB: u64 = 1;
/// The widest row copied (the GPU's largest dimension).
const MAX_ROW: usize = bulkhead_virtio_gpu_device::MAX_DIM as usize;

/// Where the set-up stands in this epoch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// Waiting for the display domain's connectors.
    Waiting,
    /// The set-up requests are sent; this many answers are due.
    Configuring(u8),
    /// Shown; flips may go.
    Ready,
    /// The display domain refused the set-up: nothing is shown in this epoch.
    Refused,
}

/// The display channel and what is shown.
pub struct DisplaySide {
    end: ChannelEnd,
    client: DisplayClient<&'static SharedWindow>,
    connector: u8,
    size: (u32, u32),
    stage: Stage,
    flipping: bool,
    damage: Option<GpuRect>,
    row: alloc::vec::Vec<u32>,
    bytes: alloc::vec::Vec<u8>,
    frames: u64,
}

impl DisplaySide {
    /// Connects over `end`, to show a `size` scanout on `connector`.
    pub fn connect(end: ChannelEnd, connector: u8, size: (u32, u32)) -> Option<Self> {
        let (link, window) = crate::backend::link(&end, HELLO, TO_BACKEND, TO_CLIENT)?;
        let client = DisplayClient::new(link, window);
        end.notify();
        Some(Self {
            end,
            client,
            connector,
            size,
            stage: Stage::Waiting,
            flipping: false,
            damage: None,
            row: alloc::vec![0; MAX_ROW],
            bytes: alloc::vec![0; MAX_ROW * 4],
            frames: 0,
        })
    }

    /// Serves the channel, then flips what the GPU flushed if nothing is in
    /// flight.
    pub fn pump(&mut self, devices: &mut [Emulated], guest: &Guest) {
        if let Ok(true) = self.client.follow(self.end.epoch()) {
            let _ = writeln!(Console, "devmodel: display domain restarted: reconnecting in epoch {}", self.end.epoch());
            self.stage = Stage::Waiting;
            self.flipping = false;
        }
        self.receive();
        let Some(gpu) = devices.iter_mut().find_map(|d| match &mut d.model {
            Model::Gpu(g) => Some(g),
            _ => None,
        }) else {
            return;
        };
        // Take every flush even while nothing can be shown: the rectangle
        // waits here, merged, and the GPU's queue stays short.
        while let Some(flush) = gpu.device().take_flush() {
            if flush.scanout == 0 {
                self.damage = Some(self.damage.map_or(flush.rect, |d| d.union(&flush.rect)));
            }
        }
        if self.stage == Stage::Ready
            && !self.flipping
            && let Some(rect) = self.damage.take()
        {
            self.flip(gpu.device(), guest, rect);
        }
        if self.client.take_doorbell() {
            self.end.notify();
        }
    }

    fn receive(&mut self) {
        loop {
            match self.client.next() {
                Ok(Some(Received::Connected { connectors })) => {
                    match connectors.iter().find(|c| c.connector == self.connector) {
                        Some(c) => {
                            self.size = (self.size.0.min(c.width), self.size.1.min(c.height));
                            self.configure();
                        }
                        None => {
                            let _ = writeln!(
                                Console,
                                "devmodel: FAIL: the display domain offers no connector {}",
                                self.connector
                            );
                            self.stage = Stage::Refused;
                        }
                    }
                }
                Ok(Some(Received::Response(r))) => {
                    if r.status != Status::Ok {
                        let _ = writeln!(
                            Console,
                            "devmodel: display request {} refused: {:?} {:?}",
                            r.id, r.status, r.payload
                        );
                        if matches!(self.stage, Stage::Configuring(_)) {
                            self.stage = Stage::Refused;
                        }
                        // A refused flip brings no flip-done.
                        self.flipping = false;
                    } else if let Stage::Configuring(due) = self.stage {
                        self.stage = if due <= 1 { Stage::Ready } else { Stage::Configuring(due - 1) };
                        if self.stage == Stage::Ready {
                            let _ = writeln!(
                                Console,
                                "devmodel: showing the GPU's scanout on connector {} ({}x{})",
                                self.connector, self.size.0, self.size.1
                            );
                        }
                    }
                }
                Ok(Some(Received::FlipDone { connector, fb })) if connector == self.connector && fb == FB => {
                    self.flipping = false;
                    self.frames += 1;
                    if self.frames <= 3 || self.frames.is_multiple_of(100) {
                        let _ = writeln!(Console, "devmodel: gpu frame {} shown", self.frames);
                    }
                }
                Ok(Some(Received::Refused { version })) => {
                    let _ = writeln!(Console, "devmodel: the display domain speaks version {version}");
                    self.stage = Stage::Refused;
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    let _ = writeln!(Console, "devmodel: display channel: {e:?}");
                }
            }
        }
    }

    /// Sends the display buffer, the framebuffer and the configuration,
    /// and marks the whole scanout damaged.
    fn configure(&mut self) {
        let (width, height) = self.size;
        let area = self.client.area();
        let len = u64::from(width) * u64::from(height) * 4;
        if len > u64::from(area.len) {
            let _ = writeln!(Console, "devmodel: FAIL: a {width}x{height} scanout does not fit the display channel");
            self.stage = Stage::Refused;
            return;
        }
        let source = BufferSource::Client(DataRef { offset: area.offset, len: width * height * 4 });
        let ops = [
            Operation::DbufCreate { dbuf: FB, width, height, bpp: 32, source },
            Operation::FbAttach {
                fb: FB,
                dbuf: FB,
                width,
                height,
                format: PixelFormat::Xrgb8888,
                stride: width * 4,
                offset: 0,
            },
            Operation::SetConfig { fb: FB, area: Rect::new(0, 0, width, height) },
        ];
        for op in ops {
            if let Err(e) = self.client.send(self.connector, op) {
                let _ = writeln!(Console, "devmodel: display set-up: {e:?}");
                self.stage = Stage::Refused;
                return;
            }
        }
        self.stage = Stage::Configuring(3);
        self.flipping = false;
        self.damage = Some(GpuRect::new(0, 0, width, height));
    }

    /// Copies `rect` of the scanout from the target's backing into the
    /// display buffer and flips it.
    fn flip(&mut self, gpu: &bulkhead_virtio_gpu_device::GpuDevice, guest: &Guest, rect: GpuRect) {
        let (width, height) = self.size;
        let Some(rect) = rect.intersect(&GpuRect::new(0, 0, width, height)) else { return };
        let base = self.client.area().offset;
        let Some(row) = self.row.get_mut(..rect.width as usize) else { return };
        let Some(bytes) = self.bytes.get_mut(..rect.width as usize * 4) else { return };
        for y in rect.y..rect.y + rect.height {
            if gpu.read_rect(guest, 0, GpuRect::new(rect.x, y, rect.width, 1), row).is_err() {
                // Nothing set on the scanout, or a backing that does not
                // cover it: that row stays as it was.
                continue;
            }
            for (px, out) in row.iter().zip(bytes.chunks_exact_mut(4)) {
                out.copy_from_slice(&px.to_le_bytes());
            }
            let at = base + y * width * 4 + rect.x * 4;
            if self.client.write(at, bytes).is_err() {
                return;
            }
        }
        let damage = Some(Rect::new(rect.x, rect.y, rect.width, rect.height));
        match self.client.send(self.connector, Operation::PageFlip { fb: FB, damage }) {
            Ok(_) => self.flipping = true,
            Err(e) => {
                let _ = writeln!(Console, "devmodel: flip: {e:?}");
            }
        }
    }
}
