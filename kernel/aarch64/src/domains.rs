// SPDX-License-Identifier: MIT
//! Running domains: the static world built at boot (pinning, stage-2
//! tables, images), each pCPU's life (start its vCPU, park), and what the
//! kernel does when a domain stops, faults or restarts.
//!
//! Every decision comes from `kernel-core`; the shared state (atomics,
//! locks) is `world.rs`'s; this file changes it and calls the arch layer.
//! No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::percpu::PCPUS;
use crate::arch::vectors::Syndrome;
use crate::arch::{gic, guest, hyptimer, memory::phys, stage2, system, timer};
use crate::log::Show;
use crate::world::{DOMAINS, PLANS, VTTBR, WORLD, World, audit_summary, log_admits, name_of, vcpu_of, world};
use bulkhead_abi::{DomainId, ExitCode};
use bulkhead_bootcfg::{BootConfig, Capability, Delivery, DeviceReset, EntryAbi, FaultPolicy};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel_core::BootError;
use kernel_core::entry::{self, Start};
use kernel_core::fault::FaultReason;
use kernel_core::irq::PhysIrq;
use kernel_core::pinning::{PinTable, VcpuId};
use kernel_core::psci::VcpuPower;
use kernel_core::restart::{self, RestartDecision};
use kernel_core::stage2::Stage2Plan;

/// Set by the pCPU that powers the system off when the last domain stops
/// (two domains stopping at once must not both announce it).
static SYSTEM_OFF: AtomicBool = AtomicBool::new(false);
/// Set once the world is built: secondaries wait for it.
static GO: AtomicBool = AtomicBool::new(false);

/// Builds pinning, plans and stage-2 tables, and loads every image.
pub fn build_world(config: &'static BootConfig, payload: &'static [u8]) -> Result<(), BootError> {
    let pins = PinTable::new(config).map_err(BootError::Pinning)?;
    for (i, (plan, root)) in PLANS.iter().zip(&VTTBR).enumerate().take(config.domains.len()) {
        let id = DomainId::new(i as u16);
        let plan = plan
            .try_call_once(|| Stage2Plan::for_domain(config, id))
            .map_err(|e| BootError::Stage2 { domain: i, error: e })?;
        let table = stage2::build(plan).map_err(|_| BootError::Stage2Tables { domain: i })?;
        root.store(((i as u64 + 1) << 48) | table as u64, Ordering::Release);
    }
    stage2::flush_all();
    // Channel windows and kept memory are zeroed here, once: restarts
    // leave them alone (a channel's epoch changes; kept memory is what a
    // domain keeps across its lives).
    let kept = config.domains.iter().flat_map(|d| &d.caps).filter_map(|c| match *c {
        Capability::Kept { phys, size, .. } => Some((phys.raw(), size)),
        _ => None,
    });
    for (base, size) in config.channels.iter().map(|ch| (ch.window.base.raw(), ch.window.size)).chain(kept) {
        phys::sync_caches(base, size);
        phys::zero(base, size);
        phys::sync_caches(base, size);
    }
    let world = WORLD.call_once(|| World { config, pins, payload });
    for (p, pcpu) in PCPUS.iter().enumerate() {
        if let Some(vcpu) = world.pins.vcpu_on(p) {
            pcpu.vcpu.store(vcpu.index, Ordering::Relaxed);
            pcpu.domain.store(vcpu.domain.index(), Ordering::Release);
            let direct = config.domains.get(vcpu.domain.index()).is_some_and(|d| d.delivery == Delivery::Direct);
            if direct {
                gic::configure_direct_pcpu(p);
            }
            pcpu.direct.store(direct, Ordering::Release);
        }
    }
    crate::doorbell::build_routes(world);
    for i in 0..config.domains.len() {
        crate::vgic::reset_domain(world, i);
    }
    for i in 0..config.domains.len() {
        load(world, i);
    }
    Ok(())
}

/// Releases the secondaries into their run loop.
pub fn release_secondaries() {
    GO.store(true, Ordering::Release);
    aarch64_cpu::asm::sev();
}

/// Whether the world is ready (secondaries poll this).
pub fn released() -> bool {
    GO.load(Ordering::Acquire)
}

