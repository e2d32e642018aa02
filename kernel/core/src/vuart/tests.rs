// SPDX-License-Identifier: MIT
//! The access sequences of Linux's `amba-pl011` driver (probe, startup,
//! console write, interrupt-driven transmit and receive, shutdown) and of
//! its earlycon, played against the model, plus the edge cases.

extern crate std;
use std::vec::Vec;

use super::regs::*;
use super::*;

/// Linux's `pl011_read` for an Arm PL011 (`UPIO_MEM`): 16-bit.
fn rd(u: &mut VirtualUart, off: u64) -> u32 {
    let r = u.access(off, 2, false, 0);
    assert!(!r.bad && r.output.is_empty());
    r.value
}

/// Linux's `pl011_write`: 16-bit. Returns the bytes sent.
fn wr(u: &mut VirtualUart, off: u64, value: u32) -> Vec<u8> {
    let r = u.access(off, 2, true, value);
    assert!(!r.bad && r.value == 0);
    r.output.to_vec()
}

/// `pl011_startup` with `pl011_hwinit`, `pl011_enable_interrupts` and the
/// `set_termios` that follows (115200 8N1 at 24 MHz, FIFOs on).
fn linux_startup(u: &mut VirtualUart) {
    wr(u, ICR, 0x7d0); // OEIS|BEIS|PEIS|FEIS|RTIS|RXIS
    assert_eq!(rd(u, IMSC), 0);
    wr(u, IMSC, INT_RT | INT_RX);
    wr(u, IMSC, 0); // pl011_allocate_irq writes back the saved mask
    wr(u, IFLS, 0x12);
    let cr = (rd(u, CR) & 0x0c00) | CR_UARTEN | CR_RXE | CR_TXE;
    wr(u, CR, cr);
    wr(u, ICR, INT_RT | INT_RX);
    for _ in 0..32 {
        if rd(u, FR) & FR_RXFE != 0 {
            break;
        }
        rd(u, DR);
    }
    wr(u, IMSC, INT_RT | INT_RX);
    // set_termios: disable, divisors, LCR_H (8 bits, FIFO), re-enable.
    let old_cr = rd(u, CR);
    wr(u, CR, 0);
    wr(u, IBRD, 13);
    wr(u, FBRD, 1);
    wr(u, LCR_H, 0x70);
    wr(u, CR, old_cr);
}

#[test]
fn linux_probe_reads_the_amba_ids() {
    let mut u = VirtualUart::new();
    // amba_read_periphid: readl of the last eight words, low byte each.
    let (mut pid, mut cid) = (0u32, 0u32);
    for i in 0..4u64 {
        let p = u.access(VUART_SIZE - 0x20 + 4 * i, 4, false, 0);
        let c = u.access(VUART_SIZE - 0x10 + 4 * i, 4, false, 0);
        assert!(!p.bad && !c.bad);
        pid |= (p.value & 0xff) << (8 * i);
        cid |= (c.value & 0xff) << (8 * i);
    }
    assert_eq!(cid, 0xb105_f00d, "AMBA PrimeCell");
    assert_eq!(pid & 0x000f_ffff, 0x0004_1011, "matches amba-pl011's id table (Arm PL011)");
    assert_eq!((pid >> 20) & 0xf, 1, "revision 1: Linux takes a 16-byte FIFO");
    assert_eq!(rd(&mut u, 0xfe8), 0x14);
    assert_eq!(u.access(0xfe9, 1, false, 0).value, 0, "upper lanes of an ID word");
}

#[test]
fn console_write_polls_fr_and_sends_each_byte() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    // pl011_console_write: force UARTEN|TXE, putchar (wait !TXFF, DR), wait !BUSY, restore.
    let old_cr = rd(&mut u, CR);
    wr(&mut u, CR, (old_cr & !(1 << 15)) | CR_UARTEN | CR_TXE);
    let mut out = Vec::new();
    for &b in b"boot: ok\n" {
        let mut polls = 0;
        while rd(&mut u, FR) & FR_TXFF != 0 {
            polls += 1;
            assert!(polls < 10, "TXFF never clears");
        }
        out.extend(wr(&mut u, DR, u32::from(b)));
    }
    let fr = rd(&mut u, FR);
    assert_eq!(fr & (FR_BUSY | FR_TXFF), 0);
    assert_ne!(fr & FR_TXFE, 0);
    wr(&mut u, CR, old_cr);
    assert_eq!(out, b"boot: ok\n");
    assert!(!u.irq_level(), "TXIM masked: console writes raise no interrupt");
}

