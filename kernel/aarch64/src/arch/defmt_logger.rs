// SPDX-License-Identifier: MIT
//! The defmt global logger (`defmt` builds): frames go to the console UART
//! (`uart::console`), one CPU at a time. Owns the encoder and its lock;
//! must not format anything (`log.rs` and defmt's macros do).

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

#[defmt::global_logger]
struct Logger;

static TAKEN: AtomicBool = AtomicBool::new(false);

struct EncoderCell(UnsafeCell<defmt::Encoder>);
// SAFETY: the encoder is only touched between `acquire` (which takes
// TAKEN) and `release` (which frees it), so by one CPU at a time.
unsafe impl Sync for EncoderCell {}

static ENCODER: EncoderCell = EncoderCell(UnsafeCell::new(defmt::Encoder::new()));

fn put(bytes: &[u8]) {
    if let Some(uart) = super::uart::console() {
        uart.put_all(bytes);
    }
}

// SAFETY: acquire/release form a lock around every frame; the
// encoder is accessed only while it is held.
unsafe impl defmt::Logger for Logger {
    fn acquire() {
        while TAKEN.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            core::hint::spin_loop();
        }
        // SAFETY: TAKEN is held, so this CPU has the encoder.
        unsafe { (*ENCODER.0.get()).start_frame(put) }
    }

    unsafe fn flush() {}

    unsafe fn release() {
        // SAFETY: the caller holds TAKEN (defmt's contract).
        unsafe { (*ENCODER.0.get()).end_frame(put) }
        TAKEN.store(false, Ordering::Release);
    }

    unsafe fn write(bytes: &[u8]) {
        // SAFETY: the caller holds TAKEN (defmt's contract).
        unsafe { (*ENCODER.0.get()).write(bytes, put) }
    }
}