/// Zeroes the domain's RAM and copies its pristine image and boot files
/// (a Linux domain's initramfs and device tree) in. Their checksums were
/// verified at boot (`boot::boot`), and the payload is read-only since.
fn load(world: &World, index: usize) {
    let Some(domain) = world.config.domains.get(index) else { return };
    // Discard whatever the previous life left in the caches (the kernel
    // writes with its MMU, so its caches, off), then write, then make the
    // writes visible to the domain's cacheable view.
    for r in &domain.ram {
        phys::sync_caches(r.phys.raw(), r.size);
        phys::zero(r.phys.raw(), r.size);
    }
    let plan = world.plan(index);
    let parts = core::iter::once((domain.image.offset, domain.image.size, domain.image.load))
        .chain(domain.boot_files.iter().map(|f| (f.offset, f.size, f.load)));
    for (offset, size, load) in parts {
        let bytes = (offset as usize)
            .checked_add(size as usize)
            .and_then(|end| world.payload.get(offset as usize..end))
            .unwrap_or(&[]);
        if let Some(pa) = plan.and_then(|p| p.ram_span(load.raw(), bytes.len() as u64)) {
            phys::copy_in(pa.raw(), bytes);
        }
    }
    for r in &domain.ram {
        phys::sync_caches(r.phys.raw(), r.size);
    }
}

/// x0..x3 for a vCPU of domain `d` started for `start`.
pub fn entry_registers(d: usize, start: Start) -> [u64; 4] {
    let domain = world().config.domains.get(d);
    let abi = domain.map_or(EntryAbi::Bulkhead, |domain| domain.entry_abi);
    let ram_phys = domain.and_then(|domain| domain.ram.first()).map_or(0, |r| r.phys.raw());
    entry::registers(abi, start, DOMAINS[d].restarts.load(Ordering::Acquire), ram_phys)
}

/// Puts the domain's devices and interrupts back in their reset state.
fn reset_devices(world: &World, index: usize) {
    let Some(domain) = world.config.domains.get(index) else { return };
    for dev in &domain.devices {
        if dev.reset == DeviceReset::VirtioMmio {
            phys::write32(dev.mmio.base.raw() + 0x70, 0);
        }
        for &irq in &dev.irqs {
            gic::disable_spi(irq);
        }
    }
    for &irq in &domain.irqs {
        gic::disable_spi(irq);
    }
}

/// Cleans pCPU `p`'s physical CPU interface of what its direct-delivery
/// domain left there (`gic::clean_direct_interface`), its SPIs included.
fn clean_direct_pcpu(p: usize) {
    let world = world();
    let Some(domain) = world.pins.vcpu_on(p).and_then(|v| world.config.domains.get(v.domain.index())) else {
        return;
    };
    let device_spis = domain.devices.iter().flat_map(|dev| dev.irqs.iter().copied());
    gic::clean_direct_interface(p, device_spis.chain(domain.irqs.iter().copied()));
}

/// The life of pCPU `p` from now on: run its vCPU when asked, park
/// otherwise. The first vCPU of each domain starts at its image's entry.
pub fn run_pcpu(p: usize) -> ! {
    let world = world();
    if PCPUS[p].direct.load(Ordering::Acquire) {
        gic::direct_cpu_interface();
    }
    if let Some(vcpu) = world.pins.vcpu_on(p)
        && vcpu.index == 0
        && let Some(domain) = world.config.domains.get(vcpu.domain.index())
    {
        let state = &DOMAINS[vcpu.domain.index()];
        if state.claim_start(0) {
            // Returns only if the domain stopped meanwhile.
            start_vcpu(p, vcpu, domain.image.entry.raw(), entry_registers(vcpu.domain.index(), Start::Boot));
        }
    }
    park(p)
}

/// Parks pCPU `p` until it is asked to start its vCPU (or the system
/// stops). A parked pCPU sleeps in `wfi` (so that QEMU halts it and it
/// spends no instructions); the kick SGI wakes it, and is acknowledged here
/// because interrupts stay masked at EL2. A start that loses a race with
/// a stop of its domain comes back here: a loop, not a recursion (EL2
/// stacks have no guard page).
///
/// The watchdog timer stays armed while a domain's first vCPU is off
/// (`CPU_OFF`): a domain cannot escape its watchdog by switching it off.
/// The stopped vCPU's own timers are switched off, so that their
/// interrupts cannot keep the parked pCPU from its kick.
pub fn park(p: usize) -> ! {
    loop {
        settle_parked(p);
        let (vcpu, entry, regs) = next_start(p);
        // Returns only if the domain stopped while the vCPU started.
        start_vcpu(p, vcpu, entry, regs);
    }
}

