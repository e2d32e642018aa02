// SPDX-License-Identifier: MIT
//! Transmit-only drivers of the kernel's console UARTs.
//!
//! The firmware (or QEMU) has set the line up; the kernel only writes
//! bytes. Two register accesses per byte are all this needs, so the
//! drivers are written here rather than pulled from a crate (the
//! `arm-pl011-uart` crate covers only one of the two models).

use bulkhead_bootcfg::UartKind;

/// A console UART at a physical address.
#[derive(Clone, Copy)]
pub struct Uart {
    kind: UartKind,
    base: usize,
}

/// PL011: data register, flag register, "transmit FIFO full" flag.
const PL011_DR: usize = 0x00;
const PL011_FR: usize = 0x18;
const PL011_FR_TXFF: u32 = 1 << 5;
/// i.MX UART: transmitter register, test register, "TX FIFO full" flag.
const IMX_UTXD: usize = 0x40;
const IMX_UTS: usize = 0xb4;
const IMX_UTS_TXFULL: u32 = 1 << 4;

impl Uart {
    /// # Safety
    /// `base` must be the MMIO base of a UART of model `kind`, mapped (or
    /// the MMU off) and not used by anyone else for transmission.
    pub const unsafe fn new(kind: UartKind, base: usize) -> Self {
        Self { kind, base }
    }

    fn read(&self, offset: usize) -> u32 {
        // SAFETY: `new`'s contract: `base + offset` is a register of this UART.
        unsafe { core::ptr::read_volatile((self.base + offset) as *const u32) }
    }

    fn write(&self, offset: usize, value: u32) {
        // SAFETY: `new`'s contract: `base + offset` is a register of this UART.
        unsafe { core::ptr::write_volatile((self.base + offset) as *mut u32, value) }
    }

    /// Sends one byte, waiting while the FIFO is full.
    pub fn put(&self, byte: u8) {
        let (status, full, data) = match self.kind {
            UartKind::Pl011 => (PL011_FR, PL011_FR_TXFF, PL011_DR),
            UartKind::ImxUart => (IMX_UTS, IMX_UTS_TXFULL, IMX_UTXD),
        };
        while self.read(status) & full != 0 {
            core::hint::spin_loop();
        }
        self.write(data, u32::from(byte));
    }

    /// Sends every byte of `bytes`.
    pub fn put_all(&self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.put(b));
    }
}
