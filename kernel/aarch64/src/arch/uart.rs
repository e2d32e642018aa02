// SPDX-License-Identifier: MIT
//! Drivers of the kernel's console UARTs: transmit, and receive for the
//! console input that the kernel hands to the focused domain.
//!
//! The firmware (or QEMU) has set the line up; the kernel writes bytes,
//! and reads typed ones on the receive interrupt. A few register accesses
//! are all this needs, so the drivers are written here rather than pulled
//! from a crate (the `arm-pl011-uart` crate covers only one of the two
//! models). The i.MX receive path follows the reference manual and is
//! untested on hardware.

use bulkhead_abi::PhysAddr;
use bulkhead_bootcfg::UartKind;
use spin::Once;

/// The kernel's console UART, once chosen ([`open_console`]).
static CONSOLE: Once<Uart> = Once::new();

/// Makes the UART of model `kind` at `base` the kernel's console (the
/// first call wins), if the device tree lists it (`dtb_uarts`, from
/// `kernel_core::PlatformFacts`); returns whether it is the console now.
pub fn open_console(kind: UartKind, base: PhysAddr, dtb_uarts: &[(UartKind, PhysAddr)]) -> bool {
    if !dtb_uarts.iter().any(|&(k, b)| k == kind && b == base) {
        return false;
    }
    // SAFETY: the device tree describes a UART of this model at this
    // address (MMU off: identity), and only the kernel's console uses it.
    CONSOLE.call_once(|| unsafe { Uart::new(kind, base.raw() as usize) });
    true
}

/// The console UART, once opened.
pub fn console() -> Option<&'static Uart> {
    CONSOLE.get()
}

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
/// PL011: "receive FIFO empty" flag; line control (FIFO enable), control
/// (UART, receive and transmit enables), interrupt mask (receive,
/// receive timeout).
const PL011_FR_RXFE: u32 = 1 << 4;
const PL011_LCR_H: usize = 0x2c;
const PL011_LCR_H_FEN: u32 = 1 << 4;
const PL011_CR: usize = 0x30;
const PL011_CR_ENABLE: u32 = (1 << 0) | (1 << 8) | (1 << 9);
const PL011_IMSC: usize = 0x38;
const PL011_INT_RX: u32 = (1 << 4) | (1 << 6);
/// i.MX UART: transmitter register, test register, "TX FIFO full" flag.
const IMX_UTXD: usize = 0x40;
const IMX_UTS: usize = 0xb4;
const IMX_UTS_TXFULL: u32 = 1 << 4;
/// i.MX UART: receiver register, status 2 ("receive data ready"), control
/// 1 ("receiver ready" interrupt), control 2 (aging timer interrupt).
const IMX_URXD: usize = 0x00;
const IMX_USR2: usize = 0x98;
const IMX_USR2_RDR: u32 = 1 << 0;
const IMX_UCR1: usize = 0x80;
const IMX_UCR1_RRDYEN: u32 = 1 << 9;
const IMX_UCR2: usize = 0x84;
const IMX_UCR2_ATEN: u32 = 1 << 3;

impl Uart {
    /// # Safety
    /// `base` must be the MMIO base of a UART of model `kind`, mapped (or
    /// the MMU off) and not used by anyone else.
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

    /// Takes one received byte, if one is waiting.
    pub fn get(&self) -> Option<u8> {
        let ready = match self.kind {
            UartKind::Pl011 => self.read(PL011_FR) & PL011_FR_RXFE == 0,
            UartKind::ImxUart => self.read(IMX_USR2) & IMX_USR2_RDR != 0,
        };
        let data = if self.kind == UartKind::Pl011 { PL011_DR } else { IMX_URXD };
        ready.then(|| (self.read(data) & 0xff) as u8)
    }

    /// Enables the receiver and its interrupt (a byte arrived, or bytes
    /// wait below the FIFO's trigger level); the PL011's FIFOs are
    /// switched on.
    pub fn enable_rx_interrupt(&self) {
        match self.kind {
            UartKind::Pl011 => {
                self.write(PL011_LCR_H, self.read(PL011_LCR_H) | PL011_LCR_H_FEN);
                self.write(PL011_CR, self.read(PL011_CR) | PL011_CR_ENABLE);
                self.write(PL011_IMSC, self.read(PL011_IMSC) | PL011_INT_RX);
            }
            UartKind::ImxUart => {
                self.write(IMX_UCR2, self.read(IMX_UCR2) | IMX_UCR2_ATEN);
                self.write(IMX_UCR1, self.read(IMX_UCR1) | IMX_UCR1_RRDYEN);
            }
        }
    }

    /// Sends every byte of `bytes`.
    pub fn put_all(&self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.put(b));
    }
}