/// Makes pCPU `p` parked: its vCPU's timers off, a direct-delivery
/// interface cleaned, a watchdog of an ended life disarmed.
fn settle_parked(p: usize) {
    let me = &PCPUS[p];
    guest::stop_el1_timers();
    if me.direct.load(Ordering::Acquire) {
        clean_direct_pcpu(p);
    }
    // Before `parked`: a domain stop waits for it, then resets the
    // domain's virtual GIC with nothing of the old life left here.
    crate::vgic::vcpu_stop(p);
    if !watchdog_live(p) {
        hyptimer::disarm();
    }
    me.parked.store(true, Ordering::SeqCst);
}

/// Sleeps on parked pCPU `p` until a start request of its domain's
/// current generation is due, and takes it. A request with a start time
/// (a restart's back-off) is left in the mailbox, with this pCPU's EL2
/// timer armed for it, until that time: the wait costs no other pCPU
/// anything and blocks nothing.
fn next_start(p: usize) -> (VcpuId, u64, [u64; 4]) {
    let me = &PCPUS[p];
    loop {
        while let Some(intid) = gic::acknowledge() {
            let class = crate::irqs::classify_irq(u32::from(intid));
            if class == PhysIrq::ConsoleInput {
                crate::console_input::physical_input();
            }
            gic::end(intid);
            if class == PhysIrq::HypTimer {
                watchdog_tick(p);
            }
        }
        while let Some(intid) = gic::acknowledge_group0() {
            let class = crate::irqs::classify_irq(u32::from(intid));
            if class == PhysIrq::ConsoleInput {
                crate::console_input::physical_input();
            }
            gic::end_group0(intid);
            if class == PhysIrq::HypTimer {
                watchdog_tick(p);
            }
        }
        if system::stopping() {
            system::halt_this_cpu();
        }
        if let Some(at) = me.start_due() {
            if at != 0 && !timer::passed(at) {
                hyptimer::arm_at(at);
            } else if let Some((entry, regs, generation)) = me.take_start()
                && let Some(vcpu) = world().pins.vcpu_on(p)
            {
                if at != 0 {
                    hyptimer::disarm();
                }
                let state = &DOMAINS[vcpu.domain.index()];
                if generation == state.generation.load(Ordering::SeqCst) && !state.halted.load(Ordering::SeqCst) {
                    return (vcpu, entry, regs);
                }
            }
        }
        aarch64_cpu::asm::wfi();
    }
}

/// Starts `vcpu` fresh on this pCPU at `entry` with `regs` in x0..x3.
/// Returns (to be parked again) only if its domain stopped meanwhile.
fn start_vcpu(p: usize, vcpu: VcpuId, entry: u64, regs: [u64; 4]) {
    let world = world();
    let d = vcpu.domain.index();
    let (Some(domain), Some(vttbr)) = (world.config.domains.get(d), world.vttbr(d)) else { return };
    let state = &DOMAINS[d];
    let me = &PCPUS[p];
    guest::configure(&guest::VcpuSetup {
        vttbr,
        vcpu_index: vcpu.index as u64,
        wfi: domain.wfi,
        wfe: domain.wfe,
        pmu: cfg!(feature = "bench"),
        direct: domain.delivery == Delivery::Direct,
    });
    guest::reset_el1();
    crate::vgic::vcpu_start(p);
    // Unpark, then look at the generation: a domain stop that raced with
    // this start either sees us unparked (and kicks and waits for us) or
    // has already bumped the generation, which we see here.
    let generation = state.generation.load(Ordering::SeqCst);
    me.generation.store(generation, Ordering::SeqCst);
    me.parked.store(false, Ordering::SeqCst);
    if state.generation.load(Ordering::SeqCst) != generation || state.halted.load(Ordering::SeqCst) {
        return;
    }
    state.set_power(vcpu.index, VcpuPower::On);
    if vcpu.index == 0 {
        state.started_at.store(timer::now(), Ordering::Release);
        if domain.watchdog_ms > 0 {
            state.seen_heartbeats.store(state.heartbeats.load(Ordering::Acquire), Ordering::Release);
            hyptimer::arm_ms(u64::from(domain.watchdog_ms));
        }
    }
    guest::enter(entry, regs, me.stack_top.load(Ordering::Acquire))
}

