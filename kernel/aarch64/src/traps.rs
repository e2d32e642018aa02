// SPDX-License-Identifier: MIT
//! What happens when a domain traps to EL2: the handlers the vector table
//! calls. Classification and decisions come from `kernel-core`; this file
//! applies them to the trapped vCPU's registers and the shared state.
#![deny(unsafe_code)]

use crate::arch::gic;
use crate::arch::memory::phys;
use crate::arch::percpu::PCPUS;
use crate::arch::vectors::{self, Frame};
use crate::domains;
use crate::doorbell;
use crate::irqs::{classify_irq, console_input, forward_guest_irq};
use crate::log::Show;
use crate::world::{self, DOMAINS};
use bulkhead_abi::{CapInfo, PhysAddr};
use bulkhead_bootcfg::Capability;
use core::sync::atomic::Ordering;
use kernel_core::census::EntryClass;
use kernel_core::esr::Esr;
use kernel_core::fault::{FaultReason, TrapAction, on_trap};
use kernel_core::hypercall::{Denial, Effect, Services, VcpuSnapshot, answer_without_context, dispatch};
use kernel_core::irq::PhysIrq;
use kernel_core::pinning::VcpuId;
use kernel_core::psci::PsciAction;
use kernel_core::serror::{SErrorVerdict, classify_serror};
use kernel_core::stage2::Stage2Plan;
use kernel_core::{idregs, trap};

/// The calling vCPU, as the hypercall dispatcher sees it. Everything else
/// about the caller (its plan, its name, its vCPUs) is looked up only by
/// the calls that need it, so that cheap calls stay cheap.
struct Caller {
    vcpu: VcpuId,
}

impl Caller {
    fn domain(&self) -> usize {
        self.vcpu.domain.index()
    }

    fn name(&self) -> &'static str {
        world::world().config.domains.get(self.domain()).map_or("?", |d| d.name.as_str())
    }
}

/// A plan for a domain that has none (never used: every configured domain
/// has a plan once the world is built).
static NO_PLAN: spin::Once<Stage2Plan> = spin::Once::new();

impl Services for Caller {
    fn plan(&self) -> &Stage2Plan {
        world::world().plan(self.domain()).unwrap_or_else(|| {
            NO_PLAN.call_once(|| {
                Stage2Plan::for_domain(world::world().config, bulkhead_abi::DomainId::new(u16::MAX))
                    .unwrap_or_else(|_| panic!("domain {} has no stage-2 plan", self.domain()))
            })
        })
    }

    fn vcpus(&self) -> VcpuSnapshot {
        let count = world::world().config.domains.get(self.domain()).map_or(0, |d| d.pcpus.len());
        VcpuSnapshot { power: DOMAINS[self.domain()].powers(count), count }
    }

    fn read_ram(&self, pa: PhysAddr, buf: &mut [u8]) {
        // The domain wrote through its caches; the kernel reads without.
        phys::sync_caches(pa.raw(), buf.len() as u64);
        phys::copy_out(pa.raw(), buf);
    }

    fn console(&mut self, bytes: &[u8]) {
        crate::console::output(self.domain(), bytes);
    }

    fn heartbeat(&mut self) {
        DOMAINS[self.domain()].heartbeats.fetch_add(1, Ordering::AcqRel);
    }

    fn el2_entries(&self, pcpu: u64) -> Option<u64> {
        if cfg!(feature = "bench") {
            PCPUS.get(usize::try_from(pcpu).ok()?).map(|c| c.el2_entries.load(Ordering::Acquire))
        } else {
            None
        }
    }

    fn wait_slept(&self) -> Option<u64> {
        cfg!(feature = "bench").then(|| crate::arch::percpu::me().wait_slept.load(Ordering::Acquire))
    }

    fn bench_sleep(&mut self, ms: u64) -> bool {
        if cfg!(feature = "bench") {
            crate::arch::hyptimer::sleep_ms(ms);
            true
        } else {
            false
        }
    }

    fn capability(&self, slot: u64) -> Option<Capability> {
        let domain = world::world().config.domains.get(self.domain())?;
        domain.caps.get(usize::try_from(slot).ok()?).copied()
    }

