// SPDX-License-Identifier: MIT
//! `echo-uart`: a bare-metal domain that talks only through its emulated
//! PL011 console (board key `console = "pl011"`: at [`UART`], interrupt
//! [`UART_INTID`]), the way a Linux driver would: its GIC enables and
//! routes the UART's interrupt, the handler drains the receive FIFO, and
//! every line typed (ended by CR or LF) is written back as
//! `echo: <line>`. The line `quit` powers it off after a summary
//! (`echo-uart: <n> lines, <m> interrupts`). The console test types at it
//! through the kernel's console and switches input between two of them.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicUsize, Ordering};
use domain_rt::gic::{self, Trigger};
use domain_rt::{irq, probe};

domain_rt::entry!(main);

/// The emulated PL011 and its interrupt (as a Linux domain's).
const UART: u64 = 0x0900_0000;
const UART_INTID: u32 = 33;
const DR: u64 = 0x00;
const FR: u64 = 0x18;
const LCR_H: u64 = 0x2c;
const CR: u64 = 0x30;
const IMSC: u64 = 0x38;
const MIS: u64 = 0x40;
const ICR: u64 = 0x44;
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;
/// Receive and receive-timeout interrupts.
const INT_RX: u32 = (1 << 4) | (1 << 6);

static QUIT: AtomicBool = AtomicBool::new(false);
static INTERRUPTS: AtomicU32 = AtomicU32::new(0);
static LINES: AtomicU32 = AtomicU32::new(0);
/// Longest line kept; longer input is cut.
const LINE_MAX: usize = 120;
/// The line being typed (touched by the IRQ handler only).
static TYPED: [AtomicU8; LINE_MAX] = [const { AtomicU8::new(0) }; LINE_MAX];
static TYPED_LEN: AtomicUsize = AtomicUsize::new(0);

fn put(bytes: &[u8]) {
    for &b in bytes {
        while probe::read_u32(UART + FR) & FR_TXFF != 0 {
            core::hint::spin_loop();
        }
        probe::write_u32(UART + DR, u32::from(b));
    }
}

fn put_number(mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(&digits[i..]);
}

fn handler(intid: u32) {
    if intid != UART_INTID {
        return;
    }
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    if probe::read_u32(UART + MIS) & INT_RX == 0 {
        return;
    }
    while probe::read_u32(UART + FR) & FR_RXFE == 0 {
        let byte = (probe::read_u32(UART + DR) & 0xff) as u8;
        let len = TYPED_LEN.load(Ordering::Relaxed);
        if byte != b'\r' && byte != b'\n' {
            if let Some(slot) = TYPED.get(len) {
                slot.store(byte, Ordering::Relaxed);
                TYPED_LEN.store(len + 1, Ordering::Relaxed);
            }
            continue;
        }
        if len == 0 {
            continue;
        }
        let mut line = [0u8; LINE_MAX];
        for (b, typed) in line.iter_mut().zip(&TYPED) {
            *b = typed.load(Ordering::Relaxed);
        }
        let line = &line[..len];
        put(b"echo: ");
        put(line);
        put(b"\n");
        LINES.fetch_add(1, Ordering::Relaxed);
        if line == b"quit" {
            QUIT.store(true, Ordering::SeqCst);
        }
        TYPED_LEN.store(0, Ordering::Relaxed);
    }
    probe::write_u32(UART + ICR, INT_RX);
}

fn main(_boot: domain_rt::Boot) {
    gic::init_distributor();
    gic::init_cpu(0);
    irq::install(handler);
    gic::set_trigger(UART_INTID, 0, Trigger::Level);
    gic::set_priority(UART_INTID, 0, 0xa0);
    gic::enable(UART_INTID, 0);
    probe::write_u32(UART + LCR_H, 0x70); // 8 bits, FIFOs on
    probe::write_u32(UART + IMSC, INT_RX);
    probe::write_u32(UART + CR, (1 << 0) | (1 << 8) | (1 << 9)); // UARTEN, TXE, RXE
    put(b"echo-uart: ready\n");
    irq::wait_until(|| QUIT.load(Ordering::SeqCst));
    put(b"echo-uart: ");
    put_number(LINES.load(Ordering::Relaxed));
    put(b" lines, ");
    put_number(INTERRUPTS.load(Ordering::Relaxed));
    put(b" interrupts\n");
}
