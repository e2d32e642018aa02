// SPDX-License-Identifier: MIT
//! The PL011 register model: state, the effect of each register access and
//! of typed input, and the interrupt line. Owns the UART's state; must not
//! know where the bytes go or which interrupt the line drives.

use heapless::{Deque, Vec};

use super::regs::*;
use super::{RX_FIFO_DEPTH, VUART_SIZE};

/// What one trapped access did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UartAccessResult {
    /// The value a read returns (zero-extended; 0 for writes and bad accesses).
    pub value: u32,
    /// Bytes the guest transmitted in this access (at most one).
    pub output: Vec<u8, 4>,
    /// The interrupt line level after this access: `(RIS & IMSC) != 0`.
    pub irq: bool,
    /// The access had a size other than 1, 2 or 4, was not naturally
    /// aligned, or lay outside the frame: a read returned 0, a write was
    /// ignored.
    pub bad: bool,
}

/// One domain's emulated PL011.
#[derive(Clone, Debug)]
pub struct VirtualUart {
    rx: Deque<u8, RX_FIFO_DEPTH>,
    rx_dropped: u32,
    rsr: u32,
    ibrd: u32,
    fbrd: u32,
    lcr_h: u32,
    cr: u32,
    ifls: u32,
    imsc: u32,
    /// Latched raw interrupt bits; TXRIS is added when read (always set).
    ris: u32,
    dmacr: u32,
}

impl Default for VirtualUart {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualUart {
    /// A UART in its power-on state.
    pub const fn new() -> Self {
        Self {
            rx: Deque::new(),
            rx_dropped: 0,
            rsr: 0,
            ibrd: 0,
            fbrd: 0,
            lcr_h: 0,
            cr: CR_RESET,
            ifls: IFLS_RESET,
            imsc: 0,
            ris: 0,
            dmacr: 0,
        }
    }

    /// Back to the power-on state: CR = 0x300 (TXE, RXE; UARTEN clear),
    /// IFLS = 0x12, every other register 0, receive FIFO empty, the drop
    /// counter 0.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// A trapped access at `offset` (0..0x1000) of `size` bytes (1, 2 or 4;
    /// anything else, an unaligned access or an offset outside the frame:
    /// read 0 / write ignored, `bad = true` in the result). `value` is the
    /// data of a write (its low `size` bytes are used).
    pub fn access(&mut self, offset: u64, size: u8, write: bool, value: u32) -> UartAccessResult {
        let mut result = UartAccessResult::default();
        let lanes = match size {
            1 => 0xff,
            2 => 0xffff,
            4 => u32::MAX,
            _ => 0,
        };
        if lanes == 0 || offset >= VUART_SIZE || !offset.is_multiple_of(u64::from(size)) {
            result.bad = true;
        } else {
            let shift = match offset & 3 {
                0 => 0,
                1 => 8,
                2 => 16,
                _ => 24,
            };
            let reg = offset & !3;
            if write {
                self.write(reg, (value & lanes) << shift, lanes << shift, &mut result.output);
            } else {
                result.value = (self.read(reg) >> shift) & lanes;
            }
        }
        result.irq = self.irq_level();
        result
    }

    /// Bytes typed for this domain: pushed into its receive FIFO; bytes
    /// beyond its depth (32, or 1 with the FIFO disabled) are dropped and
    /// counted ([`Self::rx_dropped`]), as is everything typed in loopback
    /// mode. Returns the line level.
    pub fn receive(&mut self, bytes: &[u8]) -> bool {
        if bytes.is_empty() {
            return self.irq_level();
        }
        if self.cr & CR_LBE != 0 {
            self.drop_input(bytes.len());
        } else {
            for &b in bytes {
                self.push_rx(b);
            }
        }
        self.rx_changed();
        self.irq_level()
    }

    /// Bytes the receive FIFO takes now without dropping: its depth (32,
    /// or 1 with the FIFO disabled) less what waits in it, so that typed
    /// input can be held back until the driver reads.
    pub fn rx_room(&self) -> usize {
        self.rx_capacity().saturating_sub(self.rx.len())
    }

    /// The interrupt line level: `(RIS & IMSC) != 0`.
    pub fn irq_level(&self) -> bool {
        self.raw_status() & self.imsc != 0
    }