/// CPU_ON: starts `vcpu` of `domain` at `entry`; the PSCI status if it
/// was not off (ALREADY_ON or ON_PENDING, as it raced another CPU_ON).
pub fn cpu_on(domain: DomainId, vcpu: usize, entry: u64, context: u64) -> Result<(), i64> {
    use smccc::psci::error::{ALREADY_ON, INVALID_PARAMETERS, ON_PENDING};
    let state = &DOMAINS[domain.index()];
    let Some(pcpu) = world().pins.pcpu_of(VcpuId { domain, index: vcpu }) else {
        return Err(INVALID_PARAMETERS.into());
    };
    if !state.claim_start(vcpu) {
        let pending = state.powers(vcpu + 1).get(vcpu) == Some(&VcpuPower::OnPending);
        return Err(if pending { ON_PENDING } else { ALREADY_ON }.into());
    }
    let regs = entry_registers(domain.index(), Start::CpuOn { context });
    PCPUS[pcpu].post_start(entry, regs, state.generation.load(Ordering::SeqCst), 0);
    Ok(())
}

/// CPU_OFF: the calling vCPU stops. Switching off the last running vCPU
/// stops the domain (as SYSTEM_OFF would): a domain with no vCPU is not
/// left running unaccounted.
pub fn cpu_off(p: usize, vcpu: VcpuId) -> ! {
    let state = &DOMAINS[vcpu.domain.index()];
    state.set_power(vcpu.index, VcpuPower::Off);
    let count = world().config.domains.get(vcpu.domain.index()).map_or(0, |d| d.pcpus.len());
    if state.powers(count).iter().take(count).all(|&power| power == VcpuPower::Off) {
        if log_admits(vcpu.domain.index()) {
            kprintln!("domain {}: its last vCPU called CPU_OFF", name_of(vcpu.domain.index()));
        }
        stop_domain(p, vcpu, false);
    }
    park(p)
}

/// A fault: one log line, then the domain's fault policy. `syndrome` is
/// the trap's, read before anything changed it; an asynchronous reason (the
/// watchdog) has none, and the line then gives ELR (where the vCPU was) only.
pub fn fault(p: usize, vcpu: VcpuId, reason: FaultReason, syndrome: Option<Syndrome>) -> ! {
    let world = world();
    let d = vcpu.domain.index();
    let Some(domain) = world.config.domains.get(d) else { park(p) };
    // A stop of this domain is under way: this vCPU was brought here by it
    // (a revoked stage-2), not by a fault of its own.
    if DOMAINS[d].stopping.is_locked() {
        park(p)
    }
    let restart = domain.on_fault == FaultPolicy::Restart;
    let then = match restart.then(|| restart_decision(d)) {
        None => "halt",
        Some(RestartDecision::Restart { .. }) => "restart",
        Some(RestartDecision::GiveUp { .. }) => "halt (max_restarts reached)",
    };
    let name = domain.name.as_str();
    match syndrome {
        _ if !log_admits(d) => {}
        Some(s) => kprintln!(
            "fault: domain {} vCPU {} (pCPU {}): {}: ESR {:#x} FAR {:#x} HPFAR {:#x} ELR {:#x} -> {}",
            name,
            vcpu.index,
            p,
            Show(&reason),
            s.esr,
            s.far,
            s.hpfar,
            s.elr,
            then
        ),
        None => kprintln!(
            "fault: domain {} vCPU {} (pCPU {}): {}: ESR n/a FAR n/a HPFAR n/a ELR {:#x} -> {}",
            name,
            vcpu.index,
            p,
            Show(&reason),
            crate::arch::vectors::syndrome().elr,
            then
        ),
    }
    stop_domain(p, vcpu, restart)
}

/// Waits up to 1 s for pCPU `q` to park; whether it did.
fn wait_parked(q: usize) -> bool {
    let deadline = crate::arch::timer::deadline_after_ms(1000);
    while !PCPUS[q].parked.load(Ordering::SeqCst) {
        if crate::arch::timer::passed(deadline) {
            return false;
        }
        core::hint::spin_loop();
    }
    true
}

