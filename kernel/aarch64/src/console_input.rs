// SPDX-License-Identifier: MIT
//! The kernel's console, input side: what is typed on the kernel's UART
//! goes to one focused domain's emulated UART, and Ctrl-A n moves the
//! focus.
//!
//! Owns: the input focus and escape state, the console UART's receive
//! interrupt (enabled for EL2 at boot, routed to the boot pCPU: Group 1,
//! or Group 0 if that pCPU runs a direct-delivery domain). Must not: decide
//! the key sequence (kernel-core's `input_switch` does) or emulate a UART
//! (`vuart.rs`). No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::percpu::PCPUS;
use crate::world;
use bulkhead_bootcfg::BootConfig;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use kernel_core::input_switch::{Input, InputSwitch, nth_console};
use spin::Mutex;

/// The domain typed input goes to (`NO_FOCUS`: none has a console).
static FOCUS: AtomicUsize = AtomicUsize::new(NO_FOCUS);
const NO_FOCUS: usize = usize::MAX;
static SWITCH: Mutex<InputSwitch> = Mutex::new(InputSwitch::new());
/// The console UART's receive interrupt, once enabled (0: not).
static INPUT_IRQ: AtomicU32 = AtomicU32::new(0);
/// Bytes read from the UART per interrupt at most (the rest re-raise it).
const INPUT_BATCH: usize = 64;

/// Boot, once the world is built: input goes to the first domain with a
/// console; the console UART's receive interrupt is enabled for EL2 on
/// pCPU `boot_cpu`.
pub fn init_input(config: &BootConfig, boot_cpu: usize) {
    FOCUS.store(nth_console(config, 1).unwrap_or(NO_FOCUS), Ordering::Release);
    let (Some(uart), Some(pcpu)) = (crate::arch::uart::console(), PCPUS.get(boot_cpu)) else { return };
    let group0 = pcpu.direct.load(Ordering::Acquire);
    crate::arch::gic::configure_kernel_spi(config.console.irq, pcpu.mpidr.load(Ordering::Acquire), group0);
    uart.enable_rx_interrupt();
    INPUT_IRQ.store(config.console.irq, Ordering::Release);
}

/// The console UART's receive interrupt, once enabled (0: none); what
/// `irqs::classify_irq` classifies as console input.
#[inline(always)]
pub fn input_irq() -> u32 {
    INPUT_IRQ.load(Ordering::Relaxed)
}

/// The console UART's receive interrupt: what was typed goes to the
/// focused domain, Ctrl-A n moves the focus. Called before the interrupt
/// is ended (it is level-sensitive: bytes left in the FIFO raise it again).
pub fn physical_input() {
    let Some(uart) = crate::arch::uart::console() else { return };
    let mut switch = SWITCH.lock();
    let mut batch = heapless::Vec::<u8, INPUT_BATCH>::new();
    for _ in 0..INPUT_BATCH {
        let Some(byte) = uart.get() else { break };
        match switch.feed(byte) {
            Input::Byte(b) => {
                let _ = batch.push(b);
            }
            Input::Focus(n) => {
                deliver(&batch);
                batch.clear();
                focus(n);
            }
            Input::Nothing => {}
        }
    }
    deliver(&batch);
}

fn deliver(bytes: &[u8]) {
    let d = FOCUS.load(Ordering::Acquire);
    if !bytes.is_empty() && d != NO_FOCUS {
        crate::vuart::receive(d, bytes);
    }
}

fn focus(n: u8) {
    match nth_console(world::world().config, n) {
        Some(d) => {
            FOCUS.store(d, Ordering::Release);
            kprintln!("console: input to {}", world::name_of(d));
        }
        None => kprintln!("console: no domain console {}", n),
    }
}