    fn describe(&self, cap: Capability) -> CapInfo {
        kernel_core::caps::describe(world::world().config, self.domain(), cap)
    }

    fn write_ram(&self, pa: PhysAddr, bytes: &[u8]) {
        phys::copy_in(pa.raw(), bytes);
        phys::sync_caches(pa.raw(), bytes.len() as u64);
    }

    fn ring_doorbell(&mut self, channel: u16, end: u8) -> u64 {
        // Every channel slot has a route (built at boot from the same
        // capability table), so the dispatcher reaches this only if the
        // fast path was bypassed: ring it through the route.
        let slot = world::world()
            .config
            .domains
            .get(self.domain())
            .and_then(|d| d.caps.iter().position(|&c| c == Capability::Channel { channel, end }));
        slot.and_then(|slot| doorbell::notify(self.domain(), slot as u64)).unwrap_or(0)
    }

    fn take_pending(&mut self) -> u64 {
        doorbell::take_pending(self.domain())
    }

    fn channel_epoch(&self, channel: u16) -> u32 {
        doorbell::epoch(channel)
    }

    fn params(&self) -> &str {
        world::world().config.domains.get(self.domain()).map_or("", |d| d.params.as_str())
    }

    fn wait(&mut self) -> u64 {
        wait(world::this_pcpu(), self.domain())
    }

    fn register_ioreq_page(&mut self, target: u16, slot: u64, pa: PhysAddr) {
        crate::ioreq::register(self.domain(), usize::from(target), slot, pa);
    }

    fn complete_ioreq(&mut self, target: u16, vcpu: u64, id: u64, data: u64) -> bool {
        crate::ioreq::complete(self.domain(), usize::from(target), vcpu, id, data)
    }

    fn vcpu_count(&self, target: u16) -> u64 {
        world::world().config.domains.get(usize::from(target)).map_or(0, |d| d.pcpus.len() as u64)
    }

    fn harvest_dirty(&mut self, target: u16, range: kernel_core::dirty::Tracked, out: &mut [u8]) -> u64 {
        crate::dirty::harvest(usize::from(target), range, out)
    }

    fn mark_dirty(&mut self, target: u16, first: u64, count: u64) {
        crate::dirty::mark(usize::from(target), first, count);
    }

    fn target_life(&self, target: u16) -> u64 {
        DOMAINS.get(usize::from(target)).map_or(0, |s| u64::from(s.generation.load(Ordering::Acquire)))
    }

    fn remote_shutdown(&mut self, target: u16, restart: bool) {
        domains::request_shutdown(usize::from(target), restart);
    }

    fn set_irq_level(&mut self, target: u16, intid: u32, high: bool) {
        if high {
            crate::vgic::pend_line(usize::from(target), intid);
        } else {
            crate::vgic::withdraw_line(usize::from(target), intid);
        }
    }

    fn audit(&mut self, denial: Denial) {
        if crate::world::note_denial(self.domain()) {
            kprintln!("denied: domain {} vCPU {}: {}", self.name(), self.vcpu.index, Show(&DenialText(denial)));
        }
    }
}

/// `Denial` as one line.
struct DenialText(Denial);

impl core::fmt::Display for DenialText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Denial::UnknownFunction(n) => write!(f, "unknown function {n:#x}"),
            Denial::BadBuffer { ipa, len } => write!(f, "buffer {ipa:#x}+{len:#x} outside its RAM"),
            Denial::TooLong(len) => write!(f, "length {len} too long"),
            Denial::Psci { function, target, status } => {
                write!(f, "PSCI {function:#x} (target {target:#x}) refused with {status}")
            }
            Denial::BenchmarkOnly => write!(f, "benchmark-only call"),
            Denial::NoSuchSlot(slot) => write!(f, "no capability in slot {slot}"),
            Denial::WrongKind(slot) => write!(f, "slot {slot} holds another kind of capability"),
            Denial::BadIoreqPage(ipa) => write!(f, "ioreq page {ipa:#x} not a page of its RAM"),
            Denial::OutsideTrackedRange { first, count: 0 } => {
                write!(f, "dirty bitmap of {first} bytes too short for its tracked range")
            }
            Denial::OutsideTrackedRange { first, count } => {
                write!(f, "pages {first}+{count} outside its tracked range")
            }
            Denial::NoSuchIoreq { vcpu, id } => {
                write!(f, "completion of ioreq {id} of vCPU {vcpu}, which waits for none such")
            }
        }
    }
}

