// SPDX-License-Identifier: MIT
//! The aarch64 arch layer: everything that touches registers, memory by
//! address, or firmware. Each file owns one piece of hardware or one
//! boundary; none makes a policy decision.

pub mod crc;
#[cfg(feature = "defmt")]
pub mod defmt_logger;
pub mod entry;
pub mod gic;
pub mod guest;
pub mod hyptimer;
pub mod idregs;
pub mod memory;
pub mod percpu;
pub mod pmu;
pub mod psci;
pub mod stage2;
pub mod system;
pub mod timer;
pub mod uart;
pub mod vectors;
pub mod vgic;