#[test]
fn earlycon_sends_with_the_power_on_control_register() {
    let mut u = VirtualUart::new();
    assert_eq!(rd(&mut u, CR), 0x300, "UARTEN clear");
    // pl011_putc with UPIO_MEM: byte accesses.
    assert_eq!(u.access(FR, 1, false, 0).value & FR_TXFF, 0);
    assert_eq!(u.access(DR, 1, true, u32::from(b'E')).output.as_slice(), b"E");
    // UPIO_MEM32 earlycon, and even with TX disabled (as QEMU).
    assert_eq!(u.access(DR, 4, true, 0x1234_5678).output.as_slice(), b"\x78");
    wr(&mut u, CR, 0);
    assert_eq!(wr(&mut u, DR, u32::from(b'x')), b"x");
    // A write to DR's upper lanes carries no data byte.
    assert!(u.access(DR + 1, 1, true, 0x41).output.is_empty());
    assert!(u.access(DR + 2, 2, true, 0x41).output.is_empty());
}

#[test]
fn tx_interrupt_follows_txim() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    assert!(!u.irq_level());
    assert_ne!(rd(&mut u, RIS) & INT_TX, 0, "TX FIFO empty: TXRIS set");
    assert_eq!(rd(&mut u, MIS), 0);
    // pl011_start_tx_pio: tx_chars writes while !TXFF, then unmasks TXIM.
    let mut out = Vec::new();
    for &b in b"0123456789abcdef" {
        assert_eq!(rd(&mut u, FR) & FR_TXFF, 0);
        out.extend(wr(&mut u, DR, u32::from(b)));
    }
    let im = INT_RT | INT_RX | INT_TX;
    let r = u.access(IMSC, 2, true, im);
    assert!(r.irq, "TXIM set: the line rises at once");
    // pl011_int: RIS & im, ICR without TX/RT/RX, send fifosize/2, re-read.
    let status = rd(&mut u, RIS) & im;
    assert_eq!(status, INT_TX);
    wr(&mut u, ICR, status & !(INT_TX | INT_RT | INT_RX));
    for &b in b"tail\n" {
        out.extend(wr(&mut u, DR, u32::from(b)));
    }
    assert_eq!(rd(&mut u, MIS), INT_TX, "still ready for more");
    // Nothing left: pl011_stop_tx masks TXIM.
    let r = u.access(IMSC, 2, true, INT_RT | INT_RX);
    assert!(!r.irq);
    assert_eq!(rd(&mut u, MIS), 0);
    assert_eq!(out, b"0123456789abcdeftail\n");
    // ICR cannot clear TXRIS: the FIFO stays empty.
    wr(&mut u, ICR, INT_TX);
    assert_ne!(rd(&mut u, RIS) & INT_TX, 0);
    assert!(u.access(IMSC, 2, true, INT_TX).irq);
}

#[test]
fn rx_bytes_raise_rtim_and_read_out_in_order() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    assert!(u.receive(b"ls\n"), "RTIM: bytes below the trigger level");
    assert_eq!(rd(&mut u, RIS) & (INT_RX | INT_RT), INT_RT);
    assert_eq!(rd(&mut u, MIS), INT_RT);
    // pl011_fifo_to_tty: read FR, DR until RXFE.
    let mut got = Vec::new();
    while rd(&mut u, FR) & FR_RXFE == 0 {
        let ch = rd(&mut u, DR);
        assert_eq!(ch & 0xf00, 0, "no error bits");
        got.push(u8::try_from(ch).unwrap());
    }
    assert_eq!(got, b"ls\n");
    assert_ne!(rd(&mut u, FR) & FR_RXFE, 0);
    assert!(!u.irq_level(), "read empty: RTRIS cleared");
    assert_eq!(rd(&mut u, RIS) & (INT_RX | INT_RT), 0);
    assert_eq!(rd(&mut u, DR), 0, "an empty FIFO reads 0");
}