/// Counts an EL2 entry on this pCPU (benchmark builds only).
#[inline(always)]
fn count_entry() {
    if cfg!(feature = "bench") {
        crate::arch::percpu::count_entry();
    }
}

/// This pCPU and the vCPU it runs.
fn current() -> (usize, VcpuId) {
    let p = world::this_pcpu();
    match world::vcpu_of(p) {
        Some(vcpu) => (p, vcpu),
        None => panic!("trap on pCPU {p}, which runs no vCPU"),
    }
}

fn psci_action(p: usize, vcpu: VcpuId, frame: &mut Frame, action: PsciAction) {
    let name = world::world().config.domains.get(vcpu.domain.index()).map_or("?", |d| d.name.as_str());
    match action {
        PsciAction::None => {}
        PsciAction::CpuOn { vcpu: target, entry, context } => {
            if let Err(status) = domains::cpu_on(vcpu.domain, target, entry, context) {
                frame.x[0] = status as u64;
            }
        }
        PsciAction::ResumeAt { entry, context } => {
            // CPU_SUSPEND to a powerdown state: the vCPU wakes at once and
            // resumes at its entry point, as after a real powerdown.
            frame.x[0] = context;
            vectors::resume_at(entry);
        }
        PsciAction::CpuOff => domains::cpu_off(p, vcpu),
        PsciAction::SystemOff => {
            if world::log_admits(vcpu.domain.index()) {
                kprintln!("domain {}: PSCI SYSTEM_OFF from vCPU {}", name, vcpu.index);
            }
            domains::stop_domain(p, vcpu, false)
        }
        PsciAction::SystemReset => {
            if world::log_admits(vcpu.domain.index()) {
                kprintln!("domain {}: PSCI SYSTEM_RESET from vCPU {}", name, vcpu.index);
            }
            domains::stop_domain(p, vcpu, true)
        }
    }
}

/// What the assembly stub must do after a synchronous trap: nothing, or
/// write `value` into x`reg` (x19..x29, which only the stub can reach:
/// the Rust handler preserves them for it).
#[repr(C)]
pub struct RegWrite {
    reg: u64,
    value: u64,
}

const NO_WRITE: RegWrite = RegWrite { reg: 0, value: 0 };

/// A synchronous trap from a domain. The hot path is kept small: a
/// hypercall that needs no caller state is answered here; everything else
/// goes out of line.
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_lower_sync(frame: &mut Frame) -> RegWrite {
    count_entry();
    let esr = vectors::esr();
    crate::arch::percpu::census(EntryClass::of_sync(esr));
    if Esr::new(esr).is_hvc64() {
        let function = frame.x[0];
        if let Some(x0) = answer_without_context(function) {
            frame.x[0] = x0;
            return NO_WRITE;
        }
        // Doorbells: the caller's domain is a boot-time fact of this pCPU,
        // and a routed slot is a valid channel capability (the route table
        // was built from the capability table). Anything else takes the
        // dispatcher's path, which refuses and audits.
        let d = crate::arch::percpu::me().domain.load(Ordering::Relaxed);
        if d != crate::arch::percpu::NO_DOMAIN {
            // Notify first, then Wait (their costs are benchmark targets);
            // `pending` is cold so that the compiler keeps this order.
            if function == NOTIFY {
                if let Some(x0) = doorbell::notify(d, frame.x[1]) {
                    frame.x[0] = x0;
                    return NO_WRITE;
                }
            } else if function == PENDING {
                frame.x[0] = pending(d);
                return NO_WRITE;
            } else if function == WAIT {
                frame.x[0] = wait(world::this_pcpu(), d);
                return NO_WRITE;
            }
        }
        let (p, vcpu) = current();
        hypercall(p, vcpu, frame);
        return NO_WRITE;
    }
    other_trap(esr, frame)
}