    /// Received bytes dropped since reset: the FIFO was full, or the UART
    /// was in loopback.
    pub fn rx_dropped(&self) -> u32 {
        self.rx_dropped
    }

    fn raw_status(&self) -> u32 {
        self.ris | INT_TX
    }

    fn rx_capacity(&self) -> usize {
        if self.lcr_h & LCR_H_FEN != 0 { RX_FIFO_DEPTH } else { 1 }
    }

    fn rx_trigger_level(&self) -> usize {
        if self.lcr_h & LCR_H_FEN != 0 { rx_trigger(self.ifls, RX_FIFO_DEPTH) } else { 1 }
    }

    fn push_rx(&mut self, byte: u8) {
        if self.rx.len() >= self.rx_capacity() || self.rx.push_back(byte).is_err() {
            self.drop_input(1);
            self.rsr |= RSR_OE;
            self.ris |= INT_OE;
        }
    }

    fn drop_input(&mut self, count: usize) {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        self.rx_dropped = self.rx_dropped.saturating_add(count);
    }

    /// Re-evaluates RXRIS and RTRIS after the FIFO or its trigger changed.
    fn rx_changed(&mut self) {
        let level = self.rx.len();
        let trigger = self.rx_trigger_level();
        if level >= trigger {
            self.ris |= INT_RX;
        } else {
            self.ris &= !INT_RX;
        }
        if level == 0 {
            self.ris &= !INT_RT;
        } else if level < trigger {
            self.ris |= INT_RT;
        }
    }

    fn flags(&self) -> u32 {
        let mut fr = FR_TXFE | FR_CTS | FR_DSR | FR_DCD;
        if self.rx.is_empty() {
            fr |= FR_RXFE;
        }
        if self.rx.len() >= self.rx_capacity() {
            fr |= FR_RXFF;
        }
        fr
    }

    fn read(&mut self, reg: u64) -> u32 {
        match reg {
            DR => {
                let byte = self.rx.pop_front();
                self.rx_changed();
                byte.map_or(0, u32::from)
            }
            RSR_ECR => self.rsr,
            FR => self.flags(),
            IBRD => self.ibrd,
            FBRD => self.fbrd,
            LCR_H => self.lcr_h,
            CR => self.cr,
            IFLS => self.ifls,
            IMSC => self.imsc,
            RIS => self.raw_status(),
            MIS => self.raw_status() & self.imsc,
            DMACR => self.dmacr,
            ILPR | ICR => 0,
            _ => id_byte(reg).unwrap_or(0),
        }
    }

    /// A write of `data` to the byte lanes in `lanes` of register `reg`.
    fn write(&mut self, reg: u64, data: u32, lanes: u32, output: &mut Vec<u8, 4>) {
        let merge = |old: u32, bits: u32| ((old & !lanes) | (data & lanes)) & bits;
        match reg {
            DR if lanes & 0xff != 0 => {
                let [byte, ..] = data.to_le_bytes();
                let _ = output.push(byte);
                if self.cr & CR_LBE != 0 {
                    self.push_rx(byte);
                    self.rx_changed();
                }
            }
            RSR_ECR => self.rsr = 0,
            IBRD => self.ibrd = merge(self.ibrd, IBRD_BITS),
            FBRD => self.fbrd = merge(self.fbrd, FBRD_BITS),
            LCR_H => {
                let old = self.lcr_h;
                self.lcr_h = merge(old, LCR_H_BITS);
                if (old ^ self.lcr_h) & LCR_H_FEN != 0 {
                    self.rx.clear();
                    self.rx_changed();
                }
            }
            CR => self.cr = merge(self.cr, CR_BITS),
            IFLS => {
                let old = self.ifls;
                self.ifls = merge(old, IFLS_BITS);
                if self.ifls != old {
                    self.rx_changed();
                }
            }
            IMSC => self.imsc = merge(self.imsc, INT_BITS),
            ICR => self.ris &= !(data & INT_BITS),
            DMACR => self.dmacr = merge(self.dmacr, DMACR_BITS),
            // DR above byte lane 0, FR, ILPR, RIS, MIS, test and ID registers.
            _ => {}
        }
    }
}