/// Domain `d` could not be stopped: pCPU `q` still runs it even with its
/// stage-2 revoked. It is lost: its translations stay revoked (it reaches
/// no memory, no window, no device), its channels change epoch so that its
/// peers reconnect to nothing, its devices are reset, and it is never
/// restarted. Everything else runs on.
fn lose(p: usize, d: usize, q: usize, guard: spin::MutexGuard<'_, ()>) -> ! {
    let world = world();
    let state = &DOMAINS[d];
    crate::doorbell::link_down(world, d);
    crate::ioreq::domain_stopped(d);
    reset_devices(world, d);
    state.halted.store(true, Ordering::Release);
    kprintln!(
        "domain {} lost: pCPU {} still runs it with its stage-2 revoked; its channels and devices are revoked, it is not restarted",
        world.config.domains.get(d).map_or("?", |x| x.name.as_str()),
        q
    );
    drop(guard);
    park(p)
}

/// Stops every vCPU of `vcpu`'s domain; then restarts it from its pristine
/// image, or leaves it halted. Runs on a pCPU of that domain.
pub fn stop_domain(p: usize, vcpu: VcpuId, restart: bool) -> ! {
    let world = world();
    let d = vcpu.domain.index();
    let state = &DOMAINS[d];
    let Some(domain) = world.config.domains.get(d) else { park(p) };
    // Another vCPU of this domain is already stopping it: it will kick us.
    let Some(guard) = state.stopping.try_lock() else { park(p) };
    state.generation.fetch_add(1, Ordering::SeqCst);
    // Its device models hear of it at once (its life changed): they stop
    // touching queues in memory that is about to be reloaded.
    crate::ioreq::target_stopping(d);
    for index in 0..domain.pcpus.len() {
        state.set_power(index, VcpuPower::Off);
    }
    hyptimer::disarm();
    crate::vgic::vcpu_stop(p);
    PCPUS[p].parked.store(true, Ordering::Release);
    let others = domain.pcpus.iter().map(|&q| usize::from(q)).filter(|&q| q != p);
    for q in others.clone() {
        PCPUS[q].kick();
    }
    // A pCPU that ignores the kick (a direct-delivery domain can raise its
    // physical active priority above the kernel's interrupts) is brought
    // to EL2 synchronously: with the domain's stage-2 revoked, its next
    // instruction fetch faults, and `fault` parks it. If even that fails,
    // the domain is lost: it keeps that pCPU, but no memory and no channel.
    let mut revoked = None;
    for q in others {
        if wait_parked(q) {
            continue;
        }
        let Some(vttbr) = world.vttbr(d) else { continue };
        if revoked.is_none() {
            if log_admits(d) {
                kprintln!(
                    "domain {}: pCPU {} did not stop within 1 s: revoking its stage-2 translations to force it into EL2",
                    domain.name.as_str(),
                    q
                );
            }
            revoked = Some(stage2::revoke(vttbr));
        }
        if !wait_parked(q) {
            lose(p, d, q, guard);
        }
    }
    // Every vCPU of the domain is parked, each with its list registers
    // and queue emptied (`vgic::vcpu_stop`); what was queued since for a
    // vCPU that was off goes too. Its channels change epoch and its peers
    // hear of it.
    crate::vgic::drop_queues(world, d, p);
    crate::doorbell::link_down(world, d);
    crate::ioreq::domain_stopped(d);
    audit_summary(d);
    if cfg!(feature = "census") {
        print_census(domain);
    }
    // A restart is decided by the crash-loop policy: after a back-off, or
    // not at all once the domain has had its `max_restarts` in a row.
    let decision = restart.then(|| restart_decision(d));
    let (backoff_ms, in_a_row) = match decision {
        Some(RestartDecision::Restart { backoff_ms, in_a_row }) => (backoff_ms, in_a_row),
        None => halt(p, d, guard, None),
        Some(RestartDecision::GiveUp { in_a_row }) => halt(p, d, guard, Some(in_a_row)),
    };
    state.in_a_row.store(in_a_row, Ordering::Release);
    let restarts = state.restarts.fetch_add(1, Ordering::AcqRel) + 1;
    state.heartbeats.store(0, Ordering::Release);
    state.pending.store(0, Ordering::Release);
    reset_devices(world, d);
    crate::vgic::reset_domain(world, d);
    load(world, d);
    crate::dirty::target_reloaded(d);
    if let (Some(saved), Some(vttbr)) = (&revoked, world.vttbr(d)) {
        stage2::reinstate(vttbr, saved);
    }
    stage2::flush_current_vmid();
    if log_admits(d) {
        kprintln!(
            "domain {} restarted ({} restarts), back-off {} ms ({} in a row, limit {})",
            domain.name.as_str(),
            restarts,
            backoff_ms,
            in_a_row,
            domain.max_restarts
        );
    }
    drop(guard);
    // Its first vCPU's pCPU (parked: this one, or one this stop kicked)
    // starts it once the back-off has passed, on its own EL2 timer.
    let first = VcpuId { domain: vcpu.domain, index: 0 };
    if let Some(q) = world.pins.pcpu_of(first)
        && state.claim_start(0)
    {
        let regs = entry_registers(d, Start::Boot);
        let start_at = timer::deadline_after_ms(backoff_ms).max(1);
        PCPUS[q].post_start(domain.image.entry.raw(), regs, state.generation.load(Ordering::SeqCst), start_at);
    }
    park(p)
}

