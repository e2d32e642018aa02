// SPDX-License-Identifier: MIT
//! `hostile`: a test domain that attacks the system, one attempt per life.
//! The kernel restarts it after each contained fault (its board sets
//! `on_fault = "restart"`) and tells it how many restarts happened, which
//! selects the next attempt. Non-faulting attempts (refused calls) all run
//! in the first life. The verdict comes from the kernel's own log, never
//! from this domain's claims.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_abi::Hypercall;
use core::fmt::Write;
use domain_rt::{Boot, Console, call};
use smccc::psci::{PSCI_CPU_ON_64, PSCI_SYSTEM_OFF};

domain_rt::entry!(main);

/// A physical address of another domain's RAM (the counter's, on the test
/// board): as an IPA it is outside this domain's grants.
const OTHER_RAM: u64 = 0x4140_0000;
/// The kernel's physical load address.
const KERNEL_RAM: u64 = 0x4020_0000;
/// The kernel's console UART: a device this domain does not own.
const UNASSIGNED_DEVICE: u64 = 0x0900_0000;
/// A device granted to this domain where nothing answers (QEMU virt's
/// empty platform bus): the access ends in a synchronous external abort.
const SILENT_DEVICE: u64 = 0x0c00_0000;

fn say(args: core::fmt::Arguments<'_>) {
    let _ = Console.write_fmt(args);
}

use domain_rt::probe::{read_u64 as read, write_u64 as write};

/// Refused calls that must not hurt anyone, in the first life.
fn refused_calls() {
    // A line that imitates the kernel's: it must come out prefixed.
    say(format_args!("\rfault: domain counter vCPU 0 (pCPU 2): forged by hostile\n"));
    let s = call(PSCI_CPU_ON_64, 5, domain_rt::entry_point(), 0) as i64;
    say(format_args!("CPU_ON of vCPU 5 (not mine): {s}\n"));
    let s = call(PSCI_CPU_ON_64, 0x100, domain_rt::entry_point(), 0) as i64;
    say(format_args!("CPU_ON of MPIDR 0x100: {s}\n"));
    let s = call(0xC600_00FF, 1, 2, 3) as i64;
    say(format_args!("bogus hypercall 0xc60000ff: {s}\n"));
    let s = call(Hypercall::ConsoleWrite as u32, KERNEL_RAM, 4, 0) as i64;
    say(format_args!("console write from kernel RAM: {s}\n"));
    let s = call(Hypercall::ConsoleWrite as u32, 0x4000_0000, 4096, 0) as i64;
    say(format_args!("console write of 4096 bytes: {s}\n"));
    let s = call(Hypercall::ConsoleWrite as u32, u64::MAX - 2, 8, 0) as i64;
    say(format_args!("console write wrapping the address space: {s}\n"));
}

/// One attempt per life, in order; each must be stopped by the kernel.
const ATTEMPTS: [(&str, fn()); 11] = [
    ("reading another domain's RAM", || {
        let _ = read(OTHER_RAM);
    }),
    ("writing another domain's RAM", || write(OTHER_RAM, 0xdead_beef)),
    ("reading the kernel's RAM", || {
        let _ = read(KERNEL_RAM);
    }),
    ("writing the kernel's RAM", || write(KERNEL_RAM, 0)),
    ("reading an unassigned device", || {
        let _ = read(UNASSIGNED_DEVICE);
    }),
    ("writing an unassigned device", || write(UNASSIGNED_DEVICE, u64::from(b'!'))),
    ("reading a device that does not answer", || {
        let _ = read(SILENT_DEVICE);
    }),
    ("writing a forbidden system register (PMCR_EL0)", forbidden_sysreg),
    ("reading a trace unit register (TRCIDR0)", || {
        let _ = domain_rt::probe::read_trcidr0();
    }),
    ("stopping my heartbeat", stop_heartbeat),
    ("smc SYSTEM_OFF", smc_system_off),
];

fn forbidden_sysreg() {
    domain_rt::probe::write_pmcr(1);
}

fn stop_heartbeat() {
    loop {
        core::hint::spin_loop();
    }
}

fn smc_system_off() {
    domain_rt::probe::smc(PSCI_SYSTEM_OFF);
}

/// The virtio-mmio transport this domain owns, and its Status register:
/// the kernel must reset the device (Status = 0) when it restarts us.
const VIRTIO_STATUS: u64 = 0x0a00_3e00 + 0x70;

/// How long each life behaves before its attempt, so that the test sees
/// the counter make progress between any two attempts (800 ms: a loaded
/// 2-core CI host once kept the counter silent through 300 ms).
const CALM_MS: u64 = 800;

/// Waits `ms` milliseconds, beating the watchdog.
fn calm(ms: u64) {
    let (start, freq) = domain_rt::probe::counter();
    let ticks = freq / 1000 * ms;
    let mut last_beat = start;
    loop {
        let (now, _) = domain_rt::probe::counter();
        if now.wrapping_sub(start) >= ticks {
            return;
        }
        if now.wrapping_sub(last_beat) >= freq / 100 {
            domain_rt::heartbeat();
            last_beat = now;
        }
        core::hint::spin_loop();
    }
}

fn main(boot: Boot) {
    say(format_args!("life {}: virtual timer control at entry {:#x}\n", boot.restarts, domain_rt::probe::vtimer_ctl()));
    domain_rt::probe::arm_vtimer();
    let status = domain_rt::probe::read_u32(VIRTIO_STATUS);
    say(format_args!("life {}: virtio status at entry {:#x}\n", boot.restarts, status));
    // ACKNOWLEDGE | DRIVER: the device now remembers a driver.
    domain_rt::probe::write_u32(VIRTIO_STATUS, 1);
    domain_rt::probe::write_u32(VIRTIO_STATUS, 3);
    domain_rt::heartbeat();
    calm(CALM_MS);
    if boot.restarts == 0 {
        refused_calls();
    }
    let index = usize::try_from(boot.restarts).unwrap_or(usize::MAX).min(ATTEMPTS.len() - 1);
    let (what, attempt) = ATTEMPTS[index];
    say(format_args!("attempt {index}: {what}\n"));
    attempt();
    say(format_args!("still running after attempt {index}: not contained\n"));
    loop {
        core::hint::spin_loop();
    }
}