/// `Wait` (here rather than in `doorbell.rs`: a kick may park this pCPU
/// and the watchdog may fault its domain, which are `domains`' business):
/// returns domain `d`'s pending doorbells, sleeping in `wfi` on
/// pCPU `p` until there are some. A wake-up is any interrupt at this
/// pCPU's interface (EL2 keeps interrupts masked; `wfi` still wakes), taken
/// one per wake-up: the kick (a doorbell, the domain being stopped:
/// `check_kicked` parks this pCPU then, or a virtual SGI), the watchdog, or
/// an interrupt of the domain's (forwarded), after which the call returns
/// what is pending, possibly 0, rather than sleep through what the domain
/// may need to see.
fn wait(p: usize, d: usize) -> u64 {
    let Some(state) = DOMAINS.get(d) else { return 0 };
    let me = &PCPUS[p];
    if me.direct.load(Ordering::Relaxed) {
        // Its interrupts (the doorbell SGI among them) go to EL1, not here:
        // the domain sleeps in its own `wfi`; `Wait` only takes the set.
        return doorbell::take_pending(d);
    }
    loop {
        let bits = doorbell::take_pending(d);
        if bits != 0 {
            return bits;
        }
        doorbell::sleep();
        let Some(intid) = gic::acknowledge() else { continue };
        match classify_irq(u32::from(intid)) {
            PhysIrq::Kick => {
                gic::end(intid);
                if crate::arch::system::stopping()
                    || state.generation.load(Ordering::Acquire) != me.generation.load(Ordering::Relaxed)
                {
                    domains::check_kicked(p);
                }
                // A kick may also bring a virtual interrupt (an SGI from
                // another vCPU): the domain must see it, as after a `wfi`.
                if crate::vgic::refill_lrs(p, d) {
                    return doorbell::take_pending(d);
                }
            }
            PhysIrq::HypTimer => {
                gic::end(intid);
                domains::watchdog_tick(p);
            }
            PhysIrq::Maintenance => {
                gic::end(intid);
                let _ = crate::vgic::refill_lrs(p, d);
            }
            PhysIrq::ConsoleInput => console_input(intid),
            PhysIrq::GuestTimer | PhysIrq::Guest => {
                forward_guest_irq(p, intid);
                return doorbell::take_pending(d);
            }
        }
    }
}

/// `Pending`, out of line and marked cold so that the compiler tests for
/// `Notify` and `Wait` first (their costs are benchmark targets:
/// `ipc_notify_send_el2_insns`, `ipc_notify_deliver_el2_insns`).
#[cold]
#[inline(never)]
fn pending(d: usize) -> u64 {
    doorbell::take_pending(d)
}

const NOTIFY: u64 = bulkhead_abi::Hypercall::Notify as u64;
const PENDING: u64 = bulkhead_abi::Hypercall::Pending as u64;
const WAIT: u64 = bulkhead_abi::Hypercall::Wait as u64;

/// Any hypercall that needs the caller's state.
#[inline(never)]
fn hypercall(p: usize, vcpu: VcpuId, frame: &mut Frame) {
    let call = frame.x[0];
    match dispatch([frame.x[0], frame.x[1], frame.x[2], frame.x[3]], &mut Caller { vcpu }) {
        Effect::Return(x0) => {
            crate::ioreq::audit(vcpu.domain.index(), call, x0);
            frame.x[0] = x0;
        }
        Effect::Psci(x0, action) => {
            frame.x[0] = x0;
            psci_action(p, vcpu, frame, action);
        }
        Effect::Fault(reason) => domains::fault(p, vcpu, reason, Some(vectors::syndrome())),
    }
}

/// Every trap but `hvc`.
#[inline(never)]
fn other_trap(esr: u64, frame: &mut Frame) -> RegWrite {
    other_trap_with(esr, frame, None)
}

/// The second pass of a trap whose handler needed x19..x29 (see
/// `vectors::FullFrame`).
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_lower_sync_full(frame: &mut vectors::FullFrame) -> RegWrite {
    let high = frame.high;
    other_trap_with(vectors::esr(), &mut frame.base, Some(&high))
}

