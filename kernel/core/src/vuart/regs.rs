// SPDX-License-Identifier: MIT
//! PL011 register layout: offsets, the bits the model uses, the writable
//! bits of each stored register, the ID bytes and the receive trigger levels
//! (PrimeCell UART (PL011) Technical Reference Manual, chapter 3). Owns
//! offsets and bit positions only; must not hold or change state.

/// UARTDR: data (write transmits, read pops the receive FIFO).
pub(super) const DR: u64 = 0x000;
/// UARTRSR (read) / UARTECR (write): receive status, error clear.
pub(super) const RSR_ECR: u64 = 0x004;
/// UARTFR: flags (read-only).
pub(super) const FR: u64 = 0x018;
/// UARTILPR: IrDA low-power counter (RAZ/WI here: no IrDA).
pub(super) const ILPR: u64 = 0x020;
/// UARTIBRD: integer baud rate divisor.
pub(super) const IBRD: u64 = 0x024;
/// UARTFBRD: fractional baud rate divisor.
pub(super) const FBRD: u64 = 0x028;
/// UARTLCR_H: line control.
pub(super) const LCR_H: u64 = 0x02c;
/// UARTCR: control.
pub(super) const CR: u64 = 0x030;
/// UARTIFLS: FIFO interrupt level select.
pub(super) const IFLS: u64 = 0x034;
/// UARTIMSC: interrupt mask set/clear (1 = enabled).
pub(super) const IMSC: u64 = 0x038;
/// UARTRIS: raw interrupt status (read-only).
pub(super) const RIS: u64 = 0x03c;
/// UARTMIS: masked interrupt status (read-only).
pub(super) const MIS: u64 = 0x040;
/// UARTICR: interrupt clear (write-only, 1 clears).
pub(super) const ICR: u64 = 0x044;
/// UARTDMACR: DMA control (stored; no DMA is done).
pub(super) const DMACR: u64 = 0x048;

/// UARTRSR.OE: overrun.
pub(super) const RSR_OE: u32 = 1 << 3;

/// UARTFR.CTS: clear to send asserted.
pub(super) const FR_CTS: u32 = 1 << 0;
/// UARTFR.DSR: data set ready asserted.
pub(super) const FR_DSR: u32 = 1 << 1;
/// UARTFR.DCD: data carrier detect asserted.
pub(super) const FR_DCD: u32 = 1 << 2;
/// UARTFR.BUSY: transmitting (never set here).
#[cfg(test)]
pub(super) const FR_BUSY: u32 = 1 << 3;
/// UARTFR.RXFE: receive FIFO empty.
pub(super) const FR_RXFE: u32 = 1 << 4;
/// UARTFR.TXFF: transmit FIFO full (never set here).
#[cfg(test)]
pub(super) const FR_TXFF: u32 = 1 << 5;
/// UARTFR.RXFF: receive FIFO full.
pub(super) const FR_RXFF: u32 = 1 << 6;
/// UARTFR.TXFE: transmit FIFO empty.
pub(super) const FR_TXFE: u32 = 1 << 7;

/// UARTLCR_H.FEN: FIFOs enabled (otherwise 1-byte holding registers).
pub(super) const LCR_H_FEN: u32 = 1 << 4;

/// UARTCR.UARTEN (has no effect here).
#[cfg(test)]
pub(super) const CR_UARTEN: u32 = 1 << 0;
/// UARTCR.LBE: loopback.
pub(super) const CR_LBE: u32 = 1 << 7;
/// UARTCR.TXE.
pub(super) const CR_TXE: u32 = 1 << 8;
/// UARTCR.RXE.
pub(super) const CR_RXE: u32 = 1 << 9;

/// Interrupt bit (RIS, MIS, IMSC, ICR): receive FIFO at its trigger level.
pub(super) const INT_RX: u32 = 1 << 4;
/// Interrupt bit: transmit FIFO at or below its trigger level.
pub(super) const INT_TX: u32 = 1 << 5;
/// Interrupt bit: receive timeout.
pub(super) const INT_RT: u32 = 1 << 6;
/// Interrupt bit: overrun error.
pub(super) const INT_OE: u32 = 1 << 10;

/// Writable bits of IBRD (16-bit divisor).
pub(super) const IBRD_BITS: u32 = 0xffff;
/// Writable bits of FBRD (6-bit fraction).
pub(super) const FBRD_BITS: u32 = 0x3f;
/// Writable bits of LCR_H.
pub(super) const LCR_H_BITS: u32 = 0xff;
/// Writable bits of CR (bits 6:3 are reserved, read as zero).
pub(super) const CR_BITS: u32 = 0xff87;
/// Writable bits of IFLS (TXIFLSEL 2:0, RXIFLSEL 5:3).
pub(super) const IFLS_BITS: u32 = 0x3f;
/// Every interrupt bit (IMSC, RIS, MIS, ICR).
pub(super) const INT_BITS: u32 = 0x7ff;
/// Writable bits of DMACR.
pub(super) const DMACR_BITS: u32 = 0x7;

/// CR at reset: TXE and RXE set, UARTEN clear.
pub(super) const CR_RESET: u32 = CR_TXE | CR_RXE;
/// IFLS at reset: both FIFOs at 1/2.
pub(super) const IFLS_RESET: u32 = 0x12;

/// UARTPeriphID0..3 and UARTPCellID0..3 (0xFE0..0xFFC, one byte per word):
/// part 0x011, designer 0x41 (Arm), revision 1, the values QEMU's pl011
/// reports. The AMBA bus matches part and designer (0x00041011); Linux takes
/// the FIFO depth from the revision (`amba_rev() < 3`: 16 bytes).
pub(super) fn id_byte(reg: u64) -> Option<u32> {
    Some(match reg {
        0xfe0 => 0x11,
        0xfe4 => 0x10,
        0xfe8 => 0x14,
        0xfec => 0x00,
        0xff0 => 0x0d,
        0xff4 => 0xf0,
        0xff8 => 0x05,
        0xffc => 0xb1,
        _ => return None,
    })
}

/// The receive FIFO level (in bytes, FIFO of `depth` bytes) at which
/// RXRIS asserts, from UARTIFLS.RXIFLSEL (bits 5:3): 1/8, 1/4, 1/2, 3/4,
/// 7/8; the reserved encodings are taken as 7/8.
pub(super) fn rx_trigger(ifls: u32, depth: usize) -> usize {
    let eighths = match (ifls >> 3) & 0b111 {
        0 => 1,
        1 => 2,
        2 => 4,
        3 => 6,
        _ => 7,
    };
    depth * eighths / 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_levels_of_a_32_byte_fifo() {
        let levels: [usize; 8] = core::array::from_fn(|sel| rx_trigger(u32::try_from(sel).unwrap() << 3, 32));
        assert_eq!(levels, [4, 8, 16, 24, 28, 28, 28, 28]);
        assert_eq!(rx_trigger(IFLS_RESET, 32), 16, "reset: RX 1/2");
        assert_eq!(rx_trigger(0x7, 32), 4, "TXIFLSEL bits do not matter");
    }

    #[test]
    fn id_bytes_only_at_the_id_words() {
        assert_eq!(id_byte(0xfe0), Some(0x11));
        assert_eq!(id_byte(0xffc), Some(0xb1));
        assert_eq!(id_byte(0xfdc), None);
        assert_eq!(id_byte(0xfe1), None);
    }
}
