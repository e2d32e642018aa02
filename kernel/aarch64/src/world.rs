// SPDX-License-Identifier: MIT
//! The kernel's shared run-time state, at the bottom of the module graph:
//! the world fixed at boot (configuration, pinning, stage-2 plans and
//! roots), each domain's run-time state (`DOMAINS`), which pCPU this is
//! and which vCPU it runs, and the budgets of the kernel's lines about a
//! domain. Every other module reads it; it calls none of them (only the
//! arch layer's timer and per-CPU record, and the log).
//!
//! Owns the state; must not change a domain's life (`domains.rs` starts,
//! stops and restarts) nor route interrupts. No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::{percpu, timer};
use bulkhead_bootcfg::{BootConfig, MAX_DOMAINS, MAX_PCPUS};
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};
use kernel_core::console::LineBuffer;
use kernel_core::pinning::{PinTable, VcpuId};
use kernel_core::psci::VcpuPower;
use kernel_core::ratelimit::{Budget, RateLimiter};
use kernel_core::stage2::Stage2Plan;
use spin::{Mutex, Once};

/// Everything fixed at boot.
pub struct World {
    /// The configuration.
    pub config: &'static BootConfig,
    /// pCPU -> vCPU.
    pub pins: PinTable,
    /// The payload (pristine domain images).
    pub payload: &'static [u8],
}

impl World {
    /// Domain `d`'s stage-2 plan.
    pub fn plan(&self, d: usize) -> Option<&'static Stage2Plan> {
        PLANS.get(d).and_then(Once::get)
    }

    /// Domain `d`'s VTTBR_EL2 value (VMID = d + 1).
    pub fn vttbr(&self, d: usize) -> Option<u64> {
        VTTBR.get(d).map(|v| v.load(Ordering::Acquire)).filter(|&v| v != 0)
    }
}

/// Each domain's stage-2 plan (built in place: they are large).
pub static PLANS: [Once<Stage2Plan>; MAX_DOMAINS] = [const { Once::new() }; MAX_DOMAINS];
/// Each domain's VTTBR_EL2.
pub static VTTBR: [AtomicU64; MAX_DOMAINS] = [const { AtomicU64::new(0) }; MAX_DOMAINS];

/// A domain's run-time state.
pub struct DomainState {
    /// Bumped whenever the domain stops; a vCPU started under an older
    /// generation must park.
    pub generation: AtomicU32,
    /// Each vCPU's power state (`VcpuPower` as a byte).
    pub power: [AtomicU8; MAX_PCPUS],
    /// It was stopped for good.
    pub halted: AtomicBool,
    /// Heartbeats so far.
    pub heartbeats: AtomicU64,
    /// Heartbeats the watchdog has seen.
    pub seen_heartbeats: AtomicU64,
    /// Restarts so far.
    pub restarts: AtomicU32,
    /// Doorbells rung and not yet taken (bit n: capability slot n).
    pub pending: AtomicU64,
    /// Audit lines' budget (`note_denial`).
    pub audit: Mutex<RateLimiter>,
    /// Its partial console line.
    pub console: Mutex<LineBuffer>,
    /// Held while the domain is being stopped.
    pub stopping: Mutex<()>,
    /// Restarts in a row, each after a life shorter than
    /// `restart::HEALTHY_LIFE_MS` (`kernel_core::restart`).
    pub in_a_row: AtomicU32,
    /// The physical counter when its vCPU 0 last started.
    pub started_at: AtomicU64,
    /// The budget of the kernel's lines about it ([`log_admits`]).
    pub log: Mutex<RateLimiter>,
    /// A device model asked to stop it: 0 no, 1 halt, 2 restart
    /// (`DmRemoteShutdown`); taken by its vCPU 0's pCPU at the next kick.
    pub shutdown_request: AtomicU8,
}

impl DomainState {
    const fn new() -> Self {
        Self {
            generation: AtomicU32::new(0),
            power: [const { AtomicU8::new(0) }; MAX_PCPUS],
            halted: AtomicBool::new(false),
            heartbeats: AtomicU64::new(0),
            seen_heartbeats: AtomicU64::new(0),
            restarts: AtomicU32::new(0),
            pending: AtomicU64::new(0),
            audit: Mutex::new(RateLimiter::new()),
            console: Mutex::new(LineBuffer::new()),
            stopping: Mutex::new(()),
            in_a_row: AtomicU32::new(0),
            started_at: AtomicU64::new(0),
            log: Mutex::new(RateLimiter::new()),
            shutdown_request: AtomicU8::new(0),
        }
    }

    /// Power state of every vCPU (`n` of them).
    pub fn powers(&self, n: usize) -> [VcpuPower; MAX_PCPUS] {
        let mut out = [VcpuPower::Off; MAX_PCPUS];
        for (slot, p) in out.iter_mut().zip(&self.power).take(n) {
            *slot = decode_power(p.load(Ordering::Acquire));
        }
        out
    }