/// The vCPU's register `rt` (31 = xzr); `None` for x19..x29 unless `high`
/// holds them.
fn guest_reg(frame: &Frame, high: Option<&[u64; 11]>, rt: u8) -> Option<u64> {
    match rt {
        0..=18 => frame.x.get(usize::from(rt)).copied(),
        19..=29 => high.and_then(|h| h.get(usize::from(rt) - 19).copied()),
        30 => Some(frame.lr),
        _ => Some(0),
    }
}

/// Writes `value` into the vCPU's register `rt` (x19..x29 through the
/// stub).
fn set_guest_reg(frame: &mut Frame, rt: u8, value: u64) -> RegWrite {
    match rt {
        0..=18 => {
            if let Some(x) = frame.x.get_mut(usize::from(rt)) {
                *x = value;
            }
            NO_WRITE
        }
        19..=29 => RegWrite { reg: u64::from(rt), value },
        30 => {
            frame.lr = value;
            NO_WRITE
        }
        _ => NO_WRITE, // xzr
    }
}

const NEED_ALL: RegWrite = RegWrite { reg: vectors::NEED_ALL_REGISTERS, value: 0 };

fn other_trap_with(esr: u64, frame: &mut Frame, high: Option<&[u64; 11]>) -> RegWrite {
    let (p, vcpu) = current();
    let syndrome = vectors::syndrome();
    let trap = trap::classify(esr);
    let skip = trap::instruction_length(esr);
    // A stage-2 translation fault may be the domain's GIC or console UART:
    // emulate it.
    if let trap::Trap::DataAbort(trap::Abort { kind: trap::AbortKind::Translation(_), .. }) = trap
        && let Some(access) = kernel_core::vgic::decode_mmio(esr, syndrome.hpfar, syndrome.far)
    {
        let value = if access.write {
            let Some(v) = guest_reg(frame, high, access.rt) else { return NEED_ALL };
            let bits = u32::from(access.size) * 8;
            if bits >= 64 { v } else { v & ((1u64 << bits) - 1) }
        } else {
            0
        };
        let outcome = match crate::vgic::mmio(p, access, value) {
            crate::vgic::MmioOutcome::NotGic => crate::vuart::mmio(p, access, value),
            done => done,
        };
        // Its own device on a page another domain's device shares.
        let outcome = match outcome {
            crate::vgic::MmioOutcome::NotGic => {
                let d = vcpu.domain.index();
                match kernel_core::shared_mmio::trapped_access(world::world().config, d, access.ipa, access.size) {
                    Some(pa) => crate::vgic::MmioOutcome::Done(crate::arch::memory::phys::device_access(
                        pa,
                        access.size,
                        access.write,
                        value,
                    )),
                    None => outcome,
                }
            }
            done => done,
        };
        // Neither: a device model's range, if the board gives it one.
        let outcome = match outcome {
            crate::vgic::MmioOutcome::NotGic => match crate::ioreq::emulate(p, access, value) {
                crate::ioreq::Outcome::NotEmulated => outcome,
                crate::ioreq::Outcome::Done(read) => crate::vgic::MmioOutcome::Done(read),
                crate::ioreq::Outcome::BusError => {
                    vectors::inject_external_abort(access.write);
                    return NO_WRITE;
                }
            },
            done => done,
        };
        if let crate::vgic::MmioOutcome::Done(read) = outcome {
            vectors::skip_instruction(skip);
            // A load: its bytes, sign- or zero-extended to its register's width.
            return if access.write { NO_WRITE } else { set_guest_reg(frame, access.rt, access.loaded(read)) };
        }
    }
    // A write to a page of a tracked range (a device model's `vram`):
    // recorded, made writable, and retried.
    if let trap::Trap::DataAbort(trap::Abort { kind: trap::AbortKind::Permission(_), write: true, .. }) = trap
        && crate::dirty::write_fault(p, trap::fault_page(syndrome.hpfar))
    {
        return NO_WRITE;
    }
    // An access to a stack guard page: the domain's stack overflowed.
    if let trap::Trap::DataAbort(trap::Abort { kind: trap::AbortKind::Translation(_), .. }) = trap
        && let Some(domain) = world::world().config.domains.get(vcpu.domain.index())
        && kernel_core::fault::in_stack_guard(&domain.guards, trap::fault_page(syndrome.hpfar))
    {
        domains::fault(p, vcpu, FaultReason::StackOverflow, Some(syndrome));
    }
    match on_trap(trap) {
        TrapAction::Call { advance } => {
            if advance {
                vectors::skip_instruction(skip);
            }
            hypercall(p, vcpu, frame);
        }
        TrapAction::Wait => vectors::skip_instruction(skip),
        TrapAction::Ignore => vectors::skip_instruction(skip),
        TrapAction::GicSgi { rt } => {
            let Some(value) = guest_reg(frame, high, rt) else { return NEED_ALL };
            vectors::skip_instruction(skip);
            crate::vgic::sgi(p, value);
        }
        TrapAction::IdRead { reg, rt } => {
            let value = idregs::sanitize(reg, crate::arch::idregs::read(reg.crm, reg.op2), cfg!(feature = "bench"));
            vectors::skip_instruction(skip);
            return set_guest_reg(frame, rt, value);
        }
        TrapAction::Fault(reason) => domains::fault(p, vcpu, reason, Some(syndrome)),
    }
    NO_WRITE
}

