// SPDX-License-Identifier: MIT
//! A domain's emulated Arm PL011 UART (PrimeCell UART, r1p5 register map):
//! enough for an unmodified Linux `amba-pl011` driver and its earlycon.
//!
//! This module owns the UART's guest-visible state and what each trapped
//! access does to it ([`VirtualUart::access`]), what typed input does
//! ([`VirtualUart::receive`]) and the level of the UART's interrupt line. It
//! must not touch the hardware, the console or the virtual GIC: the arch
//! layer decodes the trapped access (`vgic::decode_mmio`), moves the data to
//! and from the guest's register, hands the transmitted bytes to the
//! domain's console line buffer and sets the virtual SPI's level.
//!
//! Behaviour, following QEMU's `hw/char/pl011.c` where the PL011 and an
//! emulation must differ:
//! - **Transmit** is instantaneous: the transmit FIFO is always empty (FR:
//!   TXFE=1, TXFF=0, BUSY=0) and every UARTDR write sends its low byte,
//!   **whatever UARTCR says** (UARTEN, TXE). Real hardware sends nothing
//!   while UARTEN or TXE is clear; QEMU sends regardless, and so do we, so
//!   that an earlycon writing with the firmware's CR still prints. Linux's
//!   console itself sets UARTEN|TXE around its writes.
//! - **TXRIS** is always set (the transmit FIFO is always at or below its
//!   trigger level); UARTICR cannot clear it for longer than the access.
//!   With IMSC.TXIM set the line stays high until the driver masks TXIM,
//!   which is what Linux does when it has nothing left to send.
//! - **Receive**: a FIFO of [`RX_FIFO_DEPTH`] bytes (one byte while
//!   LCR_H.FEN is clear); bytes that do not fit are dropped, counted, and
//!   raise RSR.OE and RIS.OERIS. Input is accepted whatever UARTCR says
//!   (as QEMU), except in loopback (CR.LBE), where the receive pin is
//!   disconnected and typed bytes are dropped. UARTDR reads pop the FIFO
//!   with error bits 0 (an empty FIFO reads 0).
//! - **RXRIS** follows the FIFO level against the IFLS trigger (any byte
//!   with the FIFO disabled): it is re-evaluated whenever a byte arrives or
//!   is read or the trigger changes (IFLS, LCR_H.FEN), and an ICR write
//!   clears it until then. **RTRIS** (receive
//!   timeout) is emulated as: set when bytes arrive or are read and the
//!   FIFO is left non-empty below the trigger, cleared when the FIFO is read
//!   empty or by ICR. So a non-empty FIFO always leaves RXRIS or RTRIS set
//!   for a driver that reads until RXFE.
//! - Changing LCR_H.FEN flushes the receive FIFO (as QEMU). Loopback sends
//!   the byte and also puts it in the receive FIFO (as QEMU).
//! - The modem inputs read as a connected terminal (FR: CTS, DSR, DCD set,
//!   RI clear) and never change, so the modem-status interrupts never fire;
//!   break, IrDA (ILPR), the test registers (ITCR, ITIP, ITOP, TDR) and DMA
//!   are not emulated (ILPR and the test registers are RAZ/WI; DMACR is
//!   stored only).
//! - The ID registers report part 0x011, designer Arm, revision 1 (QEMU's
//!   values); Linux therefore assumes a 16-byte FIFO, which only makes it
//!   send and drain in smaller batches.
//!
//! Accesses of 1, 2 or 4 bytes, naturally aligned, are served: a narrower
//! read returns its lanes of the 32-bit register, a narrower write changes
//! only its lanes (Linux's `amba-pl011` uses 16-bit accesses, its earlycon
//! 8- or 32-bit ones). A read anywhere in UARTDR pops the FIFO; a write to
//! UARTDR transmits only if it covers byte lane 0.

mod model;
mod regs;
#[cfg(test)]
mod tests;

pub use model::{UartAccessResult, VirtualUart};

/// Size of the UART's MMIO frame.
pub const VUART_SIZE: u64 = 0x1000;
/// Depth of the receive FIFO with LCR_H.FEN set.
pub const RX_FIFO_DEPTH: usize = 32;