    /// Moves vCPU `vcpu` from Off to OnPending; false if it was not Off.
    pub fn claim_start(&self, vcpu: usize) -> bool {
        self.power.get(vcpu).is_some_and(|p| p.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire).is_ok())
    }

    /// Records vCPU `vcpu`'s power state.
    pub fn set_power(&self, vcpu: usize, power: VcpuPower) {
        if let Some(p) = self.power.get(vcpu) {
            p.store(power as u8, Ordering::Release);
        }
    }
}

/// Whether an audit line (`denied:`, `ignored:`) about domain `d` may be
/// printed now. Audit lines have a refilling budget of their own, with the
/// numbers of other kernel lines about a domain (`log_admits`): a domain
/// cannot burn it in advance with harmless calls and then probe unseen,
/// nor silence its fault lines with denials. What is not printed is
/// counted and summed up (`audit: domain X: N ... not logged`), when the
/// budget has refilled, every 10 s while it goes on, and when the domain
/// stops.
pub fn note_denial(d: usize) -> bool {
    let Some(state) = DOMAINS.get(d) else { return true };
    admit_line(d, &state.audit, &AUDIT_REPORTS)
}

/// The final audit summary of domain `d` (it stops): what was not logged.
pub fn audit_summary(d: usize) {
    let Some(state) = DOMAINS.get(d) else { return };
    let dropped = state.audit.lock().take_dropped();
    if dropped > 0 {
        kprintln!("{}: domain {}: {} {}", AUDIT_REPORTS.kind, name_of(d), dropped, AUDIT_REPORTS.not_printed);
    }
}

fn decode_power(v: u8) -> VcpuPower {
    match v {
        1 => VcpuPower::OnPending,
        2 => VcpuPower::On,
        _ => VcpuPower::Off,
    }
}

/// The budget of the kernel's lines about one domain.
static LOG_BUDGET: Once<Budget> = Once::new();

/// Domain `d`'s name (`?` if there is none).
pub fn name_of(d: usize) -> &'static str {
    world().config.domains.get(d).map_or("?", |x| x.name.as_str())
}

/// Whether a kernel line about domain `d` (a fault, a restart, a power
/// request, a budget report: lines a failing or hostile domain can cause
/// again and again) may be printed now, within its budget
/// (`kernel_core::ratelimit::Budget::domain_log`). Says once when its
/// lines start being suppressed, and how many were once the budget has
/// refilled or every 10 s. Lines that come once per domain (halted, lost)
/// are not budgeted.
pub fn log_admits(d: usize) -> bool {
    let Some(state) = DOMAINS.get(d) else { return true };
    admit_line(d, &state.log, &LOG_REPORTS)
}

/// How a budget of lines about a domain reports on itself.
struct Reports {
    /// The lines' kind, starting each report (`log`, `audit`).
    kind: &'static str,
    /// After the count: what was not printed.
    not_printed: &'static str,
    /// When suppression starts.
    started: &'static str,
}

const LOG_REPORTS: Reports = Reports {
    kind: "log",
    not_printed: "kernel lines about it suppressed (rate limit)",
    started: "over its budget of kernel lines, suppressing them (rate limit)",
};

const AUDIT_REPORTS: Reports = Reports {
    kind: "audit",
    not_printed: "denied or ignored accesses not logged (rate limit)",
    started: "over its budget of audit lines, counting them instead (rate limit)",
};

/// One line about domain `d` through `limiter`, with the domain-log
/// budget: whether it may be printed; prints the budget's own reports.
fn admit_line(d: usize, limiter: &Mutex<RateLimiter>, reports: &Reports) -> bool {
    let budget = LOG_BUDGET.call_once(|| Budget::domain_log(timer::frequency()));
    let verdict = limiter.lock().admit(budget, timer::now(), 1);
    if let Some(count) = verdict.summary {
        kprintln!("{}: domain {}: {} {}", reports.kind, name_of(d), count, reports.not_printed);
    }
    if verdict.started {
        kprintln!("{}: domain {}: {}", reports.kind, name_of(d), reports.started);
    }
    verdict.pass
}

/// Every domain's run-time state.
pub static DOMAINS: [DomainState; MAX_DOMAINS] = [const { DomainState::new() }; MAX_DOMAINS];
pub static WORLD: Once<World> = Once::new();

/// The world (after `domains::build_world`).
pub fn world() -> &'static World {
    WORLD.get().expect("domains run only after the world is built")
}

/// The vCPU that pCPU `p` runs.
pub fn vcpu_of(p: usize) -> Option<VcpuId> {
    world().pins.vcpu_on(p)
}

/// This pCPU.
pub fn this_pcpu() -> usize {
    percpu::this()
}