/// A physical interrupt while a domain ran (HCR_EL2.IMO=1): the kernel's
/// own (kick, watchdog, maintenance, console input) are ended here; any other is
/// forwarded to this pCPU's vCPU if its domain owns it (priority dropped
/// now, deactivated by the guest's EOI), or deactivated as stray.
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_lower_irq(_frame: &mut Frame) -> RegWrite {
    count_entry();
    crate::arch::percpu::census(EntryClass::Irq);
    let p = world::this_pcpu();
    // One interrupt per entry: another pending one raises the exception
    // again right after `eret` (rare), and the common case skips a second
    // acknowledge and the loop's register pressure.
    if let Some(intid) = gic::acknowledge() {
        match classify_irq(u32::from(intid)) {
            PhysIrq::Kick => {
                gic::end(intid);
                domains::check_kicked(p);
                refill(p);
            }
            PhysIrq::HypTimer => {
                gic::end(intid);
                domains::watchdog_tick(p);
            }
            PhysIrq::Maintenance => {
                gic::end(intid);
                crate::vgic::maintenance(p, crate::arch::percpu::PCPUS[p].domain.load(Ordering::Relaxed));
            }
            PhysIrq::ConsoleInput => console_input(intid),
            PhysIrq::GuestTimer | PhysIrq::Guest => forward_guest_irq(p, intid),
        }
    }
    NO_WRITE
}

fn refill(p: usize) {
    let d = crate::arch::percpu::PCPUS[p].domain.load(Ordering::Relaxed);
    let _ = crate::vgic::refill_lrs(p, d);
}

/// An FIQ while a domain ran (HCR_EL2.FMO=1): Group 0. On a pCPU in
/// direct delivery the kernel's kick and watchdog timer are Group 0; on
/// others nothing is, and a stray one is acknowledged and dropped, so that
/// it cannot stop the system.
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_lower_fiq(_frame: &mut Frame) -> RegWrite {
    count_entry();
    crate::arch::percpu::census(EntryClass::Fiq);
    let p = world::this_pcpu();
    while let Some(intid) = gic::acknowledge_group0() {
        let class = classify_irq(u32::from(intid));
        if class == PhysIrq::ConsoleInput {
            crate::console_input::physical_input();
        }
        gic::end_group0(intid);
        match class {
            PhysIrq::Kick => domains::check_kicked(p),
            PhysIrq::HypTimer => domains::watchdog_tick(p),
            _ => {}
        }
    }
    NO_WRITE
}

/// An SError while a domain ran (HCR_EL2.AMO=1).
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_lower_serror(_frame: &mut Frame) -> RegWrite {
    count_entry();
    crate::arch::percpu::census(EntryClass::SError);
    let (p, vcpu) = current();
    let esr = vectors::esr();
    match classify_serror(esr) {
        SErrorVerdict::FaultDomain => domains::fault(p, vcpu, FaultReason::SError, Some(vectors::syndrome())),
        SErrorVerdict::Corrected => kprintln!("corrected SError on pCPU {} (ESR {:#x})", p, esr),
        SErrorVerdict::StopSystem => panic!("uncontainable SError on pCPU {p} (ESR {esr:#x})"),
    }
    NO_WRITE
}
