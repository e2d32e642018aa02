// SPDX-License-Identifier: MIT
//! One emulated virtio-mmio device of the target: its range, its interrupt
//! slot and line, the model behind the transport ([`Model`]: an input
//! device or a GPU), and where its transport state is kept across the
//! device model's lives.
//!
//! Owns the dispatch to the model and the restart of one device; must not
//! talk to a backend domain (`input_side`, `display_side` do).

use crate::guest::Guest;
use crate::keeper::{Found, Keeper};
use alloc::boxed::Box;
use bulkhead_virtio_9p_device::Virtio9p;
use bulkhead_virtio_device::saved::SavedTransport;
use bulkhead_virtio_device::{GuestMemory, MmioDevice};
use bulkhead_virtio_gpu_device::GpuDevice;
use bulkhead_virtio_input_device::InputDevice;
use bulkhead_virtio_net_device::VirtioNet;
use bulkhead_virtio_snd_device::VirtioSnd;
use core::fmt::Write;
use domain_rt::Console;
use domain_rt::dm;

/// The virtio-mmio InterruptACK register.
const INTERRUPT_ACK: u64 = 0x064;

/// What a device is.
pub enum Model {
    /// A keyboard, tablet or multi-touch device, served by the input domain.
    Input(Box<MmioDevice<InputDevice>>),
    /// A 2D GPU whose scanout 0 is shown through the display domain.
    Gpu(Box<MmioDevice<GpuDevice>>),
    /// A 9P transport whose messages the 9pfs domain answers.
    NineP(Box<MmioDevice<Virtio9p>>),
    /// A sound card with one playback stream, played by the sound domain.
    Sound(Box<MmioDevice<VirtioSnd>>),
    /// A NIC on one of the network domain's L2 ports.
    Net(Box<MmioDevice<VirtioNet>>),
}

/// `$body` with `$d` bound to the device's transport, whatever the model.
macro_rules! each {
    ($model:expr, $d:ident => $body:expr) => {
        match $model {
            Model::Input($d) => $body,
            Model::Gpu($d) => $body,
            Model::NineP($d) => $body,
            Model::Sound($d) => $body,
            Model::Net($d) => $body,
        }
    };
}

impl Model {
    /// Whether the device's state lives in the transport alone, so that
    /// restoring the transport restores the device. A GPU's resources and
    /// scanouts are not kept, nor a 9P device's requests in flight, nor a
    /// sound card's stream, nor a NIC's posted buffers: its driver's set-up
    /// is lost with a life.
    fn restorable(&self) -> bool {
        matches!(self, Model::Input(_))
    }
}

/// One emulated device.
pub struct Emulated {
    /// The first target address of its range.
    pub base: u64,
    /// The range's size.
    pub size: u64,
    irq: Option<u64>,
    line: bool,
    /// The target wrote InterruptACK since the line was last driven.
    acked: bool,
    /// The model.
    pub model: Model,
    keeper: Option<Keeper>,
}

impl Emulated {
    /// Device `model` at `base..base + size`, raising the target's line
    /// through interrupt slot `irq`, its state kept by `keeper`.
    pub fn new(base: u64, size: u64, irq: Option<u64>, model: Model, keeper: Option<Keeper>) -> Self {
        Self { base, size, irq, line: false, acked: false, model, keeper }
    }

    /// Whether its state is kept across this domain's lives.
    pub fn is_kept(&self) -> bool {
        self.keeper.is_some()
    }

    /// Whether `address` is in its range.
    pub fn covers(&self, address: u64) -> bool {
        address.wrapping_sub(self.base) < self.size
    }

    /// A target's read of `size` bytes at `offset` of the range.
    pub fn read(&mut self, offset: u64, size: u8) -> u64 {
        each!(&mut self.model, d => d.read(offset, size))
    }

    /// A target's write, then the state saved for the target's `life`.
    pub fn write(&mut self, offset: u64, size: u8, value: u64, guest: &mut Guest, life: u64) {
        self.acked |= offset == INTERRUPT_ACK;
        each!(&mut self.model, d => d.write(offset, size, value, guest));
        self.keep(life);
    }

    /// Resets the device as the target's driver would (its target restarts).
    pub fn reset(&mut self) {
        each!(&mut self.model, d => d.reset());
    }

    /// Sets DEVICE_NEEDS_RESET and raises a configuration-change interrupt.
    pub fn needs_reset(&mut self) {
        each!(&mut self.model, d => d.needs_reset());
    }

    /// Saves the transport state (tied to the target's `life`) if it changed.
    pub fn keep(&mut self, life: u64) {
        if let Some(k) = self.keeper.as_mut() {
            let state = each!(&self.model, d => d.save());
            k.save(&SavedTransport { tag: life, ..state });
        }
    }

    /// Sets the target's interrupt line to the device's interrupt status
    /// (`force`: even if this life believes it already is). The kernel
    /// pends the target's interrupt when the line is raised (an edge): a
    /// line still high after the target acknowledged the interrupt (a new
    /// completion came in the same wake as the acknowledgement) is raised
    /// again, or the target would never hear of that completion.
    pub fn drive_line(&mut self, force: bool) {
        let level = each!(&self.model, d => d.interrupt_pending());
        let again = level && core::mem::take(&mut self.acked);
        if (force || again || level != self.line)
            && let Some(slot) = self.irq
        {
            self.line = level;
            let _ = dm::set_irq_level(slot, level);
        }
    }

    /// Brings device `n` back as a former life left it, for the target's
    /// life `life`: restored, or reset with DEVICE_NEEDS_RESET if what was
    /// kept is refused or cannot restore the device.
    pub fn revive(&mut self, n: usize, life: u64, guest: &Guest) {
        let restorable = self.model.restorable();
        let Some(k) = self.keeper.as_mut() else { return };
        match k.load(life) {
            Found::Nothing => {}
            Found::OtherLife => {
                let _ =
                    writeln!(Console, "devmodel: device {n}: the target restarted since its state was saved: reset");
            }
            Found::State(state) if !restorable => {
                let _ = writeln!(
                    Console,
                    "devmodel: device {n}: its resources died with the former life (status {:#x}): DEVICE_NEEDS_RESET",
                    state.status
                );
                self.needs_reset();
            }
            Found::State(state) => {
                let mem: &dyn GuestMemory = guest;
                match each!(&mut self.model, d => d.restore(&state, mem)) {
                    Ok(()) => {
                        let _ = writeln!(
                            Console,
                            "devmodel: device {n} restored (status {:#x}, features {:#x})",
                            state.status, state.driver_features
                        );
                    }
                    Err(e) => {
                        let _ =
                            writeln!(Console, "devmodel: device {n}: kept state refused ({e:?}): DEVICE_NEEDS_RESET");
                        self.needs_reset();
                    }
                }
            }
            Found::Refused(e) => {
                let _ = writeln!(Console, "devmodel: device {n}: kept records refused ({e:?}): DEVICE_NEEDS_RESET");
                self.needs_reset();
            }
        }
    }
}