/// What the crash-loop policy (`kernel_core::restart`) says about
/// restarting domain `d` now, after the life that is ending.
fn restart_decision(d: usize) -> RestartDecision {
    let state = &DOMAINS[d];
    let max_restarts = world().config.domains.get(d).map_or(0, |domain| domain.max_restarts);
    let life_ms =
        timer::now().saturating_sub(state.started_at.load(Ordering::Acquire)) / (timer::frequency() / 1000).max(1);
    restart::decide(max_restarts, state.in_a_row.load(Ordering::Acquire), life_ms)
}

/// Leaves domain `d`, whose vCPUs are all parked, halted for good: its
/// devices stop too (a virtio device reset drops the buffers it could
/// still write into the halted domain's RAM, and its SPIs are disabled so
/// that they no longer reach its parked pCPU). One line says so; with
/// `gave_up` (restarts in a row), it also says that the domain used up its
/// `max_restarts`. When every domain has halted, the system powers off.
fn halt(p: usize, d: usize, guard: spin::MutexGuard<'_, ()>, gave_up: Option<u32>) -> ! {
    let world = world();
    let Some(domain) = world.config.domains.get(d) else { park(p) };
    reset_devices(world, d);
    DOMAINS[d].halted.store(true, Ordering::Release);
    match gave_up {
        None => kprintln!("domain {} halted", domain.name.as_str()),
        Some(in_a_row) => kprintln!(
            "domain {} halted: it failed again after {} restarts in a row, each life under {} ms (max_restarts {}); \
             it is not restarted",
            domain.name.as_str(),
            in_a_row,
            restart::HEALTHY_LIFE_MS,
            domain.max_restarts
        ),
    }
    drop(guard);
    if world.config.domains.iter().enumerate().all(|(i, _)| DOMAINS[i].halted.load(Ordering::Acquire))
        && !SYSTEM_OFF.swap(true, Ordering::AcqRel)
    {
        kprintln!("every domain has stopped: system off");
        system::stop(ExitCode::Success, crate::log::stop_line);
    }
    park(p)
}

/// Prints (and restarts) the trap census of `domain`'s life that just
/// ended: the sum over its pCPUs, whose vCPUs are all parked.
fn print_census(domain: &bulkhead_bootcfg::Domain) {
    let mut counts = [0u64; kernel_core::census::CLASSES];
    for &q in &domain.pcpus {
        for (sum, count) in counts.iter_mut().zip(crate::arch::percpu::take_census(usize::from(q))) {
            *sum = sum.wrapping_add(count);
        }
    }
    kprintln!("{}", crate::log::Show(&kernel_core::census::CensusLine { domain: domain.name.as_str(), counts }));
}