#[test]
fn rx_trigger_level_raises_rxris_and_reading_below_lowers_it() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    wr(&mut u, IMSC, INT_RX);
    assert!(!u.receive(&[b'a'; 15]), "15 < 16 (1/2 of 32): only RTRIS, masked");
    assert_eq!(rd(&mut u, RIS) & (INT_RX | INT_RT), INT_RT);
    assert!(u.receive(b"b"), "16: RXRIS");
    assert_ne!(rd(&mut u, RIS) & INT_RX, 0);
    rd(&mut u, DR);
    assert!(!u.irq_level(), "15 left: below the trigger");
    assert_eq!(rd(&mut u, RIS) & (INT_RX | INT_RT), INT_RT);
    // IFLS RX 1/8 (4 bytes): the trigger moves under the waiting bytes.
    assert!(u.access(IFLS, 2, true, 0x02).irq);
    assert_eq!(rd(&mut u, MIS), INT_RX);
}

#[test]
fn fifo_disabled_holds_one_byte_and_interrupts_on_it() {
    let mut u = VirtualUart::new();
    wr(&mut u, IMSC, INT_RX);
    assert!(u.receive(b"xy"), "FEN clear: trigger is one byte");
    assert_eq!(u.rx_dropped(), 1);
    assert_ne!(rd(&mut u, FR) & FR_RXFF, 0, "one byte is full");
    assert_eq!(rd(&mut u, DR), u32::from(b'x'));
    assert!(!u.irq_level());
    // Enabling the FIFO flushes it (as QEMU).
    u.receive(b"z");
    wr(&mut u, LCR_H, 0x70);
    assert_ne!(rd(&mut u, FR) & FR_RXFE, 0);
    assert!(!u.irq_level());
}

#[test]
fn overflow_drops_and_counts_and_flags_overrun() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    let bytes: Vec<u8> = (0..40).collect();
    assert!(u.receive(&bytes));
    assert_eq!(u.rx_dropped(), 8);
    assert_eq!(rd(&mut u, FR) & (FR_RXFF | FR_RXFE), FR_RXFF);
    assert_ne!(rd(&mut u, RSR_ECR) & RSR_OE, 0);
    assert_ne!(rd(&mut u, RIS) & INT_OE, 0);
    assert_eq!(rd(&mut u, MIS) & INT_OE, 0, "OEIM not set by Linux");
    wr(&mut u, RSR_ECR, 0);
    assert_eq!(rd(&mut u, RSR_ECR), 0, "ECR write clears");
    wr(&mut u, ICR, INT_OE);
    assert_eq!(rd(&mut u, RIS) & INT_OE, 0);
    let got: Vec<u32> = (0..32).map(|_| rd(&mut u, DR)).collect();
    assert_eq!(got, (0..32).collect::<Vec<u32>>(), "the first 32 kept, in order");
    assert_ne!(rd(&mut u, FR) & FR_RXFE, 0);
    assert!(!u.receive(&[]));
    assert_eq!(u.rx_dropped(), 8);
}

#[test]
fn icr_clears_until_the_fifo_changes() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    assert!(u.receive(b"abc"));
    let r = u.access(ICR, 4, true, 0x7ff);
    assert!(!r.irq, "RTRIS cleared by ICR");
    assert_eq!(rd(&mut u, RIS) & (INT_RX | INT_RT), 0);
    assert_eq!(rd(&mut u, FR) & FR_RXFE, 0, "bytes still waiting");
    assert_eq!(rd(&mut u, DR), u32::from(b'a'));
    assert!(u.irq_level(), "a read leaving bytes re-arms the timeout");
    // Byte-lane ICR write: 0x00 in lane 0 clears nothing.
    assert!(u.access(ICR, 1, true, 0).irq);
    assert!(!u.access(ICR, 1, true, INT_RT).irq);
    assert_eq!(rd(&mut u, ICR), 0, "write-only");
}

#[test]
fn stored_registers_read_back_within_their_bits() {
    let mut u = VirtualUart::new();
    for (reg, bits) in [(IBRD, 0xffff), (FBRD, 0x3f), (LCR_H, 0xff), (CR, 0xff87), (IFLS, 0x3f), (IMSC, 0x7ff)] {
        u.access(reg, 4, true, u32::MAX);
        assert_eq!(u.access(reg, 4, false, 0).value, bits, "register {reg:#x}");
    }
    u.access(DMACR, 4, true, u32::MAX);
    assert_eq!(u.access(DMACR, 4, false, 0).value, 0x7);
    // Narrow writes change their own lanes only.
    u.access(IBRD, 1, true, 0x12);
    assert_eq!(u.access(IBRD, 4, false, 0).value, 0xff12);
    u.access(IBRD + 1, 1, true, 0x34);
    assert_eq!(u.access(IBRD, 2, false, 0).value, 0x3412);
    assert_eq!(u.access(IBRD + 1, 1, false, 0).value, 0x34);
    // RAZ/WI: ILPR, the test registers, reserved space; FR, RIS, MIS ignore writes.
    for reg in [ILPR, 0x080, 0x084, 0x088, 0x08c, 0x04c, 0x100, 0xfdc] {
        u.access(reg, 4, true, u32::MAX);
        assert_eq!(u.access(reg, 4, false, 0).value, 0, "register {reg:#x}");
    }
    let fr = rd(&mut u, FR);
    wr(&mut u, FR, 0);
    assert_eq!(rd(&mut u, FR), fr);
    assert_eq!(fr, FR_TXFE | FR_RXFE | FR_CTS | FR_DSR | FR_DCD, "a connected terminal, nothing waiting");
}

#[test]
fn loopback_sends_and_receives_its_own_bytes() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    let cr = rd(&mut u, CR);
    wr(&mut u, CR, cr | CR_LBE);
    assert_eq!(wr(&mut u, DR, u32::from(b'q')), b"q");
    assert!(u.irq_level());
    assert!(u.receive(b"typed"), "the receive pin is disconnected");
    assert_eq!(u.rx_dropped(), 5);
    assert_eq!(rd(&mut u, DR), u32::from(b'q'));
    assert_ne!(rd(&mut u, FR) & FR_RXFE, 0);
}

#[test]
fn bad_sizes_and_alignment_are_refused() {
    let mut u = VirtualUart::new();
    u.receive(b"k");
    wr(&mut u, IMSC, INT_RT | INT_RX);
    for (off, size) in [(DR, 8), (DR, 3), (DR, 0), (FR + 1, 2), (IMSC + 2, 4), (IMSC + 1, 4), (VUART_SIZE, 4)] {
        for write in [false, true] {
            let r = u.access(off, size, write, 0);
            assert!(r.bad, "{off:#x} size {size}");
            assert_eq!(r.value, 0);
            assert!(r.output.is_empty());
            assert!(r.irq, "the line level is still reported");
        }
    }
    assert!(u.access(u64::MAX - 3, 4, false, 0).bad);
    assert_eq!(rd(&mut u, IMSC), INT_RT | INT_RX, "a bad write changed nothing");
    assert_eq!(rd(&mut u, DR), u32::from(b'k'), "a bad read popped nothing");
}

#[test]
fn reset_restores_the_power_on_state() {
    let mut u = VirtualUart::new();
    linux_startup(&mut u);
    wr(&mut u, IMSC, 0x7ff);
    wr(&mut u, DMACR, 3);
    u.receive(&[0; 40]);
    assert!(u.irq_level());
    u.reset();
    assert!(!u.irq_level());
    assert_eq!(u.rx_dropped(), 0);
    let regs = [CR, LCR_H, IBRD, FBRD, IFLS, IMSC, DMACR, RSR_ECR, MIS];
    let values: Vec<u32> = regs.iter().map(|&r| rd(&mut u, r)).collect();
    assert_eq!(values, [0x300, 0, 0, 0, 0x12, 0, 0, 0, 0]);
    assert_eq!(rd(&mut u, RIS), INT_TX);
    assert_ne!(rd(&mut u, FR) & FR_RXFE, 0);
    let fresh = VirtualUart::default();
    assert_eq!(std::format!("{fresh:?}"), std::format!("{u:?}"));
}

#[test]
fn rx_room_is_what_the_fifo_takes_without_dropping() {
    let mut u = VirtualUart::new();
    assert_eq!(u.rx_room(), 1, "FIFO disabled: one byte");
    linux_startup(&mut u);
    assert_eq!(u.rx_room(), RX_FIFO_DEPTH);
    u.receive(b"hello");
    assert_eq!(u.rx_room(), RX_FIFO_DEPTH - 5);
    rd(&mut u, DR);
    assert_eq!(u.rx_room(), RX_FIFO_DEPTH - 4);
    u.receive(&[0; 40]);
    assert_eq!(u.rx_room(), 0);
    assert_eq!(u.rx_dropped(), 40 - (u32::try_from(RX_FIFO_DEPTH).unwrap() - 4));
}