/// Whether pCPU `p`'s EL2 timer is the watchdog of a life of its domain
/// that goes on: `p` runs the domain's first vCPU, the domain has a
/// watchdog, and it is neither halted nor being stopped, nor stopped since
/// that vCPU last started (its generation then moved on). A watchdog
/// armed for an ended life never fires: a domain halted by SYSTEM_OFF from
/// another vCPU is not faulted (and restarted) afterwards.
fn watchdog_live(p: usize) -> bool {
    let Some(vcpu) = vcpu_of(p) else { return false };
    let d = vcpu.domain.index();
    let (Some(domain), Some(state)) = (world().config.domains.get(d), DOMAINS.get(d)) else { return false };
    vcpu.index == 0
        && domain.watchdog_ms > 0
        && !state.halted.load(Ordering::Acquire)
        && !state.stopping.is_locked()
        && state.generation.load(Ordering::Acquire) == PCPUS[p].generation.load(Ordering::Acquire)
}

/// The EL2 timer fired on pCPU `p`: the watchdog of its domain's first
/// vCPU, if that is live (else the timer is disarmed: a parked pCPU's
/// back-off wait is `next_start`'s business).
pub fn watchdog_tick(p: usize) {
    if !hyptimer::fired() {
        return; // a stale delivery: the deadline has not passed
    }
    if !watchdog_live(p) {
        hyptimer::disarm();
        return;
    }
    let Some(vcpu) = vcpu_of(p) else { return };
    let d = vcpu.domain.index();
    let Some(domain) = world().config.domains.get(d) else { return };
    let state = &DOMAINS[d];
    let beats = state.heartbeats.load(Ordering::Acquire);
    if beats == state.seen_heartbeats.swap(beats, Ordering::AcqRel) {
        fault(p, vcpu, FaultReason::Watchdog, None);
    }
    hyptimer::arm_ms(u64::from(domain.watchdog_ms));
}

/// A device model asked to stop `vcpu`'s domain (`DmRemoteShutdown`):
/// stops it here, restarting it if asked. Returns if nothing was asked.
pub fn take_shutdown_request(p: usize, vcpu: VcpuId) {
    let Some(state) = DOMAINS.get(vcpu.domain.index()) else { return };
    match state.shutdown_request.swap(0, Ordering::AcqRel) {
        0 => {}
        request => {
            if log_admits(vcpu.domain.index()) {
                kprintln!(
                    "domain {}: {} by its device model (DmRemoteShutdown)",
                    crate::world::name_of(vcpu.domain.index()),
                    if request == 2 { "restarted" } else { "stopped" }
                );
            }
            stop_domain(p, vcpu, request == 2)
        }
    }
}

/// Asks domain `target` to stop (restart if `restart`): its vCPU 0's
/// pCPU takes the request at the kick.
pub fn request_shutdown(target: usize, restart: bool) {
    let Some(state) = DOMAINS.get(target) else { return };
    state.shutdown_request.store(if restart { 2 } else { 1 }, Ordering::Release);
    let Ok(domain) = u16::try_from(target) else { return };
    if let Some(q) = world().pins.pcpu_of(VcpuId { domain: bulkhead_abi::DomainId::new(domain), index: 0 })
        && let Some(cpu) = PCPUS.get(q)
    {
        cpu.kick();
    }
}

/// A kick: parks this pCPU if its domain stopped since its vCPU started;
/// otherwise raises or lowers the vCPU's virtual IRQ line (HCR_EL2.VI) as
/// its domain's doorbells are pending or not (vCPU 0 takes doorbells).
/// Reads only this pCPU's boot-time facts: it is on the doorbell delivery
/// path.
pub fn check_kicked(p: usize) {
    if system::stopping() {
        system::halt_this_cpu();
    }
    let me = &PCPUS[p];
    let Some(state) = DOMAINS.get(me.domain.load(Ordering::Relaxed)) else { return };
    if state.generation.load(Ordering::Acquire) != me.generation.load(Ordering::Relaxed) {
        park(p);
    }
    if state.shutdown_request.load(Ordering::Relaxed) != 0
        && let Some(vcpu) = vcpu_of(p)
    {
        take_shutdown_request(p, vcpu);
    }
    if me.vcpu.load(Ordering::Relaxed) == 0 && !me.direct.load(Ordering::Relaxed) {
        let d = me.domain.load(Ordering::Relaxed);
        let pending = state.pending.load(Ordering::Acquire) != 0;
        if crate::vgic::doorbell_via_gic(d) {
            if pending {
                crate::vgic::pend_doorbell(p, d);
            }
        } else {
            guest::set_virtual_irq(pending);
        }
    }
}
